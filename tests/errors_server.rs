//! Refusals that come from the server rather than one field: the API key, the body limit, early
//! closes, a panicking handler, the connection limit, injected errors, CORS preflight and HEAD,
//! and keep-alive across an error — each in OpenAI's envelope, with the server serving afterwards.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::errors::assert_400;
use common::{chat_body, get, get_with, post, post_with, raw, start};

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
