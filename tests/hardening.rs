//! Adversarial input over real sockets against the real binary: after each family of abuse the
//! server still answers a normal request correctly and its thread count returns to the baseline.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Binary, chat_body, post, post_with, raw};

fn addr(server: &Binary) -> SocketAddr {
    server.url.trim_start_matches("http://").parse().unwrap()
}

/// What the server did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Answer {
    Status(u16),
    /// Closed the connection without a response (tiny_http does this for a body under 1 KiB
    /// that ends before its `Content-Length`).
    Closed,
    /// Nothing within the timeout.
    Silent,
}
use Answer::{Closed, Silent, Status};

/// Sends `request`, closes our sending side (so a short body reads as EOF) and reports the status
/// of the first response.
fn status_of(addr: SocketAddr, request: &[u8], timeout: Duration) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(timeout)).unwrap();
    let _ = stream.write_all(request);
    let _ = stream.shutdown(Shutdown::Write);
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Silent;
            }
            Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    head.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .map_or(Closed, Status)
}

fn post_raw(body: &[u8], extra_headers: &str) -> Vec<u8> {
    let mut request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n{extra_headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// The server answers a normal request right, and its threads come back to `baseline`.
fn assert_healthy(server: &Binary, baseline: usize) {
    let v = post(
        &format!("{}/v1/chat/completions", server.url),
        &chat_body("still fine", ""),
    )
    .json();
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "As a mock AI Assistant, I can only echo your last message: still fine"
    );
    // Idle tiny_http threads and idle workers retire after 5 s.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let threads = server.threads();
        if threads <= baseline {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{threads} threads, baseline {baseline}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn malformed_and_ill_typed_bodies_are_400s() {
    let server = Binary::start(&["--quiet", "--max-body-bytes", "16777216"]);
    let baseline = server.threads();
    let a = addr(&server);
    let mut bodies: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"{\"model\":".to_vec(),
        b"nul".to_vec(),
        b"".to_vec(),
        b"   \n".to_vec(),
        b"\"just a string\"".to_vec(),
        b"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} trailing".to_vec(),
        b"{\"model\":\"\xff\xfe\",\"messages\":[]}".to_vec(),
        b"\xc3\x28{}".to_vec(),
        "[".repeat(100_000).into_bytes(),
        format!("{}{}", "{\"a\":".repeat(50_000), "}".repeat(50_000)).into_bytes(),
        chat_body("x", r#""temperature":1e400"#).into_bytes(),
        chat_body("x", r#""n":1e30"#).into_bytes(),
        chat_body("x", r#""max_tokens":-99999999999999999999"#).into_bytes(),
        chat_body("x", r#""max_tokens":18446744073709551616"#).into_bytes(),
    ];
    // Every field, at every level, given every wrong type.
    let fields = [
        "model",
        "messages",
        "temperature",
        "top_p",
        "n",
        "stream",
        "stop",
        "max_tokens",
        "stream_options",
        "logit_bias",
    ];
    let wrong = [
        "true",
        "1",
        "-1.5",
        "\"s\"",
        "[]",
        "[1,\"a\"]",
        "{}",
        "{\"x\":{}}",
    ];
    for field in fields {
        for value in wrong {
            bodies.push(format!(r#"{{"model":"m","messages":[{{"role":"user","content":"x"}}],"{field}":{value}}}"#).into_bytes());
        }
    }
    for value in wrong {
        bodies.push(
            format!(r#"{{"model":"m","messages":[{{"role":{value},"content":"x"}}]}}"#)
                .into_bytes(),
        );
        bodies.push(
            format!(r#"{{"model":"m","messages":[{{"role":"user","content":{value}}}]}}"#)
                .into_bytes(),
        );
        bodies.push(format!(r#"{{"model":"m","messages":[{{"role":"user","content":[{{"type":"text","text":{value}}}]}}]}}"#).into_bytes());
        bodies.push(format!(r#"{{"model":"m","messages":[{value}]}}"#).into_bytes());
    }
    for body in &bodies {
        let status = status_of(a, &post_raw(body, ""), Duration::from_secs(10));
        assert!(
            matches!(status, Status(200 | 400)),
            "{status:?} for {}",
            String::from_utf8_lossy(&body[..body.len().min(120)])
        );
    }
    // Bodies are JSON whatever the Content-Type says, or when it is missing.
    let body = chat_body("typed", "");
    for content_type in [
        "",
        "Content-Type: text/plain\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "Content-Type: application/json; charset=utf-8\r\n",
    ] {
        assert_eq!(
            status_of(
                a,
                &post_raw(body.as_bytes(), content_type),
                Duration::from_secs(5)
            ),
            Status(200)
        );
    }
    // A 10 MB string is just a long word.
    let got = post(
        &format!("{}/v1/chat/completions", server.url),
        &chat_body(&"y".repeat(10_000_000), ""),
    );
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["usage"]["prompt_tokens"], 1);
    assert_healthy(&server, baseline);
}

#[test]
fn oversized_heads_and_protocol_abuse_get_clear_answers() {
    let server = Binary::start(&["--quiet", "--max-body-bytes", "3000"]);
    let baseline = server.threads();
    let a = addr(&server);
    let t = Duration::from_secs(10);
    let long_line = format!(
        "GET /health HTTP/1.1\r\nX-Long: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert_eq!(status_of(a, long_line.as_bytes(), t), Status(431));
    let many: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    assert_eq!(
        status_of(
            a,
            format!("GET /health HTTP/1.1\r\n{many}\r\n").as_bytes(),
            t
        ),
        Status(431)
    );
    // Garbage and half requests: tiny_http's own 400, or nothing for a head that never ends.
    assert_eq!(
        status_of(a, b"\x00\x01\x02 garbage\r\n\r\n", t),
        Status(400)
    );
    assert_eq!(status_of(a, b"GET\r\n\r\n", t), Status(400));
    assert_eq!(
        status_of(a, b"GET /health HTTP/1.1\r\nBroken header line\r\n\r\n", t),
        Status(400)
    );
    assert_eq!(status_of(a, b"GET /health HTTP/1.1\r\nHost: x", t), Closed);
    // A declared length the body never reaches: over 1 KiB oaimock reads it and says so in a 400;
    // under, tiny_http reads it before oaimock sees the request, and just closes.
    let lie = |declared: usize| {
        format!(
            "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: {declared}\r\n\r\n{{\"model\""
        )
    };
    assert_eq!(status_of(a, lie(2000).as_bytes(), t), Status(400));
    assert_eq!(status_of(a, lie(900).as_bytes(), t), Closed);
    // Declared over the limit and never sent: refused at once.
    assert_eq!(
        status_of(
            a,
            b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 5000\r\n\r\n",
            t
        ),
        Status(413)
    );
    // Chunked bodies, Expect: 100-continue, pipelining.
    let body = chat_body("chunked", "");
    let chunked = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        5,
        &body[..5],
        body.len() - 5,
        &body[5..]
    );
    let response = raw(a, chunked.as_bytes(), t);
    assert!(
        response.starts_with("HTTP/1.1 200 ")
            && response.contains("echo your last message: chunked"),
        "{response}"
    );
    let mut stream = TcpStream::connect(a).unwrap();
    stream.set_read_timeout(Some(t)).unwrap();
    let big = chat_body(&"z".repeat(600), "");
    stream
        .write_all(format!("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n", big.len()).as_bytes())
        .unwrap();
    let mut interim = Vec::new();
    let mut byte = [0u8; 1];
    while !interim.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        interim.push(byte[0]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100 Continue\r\n"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    stream.write_all(big.as_bytes()).unwrap();
    let mut ok = [0u8; 15];
    stream.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"HTTP/1.1 200 OK");
    drop(stream);
    let one = |close: &str| format!("GET /v1/models HTTP/1.1\r\nHost: x\r\n{close}\r\n");
    let pipelined = format!("{}{}{}", one(""), one(""), one("Connection: close\r\n"));
    let response = raw(a, pipelined.as_bytes(), t);
    assert_eq!(response.matches("HTTP/1.1 200 OK").count(), 3, "{response}");
    assert_healthy(&server, baseline);
}

#[test]
fn an_http_2_request_line_hangs_only_its_own_connection() {
    // tiny_http deadlocks the connection thread (quirk Q3 in src/architecture.md): no answer, and
    // that thread and socket stay for the life of the process. Everyone else is still served.
    let server = Binary::start(&["--quiet"]);
    let a = addr(&server);
    assert_eq!(
        status_of(
            a,
            b"GET /health HTTP/2.0\r\nHost: x\r\n\r\n",
            Duration::from_millis(500)
        ),
        Silent
    );
    assert_eq!(
        post(
            &format!("{}/v1/chat/completions", server.url),
            &chat_body("x", "")
        )
        .status,
        200
    );
}

#[test]
fn slow_clients_do_not_starve_others() {
    let server = Binary::start(&["--quiet"]);
    let baseline = server.threads();
    let a = addr(&server);
    let slow: Vec<TcpStream> = (0..500)
        .map(|_| {
            let mut s = TcpStream::connect(a).unwrap();
            s.write_all(b"POST /v1/chat/completions HTTP/1.1\r\nHo")
                .unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    let got = post(
        &format!("{}/v1/chat/completions", server.url),
        &chat_body("x", ""),
    );
    let took = started.elapsed();
    assert_eq!(got.status, 200);
    eprintln!("a normal request beside 500 slowloris connections took {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    drop(slow);
    assert_healthy(&server, baseline);
}

#[test]
fn a_client_that_stops_reading_is_dropped_after_the_write_timeout() {
    let server = common::start(|c| {
        c.write_timeout = Duration::from_millis(300);
        c.reply = Some("word ".repeat(16_000));
    });
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    stalled
        .write_all(&post_raw(
            chat_body("x", r#""stream":true,"n":16"#).as_bytes(),
            "",
        ))
        .unwrap();
    // About 60 MB of events against a few MB of socket buffers: the writer blocks, then gives up.
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.in_flight() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    while server.in_flight() > 0 {
        assert!(
            Instant::now() < deadline,
            "the worker is still blocked on a client that reads nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        post(
            &format!("{}/v1/chat/completions", server.url()),
            &chat_body("x", "")
        )
        .status,
        200
    );
    drop(stalled);
}

#[test]
fn running_out_of_file_descriptors_is_survived() {
    // The binary under a 64-descriptor limit; holding 100 connections exhausts it, so accept()
    // fails — which ends tiny_http's accept loop for good unless oaimock starts a new one.
    let mut child = Command::new("sh")
        .args([
            "-c",
            &format!(
                "ulimit -n 64 && exec {} --port 0 --quiet",
                env!("CARGO_BIN_EXE_oaimock")
            ),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let a: SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let held: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect(a).ok())
        .collect();
    assert!(held.len() > 64);
    std::thread::sleep(Duration::from_millis(300));
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(15);
    let body = chat_body("after exhaustion", "");
    loop {
        if status_of(
            a,
            &post_raw(body.as_bytes(), "Connection: close\r\n"),
            Duration::from_secs(1),
        ) == Status(200)
        {
            break;
        }
        assert!(Instant::now() < deadline, "the server never accepted again");
    }
    assert!(child.try_wait().unwrap().is_none(), "the server exited");
    let _ = child.kill();
    let _ = child.wait();
}

/// xorshift64*: a fixed seed gives the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn thousands_of_mutated_requests_never_get_a_5xx_or_crash_the_server() {
    let mut server = Binary::start(&[
        "--quiet",
        "--token-delay-ms",
        "0",
        "--max-body-bytes",
        "4096",
    ]);
    let baseline = server.threads();
    let a = addr(&server);
    let seeds = [
        chat_body("hello there", r#""stream":true,"stream_options":{"include_usage":true},"n":2"#),
        chat_body("hi", r#""temperature":0.5,"stop":["x","y"],"max_tokens":5"#),
        r#"{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"}]},{"role":"assistant","content":null},{"role":"tool","tool_call_id":"c","content":"r"}]}"#.to_string(),
    ];
    let json_values = [
        "null",
        "true",
        "0",
        "-1",
        "1e999",
        "\"\"",
        "[]",
        "{}",
        "[[[]]]",
        "\"\\ud800\"",
    ];
    let mut rng = Rng(0x5EED_0A1B_0C0D_0E0F);
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..3000 {
        let mut body = seeds[rng.below(seeds.len())].clone().into_bytes();
        let mut declared = None;
        match rng.below(6) {
            0 => {
                for _ in 0..=rng.below(4) {
                    let i = rng.below(body.len());
                    body[i] ^= 1 << rng.below(8);
                }
            }
            1 => {
                // Drop a `"key":value` by cutting from a quote to the next comma.
                let text = String::from_utf8_lossy(&body).into_owned();
                let starts: Vec<usize> = text.match_indices(",\"").map(|(i, _)| i).collect();
                if let Some(&s) = starts.get(rng.below(starts.len().max(1))) {
                    let end = text[s + 1..]
                        .find(',')
                        .map_or(text.len() - 1, |e| s + 1 + e);
                    body = format!("{}{}", &text[..s], &text[end..]).into_bytes();
                }
            }
            2 => {
                // Retype a value: replace what follows a colon with another JSON value.
                let text = String::from_utf8_lossy(&body).into_owned();
                let colons: Vec<usize> = text.match_indices(':').map(|(i, _)| i).collect();
                let c = colons[rng.below(colons.len())];
                let end = text[c + 1..]
                    .find([',', '}'])
                    .map_or(text.len(), |e| c + 1 + e);
                body = format!(
                    "{}{}{}",
                    &text[..=c],
                    json_values[rng.below(json_values.len())],
                    &text[end..]
                )
                .into_bytes();
            }
            3 => declared = Some(body.len() + 1 + rng.below(50)),
            4 => declared = Some(rng.below(body.len())),
            _ => body.truncate(rng.below(body.len())),
        }
        let length = declared.unwrap_or(body.len());
        let mut request = format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
        )
        .into_bytes();
        request.extend_from_slice(&body);
        let status = status_of(a, &request, Duration::from_secs(10));
        *counts.entry(status).or_insert(0) += 1;
        assert!(
            matches!(status, Status(100..500) | Closed),
            "{status:?} for {}",
            String::from_utf8_lossy(&request)
        );
    }
    eprintln!("statuses over 3000 mutated requests: {counts:?}");
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );
    assert_eq!(
        post_with(
            &format!("{}/v1/chat/completions", server.url),
            &chat_body("x", ""),
            &[]
        )
        .status,
        200
    );
    assert_healthy(&server, baseline);
    let _ = &mut server;
}
