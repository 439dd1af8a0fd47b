//! Faults on demand over HTTP: injected errors and their headers, every stream fault kind,
//! timing shaped by ttft, token delay and stalls, and determinism under a seed. The rate limit,
//! journal, scopes and admin API are in faults_admin.rs.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

use common::faults::{chat_url, data, stream_body};
use common::{agent, chat_body, post, post_with, start};
use serde_json::Value;

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
