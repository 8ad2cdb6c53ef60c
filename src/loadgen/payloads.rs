//! The message bodies the load generator sends: realistic JSON orders and payments, rendered
//! once per kind into a [`Template`] and padded to about `--payload-bytes`. A request only
//! stitches its number (order and payment ids) and its customer's number into the template, so
//! generating traffic costs little next to sending it.

use serde_json::{Value, json};

/// Stands for the message number in a rendered template.
const PLACEHOLDER: &str = "__LOADGEN_N__";
/// Stands for the customer number (the one in the partition key).
const CUSTOMER: &str = "__LOADGEN_C__";
/// Digits assumed for the message number when padding to the target size.
const TYPICAL_DIGITS: usize = 6;

/// A payload rendered once, with holes where the message and customer numbers go.
pub(super) struct Template {
    /// Text, then what follows it (none after the last part).
    parts: Vec<(String, Option<Hole>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hole {
    Number,
    Customer,
}

/// The customer number of message `n`: the partition key is `cus-<it>`.
pub(super) fn customer_of(n: u64) -> u64 {
    20_000 + n % 5_000
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
        let holes = text.matches(PLACEHOLDER).count() + text.matches(CUSTOMER).count();
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
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        loop {
            let next = [(PLACEHOLDER, Hole::Number), (CUSTOMER, Hole::Customer)]
                .into_iter()
                .filter_map(|(mark, hole)| rest.find(mark).map(|at| (at, mark.len(), hole)))
                .min_by_key(|(at, ..)| *at);
            match next {
                Some((at, len, hole)) => {
                    parts.push((rest[..at].to_owned(), Some(hole)));
                    rest = &rest[at + len..];
                }
                None => {
                    parts.push((rest.to_owned(), None));
                    break;
                }
            }
        }
        Template { parts }
    }

    /// The payload of message `n` (its customer: [`customer_of`]).
    pub(super) fn render(&self, n: u64) -> Vec<u8> {
        let number = n.to_string();
        let customer = customer_of(n).to_string();
        let len = self.parts.iter().map(|(p, _)| p.len()).sum::<usize>() + number.len() * 3;
        let mut out = Vec::with_capacity(len);
        for (part, hole) in &self.parts {
            out.extend_from_slice(part.as_bytes());
            match hole {
                Some(Hole::Number) => out.extend_from_slice(number.as_bytes()),
                Some(Hole::Customer) => out.extend_from_slice(customer.as_bytes()),
                None => {}
            }
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
    Template::padded(order(), "lines", order_line, target)
}

/// An order whose customer has no `email` (the sidecar workload's failure).
pub(super) fn order_without_email_template(target: usize) -> Template {
    let mut order = order();
    if let Some(Value::Object(customer)) = order.get_mut("customer") {
        customer.remove("email");
    }
    if let Some(total) = order.get_mut("total") {
        *total = json!(129.90);
    }
    Template::padded(order, "lines", order_line, target)
}

fn order() -> Value {
    json!({
        "order_id": format!("ord-{PLACEHOLDER}"),
        "placed_at": "2025-06-01T09:30:00Z",
        "customer": {
            "id": format!("cus-{CUSTOMER}"),
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
    })
}

fn order_line(i: usize) -> Value {
    let (sku, name, price) = CATALOGUE[i % CATALOGUE.len()];
    json!({ "line": i + 1, "sku": sku, "name": name, "qty": 1 + i % 3, "unit_price": price })
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
