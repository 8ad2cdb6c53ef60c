//! The operator console in a real headless Chromium (see `support/browser.rs`), against a real
//! Salvage and Redis: messages parked by real `Report` calls are found, fixed and resent from the
//! page, and what must be refused or stay inert is checked from inside the browser.

mod actions;
mod find;
mod security;

use std::{sync::Arc, time::Duration};

use salvage::proto::v1 as pb;
use salvage_model::{Clock, SystemClock, failure_group};

use crate::support::{browser::Browser, *};

/// Pointers masked by the console in these tests.
const SENSITIVE: [&str; 2] = ["/card/number", "/customer/email"];

/// A Salvage with the console and a browser signed in with `token`.
struct Console {
    app: TestApp,
    browser: Browser,
    /// `http://127.0.0.1:PORT/console/`
    base: String,
}

impl Console {
    async fn start() -> Self {
        Self::start_with_clock(Arc::new(SystemClock)).await
    }

    /// A console whose Salvage reads its times from `clock` (see `manual_clock`).
    async fn start_with_clock(clock: Arc<dyn Clock>) -> Self {
        let app = spawn_app_with_clock(clock, |s| {
            s.parking_lot.sensitive = SENSITIVE.iter().map(|p| (*p).to_owned()).collect();
        })
        .await;
        let browser = Browser::start().await;
        let base = format!("{}/console/", app.admin_url);
        Self { app, browser, base }
    }

    /// Open the console and sign in with `token`; waits for the header to name `who`.
    async fn sign_in(&self, token: &str, who: &str) {
        self.browser.goto(&self.base).await;
        self.browser.type_into("input#token", token).await;
        // Enter submits the form: the sign-in works from the keyboard.
        self.browser.type_into("input#token", "\u{E007}").await;
        self.browser.wait_text("#whoami", who).await;
    }

    /// Open a page of the console by its hash route (`#/...`).
    async fn open(&self, route: &str) {
        self.browser.goto(&format!("{}{route}", self.base)).await;
    }

    /// Report `req`; it must be parked. Returns its tracking id.
    async fn park(&self, req: pb::ReportRequest) -> String {
        let resp = self.app.client().report(req).await.unwrap().into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
        resp.tracking_id
    }

    /// The consumer fails on every copy of an order whose total the example rule repairs: five
    /// repairs, then the attempt limit parks it. Returns its tracking id.
    async fn park_after_five_repairs(&self) -> String {
        let mut client = self.app.client();
        let mut headers = std::collections::HashMap::new();
        for attempt in 1..=6usize {
            let mut req = order_total_as_string("o-loop");
            message(&mut req).headers = headers.clone();
            let resp = client.report(req).await.unwrap().into_inner();
            if attempt == 6 {
                assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
                return resp.tracking_id;
            }
            let entries = self.app.await_stream("orders", attempt).await;
            headers = serde_json::from_str(&entries[attempt - 1]["headers"]).unwrap();
        }
        unreachable!()
    }

    /// An HTTP client of the console's API (no browser), keeping cookies by hand.
    fn api(&self, path: &str) -> String {
        format!("{}/console/api{path}", self.app.admin_url)
    }
}

/// The failure group of `fraud_declined(id)`.
fn fraud_group(id: &str) -> String {
    failure_group(
        "payments",
        "FRAUD_DECLINED",
        &format!("payment {id} declined by screening (score 0.97)"),
    )
}

/// Wait until `f` holds (10 s).
async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let ok = eventually(Duration::from_secs(10), || {
        let fut = f();
        async move { fut.await.then_some(()) }
    })
    .await;
    assert!(ok.is_some(), "{what} within 10s");
}
