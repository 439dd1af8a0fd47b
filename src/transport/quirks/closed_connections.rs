//! Q10 — a `Connection: close` answer does not end tiny_http's connection.
//!
//! Defect: tiny_http decides whether to read another request on a connection from that request's
//! own `Connection` header and HTTP version (`src/client.rs:252-265`). An answer we write through
//! the raw writer (Q8) saying `Connection: close` is invisible to it, so a request pipelined
//! behind one we refused and closed (ambiguous framing, a body we stopped reading) is read and
//! would be answered. So the peer address of every connection we close is remembered for a while,
//! and a request from it is taken and dropped without a byte.
//! Proof: `tests/hostile_transport.rs` `ambiguous_framing_is_refused_and_the_connection_closed`.
//! Delete when tiny_http lets a response end its connection.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sync::lock;

/// How long a closed peer is remembered: longer than a client's TIME_WAIT keeps its port.
const REMEMBER: Duration = Duration::from_secs(120);
/// At most this many closed peers are remembered; the oldest go first.
const MAX_REMEMBERED: usize = 4096;

static CLOSED: Mutex<VecDeque<(SocketAddr, Instant)>> = Mutex::new(VecDeque::new());

/// Notes that the connection of `peer` ends with our answer.
pub(crate) fn closing(peer: Option<SocketAddr>) {
    let Some(peer) = peer else {
        return;
    };
    let mut closed = lock(&CLOSED);
    let now = Instant::now();
    while closed
        .front()
        .is_some_and(|(_, at)| now.duration_since(*at) > REMEMBER)
        || closed.len() >= MAX_REMEMBERED
    {
        closed.pop_front();
    }
    closed.push_back((peer, now));
}

fn closed(peer: Option<SocketAddr>) -> bool {
    let closed = lock(&CLOSED);
    !closed.is_empty() && peer.is_some_and(|p| closed.iter().any(|(c, _)| *c == p))
}

/// Whether the answer about to be written through `writer` must not be: its connection was closed
/// by an answer before it. Waits for that answer to be written first (tiny_http writes the
/// answers of one connection in order; a flush waits for the turn of this one).
pub(crate) fn after_close(writer: &mut dyn std::io::Write, peer: Option<SocketAddr>) -> bool {
    let _ = writer.flush();
    closed(peer)
}

/// `None` when `rq` came on a connection we already closed: it is dropped unanswered. Any other
/// request comes back untouched.
pub(crate) fn unanswered(rq: tiny_http::Request) -> Option<tiny_http::Request> {
    if closed(rq.remote_addr().copied()) {
        // Taking the writer keeps tiny_http from answering it with a 500 of its own.
        drop(rq.into_writer());
        return None;
    }
    Some(rq)
}
