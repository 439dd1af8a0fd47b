//! The proxy's numbers (std only), against two running oaimocks: an upstream, and a proxy in front
//! of it (`--upstream`). Two measures:
//!
//! - `timing`: streams read from the upstream directly and through the proxy, alternately; for
//!   each, when every `data:` event arrived, counted from the request's last byte. Reported: the
//!   median, 95th percentile and worst extra time to the first event through the proxy, and the
//!   same of the difference between a gap through the proxy and the same gap direct.
//! - `soak`: N mixed requests through the proxy (plain and streamed chat, a streamed Responses
//!   request, a 429 scripted upstream, an unknown path), C client threads, each answer's status
//!   and end marker checked; the proxy's threads, descriptors and RSS sampled from /proc after a
//!   warm-up and again at the end, each after the same quiet pause. Exit 1 when a request
//!   mismatched, or at the end threads or descriptors are above the baseline or RSS grew by
//!   `GROWTH_LIMIT_KIB` or more.
//!
//! usage: proxybench timing --upstream ADDR --proxy ADDR [--streams 40]
//!        proxybench soak --proxy ADDR --pid PID [--requests 20000] [--clients 8] [--warmup 4000]
//!                        [--settle-s 15]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// RSS growth (end vs baseline) at or above this fails the soak.
const GROWTH_LIMIT_KIB: i64 = 2048;

fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn number(name: &str, default: u64) -> u64 {
    flag(name).map_or(default, |v| {
        v.parse().unwrap_or_else(|_| panic!("{name}: {v}"))
    })
}

fn addr(name: &str) -> SocketAddr {
    flag(name)
        .unwrap_or_else(|| panic!("{name} ADDR"))
        .parse()
        .expect("HOST:PORT")
}

/// Sends `request` and returns the status and the raw answer (read to the close).
fn exchange(addr: SocketAddr, request: &[u8]) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.write_all(request)?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, answer))
}

fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The arrival of each `data:` event of one streamed chat, from the request's last byte.
fn arrivals(addr: SocketAddr) -> Vec<Duration> {
    let body =
        r#"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"time me"}]}"#;
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(&post("/v1/chat/completions", body))
        .unwrap();
    let sent = Instant::now();
    let mut times = Vec::new();
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { break };
        if line.starts_with("data: ") {
            times.push(sent.elapsed());
        }
    }
    times
}

fn ms(d: f64) -> String {
    format!("{:.2}", d * 1000.0)
}

/// The value at `q` (0..1) of the sorted values.
fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn timing() -> ExitCode {
    let (upstream, proxy) = (addr("--upstream"), addr("--proxy"));
    let streams = number("--streams", 40) as usize;
    let (mut first, mut gaps) = (Vec::new(), Vec::new());
    let mut events = 0;
    for _ in 0..streams {
        let direct = arrivals(upstream);
        let relayed = arrivals(proxy);
        assert_eq!(
            direct.len(),
            relayed.len(),
            "the proxy changed the event count"
        );
        events = direct.len();
        first.push((relayed[0].as_secs_f64() - direct[0].as_secs_f64()).abs());
        for i in 1..direct.len() {
            let d = (direct[i] - direct[i - 1]).as_secs_f64();
            let r = (relayed[i] - relayed[i - 1]).as_secs_f64();
            gaps.push((r - d).abs());
        }
    }
    let worst = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    println!("streams {streams} events_per_stream {events}");
    for (name, v) in [
        ("first_event_extra_ms", &first),
        ("gap_difference_ms", &gaps),
    ] {
        let q = |q| ms(quantile(v.clone(), q));
        println!(
            "{name} median {} p95 {} worst {}",
            q(0.5),
            q(0.95),
            ms(worst(v))
        );
    }
    ExitCode::SUCCESS
}

/// Threads, descriptors and RSS (KiB) of `pid`.
fn sample(pid: u32) -> (i64, i64, i64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the proxy runs");
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(-1)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(-1, |d| d.count() as i64);
    (field("Threads:"), fds, field("VmRSS:"))
}

/// One request of the mix: what to send, the status and a marker the answer must hold.
fn request(n: usize) -> (Vec<u8>, u16, &'static str) {
    let chat = |extra: &str, text: &str| {
        format!(
            r#"{{"model":"gpt-4o-mini"{extra},"messages":[{{"role":"user","content":"{text}"}}]}}"#
        )
    };
    match n % 5 {
        0 => (
            post("/v1/chat/completions", &chat("", "plain")),
            200,
            "chat.completion",
        ),
        1 => (
            post(
                "/v1/chat/completions",
                &chat(r#","stream":true"#, "streamed"),
            ),
            200,
            "data: [DONE]",
        ),
        2 => (
            post(
                "/v1/responses",
                r#"{"model":"gpt-4o","input":"hi","stream":true}"#,
            ),
            200,
            "response.completed",
        ),
        3 => (
            post("/v1/chat/completions", &chat("", "limit")),
            429,
            "retry-after: 2",
        ),
        _ => (
            b"GET /v1/files HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".to_vec(),
            404,
            "unknown_url",
        ),
    }
}

/// Runs `count` requests of the mix on `clients` threads; the mismatches.
fn run(proxy: SocketAddr, count: usize, clients: usize) -> usize {
    let next = Arc::new(AtomicUsize::new(0));
    let bad = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (next, bad) = (next.clone(), bad.clone());
            thread::spawn(move || {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        return;
                    }
                    let (bytes, status, marker) = request(n);
                    let ok = matches!(exchange(proxy, &bytes), Ok((s, body)) if s == status && body.to_ascii_lowercase().contains(&marker.to_ascii_lowercase()));
                    if !ok && bad.fetch_add(1, Ordering::Relaxed) < 5 {
                        eprintln!("error request {n} (kind {}) did not answer {status} with {marker:?}", n % 5);
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    bad.load(Ordering::Relaxed)
}

fn soak() -> ExitCode {
    let proxy = addr("--proxy");
    let pid = number("--pid", 0) as u32;
    let requests = number("--requests", 20_000) as usize;
    let clients = number("--clients", 8) as usize;
    let warmup = number("--warmup", 4_000) as usize;
    let settle = Duration::from_secs(number("--settle-s", 15));
    let started = Instant::now();
    let mut bad = run(proxy, warmup, clients);
    thread::sleep(settle);
    let base = sample(pid);
    println!(
        "baseline threads {} fds {} rss_kib {}",
        base.0, base.1, base.2
    );
    bad += run(proxy, requests, clients);
    thread::sleep(settle);
    let end = sample(pid);
    println!("end threads {} fds {} rss_kib {}", end.0, end.1, end.2);
    let growth = end.2 - base.2;
    println!(
        "requests {} mismatches {bad} seconds {:.1}",
        warmup + requests,
        started.elapsed().as_secs_f64()
    );
    let pass = bad == 0 && end.0 <= base.0 && end.1 <= base.1 && growth < GROWTH_LIMIT_KIB;
    println!(
        "verdict {} (rss growth {growth} KiB, limit {GROWTH_LIMIT_KIB})",
        if pass { "pass" } else { "FAIL" }
    );
    if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("timing") => timing(),
        Some("soak") => soak(),
        _ => {
            eprintln!(
                "usage: proxybench timing --upstream ADDR --proxy ADDR | soak --proxy ADDR --pid PID"
            );
            ExitCode::from(2)
        }
    }
}
