//! Helpers shared by the hardening test files: raw requests over a socket, what the server did
//! with one, and the health check run after each family of abuse.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::{Binary, chat_body, post};

pub(crate) fn addr(server: &Binary) -> SocketAddr {
    server.url.trim_start_matches("http://").parse().unwrap()
}

/// What the server did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Answer {
    Status(u16),
    /// Closed the connection without a response (tiny_http does this for a body under 1 KiB
    /// that ends before its `Content-Length`).
    Closed,
    /// Nothing within the timeout.
    Silent,
}
pub(crate) use Answer::{Closed, Silent, Status};

/// Sends `request`, closes our sending side (so a short body reads as EOF) and reports the status
/// of the first response.
pub(crate) fn status_of(addr: SocketAddr, request: &[u8], timeout: Duration) -> Answer {
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

pub(crate) fn post_raw(body: &[u8], extra_headers: &str) -> Vec<u8> {
    let mut request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n{extra_headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// The server answers a normal request right, and its threads come back to `baseline`.
pub(crate) fn assert_healthy(server: &Binary, baseline: usize) {
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
