//! Faults on demand and the request journal, over HTTP: every fault kind streamed and not,
//! determinism under a seed, the rate limit, the journal's bound and redaction, scopes under
//! concurrent clients, and the admin API's validation errors.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

use common::{agent, chat_body, get, get_with, post, post_with, start};
use serde_json::{Value, json};

fn chat_url(server: &oaimock::Server) -> String {
    format!("{}/v1/chat/completions", server.url())
}

fn stream_body() -> String {
    chat_body("x", r#""stream":true"#)
}

#[test]
fn an_injected_error_carries_the_retry_headers_asked_for() {
    let server = start(|_| {});
    let got = post_with(
        &chat_url(&server),
        &chat_body("x", ""),
        &[
            ("x-oaimock-error", "429"),
            ("x-oaimock-retry-after-ms", "10"),
            ("x-oaimock-retry-after", "2"),
            ("x-oaimock-should-retry", "false"),
        ],
    );
    assert_eq!(got.status, 429);
    assert_eq!(got.header("retry-after-ms"), Some("10"));
    assert_eq!(got.header("retry-after"), Some("2"));
    assert_eq!(got.header("x-should-retry"), Some("false"));
    assert_eq!(got.error()["code"], "rate_limit_exceeded");
    // Streamed requests get the error before any event, as from the API.
    let got = post_with(
        &chat_url(&server),
        &stream_body(),
        &[("x-oaimock-error", "503")],
    );
    assert_eq!(
        (got.status, got.header("content-type")),
        (503, Some("application/json"))
    );
}

#[test]
fn an_unknown_or_malformed_fault_header_is_a_400() {
    let server = start(|_| {});
    for (name, value, message) in [
        (
            "x-oaimock-truncat-after",
            "2",
            "Unknown header 'x-oaimock-truncat-after'",
        ),
        ("x-oaimock-stall-ms", "soon", "expected a whole number"),
        ("x-oaimock-error", "200", "a status from 400 to 599"),
        ("x-oaimock-should-retry", "maybe", "true or false"),
    ] {
        let got = post_with(&chat_url(&server), &chat_body("x", ""), &[(name, value)]);
        assert_eq!(got.status, 400, "{name}");
        let e = got.error();
        assert_eq!(e["param"], name);
        assert!(
            e["message"].as_str().unwrap().contains(message),
            "{}",
            got.body
        );
    }
}

fn data(got: &common::Got) -> Vec<String> {
    got.events()
}

#[test]
fn a_mid_stream_error_is_an_error_event_and_the_end_of_the_stream() {
    let server = start(|c| c.reply = Some("one two three four".into()));
    let got = post_with(
        &chat_url(&server),
        &stream_body(),
        &[("x-oaimock-stream-error-after", "2")],
    );
    assert_eq!(got.status, 200);
    let events = data(&got);
    assert_eq!(events.len(), 3, "{events:?}");
    let error: Value = serde_json::from_str(&events[2]).unwrap();
    assert_eq!(error["error"]["type"], "server_error");
    assert!(error["error"].get("code").is_some() && error["error"].get("param").is_some());
    // The Responses API names the event, and sends the documented flat fields (`code`,
    // `message`, `param`) and the live API's nested `error` object in one event.
    let got = post_with(
        &format!("{}/v1/responses", server.url()),
        r#"{"model":"m","input":"x","stream":true}"#,
        &[("x-oaimock-stream-error-after", "3")],
    );
    let last = got.body.trim_end().rsplit("\n\n").next().unwrap();
    let data = last
        .strip_prefix("event: error\ndata: ")
        .unwrap_or_else(|| panic!("not an error event: {last:?}"));
    let event: Value = serde_json::from_str(data).unwrap();
    let message = "The server had an error while processing your request. Sorry about that!";
    let inner = serde_json::json!({
        "message": message, "type": "server_error", "param": null, "code": null
    });
    assert_eq!(
        event,
        serde_json::json!({
            "type": "error", "code": null, "message": message, "param": null,
            "error": inner, "sequence_number": 3
        })
    );
    assert!(
        data.starts_with(r#"{"type":"error","code":null,"message":"#),
        "{data}"
    );
    assert!(!got.body.contains("response.completed"));
}

#[test]
fn a_truncated_stream_ends_cleanly_without_finish_or_done() {
    let server = start(|c| c.reply = Some("one two three four".into()));
    let got = post_with(
        &chat_url(&server),
        &stream_body(),
        &[("x-oaimock-truncate-after", "3")],
    );
    let events = data(&got);
    assert_eq!(events.len(), 3);
    assert!(
        events.iter().all(|e| e.contains("\"finish_reason\":null")),
        "{events:?}"
    );
    assert!(!got.body.contains("[DONE]"));
}

#[test]
fn a_disconnect_breaks_the_connection_after_n_events() {
    let server = start(|c| c.reply = Some("one two three four".into()));
    let mut resp = agent()
        .post(chat_url(&server))
        .header("x-oaimock-disconnect-after", "2")
        .send(stream_body().as_str())
        .unwrap();
    let mut text = String::new();
    let read = resp.body_mut().as_reader().read_to_string(&mut text);
    assert!(read.is_err(), "the body should break, got {text:?}");
    // The server itself is fine.
    assert_eq!(post(&chat_url(&server), &chat_body("x", "")).status, 200);
}

#[test]
fn a_malformed_event_is_not_json() {
    let server = start(|c| c.reply = Some("one two".into()));
    let got = post_with(
        &chat_url(&server),
        &stream_body(),
        &[("x-oaimock-malformed-after", "1")],
    );
    let events = data(&got);
    assert!(
        serde_json::from_str::<Value>(&events[1]).is_err(),
        "{events:?}"
    );
    assert!(serde_json::from_str::<Value>(&events[0]).is_ok());
    assert_eq!(events.last().unwrap(), "[DONE]");
}

/// Arrival times of the `data:` lines of a stream.
fn arrivals(url: &str, headers: &[(&str, &str)]) -> Vec<Duration> {
    let started = Instant::now();
    let mut rq = agent().post(url);
    for (n, v) in headers {
        rq = rq.header(*n, *v);
    }
    let mut resp = rq.send(stream_body().as_str()).unwrap();
    BufReader::new(resp.body_mut().as_reader())
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.starts_with("data: "))
        .map(|_| started.elapsed())
        .collect()
}

#[test]
fn ttft_token_delay_and_stall_shape_the_stream_timing() {
    let server = start(|c| c.reply = Some("a b c".into()));
    let url = chat_url(&server);
    let times = arrivals(
        &url,
        &[
            ("x-oaimock-ttft-ms", "300"),
            ("x-oaimock-token-delay-ms", "0"),
        ],
    );
    assert!(times[0] >= Duration::from_millis(300), "{times:?}");
    let times = arrivals(
        &url,
        &[
            ("x-oaimock-stall-ms", "400"),
            ("x-oaimock-stall-after", "2"),
        ],
    );
    assert!(
        // Client-side gaps can be a hair shorter than the server's sleep.
        times[2] - times[1] >= Duration::from_millis(390),
        "{times:?}"
    );
    let times = arrivals(
        &url,
        &[
            ("x-oaimock-token-delay-ms", "150"),
            ("x-oaimock-jitter-ms", "50"),
        ],
    );
    assert!(
        times[3] - times[1] >= Duration::from_millis(290),
        "{times:?}"
    );
    // A non-streamed reply takes the time to first token as a delay before the response.
    let started = Instant::now();
    assert_eq!(
        post_with(&url, &chat_body("x", ""), &[("x-oaimock-ttft-ms", "250")]).status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[test]
fn random_faults_repeat_for_the_same_seed_and_order() {
    let run = |seed: u64| {
        let server = start(|c| {
            c.fault_rate = 0.5;
            c.fault_statuses = vec![429, 500];
            c.seed = Some(seed);
        });
        (0..40)
            .map(|_| post(&chat_url(&server), &chat_body("x", "")).status)
            .collect::<Vec<_>>()
    };
    let a = run(42);
    assert_eq!(a, run(42));
    assert_ne!(a, run(43));
    assert!(
        a.contains(&200) && a.contains(&429) && a.contains(&500),
        "{a:?}"
    );
}

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
