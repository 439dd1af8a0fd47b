//! Soak test (std only): a long run of mixed requests against a running oaimock that
//! proves its memory and thread count stay flat. N client threads share one deterministic plan
//! (a fixed-seed xorshift picks each request's kind, and whether it goes on the client's
//! keep-alive connection or a fresh `Connection: close` one) of plain and streamed chat, legacy
//! completions, embeddings (float and base64), Responses (plain and streamed), `GET /v1/models`,
//! error requests (malformed JSON → 400, unknown path → 404, `x-oaimock-error: 500` → 500,
//! `x-oaimock-stream-error-after: 2` on a stream) and disconnects (a stream closed after its first
//! bytes, a request cut off mid-headers or mid-body). Every answer's status, and a marker of its
//! body (`data: [DONE]`, `response.completed`, the error event...), is checked; any difference is
//! a mismatch.
//!
//! Phases: a warm-up of `--warmup` requests (200,000 by default: measured, RSS climbs for the
//! first ~200,000 while glibc's heaps and the thread pools reach their working size, then
//! flattens); a pause of `--settle-s` and the baseline sample of
//! VmRSS and Threads from /proc/PID/status. 15 s, not 7: idle workers and tiny_http pool threads
//! retire after 5 s idle, but the server's janitor keeps poking (connecting) for 7 s after the last
//! request, which keeps the pool threads busy; measured, the count is back to its idle 11 at ~12 s.
//! Then the rest of the requests with a checkpoint sample every `--every` requests (under load)
//! and a poll every 50 ms for the maxima; the same settle pause and the end sample. Both the
//! baseline and the end are taken on a quiet server, so they compare like with like.
//!
//! usage: soak --addr 127.0.0.1:PORT --pid PID [--requests 1200000] [--clients 16]
//!             [--warmup 200000] [--every 50000] [--settle-s 15] [--seed N] [--timeout-s 10]
//!             [--fresh-one-in 12] [--only K]
//! `--fresh-one-in N`: one answered request in N opens a fresh connection (0: none);
//! `--only K` (diagnosis): every request is of kind K, its 0-based row in `MIX`.
//! Output: one `key value...` line per measure (tests/bench/run greps them). Exit status 1 when
//! RSS grew by 1 MiB or more (end vs baseline), the thread count at the end is above the
//! baseline, or any request mismatched.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Growth (end vs baseline) at or above this fails the soak.
const GROWTH_LIMIT_KIB: i64 = 1024;

struct Args {
    addr: SocketAddr,
    pid: u32,
    requests: usize,
    clients: usize,
    warmup: usize,
    every: usize,
    settle: Duration,
    seed: u64,
    timeout: Duration,
    /// Diagnosis: only this kind (its index in `MIX`), keeping the plan's connection choices.
    only: Option<u8>,
    /// One answered request in this many goes on a fresh connection (0: none).
    fresh_one_in: u64,
}

fn parse_args() -> Args {
    let mut a = Args {
        addr: "127.0.0.1:0".parse().unwrap(),
        pid: 0,
        requests: 1_200_000,
        clients: 16,
        warmup: 200_000,
        every: 50_000,
        settle: Duration::from_secs(15),
        seed: 0x05ee_d0a1_0ca7,
        timeout: Duration::from_secs(10),
        only: None,
        fresh_one_in: 12,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let n = || value.parse::<u64>().unwrap_or_else(|_| panic!("{flag}: not a number: {value}"));
        match flag.as_str() {
            "--addr" => a.addr = value.parse().expect("--addr HOST:PORT"),
            "--pid" => a.pid = n() as u32,
            "--requests" => a.requests = n() as usize,
            "--clients" => a.clients = n() as usize,
            "--warmup" => a.warmup = n() as usize,
            "--every" => a.every = n() as usize,
            "--settle-s" => a.settle = Duration::from_secs(n()),
            "--seed" => a.seed = n(),
            "--timeout-s" => a.timeout = Duration::from_secs(n()),
            "--only" => a.only = Some(n() as u8),
            "--fresh-one-in" => a.fresh_one_in = n(),
            _ => panic!("unknown flag {flag}"),
        }
    }
    assert!(a.pid != 0 && a.addr.port() != 0, "--addr and --pid are required");
    assert!(a.clients > 0 && a.every > 0, "--clients and --every must be positive");
    assert!(a.warmup < a.requests, "--warmup must be below --requests");
    a
}

// ---------------------------------------------------------------- the plan

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Chat,
    ChatStream,
    Completion,
    EmbedFloat,
    EmbedBase64,
    Responses,
    ResponsesStream,
    Models,
    BadJson,
    NotFound,
    Injected500,
    StreamError,
    DropStream,
    DropRequest,
}

/// Each kind with its share of the plan, in percent.
const MIX: [(Kind, u32, &str); 14] = [
    (Kind::Chat, 22, "chat"),
    (Kind::ChatStream, 14, "chat stream"),
    (Kind::Completion, 8, "completions"),
    (Kind::EmbedFloat, 5, "embeddings float"),
    (Kind::EmbedBase64, 5, "embeddings base64"),
    (Kind::Responses, 8, "responses"),
    (Kind::ResponsesStream, 8, "responses stream"),
    (Kind::Models, 8, "models"),
    (Kind::BadJson, 4, "malformed JSON (400)"),
    (Kind::NotFound, 4, "unknown path (404)"),
    (Kind::Injected500, 4, "x-oaimock-error 500"),
    (Kind::StreamError, 4, "stream error after 2"),
    (Kind::DropStream, 3, "disconnect mid-stream"),
    (Kind::DropRequest, 3, "disconnect mid-request"),
];
/// Plan byte: the kind's index in `MIX`, plus these flags.
const FRESH: u8 = 0x80;
const VARIANT: u8 = 0x40;

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// The whole run's requests, one byte each, from a fixed seed: the same mix every run.
fn plan(n: usize, seed: u64, fresh_one_in: u64) -> Vec<u8> {
    let mut rng = XorShift(seed | 1);
    let total: u32 = MIX.iter().map(|m| m.1).sum();
    (0..n)
        .map(|_| {
            let r = rng.next();
            let mut pick = (r % total as u64) as u32;
            let index = MIX.iter().position(|m| match pick.checked_sub(m.1) {
                Some(rest) => {
                    pick = rest;
                    false
                }
                None => true,
            });
            let mut byte = index.unwrap() as u8;
            if fresh_one_in > 0 && (r >> 32).is_multiple_of(fresh_one_in) {
                byte |= FRESH;
            }
            if (r >> 40) & 1 == 1 {
                byte |= VARIANT;
            }
            byte
        })
        .collect()
}

/// A request's bytes for each kind, with and without `Connection: close`.
struct Requests {
    keep: Vec<Vec<u8>>,
    close: Vec<Vec<u8>>,
}

fn http_request(method: &str, path: &str, headers: &[&str], body: &str, close: bool) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: oaimock\r\n");
    for h in headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    if close {
        r.push_str("Connection: close\r\n");
    }
    if method == "POST" {
        r.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    r.push_str(body);
    r.into_bytes()
}

const CHAT: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say this is a test"}]}"#;
const CHAT_STREAM: &str =
    r#"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say this is a test"}]}"#;

fn request_for(kind: Kind, close: bool) -> Vec<u8> {
    let post = |path: &str, headers: &[&str], body: &str| http_request("POST", path, headers, body, close);
    match kind {
        Kind::Chat => post("/v1/chat/completions", &[], CHAT),
        Kind::ChatStream | Kind::DropStream => post("/v1/chat/completions", &["Accept: text/event-stream"], CHAT_STREAM),
        Kind::Completion => post(
            "/v1/completions",
            &[],
            r#"{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","max_tokens":16}"#,
        ),
        Kind::EmbedFloat => post(
            "/v1/embeddings",
            &[],
            r#"{"model":"text-embedding-3-small","input":"soak test","encoding_format":"float"}"#,
        ),
        Kind::EmbedBase64 => post(
            "/v1/embeddings",
            &[],
            r#"{"model":"text-embedding-3-small","input":["soak","test"],"encoding_format":"base64"}"#,
        ),
        Kind::Responses => post("/v1/responses", &[], r#"{"model":"gpt-4o-mini","input":"Say this is a test"}"#),
        Kind::ResponsesStream => post(
            "/v1/responses",
            &["Accept: text/event-stream"],
            r#"{"model":"gpt-4o-mini","input":"Say this is a test","stream":true}"#,
        ),
        Kind::Models => http_request("GET", "/v1/models", &[], "", close),
        Kind::BadJson => post("/v1/chat/completions", &[], r#"{"model":"gpt-4o-mini","messages":[{"role":"#),
        Kind::NotFound => post("/v1/no-such-endpoint", &[], CHAT),
        Kind::Injected500 => post("/v1/chat/completions", &["x-oaimock-error: 500"], CHAT),
        Kind::StreamError => post("/v1/chat/completions", &["x-oaimock-stream-error-after: 2"], CHAT_STREAM),
        Kind::DropRequest => unreachable!("built in disconnect()"),
    }
}

/// The status a kind must get, and a string its (de-chunked) body must contain.
fn expected(kind: Kind) -> (u16, &'static str) {
    match kind {
        Kind::Chat => (200, r#""object":"chat.completion""#),
        Kind::ChatStream => (200, "data: [DONE]"),
        Kind::Completion => (200, r#""object":"text_completion""#),
        Kind::EmbedFloat => (200, r#""embedding":["#),
        Kind::EmbedBase64 => (200, r#""embedding":""#),
        Kind::Responses => (200, r#""object":"response""#),
        Kind::ResponsesStream => (200, "event: response.completed"),
        Kind::Models => (200, r#""object":"model""#),
        Kind::BadJson => (400, r#""code":"invalid_json""#),
        Kind::NotFound => (404, r#""error""#),
        Kind::Injected500 => (500, r#""type":"server_error""#),
        Kind::StreamError => (200, r#"data: {"error""#),
        Kind::DropStream | Kind::DropRequest => unreachable!("checked in disconnect()"),
    }
}

// ---------------------------------------------------------------- a minimal HTTP/1.1 client

struct Conn {
    sock: TcpStream,
    buf: Vec<u8>,
    pos: usize,
}

struct Head {
    status: u16,
    content_length: Option<usize>,
    chunked: bool,
    close: bool,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Conn {
    fn open(addr: SocketAddr, timeout: Duration) -> Result<Conn, String> {
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connect: {}", e.kind()))?;
        let _ = sock.set_nodelay(true);
        sock.set_read_timeout(Some(timeout)).map_err(|e| format!("set timeout: {e}"))?;
        sock.set_write_timeout(Some(timeout)).map_err(|e| format!("set timeout: {e}"))?;
        Ok(Conn { sock, buf: Vec::with_capacity(16 * 1024), pos: 0 })
    }

    /// Reads more bytes into the buffer; Ok(0) at EOF.
    fn fill(&mut self) -> io::Result<usize> {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 64 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + 16 * 1024, 0);
        let n = self.sock.read(&mut self.buf[len..]);
        self.buf.truncate(len + *n.as_ref().unwrap_or(&0));
        n
    }

    fn fill_or(&mut self, what: &str) -> Result<(), String> {
        match self.fill() {
            Ok(0) => Err(format!("EOF in {what}")),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("read {what}: {:?}", e.kind())),
        }
    }

    /// The bytes up to the next CRLF, consumed.
    fn line(&mut self, what: &str) -> Result<Vec<u8>, String> {
        loop {
            if let Some(i) = find(&self.buf[self.pos..], b"\r\n") {
                let line = self.buf[self.pos..self.pos + i].to_vec();
                self.pos += i + 2;
                return Ok(line);
            }
            self.fill_or(what)?;
        }
    }

    fn head(&mut self) -> Result<Head, String> {
        loop {
            if let Some(end) = find(&self.buf[self.pos..], b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&self.buf[self.pos..self.pos + end]).to_ascii_lowercase();
                self.pos += end + 4;
                let mut lines = text.split("\r\n");
                let status_line = lines.next().unwrap_or("");
                let status = status_line
                    .strip_prefix("http/1.1 ")
                    .and_then(|s| s.get(..3))
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("bad status line {status_line:?}"))?;
                let mut head = Head { status, content_length: None, chunked: false, close: false };
                for line in lines {
                    let Some((name, value)) = line.split_once(':') else { continue };
                    match (name.trim(), value.trim()) {
                        ("content-length", v) => head.content_length = v.parse().ok(),
                        ("transfer-encoding", v) => head.chunked = v.contains("chunked"),
                        ("connection", v) => head.close = v.contains("close"),
                        _ => {}
                    }
                }
                return Ok(head);
            }
            if self.buf.len() - self.pos > 64 * 1024 {
                return Err("response head over 64 KiB".into());
            }
            self.fill_or("head")?;
        }
    }

    /// The body of a response with `head`, de-chunked. `eof` is set when it ran to EOF.
    fn body(&mut self, head: &Head, eof: &mut bool) -> Result<Vec<u8>, String> {
        if head.chunked {
            let mut body = Vec::new();
            loop {
                let size_line = self.line("chunk size")?;
                let text = String::from_utf8_lossy(&size_line);
                let hex = text.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(hex, 16).map_err(|_| format!("bad chunk size {text:?}"))?;
                if size == 0 {
                    // Trailers, if any, then the blank line.
                    while !self.line("trailer")?.is_empty() {}
                    return Ok(body);
                }
                while self.buf.len() - self.pos < size + 2 {
                    self.fill_or("chunk")?;
                }
                body.extend_from_slice(&self.buf[self.pos..self.pos + size]);
                if &self.buf[self.pos + size..self.pos + size + 2] != b"\r\n" {
                    return Err("chunk not followed by CRLF".into());
                }
                self.pos += size + 2;
            }
        } else if let Some(n) = head.content_length {
            while self.buf.len() - self.pos < n {
                self.fill_or("body")?;
            }
            let body = self.buf[self.pos..self.pos + n].to_vec();
            self.pos += n;
            Ok(body)
        } else if head.status == 204 || head.status == 304 {
            Ok(Vec::new())
        } else {
            *eof = true;
            loop {
                match self.fill() {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => return Err(format!("read body to EOF: {:?}", e.kind())),
                }
            }
            let body = self.buf[self.pos..].to_vec();
            self.pos = self.buf.len();
            Ok(body)
        }
    }
}

// ---------------------------------------------------------------- the clients

/// What one client thread counted.
#[derive(Default)]
struct Tally {
    per_kind: Vec<(u64, u64)>,
    fresh: u64,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        if self.per_kind.is_empty() {
            self.per_kind = vec![(0, 0); MIX.len()];
        }
        for (a, b) in self.per_kind.iter_mut().zip(other.per_kind) {
            a.0 += b.0;
            a.1 += b.1;
        }
        self.fresh += other.fresh;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
    }
    fn mismatches(&self) -> u64 {
        self.per_kind.iter().map(|k| k.1).sum()
    }
}

struct Shared {
    addr: SocketAddr,
    timeout: Duration,
    plan: Vec<u8>,
    requests: Requests,
    next: AtomicUsize,
    done: AtomicUsize,
}

/// Sends one request and checks its answer. `conn` is the client's keep-alive connection.
fn exchange(s: &Shared, conn: &mut Option<Conn>, kind: Kind, index: usize, fresh: bool) -> Result<(), String> {
    let mut own;
    let c = if fresh {
        own = Conn::open(s.addr, s.timeout)?;
        &mut own
    } else {
        if conn.is_none() {
            *conn = Some(Conn::open(s.addr, s.timeout)?);
        }
        conn.as_mut().unwrap()
    };
    let request = if fresh { &s.requests.close[index] } else { &s.requests.keep[index] };
    let result = (|| {
        c.sock.write_all(request).map_err(|e| format!("write: {:?}", e.kind()))?;
        let head = c.head()?;
        let mut eof = false;
        let body = c.body(&head, &mut eof)?;
        let (status, marker) = expected(kind);
        if head.status != status {
            return Err(format!("status {} (expected {status})", head.status));
        }
        if find(&body, marker.as_bytes()).is_none() {
            return Err(format!("body without {marker}"));
        }
        if kind == Kind::StreamError && find(&body, b"data: [DONE]").is_some() {
            return Err("[DONE] after the injected stream error".into());
        }
        if c.pos != c.buf.len() {
            return Err("bytes after the response".into());
        }
        Ok(eof || head.close)
    })();
    match result {
        Ok(closed) => {
            if fresh && !closed {
                return Err("no Connection: close on a Connection: close request".into());
            }
            if !fresh && closed {
                *conn = None;
            }
            Ok(())
        }
        Err(e) => {
            if !fresh {
                *conn = None;
            }
            Err(e)
        }
    }
}

/// A request the client gives up on: a stream closed after its first bytes (with a 1 ms token
/// delay, so the server is still writing when the socket goes), or a request cut off mid-headers
/// (`variant`) or mid-body.
fn disconnect(s: &Shared, kind: Kind, variant: bool) -> Result<(), String> {
    let mut c = Conn::open(s.addr, s.timeout)?;
    if kind == Kind::DropStream {
        let body = CHAT_STREAM;
        let request = format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: oaimock\r\nContent-Type: application/json\r\nx-oaimock-token-delay-ms: 1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        c.sock.write_all(request.as_bytes()).map_err(|e| format!("write: {:?}", e.kind()))?;
        while c.buf.len() < 12 {
            c.fill_or("first bytes")?;
        }
        if !c.buf.starts_with(b"HTTP/1.1 200") {
            return Err(format!("status line {:?}", String::from_utf8_lossy(&c.buf[..12])));
        }
    } else if variant {
        let partial = "POST /v1/chat/completions HTTP/1.1\r\nHost: oaimock\r\nContent-Type: appl";
        c.sock.write_all(partial.as_bytes()).map_err(|e| format!("write: {:?}", e.kind()))?;
    } else {
        let request = format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: oaimock\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
            CHAT.len(),
            &CHAT[..CHAT.len() / 2]
        );
        c.sock.write_all(request.as_bytes()).map_err(|e| format!("write: {:?}", e.kind()))?;
    }
    Ok(())
}

fn client(s: &Shared, end: usize) -> Tally {
    let mut t = Tally { per_kind: vec![(0, 0); MIX.len()], ..Tally::default() };
    let mut conn = None;
    loop {
        let i = s.next.fetch_add(1, Ordering::Relaxed);
        if i >= end {
            break;
        }
        let byte = s.plan[i];
        let index = (byte & 0x3f) as usize;
        let kind = MIX[index].0;
        let fresh = byte & FRESH != 0;
        let result = match kind {
            Kind::DropStream | Kind::DropRequest => disconnect(s, kind, byte & VARIANT != 0),
            _ => {
                t.fresh += fresh as u64;
                exchange(s, &mut conn, kind, index, fresh)
            }
        };
        t.per_kind[index].0 += 1;
        if let Err(e) = result {
            t.per_kind[index].1 += 1;
            let conn_kind = if fresh { "fresh" } else { "keep-alive" };
            *t.errors.entry(format!("{} ({conn_kind}): {e}", MIX[index].2)).or_default() += 1;
        }
        s.done.fetch_add(1, Ordering::Relaxed);
    }
    t
}

// ---------------------------------------------------------------- samples

/// A numeric field of /proc/PID/status (kB for memory fields).
fn status_field(pid: u32, field: &str) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

#[derive(Clone, Copy)]
struct Sample {
    rss_kib: i64,
    threads: i64,
}

fn sample(pid: u32) -> Sample {
    let s = Sample {
        rss_kib: status_field(pid, "VmRSS:").unwrap_or(-1),
        threads: status_field(pid, "Threads:").unwrap_or(-1),
    };
    if s.rss_kib < 0 {
        eprintln!("soak: cannot read /proc/{pid}/status: the server is gone");
        println!("verdict FAIL server process {pid} is gone");
        std::process::exit(1);
    }
    s
}

/// Runs requests `start..end` on fresh client threads. While they run, samples the server every
/// 50 ms (for the maxima, once `track_max`) and prints a checkpoint each time the count of
/// answered requests passes the next multiple of `every` after `start`.
fn phase(s: &Arc<Shared>, args: &Args, start: usize, end: usize, track_max: bool, max: &mut Sample) -> Tally {
    s.next.store(start, Ordering::SeqCst);
    s.done.store(start, Ordering::SeqCst);
    let finished = Arc::new(AtomicBool::new(false));
    let running = Arc::new(Mutex::new(args.clients));
    let handles: Vec<_> = (0..args.clients)
        .map(|_| {
            let (s, finished, running) = (s.clone(), finished.clone(), running.clone());
            thread::spawn(move || {
                let t = client(&s, end);
                let mut left = running.lock().unwrap();
                *left -= 1;
                if *left == 0 {
                    finished.store(true, Ordering::SeqCst);
                }
                t
            })
        })
        .collect();
    let mut next_checkpoint = start + args.every;
    let t0 = Instant::now();
    while !finished.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(50));
        let smp = sample(args.pid);
        if track_max {
            max.rss_kib = max.rss_kib.max(smp.rss_kib);
            max.threads = max.threads.max(smp.threads);
        }
        let done = s.done.load(Ordering::Relaxed);
        if done >= next_checkpoint && done < end {
            println!(
                "checkpoint {done} rss_kib {} threads {} elapsed_s {:.1}",
                smp.rss_kib,
                smp.threads,
                t0.elapsed().as_secs_f64()
            );
            while next_checkpoint <= done {
                next_checkpoint += args.every;
            }
        }
    }
    let mut tally = Tally::default();
    for h in handles {
        tally.merge(h.join().expect("client thread panicked"));
    }
    tally
}

fn main() -> ExitCode {
    let args = parse_args();
    let mut requests = Requests { keep: Vec::new(), close: Vec::new() };
    for (kind, _, _) in MIX {
        let build = |close| if kind == Kind::DropRequest { Vec::new() } else { request_for(kind, close) };
        requests.keep.push(build(false));
        requests.close.push(build(true));
    }
    let shared = Arc::new(Shared {
        addr: args.addr,
        timeout: args.timeout,
        plan: match args.only {
            Some(k) => plan(args.requests, args.seed, args.fresh_one_in).iter().map(|b| (b & (FRESH | VARIANT)) | k).collect(),
            None => plan(args.requests, args.seed, args.fresh_one_in),
        },
        requests,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
    });
    let start0 = sample(args.pid);
    println!("server_start rss_kib {} threads {}", start0.rss_kib, start0.threads);

    // 1. Warm-up, then a quiet baseline.
    let mut max = Sample { rss_kib: 0, threads: 0 };
    let t_warm = Instant::now();
    let mut tally = phase(&shared, &args, 0, args.warmup, false, &mut max);
    let warm_s = t_warm.elapsed().as_secs_f64();
    let loaded = sample(args.pid);
    println!("warmup_end_load rss_kib {} threads {}", loaded.rss_kib, loaded.threads);
    thread::sleep(args.settle);
    let base = sample(args.pid);
    println!("baseline rss_kib {} threads {} (after {} requests and {} s idle)", base.rss_kib, base.threads, args.warmup, args.settle.as_secs());
    max = base;

    // 2. The soak proper, then the same settle.
    let t_main = Instant::now();
    tally.merge(phase(&shared, &args, args.warmup, args.requests, true, &mut max));
    let main_s = t_main.elapsed().as_secs_f64();
    let loaded = sample(args.pid);
    max.rss_kib = max.rss_kib.max(loaded.rss_kib);
    max.threads = max.threads.max(loaded.threads);
    println!("checkpoint {} rss_kib {} threads {} elapsed_s {main_s:.1} (end, under load)", args.requests, loaded.rss_kib, loaded.threads);
    thread::sleep(args.settle);
    let end = sample(args.pid);

    // 3. Report.
    let total: u64 = tally.per_kind.iter().map(|k| k.0).sum();
    let mismatches = tally.mismatches();
    let wall = warm_s + main_s;
    println!("total_requests {total}");
    println!("fresh_connections {}", tally.fresh);
    println!("wall_s {wall:.1} (warm-up {warm_s:.1} + soak {main_s:.1}, settle pauses excluded)");
    println!("rps {:.0}", total as f64 / wall);
    println!("mismatches {mismatches}");
    println!("rss_kib baseline {} max {} end {}", base.rss_kib, max.rss_kib, end.rss_kib);
    println!("growth_kib end {} max {}", end.rss_kib - base.rss_kib, max.rss_kib - base.rss_kib);
    println!("threads baseline {} max {} end {}", base.threads, max.threads, end.threads);
    for (i, (_, _, name)) in MIX.iter().enumerate() {
        println!("kind {:?} {} bad {}", name, tally.per_kind[i].0, tally.per_kind[i].1);
    }
    for (why, n) in &tally.errors {
        println!("error {n} {why}");
    }
    let mut fails = Vec::new();
    if end.rss_kib - base.rss_kib >= GROWTH_LIMIT_KIB {
        fails.push(format!("RSS grew {} KiB (limit < {GROWTH_LIMIT_KIB})", end.rss_kib - base.rss_kib));
    }
    if end.threads > base.threads {
        fails.push(format!("threads {} at the end > {} at the baseline", end.threads, base.threads));
    }
    if mismatches > 0 {
        fails.push(format!("{mismatches} mismatched requests"));
    }
    if fails.is_empty() {
        println!("verdict pass");
        ExitCode::SUCCESS
    } else {
        println!("verdict FAIL {}", fails.join("; "));
        ExitCode::FAILURE
    }
}
