//! Every refusal is OpenAI's error envelope with the right status, a `param` naming the field and
//! a message naming the problem — and the server keeps serving afterwards.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{chat_body, get, get_with, post, post_with, raw, start};
use serde_json::json;

fn chat(server: &oaimock::Server, body: &str) -> common::Got {
    post(&format!("{}/v1/chat/completions", server.url()), body)
}

/// Asserts a 400 whose envelope names `param` and carries `code`.
fn assert_400(got: &common::Got, param: Option<&str>, code: &str, message_part: &str) {
    assert_eq!(got.status, 400, "{}", got.body);
    assert_eq!(got.header("content-type"), Some("application/json"));
    let e = got.error();
    assert_eq!(e["type"], "invalid_request_error");
    assert_eq!(e["param"], json!(param), "{}", got.body);
    assert_eq!(e["code"], code, "{}", got.body);
    assert!(
        e["message"].as_str().unwrap().contains(message_part),
        "{}",
        got.body
    );
}

#[test]
fn malformed_json_names_line_and_column() {
    let server = start(|_| {});
    let got = chat(&server, "{\n  \"model\": \"m\",\n  \"messages\": [,]\n}");
    assert_400(&got, None, "invalid_json", "line 3 column 16");
    assert_400(&chat(&server, ""), None, "invalid_json", "empty");
    assert_400(
        &chat(&server, "[]"),
        None,
        "invalid_json",
        "must be a JSON object",
    );
    assert_400(
        &chat(&server, "{\"model\": \"\u{ff}"),
        None,
        "invalid_json",
        "line 1",
    );
}

#[test]
fn missing_and_ill_typed_fields_name_the_param() {
    let server = start(|_| {});
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            r#"{"messages":[{"role":"user","content":"x"}]}"#,
            "model",
            "missing_required_parameter",
            "Missing required parameter: 'model'.",
        ),
        (
            r#"{"model":"m"}"#,
            "messages",
            "missing_required_parameter",
            "'messages'",
        ),
        (
            r#"{"model":"m","messages":[]}"#,
            "messages",
            "invalid_value",
            "empty array",
        ),
        (
            r#"{"model":5,"messages":[{"role":"user","content":"x"}]}"#,
            "model",
            "invalid_type",
            "expected a string, but got an integer",
        ),
        (
            r#"{"model":"m","messages":"hi"}"#,
            "messages",
            "invalid_type",
            "expected an array",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"robot","content":"c"}]}"#,
            "messages[2].role",
            "invalid_value",
            "'robot'",
        ),
        (
            r#"{"model":"m","messages":[{"content":"x"}]}"#,
            "messages[0].role",
            "missing_required_parameter",
            "'messages[0].role'",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user"}]}"#,
            "messages[0].content",
            "missing_required_parameter",
            "content",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[]}]}"#,
            "messages[0].content",
            "invalid_value",
            "empty array",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
            "messages[0].content[0].text",
            "missing_required_parameter",
            "text",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":7}]}"#,
            "messages[0].content",
            "invalid_type",
            "got an integer",
        ),
        (
            r#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#,
            "messages[0].tool_call_id",
            "missing_required_parameter",
            "tool_call_id",
        ),
        (
            r#"{"model":"m","messages":[3]}"#,
            "messages[0]",
            "invalid_type",
            "expected an object",
        ),
    ];
    for (body, param, code, message) in cases {
        assert_400(&chat(&server, body), Some(param), code, message);
    }
}

#[test]
fn out_of_range_sampling_parameters_are_rejected() {
    let server = start(|_| {});
    let cases: &[(&str, &str, &str)] = &[
        (
            r#""temperature":2.5"#,
            "temperature",
            "Expected a value <= 2, but got 2.5 instead.",
        ),
        (r#""temperature":-0.1"#, "temperature", ">= 0"),
        (
            r#""temperature":"hot""#,
            "temperature",
            "expected a decimal, but got a string",
        ),
        (r#""top_p":1.5"#, "top_p", "<= 1"),
        (r#""n":0"#, "n", ">= 1"),
        (r#""n":129"#, "n", "<= 128"),
        (r#""n":1.5"#, "n", "expected an integer"),
        (r#""presence_penalty":-3"#, "presence_penalty", ">= -2"),
        (r#""frequency_penalty":2.1"#, "frequency_penalty", "<= 2"),
        (r#""max_tokens":0"#, "max_tokens", ">= 1"),
        (
            r#""max_completion_tokens":"9""#,
            "max_completion_tokens",
            "expected an integer",
        ),
        (
            r#""stop":["a","b","c","d","e"]"#,
            "stop",
            "maximum length 4",
        ),
        (r#""stop":[1]"#, "stop[0]", "expected a string"),
        (r#""stop":5"#, "stop", "expected a string or an array"),
        (r#""stream":"yes""#, "stream", "expected a boolean"),
        (
            r#""stream_options":{"include_usage":true}"#,
            "stream_options",
            "only allowed when 'stream' is enabled",
        ),
        (
            r#""stream":true,"stream_options":{"include_usage":1}"#,
            "stream_options.include_usage",
            "expected a boolean",
        ),
        (
            r#""top_logprobs":3"#,
            "top_logprobs",
            "'logprobs' must be set to true",
        ),
        (
            r#""logprobs":true,"top_logprobs":21"#,
            "top_logprobs",
            "<= 20",
        ),
        (
            r#""logit_bias":{"50256":-101}"#,
            "logit_bias.50256",
            ">= -100",
        ),
    ];
    for (extra, param, message) in cases {
        let got = chat(&server, &chat_body("x", extra));
        let code = if message.starts_with("expected") || message.contains("but got a") {
            "invalid_type"
        } else {
            "invalid_value"
        };
        assert_400(&got, Some(param), code, message);
    }
    // In range, null, or unknown: accepted and ignored.
    let ok = chat_body(
        "x",
        r#""temperature":2,"top_p":0,"n":null,"seed":7,"user":"u","logprobs":true,"top_logprobs":2,"whatever":[1]"#,
    );
    assert_eq!(chat(&server, &ok).status, 200);
}

#[test]
fn unknown_paths_are_404_unknown_url_and_wrong_methods_405() {
    let server = start(|_| {});
    let got = post(&format!("{}/v1/foo", server.url()), "{}");
    assert_eq!(got.status, 404);
    let e = got.error();
    assert_eq!(e["code"], "unknown_url");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Unknown request URL: POST /v1/foo. ")
    );
    let got = get(&format!("{}/v1/responses", server.url()));
    assert_eq!(got.status, 405);
    assert_eq!(got.header("allow"), Some("POST"));
    assert_eq!(got.error()["code"], "method_not_allowed");
    assert_eq!(
        post(&format!("{}/v1/models", server.url()), "{}").status,
        405
    );
}

#[test]
fn api_key_is_required_when_set() {
    let server = start(|c| c.api_key = Some("sk-right".into()));
    let url = format!("{}/v1/chat/completions", server.url());
    let missing = post(&url, &chat_body("x", ""));
    assert_eq!(missing.status, 401);
    let e = missing.error();
    assert_eq!(
        (e["code"].as_str(), e["type"].as_str()),
        (Some("invalid_api_key"), Some("invalid_request_error"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("didn't provide an API key")
    );
    let wrong = post_with(
        &url,
        &chat_body("x", ""),
        &[("Authorization", "Bearer sk-wrong")],
    );
    assert_eq!(wrong.status, 401);
    assert!(
        !wrong.body.contains("sk-wrong"),
        "the key must not be echoed back"
    );
    assert_eq!(
        post_with(
            &url,
            &chat_body("x", ""),
            &[("Authorization", "Bearer sk-right")]
        )
        .status,
        200
    );
    assert_eq!(
        get_with(
            &format!("{}/v1/models", server.url()),
            &[("Authorization", "Basic sk-right")]
        )
        .status,
        401
    );
    assert_eq!(get(&format!("{}/health", server.url())).status, 200);
}

#[test]
fn a_body_over_the_limit_is_413_and_the_server_keeps_serving() {
    let server = start(|c| c.max_body_bytes = 1000);
    let url = format!("{}/v1/chat/completions", server.url());
    let big = chat_body(&"x".repeat(2000), "");
    let got = post(&url, &big);
    assert_eq!(got.status, 413);
    assert_eq!(got.error()["code"], "request_too_large");
    assert!(got.header("x-request-id").unwrap().starts_with("req_"));
    // Declared too large: refused before a byte of the body is read, even if none ever comes.
    let response = raw(
        server.addr(),
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
        Duration::from_millis(1500),
    );
    assert!(response.starts_with("HTTP/1.1 413 "), "{response}");
    assert!(response.contains("request_too_large"), "{response}");
    // Chunked: no Content-Length, so the limit is found while reading.
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    let response = raw(server.addr(), request.as_bytes(), Duration::from_secs(10));
    assert!(response.starts_with("HTTP/1.1 413 "), "{response}");
    assert_eq!(post(&url, &chat_body("still here", "")).status, 200);
}

#[test]
fn a_huge_declared_body_with_an_early_close_does_not_kill_the_server() {
    // tiny_http would allocate the declared size when dropping this request and abort the process.
    let server = start(|_| {});
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n{\"model\":")
        .unwrap();
    drop(stream);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.in_flight() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        post(
            &format!("{}/v1/chat/completions", server.url()),
            &chat_body("alive", "")
        )
        .status,
        200
    );
}

#[test]
fn a_panicking_handler_is_a_500_and_the_server_keeps_serving() {
    let server = start(|_| {});
    for _ in 0..3 {
        let got = post(&format!("{}/_oaimock/panic", server.url()), "");
        assert_eq!(got.status, 500);
        let e = got.error();
        assert_eq!(
            (e["type"].as_str(), e["code"].as_str()),
            (Some("server_error"), None)
        );
    }
    assert_eq!(
        post(
            &format!("{}/v1/chat/completions", server.url()),
            &chat_body("x", "")
        )
        .status,
        200
    );
}

#[test]
fn beyond_max_connections_requests_get_503_with_retry_after() {
    let server = start(|c| {
        c.max_connections = 1;
        c.token_delay = Duration::from_millis(20);
        c.reply = Some("w ".repeat(200));
    });
    let body = chat_body("x", r#""stream":true"#);
    let mut busy = TcpStream::connect(server.addr()).unwrap();
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    busy.write_all(request.as_bytes()).unwrap();
    let mut first = [0u8; 15];
    busy.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200 OK");
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("x", ""),
    );
    assert_eq!(got.status, 503);
    assert_eq!(got.header("retry-after"), Some("1"));
    assert_eq!(got.error()["code"], "server_is_overloaded");
    drop(busy);
}

#[test]
fn injected_errors_carry_the_apis_body_for_their_status() {
    let server = start(|_| {});
    let url = format!("{}/v1/chat/completions", server.url());
    for (status, kind, code) in [
        (
            403,
            "invalid_request_error",
            "unsupported_country_region_territory",
        ),
        (429, "requests", "rate_limit_exceeded"),
        (500, "server_error", ""),
        (503, "service_unavailable_error", "server_is_overloaded"),
    ] {
        let got = post_with(
            &url,
            &chat_body("x", ""),
            &[("x-oaimock-error", &status.to_string())],
        );
        assert_eq!(got.status, status);
        let e = got.error();
        assert_eq!(
            (e["type"].as_str(), e["code"].as_str()),
            (Some(kind), Some(code).filter(|c| !c.is_empty()))
        );
    }
    let got = post_with(&url, &chat_body("x", ""), &[("x-oaimock-error", "200")]);
    assert_400(&got, Some("x-oaimock-error"), "invalid_value", "400 to 599");
}

#[test]
fn options_is_a_cors_preflight_and_head_has_no_body() {
    let server = start(|_| {});
    let response = raw(
        server.addr(),
        b"OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    assert!(response.starts_with("HTTP/1.1 204 "), "{response}");
    assert!(response.contains("Access-Control-Allow-Methods: GET, POST, DELETE, OPTIONS"));
    let response = raw(
        server.addr(),
        b"HEAD /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.1 200 ") && head.contains("Content-Length: "),
        "{head}"
    );
    assert_eq!(body, "");
}

#[test]
fn keep_alive_connection_survives_an_error() {
    let server = start(|_| {});
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let good = chat_body("x", "");
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{good}",
        good.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 1, "{out}");
}
