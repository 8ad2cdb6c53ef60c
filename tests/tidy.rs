//! Tidy: what Cargo cannot see, checked over the source text (rust-analyzer's `tidy.rs` habit).
//!
//! - only the `salvage-store` crate depends on `redis` (then Cargo refuses Redis anywhere else;
//!   the `salvage` tests may use it, as outsiders checking what was stored);
//! - the rules do not read the clock (they depend on the model, which has one);
//! - the layers inside the crates: protobuf types stay at the edges (the server's gRPC services,
//!   the CLI's admin client, the load generator; the core has no protobuf dependency, so Cargo
//!   sees that one), the modules of each crate import one another without a cycle, and so do the
//!   files inside each module's folder (that the server does not import the tools, Cargo sees:
//!   they are in the package that depends on it);
//! - ARCHITECTURE.md's Redis key table names every key `crates/salvage-store/src/keys.rs` builds,
//!   and every key in the table is built somewhere in the store crate;
//! - `docs/console-api.md` lists exactly the console's routes.
//!
//! Each check is a function from text to a list of problems, and each has a test that feeds it
//! a violation and sees it refused.

#![allow(
    clippy::unwrap_used,
    reason = "a test: failing to read the tree fails the test, with the error"
)]

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The crates whose layers are checked: the core (the domain), the server (gRPC and start-up),
/// and the `salvage` package (the binary's tools). Paths in a crate's checks are relative to its
/// directory (`src/api/mod.rs`).
const CORE: &str = "crates/salvage-core";
const SERVER: &str = "crates/salvage-server";
const TOOLS: &str = ".";

/// Every `.rs` file under `<krate>/src`, as (path relative to the crate's directory, text).
fn crate_files(krate: &str) -> Vec<(String, String)> {
    let base = root().join(krate);
    rust_files(&base.join("src"))
        .into_iter()
        .map(|(path, text)| {
            let full = root().join(&path);
            let rel = full.strip_prefix(&base).unwrap().to_string_lossy();
            (rel.into_owned(), text)
        })
        .collect()
}

/// Every `.rs` file under `dir`, as (path relative to the repository root, text).
fn rust_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                let rel = path
                    .strip_prefix(root())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

/// A layer rule: code lines (comments aside) mentioning any of `needles` may only be in files
/// under one of `allowed` (path prefixes).
struct Layer {
    what: &'static str,
    needles: &'static [&'static str],
    allowed: &'static [&'static str],
}

/// In the server: only the gRPC services (and `lib.rs`, which names the proto crate).
const PROTOBUF: Layer = Layer {
    what: "uses protobuf types (only the gRPC edges may: the server's src/api/)",
    needles: &["proto::", "prost::", "prost_types", "tonic_prost"],
    allowed: &["src/api/", "src/lib.rs"],
};

/// In the tools: the CLI's admin client and the load generator are gRPC clients.
const PROTOBUF_TOOLS: Layer = Layer {
    what: "uses protobuf types (only the gRPC clients may: the CLI's admin client, the load generator)",
    needles: PROTOBUF.needles,
    allowed: &["src/cli/parked/", "src/loadgen/"],
};

const RULES_CLOCK: Layer = Layer {
    what: "reads the clock (the rules are pure: time comes in with the input)",
    // `time`'s and jiff's readers of the clock too (the timestamp action uses both crates).
    needles: &[
        "now_ms",
        "SystemTime",
        "Instant::now",
        "Clock",
        "now_utc",
        "now_local",
        "Timestamp::now",
        "Zoned::now",
    ],
    allowed: &[],
};

fn layer_violations(layer: &Layer, files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        if layer.allowed.iter().any(|a| path.starts_with(a)) {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if layer.needles.iter().any(|needle| code.contains(needle)) {
                out.push(format!("{path}:{}: {}: {}", n + 1, layer.what, code));
            }
        }
    }
    out
}

/// The crates whose manifests may list `redis` as a dependency (not a dev-dependency).
const REDIS_CRATES: &[&str] = &["crates/salvage-store/Cargo.toml"];

/// Each `[dependencies]`-like section (`dependencies`, `build-dependencies`, and their
/// `target.*.` forms; not `dev-dependencies`) of `manifest` that lists `krate`, as
/// `path: [section]`.
fn manifest_dependencies_on(path: &str, manifest: &str, krate: &str) -> Vec<String> {
    // `[workspace.dependencies]` only names versions; a crate depends on what its own sections list.
    let runtime = |section: &str| {
        section != "workspace.dependencies"
            && (section == "dependencies"
                || section == "build-dependencies"
                || section.ends_with(".dependencies")
                || section.ends_with(".build-dependencies"))
    };
    let mut out = Vec::new();
    let mut section = String::new();
    for line in manifest.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.to_owned();
            // `[dependencies.redis]` (or a target's): a table for the crate itself.
            if header
                .strip_suffix(krate)
                .and_then(|h| h.strip_suffix('.'))
                .is_some_and(runtime)
            {
                out.push(format!("{path}: [{section}] lists {krate}"));
            }
            continue;
        }
        let name = line.split(['=', ' ', '.']).next().unwrap_or_default();
        if runtime(&section) && name == krate {
            out.push(format!("{path}: [{section}] lists {krate}"));
        }
    }
    out
}

/// Every workspace manifest: the root's and each `crates/*`'s, as (relative path, text).
fn manifests() -> Vec<(String, String)> {
    let mut out = vec![(
        "Cargo.toml".to_owned(),
        fs::read_to_string(root().join("Cargo.toml")).unwrap(),
    )];
    for entry in fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if manifest.exists() {
            let rel = manifest.strip_prefix(root()).unwrap().to_string_lossy();
            out.push((rel.into_owned(), fs::read_to_string(&manifest).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn only_the_store_crate_depends_on_redis() {
    let manifests = manifests();
    assert!(manifests.len() >= 5, "too few manifests: {manifests:?}");
    let mut problems = Vec::new();
    for (path, text) in &manifests {
        let found = manifest_dependencies_on(path, text, "redis");
        if REDIS_CRATES.contains(&path.as_str()) {
            assert_eq!(found.len(), 1, "{path} should list redis once: {found:?}");
        } else {
            problems.extend(found);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The protobuf crates, and the manifests that may list them: the generated code, the server
/// (its gRPC services) and the `salvage` package (the CLI's admin client, the load generator).
const PROTOBUF_CRATES: &[&str] = &["prost", "prost-types", "tonic-prost", "salvage-proto"];
const PROTOBUF_MANIFESTS: &[&str] = &[
    "Cargo.toml",
    "crates/salvage-proto/Cargo.toml",
    "crates/salvage-server/Cargo.toml",
];

/// The manifests outside `PROTOBUF_MANIFESTS` that list a protobuf crate.
fn protobuf_dependencies(manifests: &[(String, String)]) -> Vec<String> {
    manifests
        .iter()
        .filter(|(path, _)| !PROTOBUF_MANIFESTS.contains(&path.as_str()))
        .flat_map(|(path, text)| {
            PROTOBUF_CRATES
                .iter()
                .flat_map(move |krate| manifest_dependencies_on(path, text, krate))
        })
        .collect()
}

/// The core (the domain), the model, the rules and the store do not depend on protobuf, so Cargo
/// refuses a generated type in them.
#[test]
fn only_the_edges_depend_on_protobuf() {
    let manifests = manifests();
    assert!(
        manifests
            .iter()
            .any(|(p, _)| p == "crates/salvage-core/Cargo.toml"),
        "{manifests:?}"
    );
    let problems = protobuf_dependencies(&manifests);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let taken_back = vec![(
        "crates/salvage-core/Cargo.toml".to_owned(),
        "[dependencies]\nsalvage-proto = { workspace = true }\n".to_owned(),
    )];
    assert_eq!(
        protobuf_dependencies(&taken_back),
        ["crates/salvage-core/Cargo.toml: [dependencies] lists salvage-proto"]
    );
}

#[test]
fn protobuf_types_stay_at_the_edges() {
    let server = crate_files(SERVER);
    let tools = crate_files(TOOLS);
    assert!(server.len() > 8 && tools.len() > 10, "too few files");
    let mut problems = layer_violations(&PROTOBUF, &server);
    problems.extend(layer_violations(&PROTOBUF_TOOLS, &tools));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The rules crate depends on the model (for `Change`), which has a clock: Cargo cannot keep
/// the rules from calling it, so this does.
#[test]
fn the_rules_do_not_read_the_clock() {
    let files = rust_files(&root().join("crates/salvage-rules/src"));
    assert!(files.len() > 5, "too few files: {}", files.len());
    let problems = layer_violations(&RULES_CLOCK, &files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_layer_violation_is_refused() {
    let files = vec![
        (
            "src/startup.rs".to_owned(),
            "// proto:: in a comment is fine\nuse crate::proto::v1::parking_lot_server::ParkingLotServer;\n".to_owned(),
        ),
        (
            "src/api/mod.rs".to_owned(),
            "use crate::proto::v1;\n".to_owned(),
        ),
    ];
    let proto = layer_violations(&PROTOBUF, &files);
    assert_eq!(proto.len(), 1, "{proto:?}");
    assert!(
        proto[0].starts_with("src/startup.rs:2: uses protobuf"),
        "{proto:?}"
    );
    // The tools' allowance is not the server's: `src/api/` there is not an edge.
    assert_eq!(layer_violations(&PROTOBUF_TOOLS, &files).len(), 2);
    let rules = vec![(
        "crates/salvage-rules/src/rule.rs".to_owned(),
        "let t = salvage_model::now_ms();\n".to_owned(),
    )];
    assert_eq!(layer_violations(&RULES_CLOCK, &rules).len(), 1);
    // A server-side manifest that takes `redis` back is refused; tests may keep theirs.
    let manifest = "[workspace.dependencies]\nredis = \"1\"\n\n[package]\nname = \"salvage\"\n\n[dependencies]\nanyhow = \"1\"\nredis = { workspace = true }\n\n[dev-dependencies]\nredis = { workspace = true }\n\n[target.'cfg(unix)'.dependencies.redis]\nworkspace = true\n";
    assert_eq!(
        manifest_dependencies_on("Cargo.toml", manifest, "redis"),
        [
            "Cargo.toml: [dependencies] lists redis",
            "Cargo.toml: [target.'cfg(unix)'.dependencies.redis] lists redis"
        ]
    );
}

/// The one expression the scripts may compute a failure group with (see
/// `salvage_model::group::delivery_failure_group`, which is the same definition in Rust).
const DELIVERY_FAILURE_GROUP_LUA: &str =
    "string.sub(redis.sha1hex(queue .. '\\0DELIVERY_FAILED'), 1, 16)";

/// Lines of the Lua scripts that hash something other than that expression.
fn lua_group_problems(scripts: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in scripts {
        for (n, line) in text.lines().enumerate() {
            if line.contains("sha1hex") && !line.contains(DELIVERY_FAILURE_GROUP_LUA) {
                out.push(format!(
                    "{path}:{}: a hash that is not the delivery failure group ({DELIVERY_FAILURE_GROUP_LUA}): {}",
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    out
}

#[test]
fn the_scripts_compute_failure_groups_one_way() {
    let dir = root().join("crates/salvage-store/src/lua");
    let mut scripts = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        scripts.push((
            path.display().to_string(),
            fs::read_to_string(&path).unwrap(),
        ));
    }
    let problems = lua_group_problems(&scripts);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let uses = scripts
        .iter()
        .filter(|(_, t)| t.contains(DELIVERY_FAILURE_GROUP_LUA))
        .count();
    assert_eq!(
        uses, 2,
        "settle_remote.lua and drain_local.lua park delivery failures"
    );
}

#[test]
fn another_group_in_a_script_is_refused() {
    let scripts = vec![(
        "x.lua".to_owned(),
        "group = string.sub(redis.sha1hex(queue .. code), 1, 16),\n".to_owned(),
    )];
    assert_eq!(lua_group_problems(&scripts).len(), 1);
}

/// A key pattern with every placeholder written `<*>`: `<p>:idx:queue:<*>`.
fn normalise_key(key: &str) -> String {
    let mut out = String::new();
    let mut rest = key;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        out.push_str(if name == "p" { "<p>" } else { "<*>" });
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The keys `keys.rs` builds: each `format!("{}:...", self.prefix)` as `<p>:...`.
fn keys_in_code(keys_rs: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in keys_rs.lines() {
        let Some(start) = line.find("format!(\"{}:") else {
            continue;
        };
        let literal = &line[start + "format!(\"".len()..];
        let Some(end) = literal.find('"') else {
            continue;
        };
        let pattern = literal[..end].replacen("{}", "<p>", 1);
        // `{message_key}` and the like are placeholders.
        let mut key = String::new();
        let mut in_brace = false;
        for c in pattern.chars() {
            match c {
                '{' => {
                    in_brace = true;
                    key.push_str("<*>");
                }
                '}' => in_brace = false,
                c if !in_brace => key.push(c),
                _ => {}
            }
        }
        out.insert(key);
    }
    out
}

/// The keys ARCHITECTURE.md's "Redis key layout" section names (`<p>:...` in backticks).
fn keys_in_doc(architecture: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let section = architecture
        .split("\n## ")
        .find(|s| s.starts_with("Redis key layout"))
        .unwrap_or("");
    let mut table = BTreeSet::new();
    let mut anywhere = BTreeSet::new();
    for line in section.lines() {
        for (i, piece) in line.split('`').enumerate() {
            if i % 2 == 1 && piece.starts_with("<p>:") {
                let key = normalise_key(piece);
                if line.starts_with("| `") && line.split('`').nth(1) == Some(piece) {
                    table.insert(key.clone());
                }
                anywhere.insert(key);
            }
        }
    }
    (table, anywhere)
}

/// Problems between the code's keys and the doc's: a key the code builds that the doc does not
/// name, or a key in the doc's table whose fixed parts appear nowhere in `store_text` (all of
/// the store crate, Rust and Lua: some keys are built in the scripts).
fn key_layout_problems(keys_rs: &str, architecture: &str, store_text: &str) -> Vec<String> {
    let code = keys_in_code(keys_rs);
    let (table, anywhere) = keys_in_doc(architecture);
    let mut out = Vec::new();
    if code.is_empty() || table.is_empty() {
        out.push("found no keys: did keys.rs or ARCHITECTURE.md change shape?".to_owned());
    }
    for key in &code {
        if !anywhere.contains(key) {
            out.push(format!(
                "keys.rs builds `{key}`, which ARCHITECTURE.md's key layout does not name"
            ));
        }
    }
    for key in &table {
        for part in key.split("<*>").map(|p| p.trim_start_matches("<p>")) {
            if !part.is_empty() && !store_text.contains(part) {
                out.push(format!(
                    "ARCHITECTURE.md names `{key}`, but `{part}` is not built in crates/salvage-store/"
                ));
            }
        }
    }
    out
}

fn store_text() -> String {
    let mut text = String::new();
    let mut stack = vec![root().join("crates/salvage-store/src")];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                text.push_str(&fs::read_to_string(&path).unwrap());
            }
        }
    }
    text
}

#[test]
fn the_key_layout_in_architecture_md_is_the_code_s() {
    let keys_rs = fs::read_to_string(root().join("crates/salvage-store/src/keys.rs")).unwrap();
    let architecture = fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let problems = key_layout_problems(&keys_rs, &architecture, &store_text());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_key_missing_from_the_doc_or_the_code_is_refused() {
    let keys_rs =
        "format!(\"{}:msg:{message_key}\", self.prefix)\nformat!(\"{}:idx:new\", self.prefix)\n";
    let doc = "# Architecture\n\n## Redis key layout\n\n| key | type |\n|---|---|\n| `<p>:msg:<mk>` | hash |\n| `<p>:gone:<tid>` | hash |\n\n## Next\n";
    let problems = key_layout_problems(keys_rs, doc, "format!(\"{}:msg:{message_key}\")");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`<p>:idx:new`"), "{problems:?}");
    assert!(problems[1].contains("`<p>:gone:<*>`"), "{problems:?}");
}

/// The console API's routes as `METHOD /api/path`, from the `let api = Router::new()` block.
fn routes_in_code(console_mod: &str) -> BTreeSet<String> {
    let start = console_mod
        .find("let api = Router::new()")
        .unwrap_or(console_mod.len());
    let block = &console_mod[start..];
    let block = &block[..block.find(';').unwrap_or(block.len())];
    let mut out = BTreeSet::new();
    for route in block.split(".route(").skip(1) {
        let Some(path) = route.split('"').nth(1) else {
            continue;
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            let call = format!("{method}(");
            // `get(` or `.post(`, not `api::get(` or `forget(`.
            let called = route.match_indices(&call).any(|(i, _)| {
                !route[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            });
            if called {
                out.insert(format!("{} /api{path}", method.to_uppercase()));
            }
        }
    }
    out
}

/// The endpoints `docs/console-api.md`'s table lists: rows starting ``| `METHOD /api/...` ``.
fn routes_in_doc(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|e| e.contains(" /api/"))
        .map(str::to_owned)
        .collect()
}

fn route_problems(console_mod: &str, doc: &str) -> Vec<String> {
    let code = routes_in_code(console_mod);
    let doc = routes_in_doc(doc);
    let mut out = Vec::new();
    if code.is_empty() {
        out.push(
            "found no routes in the core's src/console/mod.rs: did the router change shape?"
                .to_owned(),
        );
    }
    for r in code.difference(&doc) {
        out.push(format!(
            "`{r}` is served but docs/console-api.md does not list it"
        ));
    }
    for r in doc.difference(&code) {
        out.push(format!(
            "docs/console-api.md lists `{r}`, which is not served"
        ));
    }
    out
}

#[test]
fn the_console_api_doc_lists_exactly_the_routes() {
    let console_mod = fs::read_to_string(root().join(CORE).join("src/console/mod.rs")).unwrap();
    let doc = fs::read_to_string(root().join("docs/console-api.md")).unwrap();
    let problems = route_problems(&console_mod, &doc);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_undocumented_or_unserved_route_is_refused() {
    let code = "let api = Router::new()\n    .route(\n        \"/session\",\n        get(session::current)\n            .post(session::sign_in),\n    )\n    .route(\"/new\", post(api::new));\nlet x = 1;";
    let doc =
        "| `GET /api/session` | | x |\n| `POST /api/session` | | x |\n| `GET /api/old` | | x |\n";
    let problems = route_problems(code, doc);
    assert_eq!(
        problems,
        vec![
            "`POST /api/new` is served but docs/console-api.md does not list it".to_owned(),
            "docs/console-api.md lists `GET /api/old`, which is not served".to_owned(),
        ]
    );
}

/// A file's code up to its test module (from its `#[cfg(test)]` or `#[cfg(all(test, ...))]`
/// line on), comments left out: tests may reach up (a destination's test parses whole
/// settings), the code they test may not.
fn code_of(text: &str) -> String {
    text.lines()
        .take_while(|l| {
            let l = l.trim();
            l != "#[cfg(test)]" && !l.starts_with("#[cfg(all(test,")
        })
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first names of the paths `code` starts with `prefix` (`crate::store::X` gives `store`;
/// `use crate::{config::A, store::B}` gives `config` and `store`).
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The names at the top level of the braces.
            let (mut depth, mut word, mut starts) = (1usize, String::new(), true);
            for c in group.chars() {
                if c.is_alphanumeric() || c == '_' {
                    word.push(c);
                    continue;
                }
                if !word.is_empty() && starts && depth == 1 {
                    names.push(std::mem::take(&mut word));
                }
                word.clear();
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                starts = depth == 1
                    && (c == ',' || c == '{' || c.is_whitespace())
                    && (starts || c == ',');
            }
        } else {
            names.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    names
}

/// Inside one module's folder (`src/parking/`, relative to the crate): the sibling files each file directly in it
/// uses through `super::` paths (`super::list::Reader`, `use super::{list::Reader, Filter}`),
/// test modules left out. `mod.rs` is the parent, not a sibling.
fn sibling_edges(files: &[(String, String)], folder: &str) -> BTreeMap<String, BTreeSet<String>> {
    let sibling_of = |path: &str| -> Option<String> {
        let name = path.strip_prefix(folder)?.strip_suffix(".rs")?;
        (!name.contains('/') && name != "mod").then(|| name.to_owned())
    };
    let siblings: BTreeSet<String> = files
        .iter()
        .filter_map(|(p, _)| sibling_of(p))
        .chain(
            // Sub-folders are siblings too (`runs/`), by their `mod.rs`.
            files
                .iter()
                .filter_map(|(p, _)| p.strip_prefix(folder)?.strip_suffix("/mod.rs"))
                .filter(|n| !n.contains('/'))
                .map(str::to_owned),
        )
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files {
        let Some(from) = sibling_of(path) else {
            continue;
        };
        edges.entry(from.clone()).or_default().extend(
            names_after(&code_of(text), "super::")
                .into_iter()
                .filter(|n| *n != from && siblings.contains(n)),
        );
    }
    edges
}

/// The top-level modules of a crate's `src/` each file uses through `crate::` paths (`crate::store::X`
/// and `use crate::{config::A, store::B}`), by the module the file belongs to; a file's test
/// module (from its `#[cfg(test)]` line on) is left out.
fn module_edges(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let module_of = |path: &str| -> Option<String> {
        let rel = path.strip_prefix("src/")?;
        let top = rel.split('/').next()?.trim_end_matches(".rs");
        (top != "lib" && top != "main").then(|| top.to_owned())
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|(p, _)| module_of(p)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files {
        let Some(from) = module_of(path) else {
            continue;
        };
        let code = code_of(text);
        let targets = edges.entry(from.clone()).or_default();
        targets.extend(
            names_after(&code, "crate::")
                .into_iter()
                .filter(|n| *n != from && modules.contains(n)),
        );
    }
    edges
}

/// A cycle in `edges`, if there is one, as the modules along it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_of_each_crate_import_one_another_without_a_cycle() {
    let core = module_edges(&crate_files(CORE));
    assert!(core.len() > 10, "too few modules found: {core:?}");
    let server = module_edges(&crate_files(SERVER));
    assert!(server["startup"].contains("api"), "{server:?}");
    let tools = module_edges(&crate_files(TOOLS));
    assert!(tools["cli"].contains("dev"), "{tools:?}");
    for (krate, edges) in [(CORE, core), (SERVER, server), (TOOLS, tools)] {
        if let Some(cycle) = find_cycle(&edges) {
            panic!(
                "{krate}: modules import each other in a circle: {}",
                cycle.join(" -> ")
            );
        }
    }
}

#[test]
fn the_files_of_each_module_import_one_another_without_a_cycle() {
    let mut problems = Vec::new();
    for (krate, expected) in [
        (CORE, "src/parking/"),
        (SERVER, "src/api/"),
        (TOOLS, "src/cli/"),
    ] {
        let files = crate_files(krate);
        let folders: BTreeSet<String> = files
            .iter()
            .filter_map(|(p, _)| p.strip_suffix("/mod.rs").map(|f| format!("{f}/")))
            .collect();
        assert!(folders.contains(expected), "{krate}: {folders:?}");
        for folder in &folders {
            if let Some(cycle) = find_cycle(&sibling_edges(&files, folder)) {
                problems.push(format!("{krate}/{folder}: {}", cycle.join(" -> ")));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "files import each other in a circle:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_circle_of_files_is_refused() {
    // The circle `tests/tidy.rs` missed once: list -> search -> list, inside `parking/`.
    let files = vec![
        (
            "src/parking/list.rs".to_owned(),
            "use super::{\n    Filter,\n    search::{self, Searches},\n};\n".to_owned(),
        ),
        (
            "src/parking/search.rs".to_owned(),
            "use super::{Record, list::Reader};\n#[cfg(test)]\nuse super::retriage::X;\n"
                .to_owned(),
        ),
        (
            "src/parking/retriage.rs".to_owned(),
            "fn f() { super::runs::go(); }\n".to_owned(),
        ),
        ("src/parking/runs/mod.rs".to_owned(), String::new()),
        (
            "src/parking/mod.rs".to_owned(),
            "use self::list::Reader;\n".to_owned(),
        ),
    ];
    let edges = sibling_edges(&files, "src/parking/");
    assert_eq!(
        edges["retriage"].iter().collect::<Vec<_>>(),
        ["runs"],
        "{edges:?}"
    );
    assert!(!edges.contains_key("mod"), "{edges:?}");
    assert_eq!(find_cycle(&edges).unwrap(), ["list", "search", "list"]);
}

#[test]
fn a_module_cycle_is_refused() {
    let files = vec![
        (
            "src/parking/watch.rs".to_owned(),
            "use crate::{\n    config::X,\n    store::{Y, keys::Z},\n};\n".to_owned(),
        ),
        (
            "src/store/mod.rs".to_owned(),
            "fn f() { crate::workflow::now(); }\n".to_owned(),
        ),
        (
            "src/workflow/mod.rs".to_owned(),
            "use crate::parking::P;\n".to_owned(),
        ),
        (
            "src/config.rs".to_owned(),
            "// crate::parking in a comment\n#[cfg(all(test, feature = \"kafka\"))]\nmod tests {\n    use crate::workflow::W;\n}\n".to_owned(),
        ),
    ];
    let edges = module_edges(&files);
    assert_eq!(
        edges["parking"].iter().collect::<Vec<_>>(),
        ["config", "store"],
        "{edges:?}"
    );
    assert!(edges["config"].is_empty());
    assert_eq!(
        find_cycle(&edges).unwrap(),
        ["parking", "store", "workflow", "parking"]
    );
}
