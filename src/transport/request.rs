//! Reading a request from tiny_http: its head as a [`Head`], and its body under a size limit.

use std::borrow::Cow;
use std::io::{self, Read as _};
use std::sync::mpsc::{self, TrySendError};
use std::thread;
use std::time::Duration;

use super::quirks;
use crate::error::ApiError;
use crate::http::{Answer, Head};

pub(crate) fn head(rq: &tiny_http::Request) -> Head {
    let header = |name: &'static str| {
        rq.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
    };
    let http10 = *rq.http_version() == (1, 0);
    let connection = header("Connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let close = connection.contains("close") || (http10 && !connection.contains("keep-alive"));
    let url = rq.url();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    Head {
        method: method(rq.method()),
        path: path.to_string(),
        query: query.to_string(),
        http10,
        close,
        authorization: header("Authorization"),
        headers: rq
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.to_string(),
                )
            })
            .collect(),
    }
}

fn method(method: &tiny_http::Method) -> Cow<'static, str> {
    use tiny_http::Method::*;
    Cow::Borrowed(match method {
        Get => "GET",
        Head => "HEAD",
        Post => "POST",
        Put => "PUT",
        Delete => "DELETE",
        Connect => "CONNECT",
        Options => "OPTIONS",
        Trace => "TRACE",
        Patch => "PATCH",
        NonStandard(other) => return Cow::Owned(other.as_str().to_ascii_uppercase()),
    })
}

/// How a request's body reaches us.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Body {
    /// The declared `Content-Length` (0 when absent).
    declared: usize,
    chunked: bool,
    /// `Expect: 100-continue`: tiny_http answers `100 Continue` only when the body is read.
    expect: bool,
    /// `Connection: upgrade`: tiny_http hands over the raw socket as the body (reading it waits
    /// for the client to close), and reads no further request on the connection.
    pub upgrade: bool,
}

impl Body {
    pub(crate) fn of(head: &Head, declared: usize) -> Body {
        let has = |name: &str, token: &str| {
            head.headers.iter().any(|(n, v)| {
                n == name
                    && v.split(',')
                        .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        };
        Body {
            declared,
            chunked: head.headers.iter().any(|(n, _)| n == "transfer-encoding"),
            expect: has("expect", "100-continue"),
            upgrade: has("connection", "upgrade"),
        }
    }

    /// Whether tiny_http left the body on the socket (Q7).
    pub(crate) fn unread(&self) -> bool {
        quirks::undrained_body::unread(self.declared) || self.chunked || self.expect || self.upgrade
    }

    /// Whether reading it may wait on the client.
    pub(crate) fn waits(&self) -> bool {
        self.unread()
    }
}

/// Reads the whole body, refusing more than `limit` bytes. After a failure the connection closes:
/// the rest of the body was not read. An upgrade request's body is exactly its `Content-Length`,
/// or its chunks decoded here: tiny_http hands over the raw socket.
pub(crate) fn read_body(
    rq: &mut tiny_http::Request,
    limit: usize,
    body: &Body,
) -> Result<Vec<u8>, ApiError> {
    let failed = |e: io::Error| {
        let message = format!("Could not read the request body: {e}.");
        ApiError::new(400, "invalid_request_error", Some("invalid_body"), message)
    };
    if body.upgrade && body.chunked {
        return super::chunked::decode(rq.as_reader(), limit).map_err(|e| match e {
            super::chunked::Unread::TooLarge => ApiError::body_too_large(limit),
            super::chunked::Unread::Io(e) => failed(e),
        });
    }
    let declared = rq.body_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::body_too_large(limit));
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
    let cap = if body.upgrade {
        body.declared as u64
    } else {
        limit as u64 + 1
    };
    let read = rq.as_reader().take(cap).read_to_end(&mut bytes);
    match read {
        Ok(_) if bytes.len() > limit => Err(ApiError::body_too_large(limit)),
        Ok(n) if declared.is_some_and(|d| n < d) => Err(failed(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed before the whole body arrived",
        ))),
        Ok(_) => Ok(bytes),
        Err(e) => Err(failed(e)),
    }
}

/// What a timed read hands back: the body (or why it could not be read) and the request.
type Read = (Result<Vec<u8>, ApiError>, tiny_http::Request);

/// Reads the body on a small thread of its own, so the worker waits at most `timeout`: tiny_http
/// gives no way to set a read timeout on its sockets. `None` when the body did not arrive in time;
/// the reader then answers 408 itself if the client ever sends the rest or gives up, and ends with
/// the connection. Without a thread to spare the body is read on the worker, untimed.
pub(crate) fn read_body_within(
    mut rq: tiny_http::Request,
    head: &Head,
    limit: usize,
    body: Body,
    timeout: Duration,
) -> Option<Read> {
    let (hand_in, take) = mpsc::sync_channel::<tiny_http::Request>(1);
    let (done, result) = mpsc::sync_channel::<Read>(1);
    let head = head.clone();
    let reader = thread::Builder::new()
        .name("oaimock-body".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let Ok(mut rq) = take.recv() else { return };
            let read = read_body(&mut rq, limit, &body);
            if let Err(TrySendError::Disconnected((_, rq))) = done.try_send((read, rq)) {
                late(rq, &head);
            }
        });
    if reader.is_err() {
        let read = read_body(&mut rq, limit, &body);
        return Some((read, rq));
    }
    hand_in.send(rq).ok()?;
    result.recv_timeout(timeout).ok()
}

/// The answer to a body that arrived after the worker stopped waiting for it.
fn late(rq: tiny_http::Request, head: &Head) {
    let error = ApiError::new(
        408,
        "invalid_request_error",
        Some("request_timeout"),
        "The request body did not arrive in time (--read-timeout-ms).",
    );
    let request_id = crate::ids::hex("req_", 32);
    let _ = super::write_closing(rq, head, Answer::closing(error), &request_id);
}
