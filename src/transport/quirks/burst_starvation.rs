//! Q1 — a burst of connections queues behind pool threads that are already taken.
//!
//! Defect: tiny_http's `TaskPool::spawn` (`src/util/task_pool.rs:69-75`) counts a thread it has
//! just woken as still idle, so during a burst new connections queue behind threads that are
//! already taken and wait there until some other connection closes — a whole stream later. The
//! race needs idle pool threads, and a quiet pool always has its four permanent ones
//! (`MIN_THREADS`, `task_pool.rs:30`). Two workarounds:
//! - each permanent thread gets a keep-alive connection of ours (one request, answered, then
//!   silence), which holds it for good; they ask for a path made up at start-up, answered here
//!   before routing, so no client can reach it and it never counts as client work;
//! - a janitor connects and closes at once ("a poke") 50 times a second while requests flow and
//!   for 7 s after: the pool thread that runs that empty task then takes the oldest stranded
//!   connection (idle pool threads retire 5 s after their connection ends, `task_pool.rs:110`).
//!
//! The janitor keeps quiet while an accept loop is being replaced (Q5) and for 7 s after. A poke
//! is one more connection queued for the next loop, which must accept it — two descriptors and
//! a thread until its pool thread sees the close — before any client's. Out of descriptors
//! (`ulimit -n 64`), a new loop got through about 29 queued connections before failing again,
//! once a second, while the janitor queued 50 a second; a stale request that a replaced loop
//! still served kept the janitor going, so the server could stay deaf for good.
//!
//! Proof: `tests/streaming.rs` `two_hundred_concurrent_streams_all_finish_in_about_one_streams_time`;
//! the bench harness's burst (`tests/bench/run`). Delete when `TaskPool::spawn` stops counting a
//! woken thread as idle.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{OnceLock, Weak};
use std::thread;
use std::time::Duration;

use super::shutdown::reachable;
use crate::transport::{Generation, Transport};

/// tiny_http's connection pool keeps this many threads alive forever (its `MIN_THREADS`).
const POOL_PERMANENT_THREADS: usize = 4;
/// How often the janitor pokes while requests are flowing, and for how long after the last one.
const POKE_EVERY: Duration = Duration::from_millis(20);
const POKE_FOR: Duration = Duration::from_secs(7);
/// How long the janitor keeps quiet after an accept loop was replaced (Q5); see the module docs.
const QUIET_AFTER_RESTART: Duration = Duration::from_secs(7);
/// How often the janitor checks that the current accept loop's pool is occupied.
const TOP_UP_EVERY: Duration = Duration::from_secs(1);

/// The path the occupying connections ask for: random per process, so no client can use it.
fn occupy_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| crate::ids::hex("/.oaimock-occupy-", 32))
}

/// Gives each permanent pool thread a connection of ours: as many as `generation` lacks. One at
/// a time, each answered before the next, so they cannot race. No lock is held meanwhile; a
/// second caller while one is at it does nothing.
pub(crate) fn occupy_pool(generation: &Generation, addr: SocketAddr) {
    if generation.occupying.swap(true, Ordering::AcqRel) {
        return;
    }
    let have = crate::sync::lock(&generation.occupiers).len();
    let addr = reachable(addr);
    let request = format!("GET {} HTTP/1.1\r\nHost: oaimock\r\n\r\n", occupy_path());
    let occupy = || -> io::Result<TcpStream> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
        stream.set_read_timeout(Some(Duration::from_millis(500)))?;
        stream.write_all(request.as_bytes())?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte)?;
            head.push(byte[0]);
        }
        Ok(stream)
    };
    // The first failure ends the attempt: out of descriptors, the others would fail too.
    let more: Vec<TcpStream> = (have..POOL_PERMANENT_THREADS)
        .map_while(|_| occupy().ok())
        .collect();
    if !more.is_empty() {
        // A client's connection queued while an occupying one was (the race above) waits behind
        // it for good, and the janitor may be keeping quiet (a loop just replaced): one poke
        // starts a pool thread that takes it.
        drop(TcpStream::connect_timeout(&addr, POKE_EVERY));
    }
    crate::sync::lock(&generation.occupiers).extend(more);
    generation.occupying.store(false, Ordering::Release);
}

/// Makes up for occupying connections the current accept loop lacks (opening them failed at its
/// launch: a loop started while descriptors or threads were short), at most once a second.
fn top_up(transport: &Transport, addr: SocketAddr) {
    let current = crate::sync::lock(&transport.generations).last().cloned();
    let Some(current) = current else {
        return;
    };
    let short = crate::sync::lock(&current.occupiers).len() < POOL_PERMANENT_THREADS;
    if short && !current.replaced.load(Ordering::Acquire) {
        occupy_pool(&current, addr);
    }
}

/// Answers one of our occupying requests with a bare 204 and returns `None`; any other request
/// comes back untouched.
pub(crate) fn answer_occupier(rq: tiny_http::Request) -> Option<tiny_http::Request> {
    if rq.url() != occupy_path() || *rq.method() != tiny_http::Method::Get {
        return Some(rq);
    }
    let mut writer = rq.into_writer();
    let _ = writer.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
    let _ = writer.flush();
    None
}

/// Starts the janitor thread; it ends when the transport is dropped or stopped.
pub(crate) fn start_janitor(transport: Weak<Transport>, addr: SocketAddr) -> io::Result<()> {
    thread::Builder::new()
        .name("oaimock-janitor".into())
        .stack_size(64 * 1024)
        .spawn(move || janitor(transport, addr))
        .map(drop)
}

fn janitor(transport: Weak<Transport>, addr: SocketAddr) {
    let mut topped_up = std::time::Instant::now();
    loop {
        thread::sleep(POKE_EVERY);
        let Some(transport) = transport.upgrade() else {
            return;
        };
        if transport.stopped() {
            return;
        }
        let now = transport.since_start(std::time::Instant::now());
        let last_request = transport.last_request_ms.load(Ordering::Relaxed);
        let last_restart = transport.last_restart_ms.load(Ordering::Acquire);
        if pokes(now, last_request, last_restart) {
            drop(TcpStream::connect_timeout(&reachable(addr), POKE_EVERY));
        }
        super::accept_loop::watch(&transport);
        if topped_up.elapsed() >= TOP_UP_EVERY {
            topped_up = std::time::Instant::now();
            top_up(&transport, addr);
        }
    }
}

/// Whether the janitor pokes at `now`: a request arrived within `POKE_FOR`, and no accept loop
/// has been replaced within `QUIET_AFTER_RESTART` (times in milliseconds since start-up plus one,
/// 0 for never).
fn pokes(now: u64, last_request: u64, last_restart: u64) -> bool {
    let within =
        |at: u64, span: Duration| at > 0 && now.saturating_sub(at) < span.as_millis() as u64;
    within(last_request, POKE_FOR) && !within(last_restart, QUIET_AFTER_RESTART)
}

#[cfg(test)]
#[test]
fn occupying_connections_that_failed_are_made_up_for() {
    // A loop launched while descriptors were short got fewer than four (simulated: its
    // connections are dropped); the janitor opens the missing ones.
    let app = crate::app::App::new(crate::Config::for_tests()).unwrap();
    let transport = Transport::start(app).unwrap();
    let current = std::sync::Arc::clone(crate::sync::lock(&transport.generations).last().unwrap());
    let occupied = || crate::sync::lock(&current.occupiers).len();
    assert_eq!(occupied(), POOL_PERMANENT_THREADS);
    crate::sync::lock(&current.occupiers).truncate(1);
    let started = std::time::Instant::now();
    while occupied() < POOL_PERMANENT_THREADS {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} occupied",
            occupied()
        );
        thread::sleep(Duration::from_millis(20));
    }
    transport.shutdown();
}

#[cfg(test)]
#[test]
fn the_janitor_keeps_quiet_while_an_accept_loop_is_replaced() {
    // Requests flowing, no restart: pokes, until POKE_FOR after the last request.
    assert!(pokes(10_000, 9_000, 0));
    assert!(!pokes(20_000, 9_000, 0));
    assert!(!pokes(10_000, 0, 0));
    // A stale request a replaced loop still served does not make it poke during a restart...
    assert!(!pokes(10_000, 9_900, 9_500));
    // ...nor until QUIET_AFTER_RESTART after the last one.
    let quiet = QUIET_AFTER_RESTART.as_millis() as u64;
    assert!(!pokes(9_500 + quiet - 1, 9_500 + quiet - 2, 9_500));
    assert!(pokes(9_500 + quiet, 9_500 + quiet - 2, 9_500));
}
