//! Streaming load generator (std only). Opens N connections in one burst, waits until all are
//! connected (a barrier), then sends one streaming chat request on each at the same instant,
//! reads every SSE event, timestamps each word event, checks every stream is complete (the whole
//! reply, then `data: [DONE]`) and prints completion times against the nominal words × delay,
//! inter-word gaps, and the server's peak RSS and thread count sampled from /proc/PID/status.
//!
//! usage: streamload --addr HOST:PORT --clients N --delay-ms D --reply TEXT [--pid PID]
//!                   [--path /v1/chat/completions] [--timeout-s 30]
//! Output: one `key value...` line per measure (tests/bench/run greps them).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

struct Args {
    addr: String,
    path: String,
    clients: usize,
    delay_ms: f64,
    reply: String,
    pid: Option<u32>,
    timeout: Duration,
}

/// What one client saw.
#[derive(Default)]
struct Outcome {
    sent: Option<Instant>,
    first_byte: Option<Instant>,
    words: Vec<Instant>,
    text: String,
    done: Option<Instant>,
    error: Option<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        addr: String::new(),
        path: "/v1/chat/completions".into(),
        clients: 100,
        delay_ms: 20.0,
        reply: String::new(),
        pid: None,
        timeout: Duration::from_secs(30),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => a.addr = value,
            "--path" => a.path = value,
            "--clients" => a.clients = value.parse().expect("--clients"),
            "--delay-ms" => a.delay_ms = value.parse().expect("--delay-ms"),
            "--reply" => a.reply = value,
            "--pid" => a.pid = Some(value.parse().expect("--pid")),
            "--timeout-s" => a.timeout = Duration::from_secs(value.parse().expect("--timeout-s")),
            _ => panic!("unknown flag {flag}"),
        }
    }
    assert!(!a.addr.is_empty() && !a.reply.is_empty(), "--addr and --reply are required");
    a
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The `delta.content` string of one chunk's JSON, if any (the mock's words need no unescaping
/// beyond `\"` and `\\`, so this stays std only).
fn delta_content(json: &str) -> Option<String> {
    let delta = &json[json.find("\"delta\":{")?..];
    if delta.starts_with("\"delta\":{}") {
        return None;
    }
    let start = delta.find("\"content\":\"")? + "\"content\":\"".len();
    let mut out = String::new();
    let mut chars = delta[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
}

/// Sends the request once the barrier opens and reads the SSE stream to its end.
fn run_client(mut sock: TcpStream, request: Arc<Vec<u8>>, barrier: Arc<Barrier>) -> Outcome {
    let mut out = Outcome::default();
    barrier.wait();
    out.sent = Some(Instant::now());
    if let Err(e) = sock.write_all(&request) {
        out.error = Some(format!("write: {}", e.kind()));
        return out;
    }
    let (mut raw, mut body) = (Vec::new(), Vec::new());
    let (mut head_done, mut chunked, mut body_end) = (false, false, false);
    let mut buf = vec![0u8; 16 * 1024];
    while !body_end {
        let n = match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                out.error = Some(format!("read: {}", e.kind()));
                return out;
            }
        };
        let now = Instant::now();
        out.first_byte.get_or_insert(now);
        raw.extend_from_slice(&buf[..n]);
        if !head_done {
            let Some(end) = find(&raw, b"\r\n\r\n") else { continue };
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            if !head.starts_with("http/1.1 200") && !head.starts_with("http/1.0 200") {
                out.error = Some(format!("status: {}", head.lines().next().unwrap_or("")));
                return out;
            }
            chunked = head.contains("transfer-encoding: chunked");
            raw.drain(..end + 4);
            head_done = true;
        }
        // De-chunk what is complete; without chunking the body runs to EOF.
        if chunked {
            while let Some(eol) = find(&raw, b"\r\n") {
                let size_text = String::from_utf8_lossy(&raw[..eol]).to_string();
                let size = usize::from_str_radix(size_text.trim(), 16).unwrap_or(usize::MAX);
                if size == usize::MAX {
                    out.error = Some(format!("bad chunk size {size_text:?}"));
                    return out;
                }
                if raw.len() < eol + 2 + size + 2 {
                    break;
                }
                body.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
                raw.drain(..eol + 2 + size + 2);
                if size == 0 {
                    body_end = true;
                    break;
                }
            }
        } else {
            body.append(&mut raw);
        }
        // Each complete SSE event ends with a blank line.
        while let Some(end) = find(&body, b"\n\n") {
            let event = String::from_utf8_lossy(&body[..end]).to_string();
            body.drain(..end + 2);
            for data in event.lines().filter_map(|l| l.strip_prefix("data: ")) {
                if data == "[DONE]" {
                    out.done = Some(now);
                } else if let Some(word) = delta_content(data).filter(|w| !w.is_empty()) {
                    out.words.push(now);
                    out.text.push_str(&word);
                }
            }
        }
    }
    out
}

/// Samples VmRSS and Threads of `pid` every 10 ms until `stop`; returns the peak thread count.
fn sample_threads(pid: u32, stop: Arc<AtomicBool>) -> u64 {
    let mut peak = 0;
    while !stop.load(Ordering::Relaxed) {
        if let Some(t) = status_field(pid, "Threads:") {
            peak = peak.max(t);
        }
        thread::sleep(Duration::from_millis(10));
    }
    peak
}

/// A numeric field of /proc/PID/status (kB for memory fields).
fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// CPU seconds (user + system) used so far by `pid` ("self" for this process), from /proc/PID/stat
/// fields 14 and 15, in clock ticks of 1/100 s (Linux's USER_HZ).
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let args = parse_args();
    let words = args.reply.split_whitespace().count();
    let nominal = words as f64 * args.delay_ms;
    let body = r#"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say this is a test"}]}"#;
    let request = Arc::new(
        format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: {}\r\n\r\n{body}",
            args.path,
            args.addr,
            body.len()
        )
        .into_bytes(),
    );

    let server_pid = args.pid.map(|p| p.to_string());
    let server_cpu0 = server_pid.as_deref().map(cpu_seconds);
    let client_cpu0 = cpu_seconds("self");

    // 1. Connect every client in one tight burst, before any request is sent.
    let connect_start = Instant::now();
    let mut socks = Vec::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..args.clients {
        match TcpStream::connect(&args.addr) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                let _ = s.set_read_timeout(Some(args.timeout));
                socks.push(s);
            }
            Err(e) => *errors.entry(format!("connect: {}", e.kind())).or_default() += 1,
        }
    }
    let connect_ms = ms(connect_start.elapsed());

    // 2. One thread per client, all released together by the barrier.
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = args.pid.map(|pid| {
        let stop = stop.clone();
        thread::spawn(move || sample_threads(pid, stop))
    });
    let barrier = Arc::new(Barrier::new(socks.len() + 1));
    let handles: Vec<_> = socks
        .into_iter()
        .map(|sock| {
            let (request, barrier) = (request.clone(), barrier.clone());
            thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || run_client(sock, request, barrier))
                .expect("spawn client thread")
        })
        .collect();
    barrier.wait();
    let outcomes: Vec<Outcome> = handles.into_iter().map(|h| h.join().expect("client panicked")).collect();
    // Wall time from the first request sent to the last [DONE] (the main thread may wake late).
    let first_sent = outcomes.iter().filter_map(|o| o.sent).min();
    let last_done = outcomes.iter().filter_map(|o| o.done).max();
    let wall_ms = first_sent.zip(last_done).map(|(a, b)| ms(b - a)).unwrap_or(f64::NAN);
    stop.store(true, Ordering::Relaxed);
    let peak_threads = sampler.map(|s| s.join().unwrap_or(0));
    let client_cpu = cpu_seconds("self") - client_cpu0;
    let server_cpu = server_pid.as_deref().map(cpu_seconds).zip(server_cpu0).map(|(b, a)| b - a);

    // 3. Check and summarize.
    let expected: String = args.reply.split_whitespace().collect::<Vec<_>>().join(" ");
    let (mut completion, mut ttfb, mut gaps) = (Vec::new(), Vec::new(), Vec::new());
    let mut ok = 0;
    for o in &outcomes {
        let complete = o.error.is_none() && o.done.is_some() && o.words.len() == words && o.text.trim() == expected;
        if !complete {
            let why = o.error.clone().unwrap_or_else(|| {
                format!("incomplete ({} of {words} words, done={})", o.words.len(), o.done.is_some())
            });
            *errors.entry(why).or_default() += 1;
            continue;
        }
        ok += 1;
        let sent = o.sent.unwrap();
        completion.push(ms(o.done.unwrap() - sent));
        ttfb.push(ms(o.first_byte.unwrap() - sent));
        gaps.extend(o.words.windows(2).map(|w| ms(w[1] - w[0])));
    }
    for v in [&mut completion, &mut ttfb, &mut gaps] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    println!("streams_ok {ok} {}", args.clients);
    println!("nominal_ms {nominal:.0}");
    println!("connect_burst_ms {connect_ms:.1}");
    println!(
        "completion_ms p50 {:.1} p99 {:.1} max {:.1}",
        pct(&completion, 0.5),
        pct(&completion, 0.99),
        completion.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "ttfb_ms p50 {:.1} p99 {:.1} max {:.1}",
        pct(&ttfb, 0.5),
        pct(&ttfb, 0.99),
        ttfb.last().copied().unwrap_or(f64::NAN)
    );
    println!("gap_ms median {:.2} p99 {:.2}", pct(&gaps, 0.5), pct(&gaps, 0.99));
    println!("wall_ms {wall_ms:.0}");
    println!("client_cpu_s {client_cpu:.2}");
    if let Some(cpu) = server_cpu {
        println!("server_cpu_s {cpu:.2}");
    }
    if let Some(pid) = args.pid {
        println!("server_peak_rss_kib {}", status_field(pid, "VmHWM:").unwrap_or(0));
        println!("server_peak_threads {}", peak_threads.unwrap_or(0));
    }
    for (why, n) in &errors {
        println!("error {n} {why}");
    }
}
