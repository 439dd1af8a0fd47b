//! Q7 — a body over 1 KiB that is not read is drained when the request is dropped.
//!
//! Defect: tiny_http reads bodies of at most 1 KiB before `recv()` returns and larger ones lazily
//! (`src/request.rs:194`); dropping a request (`src/util/equal_reader.rs:63-80`)
//! whose body was not read reads and discards the rest, blocking the dropping thread for as long
//! as the client takes, and an unparsable `Content-Length` counts as no body at all. So an answer
//! decided before such a body is read goes through `respond()` (which writes first, then drains)
//! on a small thread of its own, never on a worker.
//! Proof: `tests/errors_server.rs` `a_body_over_the_limit_is_413_and_the_server_keeps_serving` and
//! `tests/hardening_sockets.rs` `slow_clients_do_not_starve_others`.
//! Delete when tiny_http lets a request be dropped without draining it.

use std::io;

use crate::error::ApiError;
use crate::http::{Answer, Body, Head};

/// Bodies up to this size are read by tiny_http before the request reaches a worker.
const PREFETCHED: usize = 1024;

/// Whether a body of `declared` bytes is still on the socket when the request arrives.
pub(crate) fn unread(declared: usize) -> bool {
    declared > PREFETCHED
}

/// The 400 for a body sent to a route that takes none.
pub(crate) fn unexpected(head: &Head) -> Answer {
    Answer::error(ApiError::new(
        400,
        "invalid_request_error",
        Some("unexpected_body"),
        format!("{} {} takes no request body.", head.method, head.path),
    ))
}

/// Answers a request whose body was not read with an answer that ends the connection (its
/// framing cannot be trusted), on a thread of its own: the rest of the body is discarded there
/// first (tiny_http does so when the writer is taken), then the answer is written, and nothing
/// more is answered on that connection (Q10).
pub(crate) fn close(
    rq: tiny_http::Request,
    head: Head,
    answer: Answer,
    request_id: String,
) -> io::Result<()> {
    std::thread::Builder::new()
        .name("oaimock-drain".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let _ = crate::transport::write_closing(rq, &head, answer, &request_id);
        })
        .map(drop)
}

/// Answers a request whose declared body was not read, through tiny_http's own writer (which
/// adds `Date` and `Server` headers and leaves the connection to tiny_http), on a thread of its
/// own: a client that never sends the body it declared holds that small thread, not a worker.
pub(crate) fn refuse(rq: tiny_http::Request, answer: Answer, request_id: &str) -> io::Result<()> {
    let body = match answer.body {
        Body::Json(bytes) | Body::Data(_, bytes) => bytes,
        Body::Empty | Body::Events(_) | Body::Relay(_) => Vec::new(),
    };
    let mut response = tiny_http::Response::from_data(body).with_status_code(answer.status);
    let fixed = [
        ("Content-Type", "application/json"),
        ("x-request-id", request_id),
    ];
    let extra = answer.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    for (name, value) in fixed.into_iter().chain(extra) {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    std::thread::Builder::new()
        .name("oaimock-drain".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let _ = rq.respond(response);
        })
        .map(drop)
}
