//! Q2 — dropping a request with a huge unread body aborts the process.
//!
//! Defect: `EqualReader::drop` (`src/util/equal_reader.rs:70`) allocates `vec![0; remaining]` to
//! discard what is left of a body; `Content-Length: 1000000000000` and an early answer killed the
//! process (tiny_http's own issue 252 on GitHub; the fix was never released). Reading to EOF does not help: the reader is
//! dropped at EOF with the same allocation. Such requests are never dropped: they are parked.
//! Proof: `tests/errors_server.rs` `a_huge_declared_body_with_an_early_close_does_not_kill_the_server`.
//! Delete when a tiny_http release drains without allocating the declared size.

use std::io;
use std::sync::Mutex;

/// A declared body over `--max-body-bytes` but under this is drained by tiny_http after the 413;
/// above it, dropping the request would allocate the declared size and abort.
const DRAIN_LIMIT: usize = 1 << 30;

/// Requests that declared a body too large to drain. A static, because a static is never
/// dropped: dropping one of these is exactly what aborts the process.
static PARKED: Mutex<Vec<tiny_http::Request>> = Mutex::new(Vec::new());

pub(crate) fn too_large_to_drop(declared: usize) -> bool {
    declared > DRAIN_LIMIT
}

/// Keeps `rq` forever instead of answering it.
pub(crate) fn park(rq: tiny_http::Request) -> io::Result<()> {
    crate::transport::lock(&PARKED).push(rq);
    Err(io::Error::other(
        "declared body too large to drain; connection parked",
    ))
}
