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

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::sync::lock;

/// How long a closed peer is remembered: longer than a client's TIME_WAIT keeps its port.
const REMEMBER: Duration = Duration::from_secs(120);
/// At most this many closed peers are remembered; the oldest go first.
const MAX_REMEMBERED: usize = 4096;

/// The closed peers, oldest first, and the same peers for lookup.
struct Closed {
    order: VecDeque<(SocketAddr, Instant)>,
    peers: BTreeMap<SocketAddr, Instant>,
}

static CLOSED: Mutex<Closed> = Mutex::new(Closed {
    order: VecDeque::new(),
    peers: BTreeMap::new(),
});
/// How many peers are remembered: every request checks it, and takes the lock only when some are.
static REMEMBERED: AtomicUsize = AtomicUsize::new(0);

/// Notes that the connection of `peer` ends with our answer.
pub(crate) fn closing(peer: Option<SocketAddr>) {
    let Some(peer) = peer else {
        return;
    };
    let mut closed = lock(&CLOSED);
    let now = Instant::now();
    while let Some(&(old, at)) = closed.order.front() {
        if now.duration_since(at) <= REMEMBER && closed.order.len() < MAX_REMEMBERED {
            break;
        }
        closed.order.pop_front();
        // The same peer closed again later is remembered from then.
        if closed.peers.get(&old) == Some(&at) {
            closed.peers.remove(&old);
        }
    }
    closed.order.push_back((peer, now));
    closed.peers.insert(peer, now);
    REMEMBERED.store(closed.peers.len(), Ordering::Release);
}

fn closed(peer: Option<SocketAddr>) -> bool {
    let Some(peer) = peer else {
        return false;
    };
    REMEMBERED.load(Ordering::Acquire) > 0
        && lock(&CLOSED)
            .peers
            .get(&peer)
            .is_some_and(|at| at.elapsed() <= REMEMBER)
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
