//! Q6 — shutdown wakes one receiver and leaves the accept thread in `accept()`.
//!
//! Defect: `Server::unblock()` (`src/lib.rs:409`) wakes a single blocked `recv()`, and the accept
//! thread reads its close flag only after `accept()` returns (`src/lib.rs:293-294`). tiny_http's
//! own `Drop` connects once to wake it (`src/lib.rs:422-434`), but only when the last handle goes,
//! and a worker finishing a stream may still hold one. So shutdown unblocks once per worker,
//! waits for them, and connects once per accept loop after dropping it.
//! Proof: `tests/cli.rs` and every in-process test that drops its `Server` while others run.
//! Delete when tiny_http offers a shutdown that ends every receiver and its accept thread.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Where to reach the listener from this process (a wildcard bind is reached on loopback).
pub(crate) fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], a.port()))
        }
        SocketAddr::V6(a) if a.ip().is_unspecified() => {
            SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], a.port()))
        }
        other => other,
    }
}

/// One connection, opened and dropped, so the accept thread returns from `accept()` and stops.
pub(crate) fn wake_accept_thread(addr: SocketAddr) {
    let _ = TcpStream::connect_timeout(&reachable(addr), Duration::from_millis(200));
}
