//! The soak's clients and samples: each client thread takes the plan's next request, sends it and
//! checks its answer; a phase runs clients while sampling the server's RSS and threads from /proc.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use std::io::Write;
use std::net::SocketAddr;

use crate::Args;
use crate::conn::{Conn, find};
use crate::mix::{CHAT, CHAT_STREAM, FRESH, Kind, MIX, Requests, VARIANT, expected};

/// What one client thread counted.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) per_kind: Vec<(u64, u64)>,
    pub(crate) fresh: u64,
    pub(crate) errors: BTreeMap<String, u64>,
}

impl Tally {
    pub(crate) fn merge(&mut self, other: Tally) {
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
    pub(crate) fn mismatches(&self) -> u64 {
        self.per_kind.iter().map(|k| k.1).sum()
    }
}

pub(crate) struct Shared {
    pub(crate) addr: SocketAddr,
    pub(crate) timeout: Duration,
    pub(crate) plan: Vec<u8>,
    pub(crate) requests: Requests,
    pub(crate) next: AtomicUsize,
    pub(crate) done: AtomicUsize,
}

/// Sends one request and checks its answer. `conn` is the client's keep-alive connection.
pub(crate) fn exchange(s: &Shared, conn: &mut Option<Conn>, kind: Kind, index: usize, fresh: bool) -> Result<(), String> {
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
pub(crate) fn disconnect(s: &Shared, kind: Kind, variant: bool) -> Result<(), String> {
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

pub(crate) fn client(s: &Shared, end: usize) -> Tally {
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
pub(crate) fn status_field(pid: u32, field: &str) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

#[derive(Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) rss_kib: i64,
    pub(crate) threads: i64,
}

pub(crate) fn sample(pid: u32) -> Sample {
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
pub(crate) fn phase(s: &Arc<Shared>, args: &Args, start: usize, end: usize, track_max: bool, max: &mut Sample) -> Tally {
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
