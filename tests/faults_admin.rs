//! The admin side of faults over HTTP: the rate limit, the request journal's bound, redaction and
//! filters, scopes under concurrent clients, runtime fixtures, and turning the admin paths off.

mod common;

use common::faults::{chat_url, data, stream_body};
use common::{agent, chat_body, get, get_with, post, post_with, start};
use serde_json::{Value, json};

#[test]
fn the_rate_limit_answers_429_with_headers_and_keeps_scopes_apart() {
    let server = start(|c| c.rpm = Some(2));
    let url = chat_url(&server);
    let first = post(&url, &chat_body("x", ""));
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-ratelimit-limit-requests"), Some("2"));
    assert_eq!(first.header("x-ratelimit-remaining-requests"), Some("1"));
    assert_eq!(post(&url, &chat_body("x", "")).status, 200);
    let limited = post(&url, &chat_body("x", ""));
    assert_eq!(limited.status, 429);
    let e = limited.error();
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("requests"), Some("rate_limit_exceeded"))
    );
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=61).contains(&retry));
    assert_eq!(limited.header("x-ratelimit-remaining-requests"), Some("0"));
    assert_eq!(
        post_with(&url, &chat_body("x", ""), &[("x-oaimock-scope", "other")]).status,
        200
    );
    assert_eq!(
        post(&format!("{}/_oaimock/reset", server.url()), "").status,
        200
    );
    assert_eq!(post(&url, &chat_body("x", "")).status, 200);
    let tokens = start(|c| c.tpm = Some(10));
    let url = chat_url(&tokens);
    assert_eq!(
        post(&url, &chat_body("one two three four five", "")).status,
        200
    );
    let limited = post(&url, &chat_body("six seven eight nine ten eleven", ""));
    assert_eq!(
        (limited.status, limited.error()["type"].as_str()),
        (429, Some("tokens"))
    );
}

fn journal(server: &oaimock::Server, query: &str) -> Vec<Value> {
    let got = get(&format!("{}/_oaimock/requests{query}", server.url()));
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()["data"].as_array().unwrap().clone()
}

#[test]
fn the_journal_keeps_the_last_requests_redacted_with_what_answered() {
    let server = start(|c| {
        c.journal_size = 3;
        c.api_key = Some("sk-secret-value".into());
    });
    let auth = [("Authorization", "Bearer sk-secret-value")];
    let url = chat_url(&server);
    for i in 0..4 {
        post_with(&url, &chat_body(&format!("message {i}"), ""), &auth);
    }
    post_with(
        &url,
        &chat_body("boom", ""),
        &[auth[0], ("x-oaimock-error", "500")],
    );
    let got = get_with(&format!("{}/_oaimock/requests", server.url()), &auth);
    let entries = got.json()["data"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3, "bounded by --journal-size");
    assert_eq!(entries[0]["body"]["messages"][0]["content"], "message 2");
    assert_eq!(entries[1]["answered_by"], "built-in");
    assert_eq!(entries[2]["answered_by"], "fault");
    assert_eq!(entries[2]["status"], 500);
    for e in &entries {
        assert_eq!(e["headers"]["authorization"], "Bearer [redacted]");
        assert_eq!(e["method"], "POST");
        assert!(e.get("total_ms").is_some() && e.get("ttft_ms").is_some());
    }
    assert!(!got.body.contains("sk-secret-value"));
    // Admin paths need the key too.
    assert_eq!(
        get(&format!("{}/_oaimock/requests", server.url())).status,
        401
    );
    let cleared = agent()
        .delete(format!("{}/_oaimock/requests", server.url()))
        .header("Authorization", "Bearer sk-secret-value")
        .call()
        .unwrap();
    assert_eq!(cleared.status(), 200);
}

#[test]
fn the_journal_filters_by_path_and_scope() {
    let server = start(|_| {});
    post(&chat_url(&server), &chat_body("a", ""));
    post_with(
        &format!("{}/chat/completions", server.url()),
        &chat_body("b", ""),
        &[("x-oaimock-scope", "t1")],
    );
    get(&format!("{}/v1/models", server.url()));
    assert_eq!(journal(&server, "").len(), 3);
    assert_eq!(journal(&server, "?path=/v1/chat/completions").len(), 2);
    let scoped = journal(&server, "?scope=t1");
    assert_eq!(scoped.len(), 1);
    assert_eq!(scoped[0]["scope"], "t1");
    assert_eq!(scoped[0]["path"], "/chat/completions");
}

#[test]
fn scopes_keep_sequences_apart_under_concurrent_clients() {
    let server = start(|_| {});
    let rules = json!({"rules": [{"reply": {"sequence": [{"text": "first"}, {"text": "second"}, {"text": "third"}]}}]});
    let added = post(
        &format!("{}/_oaimock/fixtures", server.url()),
        &rules.to_string(),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.json()["added"], 1);
    let url = chat_url(&server);
    let clients: Vec<_> = (0..8)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let scope = format!("test-{i}");
                (0..3)
                    .map(|_| {
                        let got =
                            post_with(&url, &chat_body("x", ""), &[("x-oaimock-scope", &scope)]);
                        got.json()["choices"][0]["message"]["content"]
                            .as_str()
                            .unwrap()
                            .to_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), ["first", "second", "third"]);
    }
    let entries = journal(&server, "?scope=test-3");
    assert_eq!(entries.len(), 3);
    assert!(
        entries.iter().all(|e| e["answered_by"] == "rule 0"),
        "{entries:?}"
    );
    // Reset one scope: its sequence starts over, the others do not.
    let reset = post_with(
        &format!("{}/_oaimock/reset", server.url()),
        "",
        &[("x-oaimock-scope", "test-3")],
    );
    assert_eq!(reset.status, 200);
    let content = |scope: &str| {
        post_with(&url, &chat_body("x", ""), &[("x-oaimock-scope", scope)]).json()["choices"][0]["message"]["content"].clone()
    };
    assert_eq!(content("test-3"), "first");
    assert_eq!(content("test-4"), "third");
    assert!(journal(&server, "?scope=test-3").len() == 1);
}

#[test]
fn runtime_fixtures_are_validated_take_precedence_and_can_be_removed() {
    let server = start(|_| {});
    let url = format!("{}/_oaimock/fixtures", server.url());
    let bad = post(
        &url,
        r#"{"rules":[{"reply":{"txt":"x"}},{"match":{"modle":"m"},"reply":{"text":"y"}}]}"#,
    );
    assert_eq!(bad.status, 400);
    let e = bad.error();
    assert_eq!(
        (e["param"].as_str(), e["code"].as_str()),
        (Some("body"), Some("invalid_fixture"))
    );
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("rule 0") && message.contains("rule 1") && message.contains("modle"),
        "{message}"
    );
    assert_eq!(post(&url, "not json").status, 400);
    let ok = post(
        &url,
        r#"[{"match":{"user":{"contains":"weather"}},"reply":{"text":"Sunny."}}]"#,
    );
    assert_eq!(ok.status, 200);
    let said = |text: &str| {
        post(&chat_url(&server), &chat_body(text, "")).json()["choices"][0]["message"]["content"]
            .clone()
    };
    assert_eq!(said("the weather?"), "Sunny.");
    let removed = agent()
        .delete(&url)
        .call()
        .unwrap()
        .body_mut()
        .read_json::<Value>()
        .unwrap();
    assert_eq!(removed["count"], 1);
    assert!(
        said("the weather?")
            .as_str()
            .unwrap()
            .starts_with("As a mock AI Assistant")
    );
}

#[test]
fn a_fixture_fault_breaks_its_stream() {
    let server = start(|_| {});
    let rule = r#"[{"reply":{"text":"a b c d","fault":{"truncate_after":2}}}]"#;
    assert_eq!(
        post(&format!("{}/_oaimock/fixtures", server.url()), rule).status,
        200
    );
    let got = post(&chat_url(&server), &stream_body());
    assert_eq!(data(&got).len(), 2);
    assert!(!got.body.contains("[DONE]"));
    let bad = post(
        &format!("{}/_oaimock/fixtures", server.url()),
        r#"[{"reply":{"text":"a","fault":{"truncate":2}}}]"#,
    );
    assert!(
        bad.error()["message"].as_str().unwrap().contains("fault"),
        "{}",
        bad.body
    );
}

#[test]
fn admin_paths_can_be_turned_off() {
    let server = start(|c| c.no_admin = true);
    let got = get(&format!("{}/_oaimock/requests", server.url()));
    assert_eq!(
        (got.status, got.error()["code"].as_str()),
        (404, Some("unknown_url"))
    );
    assert_eq!(
        post(&format!("{}/_oaimock/panic", server.url()), "").status,
        404
    );
}
