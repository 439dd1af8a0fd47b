//! Plain chat load on one keep-alive connection (std only), for the callgrind measurement.
//! usage: plainload --addr HOST:PORT --requests N
//! Sends N times the body post.lua sends, one after the other on one connection, reads each whole
//! answer (Content-Length or chunked) and checks its status is 200. Prints `requests N`, `ok N`
//! and `wall_ms X`; exits 1 on the first failure (status, closed connection, malformed answer).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::exit;
use std::time::{Duration, Instant};

const BODY: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say this is a test"}]}"#;

fn fail(msg: String) -> ! {
    eprintln!("plainload: {msg}");
    exit(1)
}

/// Reads one response; returns its status code.
fn read_response(reader: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::Error::other("connection closed before the status line"));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let (mut length, mut chunked) = (None, false);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("connection closed in the headers"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| std::io::Error::other(format!("bad chunk size {line:?}")))?;
            let mut chunk = vec![0u8; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
        }
    } else {
        let n = length.ok_or_else(|| std::io::Error::other("no Content-Length and not chunked"))?;
        let mut body = vec![0u8; n];
        reader.read_exact(&mut body)?;
    }
    Ok(status)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut addr, mut requests) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next(),
            "--requests" => requests = args.next().and_then(|n| n.parse::<u64>().ok()),
            _ => fail(format!("unknown argument {arg:?}; usage: plainload --addr HOST:PORT --requests N")),
        }
    }
    let (Some(addr), Some(requests)) = (addr, requests) else {
        fail("usage: plainload --addr HOST:PORT --requests N".into())
    };
    let stream = TcpStream::connect(&addr).unwrap_or_else(|e| fail(format!("connect {addr}: {e}")));
    let _ = stream.set_nodelay(true);
    // Generous: a server under callgrind answers ~50× slower than native.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let mut writer = stream.try_clone().unwrap_or_else(|e| fail(format!("clone: {e}")));
    let mut reader = BufReader::new(stream);
    let start = Instant::now();
    for i in 0..requests {
        if let Err(e) = writer.write_all(request.as_bytes()) {
            fail(format!("request {}: write: {e}", i + 1));
        }
        match read_response(&mut reader) {
            Ok(200) => {}
            Ok(status) => fail(format!("request {}: status {status}", i + 1)),
            Err(e) => fail(format!("request {}: {e}", i + 1)),
        }
    }
    println!("requests {requests}");
    println!("ok {requests}");
    println!("wall_ms {:.1}", start.elapsed().as_secs_f64() * 1000.0);
}
