//! Streaming floor: the least a server of oaimock's shape (a thread per stream that sleeps between
//! words) can do per stream, for the harness to measure beside oaimock in the same run. One thread
//! per connection (spawned by the accept loop, no pool, no queue, no hand-off), which reads one
//! request, then writes the same frames oaimock writes for a streamed chat reply of `--reply` — the
//! head with the role chunk, one chunk per word `--delay-ms` apart on oaimock's clock (a
//! `thread::sleep` until each word is due; what is already due goes out together), the finish
//! chunk, `data: [DONE]` and the zero-length chunk with the last word — one `write` each when on
//! time. No JSON is parsed or built per request: every chunk is formatted once at start-up.
//!
//! Whatever this misses on a machine, oaimock cannot meet there either: the streamload figures
//! against it are the ceiling of thread-per-stream with a sleep between words, on that machine,
//! with the load generator beside it.
//!
//! With `--tiny-http`, the floor of oaimock's exact shape instead: tiny_http's accept
//! loop and connection threads parse the requests, and a receive loop hands each one to a thread
//! of its own that writes the same frames through tiny_http's writer — a connection thread and a
//! stream thread per stream, as in oaimock, and nothing else (no JSON, no pool, no journal). Its
//! four permanent pool threads are held by four idle connections of its own first, as oaimock
//! does, or a burst strands connections behind them (tiny_http quirk Q1 in src/architecture.md).
//!
//! usage: streamfloor PORT --delay-ms D --reply TEXT [--tiny-http] — prints
//! `listening on http://127.0.0.1:PORT`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

/// The writes of one stream, in order, each due `delay` after the one before.
struct Script {
    writes: Vec<Vec<u8>>,
    delay: Duration,
}

fn chunk(events: &[String]) -> Vec<u8> {
    let body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    format!("{:x}\r\n{body}\r\n", body.len()).into_bytes()
}

fn script(reply: &str, delay: Duration) -> Script {
    let frame = |delta: &str, finish: &str| {
        format!(
            r#"{{"id":"chatcmpl-floor0000000000000000000000000","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_ca5f992aac","choices":[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish}}}]}}"#
        )
    };
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n";
    let mut first = head.as_bytes().to_vec();
    first.extend(chunk(&[frame(
        r#"{"role":"assistant","content":"","refusal":null}"#,
        "null",
    )]));
    let mut writes = vec![first];
    let words: Vec<&str> = reply.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let text = if i == 0 {
            word.to_string()
        } else {
            format!(" {word}")
        };
        let delta = format!(r#"{{"content":"{text}"}}"#);
        if i + 1 < words.len() {
            writes.push(chunk(&[frame(&delta, "null")]));
        } else {
            let mut last = chunk(&[
                frame(&delta, "null"),
                frame("{}", r#""stop""#),
                "[DONE]".into(),
            ]);
            last.extend_from_slice(b"0\r\n\r\n");
            writes.push(last);
        }
    }
    Script { writes, delay }
}

/// Reads one request (head, then `Content-Length` bytes of body) and plays the script.
fn serve(mut sock: TcpStream, script: &Script) -> std::io::Result<()> {
    let mut seen = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    let body_end = loop {
        let n = sock.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break end + 4 + length;
        }
    };
    while seen.len() < body_end {
        let n = sock.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        seen.extend_from_slice(&buf[..n]);
    }
    play(script, &mut sock)
}

/// Writes the frames on oaimock's clock: frame N is due N × delay after the first, and the frames
/// already due when the thread wakes leave in one write.
fn play(script: &Script, out: &mut dyn Write) -> std::io::Result<()> {
    let mut due = Instant::now();
    let mut pending = Vec::with_capacity(512);
    for (i, write) in script.writes.iter().enumerate() {
        if i > 0 {
            due += script.delay;
            if due > Instant::now() {
                out.write_all(&pending)?;
                out.flush()?;
                pending.clear();
                thread::sleep(due.saturating_duration_since(Instant::now()));
            }
        }
        pending.extend_from_slice(write);
    }
    out.write_all(&pending)?;
    out.flush()
}

/// The `--tiny-http` floor: see the module comment.
fn serve_with_tiny_http(listener: TcpListener, script: Arc<Script>) {
    let addr = listener.local_addr().expect("local_addr");
    let server = Arc::new(tiny_http::Server::from_listener(listener, None).expect("tiny_http"));
    // Hold the pool's four permanent threads: one request each, answered, then idle for good.
    let answer = Arc::clone(&server);
    let answering = thread::spawn(move || {
        for _ in 0..4 {
            let rq = answer.recv().expect("recv");
            let _ = rq.respond(tiny_http::Response::empty(204));
        }
    });
    let held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut sock = TcpStream::connect(addr).expect("connect");
            sock.write_all(b"GET /hold HTTP/1.1\r\nHost: floor\r\n\r\n")
                .expect("write");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                sock.read_exact(&mut byte).expect("read");
                head.push(byte[0]);
            }
            sock
        })
        .collect();
    answering.join().expect("answering thread");
    println!("listening on http://{addr}");
    for mut rq in server.incoming_requests() {
        let script = Arc::clone(&script);
        let _ = thread::Builder::new().stack_size(64 * 1024).spawn(move || {
            let mut body = Vec::new();
            let _ = rq.as_reader().read_to_end(&mut body);
            let _ = play(&script, &mut rq.into_writer());
        });
    }
    drop(held);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .expect("usage: streamfloor PORT --delay-ms D --reply TEXT");
    let (mut delay_ms, mut reply, mut tiny) = (20u64, String::new(), false);
    while let Some(flag) = args.next() {
        if flag == "--tiny-http" {
            tiny = true;
            continue;
        }
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--delay-ms" => delay_ms = value.parse().expect("--delay-ms"),
            "--reply" => reply = value,
            _ => panic!("unknown flag {flag}"),
        }
    }
    assert!(!reply.is_empty(), "--reply is required");
    let script = Arc::new(script(&reply, Duration::from_millis(delay_ms)));
    // The same listening socket options as oaimock's: TCP_NODELAY inherited, a deep backlog.
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket.set_reuse_address(true).expect("SO_REUSEADDR");
    socket.set_tcp_nodelay(true).expect("TCP_NODELAY");
    socket.bind(&addr.into()).expect("bind");
    socket.listen(4096).expect("listen");
    let listener: TcpListener = socket.into();
    if tiny {
        return serve_with_tiny_http(listener, script);
    }
    println!(
        "listening on http://{}",
        listener.local_addr().expect("local_addr")
    );
    for sock in listener.incoming().flatten() {
        let script = Arc::clone(&script);
        let _ = thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || serve(sock, &script));
    }
}
