//! The message bodies the load generator sends: realistic JSON orders and payments, rendered
//! once per kind into a [`Template`] and padded to about `--payload-bytes`. A request only
//! stitches its number into the template (order and payment ids), so generating traffic costs
//! little next to sending it.

use serde_json::{Value, json};

/// Stands for the message number in a rendered template.
const PLACEHOLDER: &str = "__LOADGEN_N__";
/// Digits assumed for the message number when padding to the target size.
const TYPICAL_DIGITS: usize = 6;

/// A payload rendered once, with holes where the message number goes.
pub(super) struct Template {
    parts: Vec<String>,
}

impl Template {
    /// Serialise `value`, padding it by appending copies of `filler` to its array `field` until
    /// it is at least `target` bytes long.
    fn padded(
        mut value: Value,
        field: &str,
        filler: impl Fn(usize) -> Value,
        target: usize,
    ) -> Self {
        let mut text = value.to_string();
        // The placeholders are replaced by numbers of about TYPICAL_DIGITS digits.
        let holes = text.matches(PLACEHOLDER).count();
        let size = |text: &str| text.len() + holes * TYPICAL_DIGITS - holes * PLACEHOLDER.len();
        let mut i = 0;
        while size(&text) < target {
            if let Some(Value::Array(items)) = value.get_mut(field) {
                items.push(filler(i));
            } else {
                break;
            }
            i += 1;
            text = value.to_string();
        }
        Template {
            parts: text.split(PLACEHOLDER).map(str::to_owned).collect(),
        }
    }

    pub(super) fn render(&self, n: u64) -> Vec<u8> {
        let number = n.to_string();
        let len = self.parts.iter().map(String::len).sum::<usize>() + number.len() * 2;
        let mut out = Vec::with_capacity(len);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(number.as_bytes());
            }
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

const CATALOGUE: [(&str, &str, f64); 5] = [
    ("SKU-10042", "Espresso beans, 1 kg", 24.95),
    ("SKU-20417", "Burr grinder", 49.00),
    ("SKU-31008", "Milk jug, 600 ml", 12.50),
    ("SKU-40555", "Paper filters (100)", 4.95),
    ("SKU-51290", "Descaler, 500 ml", 8.45),
];

pub(super) fn order_template(target: usize) -> Template {
    let order = json!({
        "order_id": format!("ord-{PLACEHOLDER}"),
        "placed_at": "2025-06-01T09:30:00Z",
        "customer": {
            "id": "cus-20417",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "tier": "gold"
        },
        "currency": "EUR",
        "total": "129.90",
        "shipping": {
            "method": "standard",
            "address": {
                "street": "Invalidenstrasse 117",
                "city": "Berlin",
                "postcode": "10115",
                "country": "DE"
            }
        },
        "lines": []
    });
    let line = |i: usize| {
        let (sku, name, price) = CATALOGUE[i % CATALOGUE.len()];
        json!({ "line": i + 1, "sku": sku, "name": name, "qty": 1 + i % 3, "unit_price": price })
    };
    Template::padded(order, "lines", line, target)
}

pub(super) fn payment_request_template(target: usize) -> Template {
    let payment = json!({
        "payment_id": format!("pay-{PLACEHOLDER}"),
        "order_id": format!("ord-{PLACEHOLDER}"),
        "amount": 129.90,
        "currency": "EUR",
        "method": { "type": "card", "brand": "visa", "last4": "4242", "expiry": "08/28" },
        "gateway": "acquirer-eu-1",
        "requested_at": "2025-06-01T09:30:02Z",
        "attempts": []
    });
    let attempt = |i: usize| {
        json!({
            "attempt": i + 1,
            "gateway": "acquirer-eu-1",
            "status": "timeout",
            "elapsed_ms": 5000
        })
    };
    Template::padded(payment, "attempts", attempt, target)
}

pub(super) fn payment_capture_template(target: usize) -> Template {
    let payment = json!({
        "payment_id": format!("pay-{PLACEHOLDER}"),
        "order_id": format!("ord-{PLACEHOLDER}"),
        "captured_amount": 129.90,
        "currency": "EUR",
        "captured_at": "2025-06-01T09:31:15Z",
        "screening": { "provider": "riskguard", "score": 0.97, "decision": "decline" },
        "signals": []
    });
    let signal = |i: usize| {
        const SIGNALS: [&str; 4] = [
            "ip_country_mismatch",
            "velocity_1h",
            "new_device",
            "billing_shipping_mismatch",
        ];
        json!({ "signal": SIGNALS[i % SIGNALS.len()], "weight": 0.1 + (i % 5) as f64 / 10.0 })
    };
    Template::padded(payment, "signals", signal, target)
}
