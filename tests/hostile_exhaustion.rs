//! Running the server out of descriptors and threads, each through `common::hostile::Watch`
//! (alive, a normal request answered within a second during and after, threads and descriptors
//! back to the baseline): tiny_http's accept loop ends (quirk Q5), a stand-in answers 503 on the
//! listener until the OS has room again, then a new loop takes over, its pool occupied again (Q1).
//! The tests in this file run one at a time: the thread limit counts every thread of a user.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::exhaustion::{Limited, own_connections};
use common::hostile::Watch;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/// Asks for /health until it is a 200. The 30 s are a liveness cap, not a timing claim.
fn until_healthy(watch: &Watch) -> Duration {
    let started = Instant::now();
    loop {
        let got = common::raw(watch.addr(), HEALTH, Duration::from_secs(1));
        if got.starts_with("HTTP/1.1 200") {
            return started.elapsed();
        }
        assert!(
            got.is_empty() || got.starts_with("HTTP/1.1 503"),
            "neither a 200 nor a 503: {got}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server never answered 200 again within 30 s"
        );
    }
}

/// Waits until the server's own connections occupying tiny_http's pool (Q1) are back to `four`.
fn pool_occupied_again(watch: &Watch, four: usize) {
    let started = Instant::now();
    while own_connections(watch) != four {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} connections occupy tiny_http's pool, {four} at the baseline",
            own_connections(watch)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Opens `n` connections one after another, each sending `first` and holding its connection
/// thread: each waits (up to a second) for its first answer bytes before the next opens. A burst
/// at once would leave most of them queued behind a pool thread tiny_http counts as idle (Q1),
/// holding no thread at all, and the OS would refuse nothing.
fn hold(watch: &Watch, first: &[u8], n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut held = TcpStream::connect(watch.addr()).expect("connect");
            held.write_all(first).expect("write");
            held.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
            let _ = held.read(&mut [0u8; 256]);
            held
        })
        .collect()
}

/// 64 descriptors; a burst of 150 connections, held, exhausts them.
fn exhaust_descriptors(watch: &Watch) {
    let held: Vec<TcpStream> = (0..150)
        .filter_map(|_| TcpStream::connect(watch.addr()).ok())
        .collect();
    assert!(held.len() > 64, "{} connections", held.len());
    // While they are held, a request is answered (by the stand-in, a 503) or served.
    watch.answers_or_refuses_within(Duration::from_secs(1));
}

#[test]
fn running_out_of_descriptors_recovers_to_the_baseline() {
    // accept() fails and tiny_http's accept loop ends (quirk Q5); a stand-in answers on the
    // listener until descriptors are free and the queue drained, then a new loop takes over and
    // occupies its pool (Q1). The baseline's requests have the Q1 janitor poking, which must keep
    // quiet meanwhile (unit test `the_janitor_keeps_quiet_while_an_accept_loop_is_replaced`).
    let _serial = one_at_a_time();
    let mut watch = Watch::start_limited(64, &[]);
    let occupied = own_connections(&watch);
    assert_eq!(
        occupied, 4,
        "tiny_http's four permanent threads are occupied"
    );
    exhaust_descriptors(&watch);
    eprintln!("answered 200 again after {:?}", until_healthy(&watch));
    eprintln!("peak RSS rise: {} KiB", watch.settles(0));
    pool_occupied_again(&watch, occupied);
}

#[test]
fn two_exhaustions_in_a_row_under_a_small_connection_bound_recover() {
    // `--max-connections 4` bounds workers at eight. After one restart the old loop's four
    // workers stay idle for 5 s while the new loop has four: a second restart within those 5 s
    // found the bound reached, started its loop without a worker, and nobody ever received its
    // requests. Idle workers of old loops now move to a current loop that has too few.
    let _serial = one_at_a_time();
    let mut watch = Watch::start_limited(64, &["--max-connections", "4"]);
    let occupied = own_connections(&watch);
    for round in 0..2 {
        exhaust_descriptors(&watch);
        eprintln!("round {round}: 200 again after {:?}", until_healthy(&watch));
    }
    eprintln!("peak RSS rise: {} KiB", watch.settles(0));
    pool_occupied_again(&watch, occupied);
}

#[test]
fn running_out_of_threads_is_answered_and_recovers() {
    // The OS refuses threads: tiny_http's accept thread panics inside its pool when it cannot
    // start a thread for a connection, and its loop ends (Q5). Connections held open keep the
    // threads they got; a normal request must still be answered (a 503 from the stand-in) within
    // a second, and once the connections are gone and the limit is lifted, served again.
    let _serial = one_at_a_time();
    let mut limited = Limited::start(&[]);
    let lifted = limited.thread_limit();
    let occupied = own_connections(&limited.watch);
    // Six threads more than the server's user runs now: far fewer than the 60 connections below
    // want (tiny_http starts one per connection).
    let limit = limited.tasks() + 6;
    limited.limit_threads(&limit.to_string());
    let keep_alive = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    let held = hold(&limited.watch, keep_alive, 60);
    let statuses: Vec<u16> = (0..5)
        .map(|_| {
            limited
                .watch
                .answers_or_refuses_within(Duration::from_secs(1))
        })
        .collect();
    assert!(
        statuses.contains(&503),
        "the OS never refused a thread: {statuses:?}"
    );
    drop(held);
    limited.limit_threads(&lifted);
    eprintln!(
        "answered 200 again after {:?}",
        until_healthy(&limited.watch)
    );
    eprintln!("peak RSS rise: {} KiB", limited.watch.settles(0));
    pool_occupied_again(&limited.watch, occupied);
}

#[test]
fn running_out_of_threads_while_workers_stream_is_answered() {
    // Twelve slow streams hold their workers, and no spare worker can start: no worker is idle
    // to notice that tiny_http's accept loop died, so the janitor does, and stands in for it.
    // One connection may be lost to tiny_http itself: its pool counts a thread it has just woken
    // as idle (Q1) and queues a connection for it; when that thread is taken and no other can
    // start, the connection waits until the pressure ends (tests/docs/limits.md). So of five
    // requests, one may get nothing within a second; the others must get the 503.
    let _serial = one_at_a_time();
    let mut limited = Limited::start(&[]);
    let lifted = limited.thread_limit();
    let limit = limited.tasks() + 6;
    limited.limit_threads(&limit.to_string());
    let body = common::chat_body(&"w ".repeat(40), r#""stream":true"#);
    let stream = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         x-oaimock-token-delay-ms: 300\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let held = hold(&limited.watch, stream.as_bytes(), 12);
    let chat = common::chat_body("still fine", "");
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{chat}",
        chat.len()
    );
    let answers: Vec<String> = (0..5)
        .map(|_| {
            common::raw(
                limited.watch.addr(),
                request.as_bytes(),
                Duration::from_secs(1),
            )
        })
        .collect();
    let refused = answers
        .iter()
        .filter(|a| {
            a.starts_with("HTTP/1.1 503")
                && a.to_ascii_lowercase().contains("retry-after: 1")
                && a.contains(r#""code":"server_is_overloaded""#)
        })
        .count();
    assert!(refused >= 4, "{answers:#?}");
    drop(held);
    limited.limit_threads(&lifted);
    eprintln!(
        "answered 200 again after {:?}",
        until_healthy(&limited.watch)
    );
    eprintln!("peak RSS rise: {} KiB", limited.watch.settles(0));
}
