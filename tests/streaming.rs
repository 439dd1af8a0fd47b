//! Streamed chat completions: the chunk sequence event by event, byte-level SSE framing, events
//! flushed one by one, disconnects ending their worker, and many streams at once.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{agent, chat_body, post, raw, start};
use serde_json::{Value, json};

#[test]
fn stream_is_role_chunk_then_one_chunk_per_word_then_finish_then_done() {
    let server = start(|c| c.reply = Some("Hello  there, world!".into()));
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("x", r#""stream":true"#),
    );
    assert_eq!(got.status, 200);
    assert_eq!(
        got.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    assert!(got.header("x-request-id").unwrap().starts_with("req_"));
    let chunks = got.chunks();
    assert_eq!(chunks.len(), 5);
    let id = chunks[0]["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl-"));
    for c in &chunks {
        assert_eq!(c["id"], id);
        assert_eq!(c["created"], chunks[0]["created"]);
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["model"], "gpt-4o-mini");
        assert!(
            c.get("usage").is_none(),
            "usage only appears with include_usage"
        );
        assert_eq!(c["choices"][0]["logprobs"], Value::Null);
    }
    let deltas: Vec<&Value> = chunks.iter().map(|c| &c["choices"][0]["delta"]).collect();
    assert_eq!(
        *deltas[0],
        json!({"role": "assistant", "content": "", "refusal": null})
    );
    assert_eq!(*deltas[1], json!({"content": "Hello"}));
    assert_eq!(*deltas[2], json!({"content": "  there,"}));
    assert_eq!(*deltas[3], json!({"content": " world!"}));
    assert_eq!(*deltas[4], json!({}));
    let reasons: Vec<&Value> = chunks
        .iter()
        .map(|c| &c["choices"][0]["finish_reason"])
        .collect();
    assert_eq!(
        reasons,
        [
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &json!("stop")
        ]
    );
}

#[test]
fn streamed_deltas_join_to_the_non_streamed_content_byte_for_byte() {
    let server = start(|_| {});
    let url = format!("{}/v1/chat/completions", server.url());
    let message = "  tabs\there,\nnew lines  and   gaps ";
    let whole = post(&url, &chat_body(message, "")).json();
    let streamed: String = (post(&url, &chat_body(message, r#""stream":true"#)))
        .chunks()
        .iter()
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(String::from)
        })
        .collect();
    assert_eq!(
        whole["choices"][0]["message"]["content"].as_str().unwrap(),
        streamed
    );
}

#[test]
fn include_usage_adds_a_last_chunk_with_empty_choices_and_null_usage_before_it() {
    let server = start(|_| {});
    let body = chat_body(
        "a b c",
        r#""stream":true,"stream_options":{"include_usage":true},"max_tokens":4"#,
    );
    let chunks = (post(&format!("{}/v1/chat/completions", server.url()), &body)).chunks();
    let (last, rest) = chunks.split_last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["prompt_tokens"], 3);
    assert_eq!(last["usage"]["completion_tokens"], 4);
    assert_eq!(last["usage"]["total_tokens"], 7);
    assert!(
        rest.iter()
            .all(|c| c["usage"].is_null() && c.get("usage").is_some())
    );
    assert_eq!(
        rest.last().unwrap()["choices"][0]["finish_reason"],
        "length"
    );
}

#[test]
fn n_interleaves_choices_and_sends_the_role_once_per_choice() {
    let server = start(|c| c.reply = Some("one two".into()));
    let chunks = (post(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("x", r#""stream":true,"n":2"#),
    ))
    .chunks();
    let order: Vec<(u64, Value)> = chunks
        .iter()
        .map(|c| {
            (
                c["choices"][0]["index"].as_u64().unwrap(),
                c["choices"][0]["delta"].clone(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (
                0,
                json!({"role": "assistant", "content": "", "refusal": null})
            ),
            (
                1,
                json!({"role": "assistant", "content": "", "refusal": null})
            ),
            (0, json!({"content": "one"})),
            (1, json!({"content": "one"})),
            (0, json!({"content": " two"})),
            (1, json!({"content": " two"})),
            (0, json!({})),
            (1, json!({})),
        ]
    );
}

#[test]
fn raw_bytes_are_chunked_sse_ending_with_done_and_a_terminated_body() {
    let server = start(|c| c.reply = Some("hi".into()));
    let body = chat_body("x", r#""stream":true"#);
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let response = raw(server.addr(), request.as_bytes(), Duration::from_secs(10));
    let (head, chunked) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\nTransfer-Encoding: chunked"), "{head}");
    assert!(head.contains("\r\nCache-Control: no-cache"), "{head}");
    assert!(
        chunked.ends_with("data: [DONE]\n\n\r\n0\r\n\r\n"),
        "{chunked:?}"
    );
    // Decode the chunked framing and check the SSE text inside it.
    let mut rest = chunked;
    let mut sse = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size, 16).unwrap();
        if size == 0 {
            assert_eq!(after, "\r\n");
            break;
        }
        sse.push_str(&after[..size]);
        assert_eq!(&after[size..size + 2], "\r\n");
        rest = &after[size + 2..];
    }
    assert!(!sse.contains('\r') && !sse.contains("event:"));
    assert_eq!(common::sse_data(&sse).len(), 4);
}

#[test]
fn http_1_0_clients_get_an_unframed_stream_and_a_close() {
    let server = start(|c| c.reply = Some("hi".into()));
    let body = chat_body("x", r#""stream":true"#);
    let request = format!(
        "POST /v1/chat/completions HTTP/1.0\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let response = raw(server.addr(), request.as_bytes(), Duration::from_secs(10));
    let (head, sse) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.0 200 OK\r\n") && head.contains("Connection: close"),
        "{head}"
    );
    assert!(!head.contains("Transfer-Encoding"));
    assert!(sse.ends_with("data: [DONE]\n\n"));
}

/// Reads the stream line by line, noting when each content event arrives.
fn content_arrivals(url: &str, body: &str) -> Vec<Duration> {
    let started = Instant::now();
    let mut resp = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let reader = BufReader::new(resp.body_mut().as_reader());
    let mut arrivals = Vec::new();
    for line in reader.lines() {
        let line = line.unwrap();
        if line.starts_with("data: {") && line.contains(r#""delta":{"content""#) {
            arrivals.push(started.elapsed());
        }
    }
    arrivals
}

#[test]
fn events_are_flushed_one_by_one_as_the_words_are_produced() {
    let server = start(|c| {
        c.token_delay = Duration::from_millis(50);
        c.reply = Some("one two three four five six seven eight nine ten".into());
    });
    let arrivals = content_arrivals(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("x", r#""stream":true"#),
    );
    assert_eq!(arrivals.len(), 10);
    // Nominal spread is 9 × 50 ms = 450 ms; a buffered body would deliver all ten together.
    let spread = arrivals[9] - arrivals[0];
    assert!(
        spread >= Duration::from_millis(300),
        "first and last word arrived {spread:?} apart"
    );
    assert!(arrivals.windows(2).all(|w| w[1] > w[0]));
}

#[test]
fn a_client_that_disconnects_mid_stream_ends_its_worker() {
    let server = start(|c| {
        c.token_delay = Duration::from_millis(20);
        c.reply = Some("word ".repeat(500));
    });
    let body = chat_body("x", r#""stream":true"#);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut first = [0u8; 64];
    stream.read_exact(&mut first).unwrap();
    assert!(first.starts_with(b"HTTP/1.1 200 OK"));
    assert_eq!(server.in_flight(), 1);
    drop(stream);
    // 500 words would take 10 s; the worker must notice the close within a few writes.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.in_flight() > 0 {
        assert!(
            Instant::now() < deadline,
            "worker still streaming to a closed socket"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn two_hundred_concurrent_streams_all_finish_in_about_one_streams_time() {
    let server = start(|c| {
        c.token_delay = Duration::from_millis(50);
        c.reply = Some("a b c d e f g h i j".into());
    });
    let url = format!("{}/v1/chat/completions", server.url());
    let started = Instant::now();
    let clients: Vec<_> = (0..200)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || post(&url, &chat_body("x", r#""stream":true"#)))
        })
        .collect();
    for client in clients {
        let got = client.join().unwrap();
        assert_eq!(got.status, 200);
        assert_eq!(got.chunks().len(), 12);
    }
    // One stream takes 0.5 s; served one after another, 200 would take 100 s.
    let wall = started.elapsed();
    assert!(wall < Duration::from_secs(5), "200 streams took {wall:?}");
}
