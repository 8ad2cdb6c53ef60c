//! What the console refuses and what stays inert: roles, CSRF and origin checks on every change,
//! the Content-Security-Policy, payloads rendered as text, masked sensitive values, and
//! screenshots of the main pages (for `docs/`).

use serde_json::{Value, json};

use super::*;
use crate::support::admin::audit_of;

/// Sign in over HTTP (no browser); returns the cookie and the CSRF token.
async fn http_sign_in(c: &Console, token: &str) -> (String, String) {
    let r = reqwest::Client::new()
        .post(c.api("/session"))
        .header("content-type", "application/json")
        .body(json!({ "token": token }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(set.contains(attr), "{set}");
    }
    let cookie = set.split(';').next().unwrap().to_owned();
    let me: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    (cookie, me["csrf"].as_str().unwrap().to_owned())
}

/// POST `body` to `path` with these headers; returns the status and body.
async fn post(c: &Console, path: &str, headers: &[(&str, &str)], body: Value) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(c.api(path))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_viewer_sees_no_mutating_controls_and_forged_changes_are_refused() {
    let c = Console::start().await;
    let tid = c.park(fraud_declined("p-1")).await;
    c.sign_in(VIEWER, "victor").await;
    c.open(&format!("#/message/{tid}")).await;
    c.browser.wait_text("#payload", "p-1").await;
    c.open(&format!("#/group/{}", fraud_group("p-1"))).await;
    c.browser
        .find(&format!("tr[data-tracking-id=\"{tid}\"]"))
        .await;
    c.open(&format!("#/message/{tid}")).await;
    c.browser.wait_text("#payload", "p-1").await;
    for control in [
        "button#edit",
        "button#resubmit",
        "button#discard",
        "button#reveal",
        "button#restore",
        "textarea#editor",
    ] {
        assert_eq!(
            c.browser.count(control).await,
            0,
            "{control} shown to a viewer"
        );
    }
    c.open(&format!("#/group/{}", fraud_group("p-1"))).await;
    c.browser
        .find(&format!("tr[data-tracking-id=\"{tid}\"]"))
        .await;
    for control in [
        "button#resubmit-group",
        "button#resubmit-selected",
        "input.select",
    ] {
        assert_eq!(
            c.browser.count(control).await,
            0,
            "{control} shown to a viewer"
        );
    }

    // A change forged from the viewer's page: refused with or without the CSRF token.
    let forged = c
        .browser
        .exec_async(
            "const done = arguments[arguments.length - 1];
             const [url, tid] = arguments;
             (async () => {
               const me = await fetch(url + '/session').then(r => r.json());
               const body = JSON.stringify({tracking_ids: [tid], reason: 'forged'});
               const h = {'content-type': 'application/json'};
               const bare = await fetch(url + '/discard', {method: 'POST', headers: h, body});
               const withCsrf = await fetch(url + '/discard', {method: 'POST', body,
                 headers: {...h, 'x-salvage-csrf': me.csrf}});
               done([bare.status, withCsrf.status]);
             })();",
            json!([format!("{}/console/api", c.app.admin_url), tid]),
        )
        .await;
    assert_eq!(forged, json!([403, 403]), "no CSRF token; a viewer");

    // An operator's session, from outside the page: refused without the token or from another
    // origin; accepted with both.
    let (cookie, csrf) = http_sign_in(&c, OPERATOR).await;
    let body = json!({"tracking_ids": [tid], "reason": "forged"});
    let (status, text) = post(&c, "/discard", &[], body.clone()).await;
    assert_eq!(status, 401, "no session: {text}");
    let (status, text) = post(&c, "/discard", &[("cookie", &cookie)], body.clone()).await;
    assert_eq!(status, 403, "no CSRF token: {text}");
    assert!(text.contains("CSRF"), "{text}");
    let evil = [
        ("cookie", cookie.as_str()),
        ("x-salvage-csrf", csrf.as_str()),
        ("origin", "http://evil.example"),
    ];
    let (status, text) = post(&c, "/discard", &evil, body.clone()).await;
    assert_eq!(status, 403, "another origin: {text}");
    assert!(
        !c.app.parked(&tid).await.is_empty(),
        "nothing was discarded"
    );
    let good = [
        ("cookie", cookie.as_str()),
        ("x-salvage-csrf", csrf.as_str()),
    ];
    let (status, text) = post(&c, "/discard", &good, body).await;
    assert_eq!(status, 200, "{text}");
    assert!(c.app.parked(&tid).await.is_empty());
}

#[tokio::test]
async fn script_in_a_payload_or_header_stays_inert() {
    let c = Console::start().await;
    let evil =
        r#"<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2;alert(2)">"#;
    let payload = json!({"order_id": "s-x", "note": evil}).to_string();
    let mut req = shipment("s-x", &payload);
    message(&mut req)
        .headers
        .insert("x-note".to_owned(), evil.to_owned());
    message(&mut req).event_type = evil.to_owned();
    let tid = c.park(req).await;
    c.sign_in(OPERATOR, "olivia").await;
    let group = failure_group(
        "shipments",
        "ADDRESS_INVALID",
        "the shipping address is incomplete",
    );
    for route in [
        "#/".to_owned(),
        "#/groups".to_owned(),
        format!("#/group/{group}"),
        "#/messages?queue=shipments".to_owned(),
        format!("#/message/{tid}"),
    ] {
        c.open(&route).await;
        if route.starts_with("#/message/") {
            let shown = c.browser.wait_text("#payload", "<script>").await;
            assert!(shown.contains("onerror="), "shown as text: {shown}");
            c.browser.wait_text("#headers", "<img src=x").await;
        } else if route != "#/" && route != "#/groups" {
            c.browser
                .find(&format!("tr[data-tracking-id=\"{tid}\"]"))
                .await;
        } else {
            c.browser.find(&format!("tr[data-group=\"{group}\"]")).await;
        }
        assert_eq!(
            c.browser.dialog_text().await,
            None,
            "{route}: a dialog opened"
        );
        let state = c
            .browser
            .exec(
                "return [typeof window.__xss,
                  document.querySelectorAll('img[src=\"x\"]').length,
                  document.querySelectorAll('script:not([src])').length];",
                json!([]),
            )
            .await;
        assert_eq!(state, json!(["undefined", 0, 0]), "{route}: injected");
    }
}

#[tokio::test]
async fn sensitive_values_are_masked_until_an_operator_reveals_them() {
    let c = Console::start().await;
    let payload = json!({
        "order_id": "s-card",
        "card": {"number": "4111111111111111", "expiry": "12/29"},
        "customer": {"email": "ada@example.com", "name": "Ada"}
    })
    .to_string();
    let tid = c.park(shipment("s-card", &payload)).await;
    c.sign_in(OPERATOR, "olivia").await;
    c.open("#/messages?queue=shipments").await;
    let row = c
        .browser
        .wait_text(&format!("tr[data-tracking-id=\"{tid}\"]"), "s-card")
        .await;
    assert!(!row.contains("4111") && !row.contains("ada@"), "{row}");
    c.open(&format!("#/message/{tid}")).await;
    let shown = c.browser.wait_text("#payload", "[redacted]").await;
    assert!(!shown.contains("4111111111111111"), "{shown}");
    assert!(!shown.contains("ada@example.com"), "{shown}");
    assert!(shown.contains("12/29") && shown.contains("Ada"), "{shown}");
    let page = c
        .browser
        .exec("return document.body.innerText;", json!([]))
        .await;
    assert!(!page.as_str().unwrap().contains("4111111111111111"));
    c.browser.click("button#reveal").await;
    c.browser.wait_text("#payload", "4111111111111111").await;
    let audit = audit_of(&c.app.operator().await, &tid).await;
    assert_eq!(audit[0].action, "reveal");
    assert_eq!(audit[0].actor, "olivia");

    // A viewer cannot reveal, even by calling the API.
    let (cookie, csrf) = http_sign_in(&c, VIEWER).await;
    let h = [
        ("cookie", cookie.as_str()),
        ("x-salvage-csrf", csrf.as_str()),
    ];
    let (status, text) = post(&c, &format!("/messages/{tid}/reveal"), &h, json!({})).await;
    assert_eq!(status, 403, "{text}");
    assert!(!text.contains("4111"));

    // An edit that leaves the masks in place keeps the stored values.
    let (cookie, csrf) = http_sign_in(&c, OPERATOR).await;
    let h = [
        ("cookie", cookie.as_str()),
        ("x-salvage-csrf", csrf.as_str()),
    ];
    let edited = json!({
        "order_id": "s-card",
        "card": {"number": "[redacted]", "expiry": "01/30"},
        "customer": {"email": "[redacted]", "name": "Ada"}
    });
    let body = json!({"payload": edited.to_string(), "version": 1});
    let (status, text) = post(&c, &format!("/messages/{tid}/edit"), &h, body).await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains("4111"), "the answer is masked too");
    let stored = c.app.parked(&tid).await;
    let stored: Value = serde_json::from_str(&stored["payload"]).unwrap();
    assert_eq!(stored["card"]["number"], "4111111111111111");
    assert_eq!(stored["card"]["expiry"], "01/30");
    assert_eq!(stored["customer"]["email"], "ada@example.com");
}

#[tokio::test]
async fn every_answer_has_a_strict_content_security_policy() {
    let c = Console::start().await;
    for path in [
        "/console/",
        "/console/assets/app.js",
        "/console/api/session",
    ] {
        let r = reqwest::get(format!("{}{path}", c.app.admin_url))
            .await
            .unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    let page = reqwest::get(format!("{}/console/", c.app.admin_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external resources"
    );
    assert!(
        !page.contains(" style=") && !page.contains(" onclick="),
        "no inline style or handlers"
    );
    let me = reqwest::get(c.api("/session")).await.unwrap();
    assert_eq!(me.status(), 401);
    // Disabled, the console is not served at all.
    let off = spawn_app_with(|s| s.console.enabled = false).await;
    let r = reqwest::get(format!("{}/console/", off.admin_url))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Elsewhere, it is served there only (and the page finds its assets and API relative to it).
    let moved = spawn_app_with(|s| s.console.path = "/ops/salvage".to_owned()).await;
    for (path, status) in [
        ("/ops/salvage/", 200),
        ("/ops/salvage/assets/app.js", 200),
        ("/ops/salvage/api/session", 401),
        ("/console/", 404),
    ] {
        let r = reqwest::get(format!("{}{path}", moved.admin_url))
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path}");
    }
}

/// The page is native ES modules: every module in `crates/salvage-core/src/console/assets/` is reached from the
/// entry by its relative imports and served as JavaScript (a module served as anything else is
/// refused by the browser under `nosniff`), with the same headers; an unknown name is a 404.
#[tokio::test]
async fn every_module_of_the_page_is_served_as_javascript() {
    let app = spawn_app().await;
    let assets = format!("{}/console/assets", app.admin_url);
    let on_disk: std::collections::BTreeSet<String> = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/salvage-core/src/console/assets"
    ))
    .unwrap()
    .map(|e| e.unwrap().file_name().into_string().unwrap())
    .filter(|f| f.ends_with(".js"))
    .collect();
    // Follow the imports from the entry, as the browser does.
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec!["app.js".to_owned()];
    while let Some(file) = todo.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let r = reqwest::get(format!("{assets}/{file}")).await.unwrap();
        assert_eq!(r.status(), 200, "{file}");
        assert_eq!(
            r.headers()["content-type"],
            "text/javascript; charset=utf-8",
            "{file}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{file}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{file}: {csp}");
        let body = r.text().await.unwrap();
        for line in body.lines().filter(|l| l.starts_with("import ")) {
            let spec = line.split('\'').nth(1).unwrap();
            let next = spec
                .strip_prefix("./")
                .unwrap_or_else(|| panic!("{file}: {line}"));
            todo.push(next.to_owned());
        }
    }
    assert_eq!(
        seen, on_disk,
        "the modules reached from app.js are the files"
    );
    for unknown in [
        "nope.js",
        "App.js",
        "app.js.map",
        "..%2Fmod.rs",
        "index.html",
    ] {
        let r = reqwest::get(format!("{assets}/{unknown}")).await.unwrap();
        assert_eq!(r.status(), 404, "{unknown}");
    }
}

/// Screenshots of the main pages, written to `$SALVAGE_SCREENSHOTS` (the README shows the ones
/// in `docs/`: `SALVAGE_SCREENSHOTS=docs cargo test --test e2e console::security::screenshots`)
/// or to a temporary folder.
#[tokio::test]
async fn screenshots_of_the_main_pages() {
    let c = Console::start().await;
    for i in 1..=12 {
        c.park(fraud_declined(&format!("p-{i}"))).await;
    }
    let mut shipments = Vec::new();
    for i in 1..=5 {
        let payload = json!({
            "order_id": format!("s-{i}"),
            "address": {"street": "", "city": "Lyon"},
            "customer": {"email": format!("c{i}@example.com")}
        });
        shipments.push(
            c.park(shipment(&format!("s-{i}"), &payload.to_string()))
                .await,
        );
    }
    let repaired = c.park_after_five_repairs().await;
    // Some history for the audit page: an edit and a discard.
    let op = c.app.operator().await;
    op.clone()
        .edit_parked(pb::EditParkedRequest {
            tracking_id: shipments[0].clone(),
            expected_version: 1,
            payload: Some(
                br#"{"order_id":"s-1","address":{"street":"1 rue Victor Hugo","city":"Lyon"}}"#
                    .to_vec(),
            ),
            comment: "street filled in from the order service".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap();
    op.clone()
        .discard_parked(pb::DiscardParkedRequest {
            selection: crate::support::admin::by_ids(&shipments[4..]),
            reason: "test order from the load test".to_owned(),
            dry_run: false,
        })
        .await
        .unwrap();
    let dir = std::env::var_os("SALVAGE_SCREENSHOTS").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir.unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    c.sign_in(OPERATOR, "olivia").await;
    c.browser.wait_text("#parked-now", "17").await;
    c.browser
        .screenshot(&dir.join("console-overview.png"))
        .await;
    c.open("#/groups").await;
    c.browser
        .find(&format!("tr[data-group=\"{}\"]", fraud_group("p-1")))
        .await;
    c.browser.screenshot(&dir.join("console-groups.png")).await;
    c.open(&format!("#/group/{}", fraud_group("p-1"))).await;
    c.browser.wait_text("#group-count", "12").await;
    c.browser.screenshot(&dir.join("console-group.png")).await;
    c.open(&format!("#/message/{repaired}")).await;
    c.browser.wait_text("#attempts", "/total").await;
    // The whole message page, down to the attempts and their diffs.
    c.browser.set_window_size(1366, 2000).await;
    c.browser.screenshot(&dir.join("console-message.png")).await;
    c.browser.set_window_size(1366, 900).await;
    c.open("#/audit").await;
    c.browser.wait_text("#audit", "discard").await;
    c.browser.screenshot(&dir.join("console-audit.png")).await;
    for f in ["overview", "groups", "group", "message", "audit"] {
        let png = std::fs::read(dir.join(format!("console-{f}.png"))).unwrap();
        assert!(png.len() > 5_000, "console-{f}.png looks empty");
    }
}

/// A session remembers its token: once the token is rotated (Salvage restarted with a new secret
/// under the same name), the old session is refused; and a resubmit whose selection changed
/// since the operator confirmed its count is refused.
#[tokio::test]
async fn a_rotated_token_ends_its_sessions_and_a_changed_selection_is_not_resubmitted() {
    let redis = RedisServer::start();
    let mut first = RunningApp::start(test_settings(&redis.url())).await;
    let admin_url = first.admin_url.clone();
    let api = |path: &str| format!("{admin_url}/console/api{path}");
    let sign_in = reqwest::Client::new()
        .post(api("/session"))
        .header("content-type", "application/json")
        .body(json!({ "token": OPERATOR }).to_string())
        .send()
        .await
        .unwrap();
    let cookie = sign_in.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let me: Value = serde_json::from_str(&sign_in.text().await.unwrap()).unwrap();
    let csrf = me["csrf"].as_str().unwrap().to_owned();

    let resp = first
        .client()
        .report(fraud_declined("p-1"))
        .await
        .unwrap()
        .into_inner();
    let group = fraud_group("p-1");
    let resubmit = |expected: u64| {
        reqwest::Client::new()
            .post(api("/resubmit"))
            .header("content-type", "application/json")
            .header("cookie", &cookie)
            .header("x-salvage-csrf", &csrf)
            .body(json!({"group": group, "dry_run": false, "expected_count": expected}).to_string())
            .send()
    };
    let refused = resubmit(2).await.unwrap();
    assert_eq!(refused.status(), 409);
    let text = refused.text().await.unwrap();
    assert!(text.contains("now holds 1"), "{text}");
    let mut conn = connect(&redis.url()).await;
    let parked: bool = redis::AsyncCommands::exists(
        &mut conn,
        format!("{{salvage}}:parked:{}", resp.tracking_id),
    )
    .await
    .unwrap();
    assert!(parked, "nothing was resubmitted");

    first.stop().await;
    // The same name, a new secret.
    let mut rotated = test_settings(&redis.url());
    rotated.parking_lot.tokens[0].token = Some("operator-token-2".to_owned());
    let mut second = RunningApp::start(rotated).await;
    let me = reqwest::Client::new()
        .get(format!("{}/console/api/session", second.admin_url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    assert!(me.text().await.unwrap().contains("no longer configured"));
    second.stop().await;
}
