//! Q8 — `Request::respond` holds streamed events back.
//!
//! Defect: `respond()` with a body of unknown length wraps the socket in
//! `chunked_transfer::Encoder` (`src/response.rs:434-436`), which fills 8 KiB chunks and never
//! flushes per write: events paced 200 ms apart all arrive together at the end. It also drops a
//! `Connection` header silently. So every answer is written through `into_writer()`, head and
//! chunked framing included, by `transport::writer`.
//! Proof: `tests/streaming.rs` `events_are_flushed_one_by_one_as_the_words_are_produced` and
//! `raw_bytes_are_chunked_sse_ending_with_done_and_a_terminated_body`.
//! Delete when tiny_http's encoder flushes each write and keeps `Connection`.

use std::io::Write;

/// The raw connection writer of `rq`: everything written is sent as is.
pub(crate) fn take(rq: tiny_http::Request) -> Box<dyn Write + Send + 'static> {
    rq.into_writer()
}
