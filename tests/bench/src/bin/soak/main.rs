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

mod conn;
mod mix;
mod run;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::thread;
use std::time::{Duration, Instant};

use mix::{FRESH, Kind, MIX, Requests, VARIANT, plan, request_for};
use run::{Sample, Shared, phase, sample};

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
