//! HTTP as plain values: the request head the pipeline reads, and the answer a handler decides in
//! full before a byte is written. No socket here; only `transport` turns an answer into bytes.

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;

use crate::error::{ApiError, Exit};
use crate::recorded::{Recorded, RecordedBody};

/// What the pipeline and the handlers know about a request besides its body.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    /// Upper case; a standard method is a static string, so reading it allocates nothing.
    pub method: Cow<'static, str>,
    /// The path without its query string.
    pub path: String,
    /// The query string, without the `?`.
    pub query: String,
    pub http10: bool,
    /// The client asked to close the connection after this exchange.
    pub close: bool,
    pub authorization: Option<String>,
    /// Every header, names lowercased: what fixture rules match on.
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub(crate) fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// A body larger than this may not fit a socket's buffer: writing it may wait on the client, and
/// it is written after its head rather than copied behind it.
pub(crate) const LARGE_BODY: usize = 64 * 1024;

/// A response, decided in full before the first byte is written.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Close the connection after this response even if the client would keep it.
    pub close: bool,
    /// A pause before the first byte (a scripted or injected time to first token).
    pub delay: Duration,
    /// What decided the answer (a fixture rule, a fault), for the request journal.
    pub source: Option<String>,
    /// Send `Access-Control-Allow-Origin: *` (API answers, for browser clients; never the admin's).
    pub cors: bool,
}

#[derive(Debug)]
pub(crate) enum Body {
    Json(Vec<u8>),
    /// Complete bytes of another type (an image, audio, a stored file), with its content type.
    Data(Cow<'static, str>, Vec<u8>),
    Empty,
    Events(Stream),
    /// A body that arrives while it is written: chunks relayed from an upstream as they come.
    Relay(Relay),
}

/// A body produced while it is written: an upstream's stream (`--upstream`), or audio made a
/// word at a time (speech). The content type and the chunks, each written and flushed as one
/// HTTP chunk as soon as it is produced. The source bounds itself (bytes, time, or a length
/// decided before the first byte); an `Err` breaks the stream the way `Stream::abort` does.
pub(crate) struct Relay {
    pub content_type: String,
    pub chunks: Box<dyn Iterator<Item = std::io::Result<Vec<u8>>> + Send>,
    /// How a body made here is walked; `None` for an upstream's, whose chunks leave as they come.
    pub pace: Option<Pace>,
}

/// The clock and cuts of a body made here while it is written, as a [`Stream`]'s paced events
/// have them: the first chunk leaves with the head, each later one when the [`Clock`] says. With
/// `cut`, the body ends after that many chunks: cleanly, or broken if `abort`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Pace {
    pub clock: Clock,
    pub cut: Option<usize>,
    pub abort: bool,
}

/// When the paced pieces of a body (a stream's events, a made body's chunks) are due: each
/// `token_delay`, plus up to `jitter` drawn from `seed`, after the one before was due; `stall`
/// pauses before the piece at its index.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Clock {
    pub token_delay: Duration,
    /// Up to this much more before each paced piece, drawn from `seed`.
    pub jitter: Duration,
    pub seed: u64,
    /// Before the piece at this index, send nothing for this long.
    pub stall: Option<(usize, Duration)>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relay({})", self.content_type)
    }
}

impl Body {
    /// The bytes of a complete body (JSON or data); `None` for an empty body or a stream.
    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        match self {
            Body::Json(bytes) | Body::Data(_, bytes) => Some(bytes),
            Body::Empty | Body::Events(_) | Body::Relay(_) => None,
        }
    }

    /// The `Content-Type` the body is sent with; empty for an empty body.
    pub(crate) fn content_type(&self) -> &str {
        match self {
            Body::Json(_) => "application/json",
            Body::Data(content_type, _) => content_type,
            Body::Empty => "",
            Body::Events(_) => "text/event-stream; charset=utf-8",
            Body::Relay(relay) => &relay.content_type,
        }
    }
}

/// An SSE body: events in order, with a pause of `ttft` after the headers, and each paced event
/// when its `clock` says.
#[derive(Debug)]
pub(crate) struct Stream {
    pub events: Vec<Event>,
    pub ttft: Duration,
    pub clock: Clock,
    /// Break the connection after the events instead of ending the body.
    pub abort: bool,
}

/// One SSE event. `name` becomes an `event:` line (the Responses API names its events; chat and
/// completions streams must not).
#[derive(Debug)]
pub(crate) struct Event {
    pub name: Option<Cow<'static, str>>,
    /// The `data:` payload, JSON (or `[DONE]`); only ever written out as bytes.
    pub data: Vec<u8>,
    pub paced: bool,
    /// A pause of its own before this event, besides pacing (a recorded stream's timing).
    pub after: Duration,
}

impl Event {
    pub(crate) fn json<T: Serialize>(name: Option<&'static str>, value: &T, paced: bool) -> Event {
        let data = to_json(value, 256);
        Event {
            name: name.map(Cow::Borrowed),
            data,
            paced,
            after: Duration::ZERO,
        }
    }

    pub(crate) fn done() -> Event {
        Event {
            name: None,
            data: b"[DONE]".to_vec(),
            paced: false,
            after: Duration::ZERO,
        }
    }

    /// The event as SSE lines, appended to `out`.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        if let Some(name) = &self.name {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(&self.data);
        out.extend_from_slice(b"\n\n");
    }
}

impl Answer {
    pub(crate) fn new(status: u16, body: Body) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body,
            close: false,
            delay: Duration::ZERO,
            source: None,
            cors: true,
        }
    }

    pub(crate) fn json<T: Serialize>(value: &T) -> Answer {
        // A typical reply fits, and the buffer stays under glibc's 1 KiB large-bin size.
        Answer::new(200, Body::Json(to_json(value, 768)))
    }

    pub(crate) fn stream(events: Vec<Event>, token_delay: Duration) -> Answer {
        Answer::new(
            200,
            Body::Events(Stream {
                events,
                ttft: Duration::ZERO,
                clock: Clock {
                    token_delay,
                    ..Clock::default()
                },
                abort: false,
            }),
        )
    }

    /// What a handler's exit sends when it is not forwarded: the refusal, the recording as it
    /// was, or (with nowhere to forward it) a 502 saying it was not forwarded.
    pub(crate) fn exit(exit: Exit) -> Answer {
        match exit {
            Exit::Refused(error) => Answer::error(error),
            Exit::Replay(replay) => {
                let mut answer = Answer::recorded(&replay.recorded);
                answer.source = replay.source;
                answer.delay = replay.delay;
                answer
            }
            Exit::Forward => Answer::error(ApiError::not_forwarded()),
        }
    }

    pub(crate) fn error(error: ApiError) -> Answer {
        let mut answer = Answer::new(error.status, Body::Json(error.body()));
        answer.source = error.source.clone();
        answer.delay = error.delay;
        answer.headers = error.0.headers;
        answer
    }

    /// A recorded answer as it was: its status, its headers, its body or its events, each
    /// event after its recorded pause (none when recorded without `--record-timing`).
    pub(crate) fn recorded(recorded: &Recorded) -> Answer {
        let body = match &recorded.body {
            RecordedBody::Whole(bytes) => Body::Data(
                Cow::Owned(recorded.content_type().to_string()),
                bytes.clone(),
            ),
            RecordedBody::Events(events) => {
                let events = events
                    .iter()
                    .map(|e| Event {
                        name: e.name.clone().map(Cow::Owned),
                        data: e.data.as_bytes().to_vec(),
                        paced: false,
                        after: Duration::from_millis(e.ms.unwrap_or(0)),
                    })
                    .collect();
                return Answer {
                    headers: replayed_headers(recorded),
                    ..Answer::stream(events, Duration::ZERO)
                }
                .with_status(recorded.status);
            }
        };
        let mut answer = Answer::new(recorded.status, body);
        answer.headers = replayed_headers(recorded);
        answer
    }

    fn with_status(mut self, status: u16) -> Answer {
        self.status = status;
        self
    }

    /// An error after which the connection is closed (the rest of the request was not read).
    pub(crate) fn closing(error: ApiError) -> Answer {
        let mut answer = Answer::error(error);
        answer.close = true;
        answer
    }

    /// Whether writing its body may wait on the client or on its source: more than a socket
    /// buffer holds, or chunks produced while they are written (an upstream's, or speech that
    /// may be longer than any buffer). (A stream's waits go through the writer's pause, which
    /// starts a spare first.)
    pub(crate) fn is_large(&self) -> bool {
        match &self.body {
            Body::Relay(_) => true,
            body => body.bytes().is_some_and(|bytes| bytes.len() > LARGE_BODY),
        }
    }

    pub(crate) fn empty(status: u16, headers: Vec<(String, String)>) -> Answer {
        let mut answer = Answer::new(status, Body::Empty);
        answer.headers = headers;
        answer
    }
}

/// A recording's headers but its content type, which goes with the body.
fn replayed_headers(recorded: &Recorded) -> Vec<(String, String)> {
    recorded
        .headers
        .iter()
        .filter(|(n, _)| n != "content-type")
        .cloned()
        .collect()
}

/// `value` as compact JSON in a buffer sized up front (serde_json's `to_vec` starts at 128 bytes
/// and regrows three times for a typical 655-byte chat reply).
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut out, value).expect("wire types serialize");
    out
}
