//! Abuse by the connection rather than the bytes, against the real binary: slow clients, clients
//! that stop reading, running out of descriptors, and thousands of mutated requests; after each
//! the server still answers a normal request and its thread count returns to the baseline.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::hardening::{Closed, Status, addr, assert_healthy, post_raw, status_of};
use common::{Binary, chat_body, post, post_with};

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
