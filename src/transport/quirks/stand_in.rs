//! Q5, continued — while no accept loop can run, a stand-in answers 503 on the listener itself.
//!
//! Defect: out of descriptors or threads, tiny_http's accept loop ends (`accept_loop.rs`), and a
//! new one started at once ends again: it first accepts every connection queued meanwhile, each
//! costing two descriptors and a pool thread (`thread::spawn`, which panics when the OS refuses)
//! until that thread sees the client's close. Meanwhile nobody answers: new clients wait in the
//! kernel's queue, and under `ulimit -n 64` a burst of 150 connections left `/health` unanswered
//! for 2-5 s after the burst ended; out of threads, for as long as the pressure lasted.
//!
//! So the worker that replaces a dead loop stands in for it until the OS has room for a new one
//! ([`room`]: `ROOM_FDS` descriptors and `ROOM_THREADS` threads) and the queue is drained. It
//! takes the listener (no tiny_http accept thread is left on it, so it may be non-blocking),
//! accepts every queued connection without a thread, and answers each with a 503 in OpenAI's
//! envelope (`Retry-After: 1`, which the SDKs retry) as soon as its head is in, or after
//! `HEAD_WAIT`; a connection that closed costs nothing more. Out of descriptors, it frees one to
//! accept the next connection: first a spare descriptor kept for this (`Transport::spare`), then
//! its own oldest connection, answered first. At most `MAX_OPEN` connections are held at once.
//!
//! Proof: `tests/hostile_exhaustion.rs` (`running_out_of_threads_is_answered_and_recovers`,
//! `running_out_of_descriptors_recovers_to_the_baseline`). Delete with `accept_loop.rs`.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::ApiError;
use crate::http::{Answer, Head};

/// Free descriptors a new accept loop needs before it starts: its listener clone, its
/// occupying connections (Q1: three descriptors each) and room for a few clients.
const ROOM_FDS: usize = 16;
/// Free threads a new accept loop needs: its accept thread, tiny_http's four permanent pool
/// threads, the minimum of workers and room for a few clients.
const ROOM_THREADS: usize = 12;
/// How long the stand-in waits for a connection's head before answering it anyway.
const HEAD_WAIT: Duration = Duration::from_millis(200);
/// How long an answered connection is read and discarded before it is closed, so that closing
/// with unread request bytes does not reset the connection before the client reads the 503.
const LINGER: Duration = Duration::from_millis(200);
/// Connections the stand-in holds at once; the oldest is answered and closed to take another.
const MAX_OPEN: usize = 64;
/// How often the stand-in looks for new connections and reads the ones it holds.
const TICK: Duration = Duration::from_millis(5);
/// How often it asks the OS for room.
const ROOM_EVERY: Duration = Duration::from_millis(50);
/// A head larger than this is answered at once (it is not parsed, only waited for).
const HEAD_BYTES: usize = 8 * 1024;

struct Open {
    stream: TcpStream,
    since: Instant,
    /// The last bytes read, to find the end of the head across reads.
    tail: Vec<u8>,
    read: usize,
    /// When the 503 was written; from then on the connection is only drained.
    answered: Option<Instant>,
}

/// Answers on `listener` until the OS has room for a new accept loop and no connection waits,
/// or `stopped()`. `mark` is called on every tick (the janitor keeps quiet while it is).
pub(crate) fn stand_in(
    listener: &TcpListener,
    spare: &Mutex<Option<TcpListener>>,
    stopped: &dyn Fn() -> bool,
    mark: &dyn Fn(),
) {
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    let mut open: VecDeque<Open> = VecDeque::new();
    let mut next_room = Instant::now();
    while !stopped() {
        let drained = accept_all(listener, spare, &mut open);
        open.retain_mut(step);
        if drained && open.iter().all(|o| o.answered.is_some()) && Instant::now() >= next_room {
            next_room = Instant::now() + ROOM_EVERY;
            if room(listener) {
                break;
            }
        }
        mark();
        thread::sleep(TICK);
    }
    for mut o in open {
        answer(&mut o);
    }
    let mut spare = crate::sync::lock(spare);
    if spare.is_none() {
        *spare = listener.try_clone().ok();
    }
    // tiny_http's accept loop needs a blocking listener (quirk Q9).
    let _ = listener.set_nonblocking(false);
}

/// Accepts every queued connection; true when the queue is empty.
fn accept_all(
    listener: &TcpListener,
    spare: &Mutex<Option<TcpListener>>,
    open: &mut VecDeque<Open>,
) -> bool {
    loop {
        if open.len() >= MAX_OPEN {
            let Some(mut oldest) = open.pop_front() else {
                return false;
            };
            answer(&mut oldest);
        }
        match listener.accept() {
            Ok((stream, _)) => {
                if stream.set_nonblocking(true).is_err() {
                    continue;
                }
                open.push_back(Open {
                    stream,
                    since: Instant::now(),
                    tail: Vec::new(),
                    read: 0,
                    answered: None,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            // EMFILE, ENFILE: free a descriptor for the next connection.
            Err(e) if matches!(e.raw_os_error(), Some(23 | 24)) => {
                if crate::sync::lock(spare).take().is_some() {
                    continue;
                }
                let Some(mut oldest) = open.pop_front() else {
                    return false;
                };
                answer(&mut oldest);
            }
            // A connection reset while queued, or the like: the next tick tries again.
            Err(_) => return false,
        }
    }
}

/// Reads what arrived, answers a head that is in (or waited long enough), and drops a
/// connection that closed or has lingered long enough. False when it is done.
fn step(o: &mut Open) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match o.stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => {
                o.read += n;
                if o.answered.is_none() {
                    o.tail.extend_from_slice(&buf[..n]);
                    let keep = o.tail.len().saturating_sub(3);
                    if o.tail.windows(4).any(|w| w == b"\r\n\r\n") || o.read > HEAD_BYTES {
                        answer(o);
                    } else {
                        o.tail.drain(..keep);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => return false,
        }
    }
    match o.answered {
        None if o.since.elapsed() >= HEAD_WAIT => {
            answer(o);
            true
        }
        Some(at) => at.elapsed() < LINGER,
        None => true,
    }
}

/// Writes the 503 once and ends the writing side; the connection stays open to be drained.
/// What already arrived is read first: closing a socket with unread bytes resets the connection,
/// and the client may lose the answer.
fn answer(o: &mut Open) {
    if o.answered.is_some() {
        return;
    }
    drain(&mut o.stream);
    o.answered = Some(Instant::now());
    let head = Head {
        method: "GET".into(),
        path: "/".to_string(),
        query: String::new(),
        http10: false,
        close: true,
        authorization: None,
        headers: Vec::new(),
    };
    let request_id = crate::ids::hex("req_", 32);
    let answer = Answer::error(ApiError::out_of_resources());
    let no_pause = |_: Duration| {};
    let _ = super::super::writer::send(
        &mut o.stream,
        &head,
        answer,
        &request_id,
        &no_pause,
        &mut None,
    );
    let _ = o.stream.shutdown(Shutdown::Write);
    drain(&mut o.stream);
}

/// Reads and discards what has arrived, up to `HEAD_BYTES` at a time.
fn drain(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    for _ in 0..HEAD_BYTES / buf.len() {
        if !matches!(stream.read(&mut buf), Ok(n) if n > 0) {
            return;
        }
    }
}

/// Whether the OS has room for a new accept loop: `ROOM_FDS` descriptors and `ROOM_THREADS`
/// threads can be had at once (all given back before this returns).
fn room(listener: &TcpListener) -> bool {
    let fds: Vec<TcpListener> = (0..ROOM_FDS)
        .map_while(|_| listener.try_clone().ok())
        .collect();
    if fds.len() < ROOM_FDS {
        return false;
    }
    drop(fds);
    let gate = Mutex::new(());
    let held = crate::sync::lock(&gate);
    thread::scope(|s| {
        let started = (0..ROOM_THREADS)
            .map_while(|_| {
                thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn_scoped(s, || drop(crate::sync::lock(&gate)))
                    .ok()
            })
            .count();
        drop(held);
        started == ROOM_THREADS
    })
}
