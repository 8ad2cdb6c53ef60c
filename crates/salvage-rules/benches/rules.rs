//! Rule evaluation on the hot path: `RuleSet::evaluate` with the shipped `examples/rules.toml`
//! against realistic (~1 KiB) order and payment payloads, among them the sidecar workload of
//! issue 14 (an order without `customer.email`, filled in by a `default` action), and a
//! wildcard repair (issue 15: every quantity of a 100-line order, 10,844 bytes, and of a
//! 1,000-line order, to show the cost per line does not grow with the payload), and rule
//! language v2 (issue 15), each on a ~1 KiB payload and a rule of the example: `multiply`
//! (euros into cents), a path taken from the error message (`{field}`), `timestamp` in a time
//! zone, `decode_json`, a rule's repair validated against the event type's JSON Schema, a
//! zero-rule repair by that schema, `coerce` with a boolean vocabulary (Y/N) and `pad`. Run with
//! `cargo bench -p salvage-rules --bench rules`. Each case is measured twice: in wall time
//! (`evaluate/...`), and in the thread's CPU time (`evaluate-cpu/...`, on Linux), which is what
//! an evaluation costs one core even on a machine busy with other work.

use std::{hint::black_box, time::Duration};

use criterion::{
    Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
    measurement::{Measurement, ValueFormatter, WallTime},
};
use salvage_rules::{Decision, ErrorClass, Input, RuleSet};
use serde_json::{Value, json};

const RULES: &str = include_str!("../../../examples/rules.toml");

/// The example's schema files, as `RuleSet::load` asks for them (relative to `examples/`).
fn read_schema(file: &str) -> Result<String, String> {
    match file {
        "schemas/checkout-completed.v2.json" => {
            Ok(include_str!("../../../examples/schemas/checkout-completed.v2.json").to_owned())
        }
        other => Err(format!("{other}: not one of the example's schema files")),
    }
}

/// An order as the web shop sends it, about 1 KiB, with `total` and `placed_at` as given.
fn order(total: Value, placed_at: &str) -> String {
    order_value(total, placed_at).to_string()
}

/// The same order without the customer's email (the sidecar workload's failure).
fn order_without_email() -> String {
    let mut order = order_value(json!(149.9), "2026-11-22T10:15:00Z");
    if let Some(Value::Object(customer)) = order.get_mut("customer") {
        customer.shift_remove("email");
    }
    order.to_string()
}

/// The same order with `lines` lines whose quantities are strings (a marketplace's failure).
fn order_with_string_quantities(lines: usize) -> String {
    let mut order = order_value(json!(149.9), "2026-11-22T10:15:00Z");
    order["lines"] = Value::Array((1..=lines).map(|n| line(json!(n.to_string()), n)).collect());
    order.to_string()
}

fn line(qty: Value, n: usize) -> Value {
    json!({
        "sku": format!("SKU-{n:04}"),
        "name": "Organic cotton T-shirt, size M",
        "qty": qty,
        "unit_price": 19.95,
        "vat_rate": 0.19
    })
}

fn order_value(total: Value, placed_at: &str) -> Value {
    let lines: Vec<Value> = (1..=6).map(|n| line(json!(n), n)).collect();
    json!({
        "id": "o-2026-11-22-000417",
        "schema_version": 2,
        "customer_id": "c-88213",
        "customer": {
            "email": "ada.lovelace@example.com",
            "phone": "+493012345678",
            "name": "Ada Lovelace"
        },
        "lines": lines,
        "shipping": {
            "street": "Friedrichstraße 123",
            "city": "Berlin",
            "postcode": "10117",
            "country": "DE"
        },
        "total": total,
        "currency": "EUR",
        "placed_at": placed_at,
        "channel": "web"
    })
}

/// A payment request, about 1 KiB, with `method` as given.
fn payment(method: &str) -> String {
    payment_value(method).to_string()
}

/// The same payment request from the old checkout: the amount in euros as `amount` (149.9)
/// where `amount_cents` belongs (`payment-amount-in-units` renames it and multiplies by 100).
fn payment_in_units() -> String {
    let Value::Object(payment) = payment_value("card") else {
        unreachable!("a payment is an object")
    };
    let payment: serde_json::Map<String, Value> = payment
        .into_iter()
        .map(|(key, value)| match key.as_str() {
            "amount_cents" => ("amount".to_owned(), json!(149.9)),
            _ => (key, value),
        })
        .collect();
    Value::Object(payment).to_string()
}

fn payment_value(method: &str) -> Value {
    json!({
        "id": "p-2026-11-22-000981",
        "order_id": "o-2026-11-22-000417",
        "amount_cents": 14990,
        "currency": "EUR",
        "method": method,
        "payer": {
            "name": "Ada Lovelace",
            "email": "ada.lovelace@example.com",
            "iban": "DE89370400440532013000"
        },
        "notes": "Customer asked for the invoice to be sent by email; ".repeat(14),
        "requested_at": "2026-11-22T10:15:00Z"
    })
}

/// The same order with a gift flag on each line as the legacy till writes it: "Y" or "N".
fn order_with_gift_flags() -> String {
    let mut order = order_value(json!(149.9), "2026-11-22T10:15:00Z");
    if let Some(Value::Array(lines)) = order.get_mut("lines") {
        for (n, line) in lines.iter_mut().enumerate() {
            line["gift"] = json!(if n % 3 == 1 { "Y" } else { "N" });
        }
    }
    order.to_string()
}

/// A webhook relay's delivery whose `body` is an order of four lines written as a JSON
/// string (double-encoded) instead of an object.
fn webhook_double_encoded() -> String {
    let mut order = order_value(json!(149.9), "2026-11-22T10:15:00Z");
    if let Some(Value::Array(lines)) = order.get_mut("lines") {
        lines.truncate(4);
    }
    json!({
        "delivery_id": "wh-2026-11-22-005531",
        "relay": "shop-webhooks-eu-1",
        "topic": "orders/create",
        "attempt": 1,
        "body": order.to_string(),
        "received_at": "2026-11-22T10:15:02Z"
    })
    .to_string()
}

/// Parcels of a shipment, as both carrier payloads below list them.
fn parcels() -> Value {
    (1..=3)
        .map(|n| {
            json!({
                "parcel_id": format!("pc-2026-11-22-00{n}"),
                "weight_g": 850 * n,
                "dimensions_mm": { "length": 350, "width": 250, "height": 120 },
                "contents": "Apparel (cotton T-shirts)",
                "declared_value": 59.85
            })
        })
        .collect()
}

/// A parcel booking for the carrier API, about 1 KiB, with the postcode sent as a number.
fn parcel_booking() -> String {
    json!({
        "order": "o-2026-11-22-000417",
        "carrier": "parcel-de",
        "service": "standard",
        "shipping": {
            "name": "Ada Lovelace",
            "street": "Friedrichstraße 123",
            "postcode": 10117,
            "city": "Berlin",
            "country": "DE",
            "phone": "+493012345678"
        },
        "sender": {
            "name": "Example Shop GmbH",
            "street": "Lagerweg 4",
            "postcode": "14979",
            "city": "Großbeeren",
            "country": "DE"
        },
        "parcels": parcels(),
        "reference": "o-2026-11-22-000417/1",
        "notes": "Leave with a neighbour if not at home"
    })
    .to_string()
}

/// A US shipment request, about 1 KiB, whose zip lost its leading zero ("2134" for 02134).
fn shipment_request() -> String {
    json!({
        "id": "s-2026-11-22-002001",
        "order_id": "o-2026-11-22-000418",
        "carrier": "ups",
        "service": "ground",
        "address": {
            "name": "Grace Hopper",
            "line1": "1 Brighton Avenue",
            "line2": "Apt 4",
            "city": "Boston",
            "state": "MA",
            "zip": "2134",
            "country": "US",
            "phone": "+16175550123"
        },
        "sender": {
            "name": "Example Shop Inc.",
            "line1": "200 Fulfillment Way",
            "city": "Edison",
            "state": "NJ",
            "zip": "08817",
            "country": "US"
        },
        "parcels": parcels(),
        "reference": "o-2026-11-22-000418/1",
        "requested_at": "2026-11-22T10:15:00Z"
    })
    .to_string()
}

/// A sale from a New York store's till, about 1 KiB, its time local and without an offset.
fn store_sale() -> String {
    let items: Vec<Value> = (1..=7)
        .map(|n| {
            json!({
                "sku": format!("SKU-{n:04}"),
                "name": "Organic cotton T-shirt, size M",
                "qty": 1,
                "unit_price": 24.00,
                "tax_rate": 0.08875
            })
        })
        .collect();
    json!({
        "store": "nyc-05",
        "register": "till-03",
        "receipt": "r-2026-07-04-000381",
        "cashier": "e-114",
        "sold_at": "2026-07-04 18:45:00",
        "items": items,
        "subtotal": 168.00,
        "tax": 14.91,
        "total": 182.91,
        "currency": "USD",
        "tender": { "method": "card", "last4": "4242" }
    })
    .to_string()
}

/// A checkout as the checkout service publishes it (CheckoutCompleted version 2, which
/// `examples/schemas/checkout-completed.v2.json` describes), about 1 KiB: 12 lines, with
/// `total` as given.
fn checkout_value(total: Value) -> Value {
    let lines: Vec<Value> = (1..=12)
        .map(
            |n| json!({ "sku": format!("SKU-{n:04}"), "quantity": 1 + n % 2, "unit_price": 19.95 }),
        )
        .collect();
    json!({
        "schema_version": "2",
        "checkout_id": "co-2026112200417",
        "completed_at": "2026-11-22T10:15:00Z",
        "customer": {
            "id": "c-88213",
            "email": "ada.lovelace@example.com",
            "loyalty_number": 4410221
        },
        "lines": lines,
        "shipping": {
            "method": "standard",
            "address": {
                "line1": "Friedrichstraße 123",
                "city": "Berlin",
                "zip": "10117",
                "country": "DE"
            }
        },
        "currency": "EUR",
        "total": total,
        "gift_wrap": false
    })
}

/// The checkout's total (18 items at 19.95).
const CHECKOUT_TOTAL: &str = "359.10";

/// The checkout with its total as a decimal string (`checkout-total-as-string`); valid against
/// the schema once coerced.
fn checkout_total_as_string() -> String {
    checkout_value(json!(CHECKOUT_TOTAL)).to_string()
}

/// The checkout as no rule repairs it but its schema can: the first line's quantity a string,
/// the shipping method in capitals, an extra `debug` member and no `currency` (the schema's
/// default, EUR, is filled in).
fn checkout_for_schema_repair() -> String {
    let total: Value = match serde_json::from_str(CHECKOUT_TOTAL) {
        Ok(total) => total,
        Err(e) => panic!("{e}"),
    };
    let mut checkout = checkout_value(total);
    checkout["lines"][0]["quantity"] = json!("2");
    checkout["shipping"]["method"] = json!("EXPRESS");
    checkout["debug"] = json!({ "trace": "a1b2c3d4e5f60718", "host": "checkout-7f9c" });
    if let Value::Object(checkout) = &mut checkout {
        checkout.shift_remove("currency");
    }
    checkout.to_string()
}

/// The consumer's message, for the cases whose rules do not look at it.
const REJECTED: &str = "rejected by the consumer";

struct Case {
    name: &'static str,
    queue: &'static str,
    event_type: &'static str,
    class: ErrorClass,
    code: &'static str,
    message: &'static str,
    payload: String,
    /// The deciding rule (None = defaults) and the decision's kind, checked before measuring.
    expect: (Option<&'static str>, &'static str),
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "coerce order total",
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "INVALID_TYPE",
            message: REJECTED,
            payload: order(json!("149.90"), "2026-11-22T10:15:00Z"),
            expect: (Some("order-total-as-string"), "requeue"),
        },
        Case {
            name: "map payment method",
            queue: "payments",
            event_type: "PaymentRequested",
            class: ErrorClass::Data,
            code: "INVALID_ENUM",
            message: REJECTED,
            payload: payment("Credit_Card"),
            expect: (Some("payment-method-spelling"), "requeue"),
        },
        Case {
            name: "normalise timestamp",
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "INVALID_DATE",
            message: REJECTED,
            payload: order(json!(149.9), "2026-11-22 10:15:00"),
            expect: (Some("order-placed-at-format"), "requeue"),
        },
        Case {
            name: "no match, default park",
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "NEGATIVE_QUANTITY",
            message: REJECTED,
            payload: order(json!(149.9), "2026-11-22T10:15:00Z"),
            expect: (None, "park"),
        },
        Case {
            name: "transient retry",
            queue: "payments",
            event_type: "PaymentCaptured",
            class: ErrorClass::Transient,
            code: "GATEWAY_TIMEOUT",
            message: REJECTED,
            payload: payment("card"),
            expect: (Some("payment-gateway-timeout"), "retry"),
        },
        Case {
            name: "default missing email",
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "MISSING_FIELD",
            message: "required field 'customer.email' is missing",
            payload: order_without_email(),
            expect: (Some("order-missing-email"), "requeue"),
        },
        Case {
            name: "wildcard repair over a 100-item array",
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "INVALID_TYPE",
            message: "lines/0/qty: expected an integer, got a string",
            payload: order_with_string_quantities(100),
            expect: (Some("order-line-qty-as-string"), "requeue"),
        },
        // Ten times the lines (108 KB): the cost per line should stay what it is at 100.
        Case {
            name: "wildcard repair over a 1,000-item array",
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "INVALID_TYPE",
            message: "lines/0/qty: expected an integer, got a string",
            payload: order_with_string_quantities(1_000),
            expect: (Some("order-line-qty-as-string"), "requeue"),
        },
        // Rule language v2 (issue 15): its new actions and conditions, each on a ~1 KiB payload
        // and an example rule.
        Case {
            name: "multiply euros into cents",
            queue: "payments",
            event_type: "PaymentRequested",
            class: ErrorClass::Data,
            code: "MISSING_FIELD",
            message: "amount_cents: required",
            payload: payment_in_units(),
            expect: (Some("payment-amount-in-units"), "requeue"),
        },
        Case {
            name: "coerce the field the error names",
            queue: "shipping",
            event_type: "ParcelBooked",
            class: ErrorClass::Data,
            code: "INVALID_TYPE",
            message: "field 'shipping.postcode' must be a string",
            payload: parcel_booking(),
            expect: (Some("shipping-field-as-string"), "requeue"),
        },
        Case {
            name: "timestamp in a time zone",
            queue: "store-sales.nyc",
            event_type: "SaleRecorded",
            class: ErrorClass::Data,
            code: "INVALID_DATE",
            message: "sold_at: expected an RFC 3339 date-time",
            payload: store_sale(),
            expect: (Some("store-sale-local-time"), "requeue"),
        },
        Case {
            name: "decode a double-encoded body",
            queue: "webhooks.shop",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "INVALID_TYPE",
            message: "body: expected an object, got a string",
            payload: webhook_double_encoded(),
            expect: (Some("webhook-body-double-encoded"), "requeue"),
        },
        Case {
            name: "rule repair validated against a schema",
            queue: "checkout",
            event_type: "CheckoutCompleted",
            class: ErrorClass::Data,
            code: "INVALID_TYPE",
            message: "total: expected a number",
            payload: checkout_total_as_string(),
            expect: (Some("checkout-total-as-string"), "requeue"),
        },
        Case {
            name: "zero-rule schema repair",
            queue: "checkout",
            event_type: "CheckoutCompleted",
            class: ErrorClass::Data,
            code: "SCHEMA_VIOLATION",
            message: "/lines/0/quantity: expected an integer",
            payload: checkout_for_schema_repair(),
            expect: (Some("schema:CheckoutCompleted"), "requeue"),
        },
        Case {
            name: "coerce Y/N gift flags to booleans",
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code: "INVALID_TYPE",
            message: "lines[1].gift: expected a boolean",
            payload: order_with_gift_flags(),
            expect: (Some("order-line-gift-flag"), "requeue"),
        },
        Case {
            name: "pad a zip code",
            queue: "shipping",
            event_type: "ShipmentRequested",
            class: ErrorClass::Data,
            code: "INVALID_ZIP",
            message: "address.zip: expected 5 digits",
            payload: shipment_request(),
            expect: (Some("shipping-zip-five-digits"), "requeue"),
        },
    ]
}

fn evaluate(c: &mut Criterion) {
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    bench_cases(&mut group);
    group.finish();
}

/// The same cases measured in the benchmark thread's CPU time rather than wall time: what one
/// evaluation costs a core, whatever else the machine runs meanwhile.
fn evaluate_cpu(c: &mut Criterion<CpuTime>) {
    if CpuTime::now().is_none() {
        eprintln!("evaluate-cpu: no /proc/thread-self/schedstat here, skipped");
        return;
    }
    let mut group = c.benchmark_group("evaluate-cpu");
    group.throughput(Throughput::Elements(1));
    // The thread's CPU time advances by scheduler ticks (4 ms at 250 Hz): samples long enough
    // for that to matter little.
    group.sampling_mode(SamplingMode::Flat);
    bench_cases(&mut group);
    group.finish();
}

fn bench_cases<M: Measurement>(group: &mut criterion::BenchmarkGroup<'_, M>) {
    let rules = match RuleSet::load(RULES, "examples/rules.toml", &mut read_schema) {
        Ok(rules) => rules,
        Err(e) => panic!("{e}"),
    };
    for case in cases() {
        let input = Input {
            queue: case.queue,
            event_type: case.event_type,
            class: case.class,
            code: case.code,
            message: case.message,
            payload: case.payload.as_bytes(),
        };
        let evaluation = rules.evaluate(&input);
        let got = (evaluation.rule.as_deref(), evaluation.decision.kind());
        assert_eq!(got, case.expect, "{}: {:?}", case.name, evaluation.decision);
        assert!(
            case.payload.len() > 900,
            "{}: payload is {} bytes",
            case.name,
            case.payload.len()
        );
        if let Decision::Requeue { payload } = &evaluation.decision {
            assert!(payload.is_some(), "{}: not repaired", case.name);
        }
        group.bench_function(case.name, |b| b.iter(|| rules.evaluate(black_box(&input))));
    }
}

/// The CPU time of the calling thread (`/proc/thread-self/schedstat`, nanoseconds on a CPU).
struct CpuTime {
    wall: WallTime,
}

impl CpuTime {
    fn now() -> Option<u64> {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = Duration;

    fn start(&self) -> u64 {
        CpuTime::now().unwrap_or(0)
    }

    fn end(&self, start: u64) -> Duration {
        Duration::from_nanos(CpuTime::now().unwrap_or(0).saturating_sub(start))
    }

    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = evaluate
}
criterion_group! {
    name = benches_cpu;
    config = Criterion::default()
        .with_measurement(CpuTime { wall: WallTime })
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .sample_size(20);
    targets = evaluate_cpu
}
criterion_main!(benches, benches_cpu);
