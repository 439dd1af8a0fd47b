//! Hostile clients against the transport, each through `common::hostile::Watch` (alive, a normal
//! request answered within a second during and after, threads and descriptors back to the
//! baseline, peak RSS within bounds): reads that never finish, upgrades, ambiguous framing, web
//! pages reaching for the admin paths, and retirement while every other worker streams.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::hostile::Watch;

/// Opens a connection and sends `bytes`, keeping the socket open.
fn send(watch: &Watch, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(watch.addr()).expect("connect");
    stream.write_all(bytes).expect("write");
    stream
}

/// Reads what the server sends until it closes or `timeout` passes without a byte.
fn read_all(stream: &mut TcpStream, timeout: Duration) -> String {
    stream.set_read_timeout(Some(timeout)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn chat_head(extra: &str) -> String {
    format!("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n")
}

const BODY: &str = r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#;

#[test]
fn bodies_that_never_arrive_hold_no_worker() {
    let mut watch = Watch::start(&["--read-timeout-ms", "500", "--max-connections", "12"]);
    let mut held = Vec::new();
    let mut sent = 0;
    // Four Expect: 100-continue heads whose small body never comes, four bodies that stop
    // short of their Content-Length, and four upgrade requests without a length.
    for _ in 0..4 {
        let expect = chat_head(
            "Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n",
        );
        let short = format!("{}123456789", chat_head("Content-Length: 5000\r\n"));
        let upgrade = chat_head("Connection: Upgrade\r\nUpgrade: foo\r\n");
        for request in [expect, short, upgrade] {
            sent += request.len();
            held.push(send(&watch, request.as_bytes()));
        }
    }
    watch.answers_within(Duration::from_secs(1));
    // Past the read timeout every worker is back: as many normal requests as --max-connections
    // are answered at once while the twelve sockets stay open.
    let started = Instant::now();
    loop {
        let parallel: Vec<_> = (0..12)
            .map(|_| {
                let url = format!("{}/v1/chat/completions", watch.url());
                std::thread::spawn(move || common::post(&url, &common::chat_body("x", "")).status)
            })
            .collect();
        let statuses: Vec<u16> = parallel.into_iter().map(|w| w.join().unwrap()).collect();
        if statuses.iter().all(|s| *s == 200) {
            break;
        }
        // 503s until the read timeouts have freed the held workers, never for long.
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 503),
            "{statuses:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3), "{statuses:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The upgrade requests without a body were answered at once, and their connection closed.
    for stream in held.iter_mut().skip(2).step_by(3) {
        let answer = read_all(stream, Duration::from_secs(2));
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        assert!(answer.contains("Connection: close"), "{answer}");
    }
    // A short body finished well after the timeout (500 ms) gets a 408 from the thread that kept
    // reading it.
    std::thread::sleep(Duration::from_millis(1500));
    let late = &mut held[1];
    late.write_all(&[b' '; 4991]).unwrap();
    let answer = read_all(late, Duration::from_secs(2));
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    drop(held);
    eprintln!("peak RSS rise: {} KiB", watch.settles(sent));
}

#[test]
fn an_h2c_upgrade_with_a_body_is_answered_as_http_1_1() {
    let mut watch = Watch::start(&[]);
    // What java.net.http.HttpClient sends by default on an http:// URL.
    let request = format!(
        "{}{BODY}",
        chat_head(&format!(
            "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            BODY.len()
        ))
    );
    let mut stream = send(&watch, request.as_bytes());
    let answer = read_all(&mut stream, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("Connection: close\r\n"), "{answer}");
    assert!(answer.contains("echo your last message: hi\""), "{answer}");
    drop(stream);
    // The same with a chunked body: tiny_http hands over the raw socket, oaimock decodes it.
    let chunked = format!(
        "{}{:x}\r\n{BODY}\r\n0\r\n\r\n",
        chat_head(
            "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAEAAEAA\r\nTransfer-Encoding: chunked\r\n"
        ),
        BODY.len()
    );
    let mut stream = send(&watch, chunked.as_bytes());
    let answer = read_all(&mut stream, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("echo your last message: hi"), "{answer}");
    drop(stream);
    eprintln!("peak RSS rise: {} KiB", watch.settles(request.len()));
}

#[test]
fn ambiguous_framing_is_refused_and_the_connection_closed() {
    let mut watch = Watch::start(&[]);
    let len = BODY.len();
    let cases = [
        format!("Content-Length: {len}\r\nContent-Length: {len}\r\n"),
        format!("Content-Length: +{len}\r\n"),
        "Content-Length: -1\r\n".to_string(),
        format!("Content-Length: {len}\r\nTransfer-Encoding: chunked\r\n"),
        "Transfer-Encoding: gzip, chunked\r\n".to_string(),
    ];
    let mut sent = 0;
    for extra in cases {
        // A second request rides behind the first: nothing may answer it.
        let request = format!(
            "{}{BODY}GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
            chat_head(&extra)
        );
        sent += request.len();
        let mut stream = send(&watch, request.as_bytes());
        let answer = read_all(&mut stream, Duration::from_secs(2));
        assert!(answer.starts_with("HTTP/1.1 400 "), "{extra:?}: {answer}");
        assert!(answer.contains("invalid_framing"), "{answer}");
        assert!(answer.contains("Connection: close\r\n"), "{answer}");
        assert_eq!(
            answer.matches("HTTP/1.1 ").count(),
            1,
            "{extra:?}: {answer}"
        );
    }
    eprintln!("peak RSS rise: {} KiB", watch.settles(sent));
}

#[test]
fn web_pages_cannot_reach_the_admin_paths() {
    let mut watch = Watch::start(&[]);
    let admin = |extra: &str, method: &str, path: &str, body: &str| {
        let request = format!(
            "{method} {path} HTTP/1.1\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = send(&watch, request.as_bytes());
        read_all(&mut stream, Duration::from_secs(2))
    };
    let local = "Host: 127.0.0.1\r\n";
    let listing = admin(local, "GET", "/_oaimock/requests", "");
    assert!(listing.starts_with("HTTP/1.1 200 "), "{listing}");
    assert!(
        !listing.contains("Access-Control-Allow-Origin"),
        "{listing}"
    );
    let api = admin(local, "GET", "/v1/models", "");
    assert!(api.contains("Access-Control-Allow-Origin: *\r\n"), "{api}");
    // DNS rebinding: the page's own name in Host.
    let rebound = admin(
        "Host: attacker.example:8000\r\n",
        "GET",
        "/_oaimock/requests",
        "",
    );
    assert!(rebound.starts_with("HTTP/1.1 403 "), "{rebound}");
    assert!(
        !rebound.contains("Access-Control-Allow-Origin"),
        "{rebound}"
    );
    let page = admin(
        "Host: 127.0.0.1\r\nOrigin: https://attacker.example\r\n",
        "GET",
        "/_oaimock/requests",
        "",
    );
    assert!(page.starts_with("HTTP/1.1 403 "), "{page}");
    // A text/plain POST needs no preflight in a browser: refused.
    let rule = r#"[{"reply":{"text":"pwned"}}]"#;
    let plain = admin(
        "Host: 127.0.0.1\r\nContent-Type: text/plain\r\n",
        "POST",
        "/_oaimock/fixtures",
        rule,
    );
    assert!(plain.starts_with("HTTP/1.1 415 "), "{plain}");
    let preflight = admin(
        "Host: 127.0.0.1\r\nOrigin: https://attacker.example\r\nAccess-Control-Request-Method: POST\r\n",
        "OPTIONS",
        "/_oaimock/fixtures",
        "",
    );
    assert!(
        !preflight.contains("Access-Control-Allow-Origin"),
        "{preflight}"
    );
    watch.answers_within(Duration::from_secs(1));
    let chat = common::post(
        &format!("{}/v1/chat/completions", watch.url()),
        &common::chat_body("still mine", ""),
    );
    assert!(
        chat.body.contains("echo your last message: still mine"),
        "{}",
        chat.body
    );
    eprintln!("peak RSS rise: {} KiB", watch.settles(0));
}

#[test]
fn idle_workers_stay_while_every_other_worker_streams() {
    let mut watch = Watch::start(&[]);
    let streams: Vec<TcpStream> = (0..6)
        .map(|_| {
            // About 50 words, 200 ms apart: ten seconds each.
            let body = common::chat_body(&"w ".repeat(40), r#""stream":true"#);
            let request = format!(
                "{}{body}",
                chat_head(&format!(
                    "x-oaimock-token-delay-ms: 200\r\nContent-Length: {}\r\n",
                    body.len()
                ))
            );
            send(&watch, request.as_bytes())
        })
        .collect();
    // Past the idle exit (5 s) with six workers busy: the idle ones must still be there.
    std::thread::sleep(Duration::from_secs(6));
    watch.answers_within(Duration::from_secs(1));
    drop(streams);
    eprintln!("peak RSS rise: {} KiB", watch.settles(0));
}

#[test]
fn an_unread_stderr_never_blocks_serving() {
    // The access log is on, and nobody reads the pipe (a harness with stderr=PIPE): ~3,000 lines
    // are far more than the pipe holds.
    let server = common::Binary::start(&[]);
    let agent = common::agent();
    let url = format!("{}/v1/chat/completions", server.url);
    let started = Instant::now();
    for i in 0..3000 {
        let got = agent
            .post(&url)
            .header("content-type", "application/json")
            .send(common::chat_body(&format!("line {i}"), ""))
            .expect("answered");
        assert_eq!(got.status(), 200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "3,000 requests took {:?}",
        started.elapsed()
    );
    let health = common::get(&format!("{}/health", server.url));
    assert_eq!(health.status, 200);
}

#[test]
fn connections_reset_mid_exchange_leave_stderr_empty_under_quiet() {
    let mut watch = Watch::start(&[]);
    let mut sent = 0;
    for _ in 0..50 {
        let body = common::chat_body("reset", r#""stream":true"#);
        let request = format!(
            "{}{body}",
            chat_head(&format!(
                "x-oaimock-token-delay-ms: 5\r\nContent-Length: {}\r\n",
                body.len()
            ))
        );
        sent += request.len();
        let stream = send(&watch, request.as_bytes());
        // Close with a reset (linger 0) while the answer is being written.
        let socket = socket2::Socket::from(stream);
        socket.set_linger(Some(Duration::ZERO)).unwrap();
        drop(socket);
    }
    watch.answers_within(Duration::from_secs(1));
    eprintln!("peak RSS rise: {} KiB", watch.settles(sent));
    let _ = watch.binary.child.kill();
    let _ = watch.binary.child.wait();
    let mut stderr = String::new();
    watch
        .binary
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(stderr, "", "--quiet, yet stderr has output");
}
