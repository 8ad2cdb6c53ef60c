"""The arguments of one report of issue 14's workload, as Salvage sends them (bench/redis-writes.sh).

A ~1 KiB order without customer.email (as `salvage loadgen --mix missing` sends), the same order
with the email a `default` action adds, four headers, a MISSING_FIELD failure with a 150-byte
detail, and the attempt's history entry after its opening `{"attempt":..,"outcome":..,"reason":..,`.
"""
import json
import sys

order = {
    "order_id": "o-000017",
    "placed_at": "2026-12-07T10:00:00Z",
    "customer": {"id": "c-17", "name": "Ada Lovelace", "tier": "gold",
                 "address": {"street": "12 Analytical Row", "city": "London", "zip": "N1 7GU",
                             "country": "GB"}},
    "items": [{"sku": f"SKU-{i:05d}", "name": f"widget number {i}, blue, the large one",
               "qty": i + 1, "unit_price": "19.99", "tax_rate": "0.20"} for i in range(5)],
    "shipping": {"method": "express", "price": "4.99", "carrier": "royal-mail"},
    "total": "104.94",
    "currency": "GBP",
}
payload = json.dumps(order, separators=(",", ":"))
payload = payload[:-1] + ',"note":"' + "x" * max(0, 1024 - len(payload) - 10) + '"}'
produced_doc = json.loads(payload)
produced_doc["customer"]["email"] = "guest@shop.example"
produced = json.dumps(produced_doc, separators=(",", ":"))
headers = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
           "source_service": "checkout", "schema_version": "3", "tenant": "acme"}
headers_out = dict(headers, **{"salvage-tracking-id": "01a24fc8-7525-75ef-8f7e-a1cdd72ac327",
                               "salvage-rule": "order-missing-email"})
detail = "validation failed at customer.email: the checkout service requires an email for " \
         "receipts; the order came from the mobile app v4.2 which omits it"[:150]
failure = {"class": "data", "code": "MISSING_FIELD",
           "message": "required field 'customer.email' is missing", "consumer": "orders",
           "delivery_attempt": 1, "detail": detail, "detail_truncated": False}


def tail(with_payload, decision="requeue"):
    entry = {"at": 1796634828479, "tracking_id": "01a24fc8-7525-75ef-8f7e-a1cdd72ac327",
             "class": "data", "code": "MISSING_FIELD",
             "message": "required field 'customer.email' is missing", "consumer": "orders",
             "delivery_attempt": 1, "rule": "order-missing-email", "decision": decision,
             "payload": produced if with_payload else None,
             "changes": [{"pointer": "/customer/email", "op": "added",
                          "after": "guest@shop.example"}]}
    return json.dumps(entry, separators=(",", ":"))[1:]


what = sys.argv[1]
print({
    "payload": payload,
    "produced": produced,
    "headers": json.dumps(headers, separators=(",", ":")),
    "headers_out": json.dumps(headers_out, separators=(",", ":")),
    "failure": json.dumps(failure, separators=(",", ":")),
    "tail": tail(True),
    "tail_null": tail(False),
    # A park: no payload produced, no changes (what Salvage writes for a parked attempt).
    "tail_park": tail(False, "park").replace(',"changes":[{"pointer":"/customer/email","op":"added","after":"guest@shop.example"}]', ''),
}[what], end="")
