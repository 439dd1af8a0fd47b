//! `--record DIR` through a proxy in front of a second oaimock, then `--fixtures DIR` replaying
//! the recordings with no upstream, and `--strict` naming the closest rule.

mod common;

use std::path::Path;
use std::time::Duration;

use common::dirs::{oaimock_on, temp_dir};
use common::{Got, chat_body, post, post_with, start};
use oaimock::Server;
use serde_json::Value;

fn chat(server: &Server, body: &str) -> Got {
    post(&format!("{}/v1/chat/completions", server.url()), body)
}

/// Every file of `dir`, concatenated.
fn everything(dir: &Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

const UPSTREAM_RULES: &str = r#"[
  {"match": {"user": {"equals": "count"}},
   "reply": {"sequence": [{"text": "one"}, {"text": "two"}]}},
  {"match": {"user": {"equals": "call"}},
   "reply": {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}},
  {"match": {"user": {"equals": "refuse"}}, "reply": {"refusal": "I can't."}},
  {"match": {"user": {"equals": "limit"}},
   "reply": {"error": {"status": 429, "message": "Slow down.",
                       "headers": {"retry-after": "3", "set-cookie": "session=cookie-secret"}}}}
]"#;

/// Records a session: text, a stream, a tool call, a refusal, a 429, a repeated request.
fn record(dir: &Path, timing: bool) -> Vec<Got> {
    let upstream = start(|c| {
        c.token_delay = Duration::from_millis(40);
        c.reply = Some("The upstream says hello".into());
    });
    upstream.mount_json(UPSTREAM_RULES).unwrap();
    let base = upstream.url();
    let dir = dir.to_path_buf();
    let proxy = start(move |c| {
        c.upstream = Some(base);
        c.record = Some(dir);
        c.record_timing = timing;
        c.redact_headers = vec!["x-ratelimit-limit-requests".into()];
    });
    let url = format!("{}/v1/chat/completions", proxy.url());
    let secret = [
        ("Authorization", "Bearer sk-secret-key-123"),
        ("Cookie", "session=client-cookie"),
        ("api-key", "azure-secret-456"),
    ];
    let tools = r#""tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]"#;
    let mut got = Vec::new();
    for body in [
        chat_body("hello", r#""user":"u-1","temperature":0.2"#),
        chat_body("hello", r#""stream":true"#),
        chat_body("call", tools),
        chat_body("refuse", ""),
        chat_body("limit", ""),
        chat_body("count", ""),
        chat_body("count", ""),
    ] {
        got.push(post_with(&url, &body, &secret));
    }
    got
}

#[test]
fn a_recorded_session_replays_to_identical_replies() {
    let dir = temp_dir("record");
    let live = record(&dir, false);
    assert_eq!(live[4].status, 429);
    let (ok, text) = oaimock_on("check", &dir);
    assert!(ok, "oaimock check refused the recording: {text}");
    assert!(text.contains("OK, 6 rules in 6 files"), "{text}");

    let files = everything(&dir);
    for secret in [
        "sk-secret-key-123",
        "client-cookie",
        "azure-secret-456",
        "cookie-secret",
    ] {
        assert!(!files.contains(secret), "{secret} was written");
    }
    // Volatile fields stay out of the matchers; a --redact-header name out of the headers.
    assert!(!files.contains("u-1"), "the user field was matched on");
    assert!(
        !files.contains("temperature"),
        "a sampling field was matched on"
    );
    assert!(!files.contains("x-ratelimit-limit-requests"));
    // No temporary file is left behind.
    assert!(std::fs::read_dir(dir.as_path()).unwrap().all(|e| {
        let name = e.unwrap().file_name();
        name.to_str().unwrap().ends_with(".json") && !name.to_str().unwrap().starts_with('.')
    }));

    let replay = start(|c| c.fixtures = Some(dir.to_path_buf()));
    let url = format!("{}/v1/chat/completions", replay.url());
    let again: Vec<Got> = [
        chat_body("hello", r#""user":"someone-else","temperature":0.2"#),
        chat_body("hello", r#""stream":true"#),
        chat_body("call", r#""tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]"#),
        chat_body("refuse", ""),
        chat_body("limit", ""),
        chat_body("count", ""),
        chat_body("count", ""),
    ]
    .iter()
    .map(|body| post(&url, body))
    .collect();
    for (i, (live, again)) in live.iter().zip(&again).enumerate() {
        assert_eq!(live.status, again.status, "exchange {i}");
        assert_eq!(live.body, again.body, "exchange {i}: the body differs");
        assert_eq!(
            live.header("x-request-id"),
            again.header("x-request-id"),
            "exchange {i}"
        );
    }
    let text = |g: &Got| g.json()["choices"][0]["message"]["content"].clone();
    assert_eq!(text(&again[0]), "The upstream says hello");
    assert_eq!(
        again[2].json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "get_weather"
    );
    assert_eq!(
        again[3].json()["choices"][0]["message"]["refusal"],
        "I can't."
    );
    assert_eq!(again[4].header("retry-after"), Some("3"));
    assert_eq!(again[4].header("set-cookie"), None);
    assert_eq!(
        (text(&again[5]), text(&again[6])),
        ("one".into(), "two".into())
    );
    // The stream keeps its chunking: the same events, in the same order.
    assert_eq!(live[1].events(), again[1].events());
    // The journal names the recorded rule that answered.
    let seen = replay.requests();
    let by = &seen[0].answered_by;
    assert!(
        by.starts_with("rule ") && by.contains(" (recorded chat "),
        "{by}"
    );
}

#[test]
fn a_stream_recorded_with_timing_keeps_its_pauses() {
    let dir = temp_dir("timing");
    record(&dir, true);
    let files = everything(&dir);
    let stream_file = std::fs::read_dir(dir.as_path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_str().unwrap().contains("chat-stream-"))
        .expect("a stream recording");
    let rule: Value = serde_json::from_str(&std::fs::read_to_string(stream_file).unwrap()).unwrap();
    let events = rule["rules"][0]["reply"]["recorded"]["events"]
        .as_array()
        .unwrap()
        .clone();
    // Every event has its pause; the paced words came about 40 ms apart upstream.
    assert!(events.iter().all(|e| e["ms"].is_u64()), "{files}");
    let paced: Vec<u64> = events[2..events.len() - 2]
        .iter()
        .map(|e| e["ms"].as_u64().unwrap())
        .collect();
    assert!(paced.iter().all(|ms| *ms >= 30), "{paced:?}");
    // Replayed, the stream takes at least as long as its recorded pauses add up to.
    let total: u64 = events.iter().map(|e| e["ms"].as_u64().unwrap()).sum();
    let replay = start(|c| c.fixtures = Some(dir.to_path_buf()));
    let started = std::time::Instant::now();
    let got = chat(&replay, &chat_body("hello", r#""stream":true"#));
    assert_eq!(got.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(total * 9 / 10));
}

#[test]
fn strict_replay_names_the_closest_rule_and_where_it_differs() {
    let dir = temp_dir("strict");
    record(&dir, false);
    let replay = start(|c| {
        c.fixtures = Some(dir.to_path_buf());
        c.strict = true;
    });
    let got = chat(&replay, &chat_body("hello there", r#""temperature":0.2"#));
    assert_eq!(got.status, 400, "{}", got.body);
    let error = got.error();
    assert_eq!(error["code"], "no_matching_fixture");
    assert_eq!(error["type"], "invalid_request_error");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("(recorded chat "), "{message}");
    assert!(
        message.contains(r#"body.messages[0].content (the rule wants "\"hello\"", the request has "\"hello there\"")"#),
        "{message}"
    );
    // A recorded request still answers under --strict.
    let got = chat(&replay, &chat_body("refuse", ""));
    assert_eq!(got.status, 200);
    // Without --strict, the same unmatched request gets the built-in echo.
    let lenient = start(|c| c.fixtures = Some(dir.to_path_buf()));
    assert_eq!(chat(&lenient, &chat_body("hello there", "")).status, 200);
}

#[test]
fn record_without_an_upstream_is_refused_at_start() {
    let refused = Server::builder()
        .config(|c| c.record = Some(std::env::temp_dir().join("oaimock-never")))
        .start();
    let error = refused.err().expect("refused").to_string();
    assert!(error.contains("--record needs --upstream"), "{error}");
}

#[test]
fn a_stream_the_upstream_breaks_reaches_the_client_broken_and_is_not_recorded() {
    let dir = temp_dir("broken");
    let upstream = start(|_| {});
    upstream
        .mount_json(
            r#"[{"reply": {"text": "one two three four", "fault": {"disconnect_after": 2}}}]"#,
        )
        .unwrap();
    let (base, record) = (upstream.url(), dir.to_path_buf());
    let proxy = start(move |c| {
        c.upstream = Some(base);
        c.record = Some(record);
    });
    let request = chat_body("hi", r#""stream":true"#);
    let raw = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{request}",
        request.len()
    );
    let answer = common::raw(proxy.addr(), raw.as_bytes(), Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("oaimock-upstream-broke\r\n"), "{answer}");
    assert!(
        !answer.contains("[DONE]") && !answer.ends_with("0\r\n\r\n"),
        "{answer}"
    );
    let files: Vec<_> = std::fs::read_dir(dir.as_path()).map_or(Vec::new(), |d| d.collect());
    assert!(files.is_empty(), "a broken stream was recorded: {files:?}");
}
