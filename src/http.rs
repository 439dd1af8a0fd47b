//! The one place that touches the socket: reading a request body under a size limit, and writing
//! either a whole response or an SSE stream whose events are flushed one by one.
//!
//! Responses are written through `Request::into_writer()` rather than `respond()`, because
//! tiny_http's chunked encoder buffers 8 KiB before it writes anything (see the README).

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::ApiError;
use crate::json::digits;

/// What the server needs to know about a request besides its body.
#[derive(Debug, Clone)]
pub struct RequestInfo {
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

impl RequestInfo {
    pub fn of(rq: &tiny_http::Request) -> RequestInfo {
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
        let (path, query) = (path.to_string(), query.to_string());
        RequestInfo {
            method: method(rq.method()),
            path,
            query,
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

    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
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

/// Why a body could not be read.
pub enum BodyError {
    /// Over the limit. `declared` is the `Content-Length`, when one was sent.
    TooLarge {
        declared: Option<usize>,
    },
    Io(io::Error),
}

/// Reads the whole body, refusing more than `limit` bytes. A declared `Content-Length` over the
/// limit is refused before a byte of the body is read.
pub fn read_body(rq: &mut tiny_http::Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    let declared = rq.body_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge { declared });
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    let reader = rq.as_reader();
    match reader.take(limit as u64 + 1).read_to_end(&mut body) {
        Ok(_) if body.len() > limit => Err(BodyError::TooLarge { declared }),
        Ok(n) if declared.is_some_and(|d| n < d) => Err(BodyError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed before the whole body arrived",
        ))),
        Ok(_) => Ok(body),
        Err(e) => Err(BodyError::Io(e)),
    }
}

/// A response, decided in full before the first byte is written.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Close the connection after this response even if the client would keep it.
    pub close: bool,
    /// A pause before the first byte (a scripted or injected time to first token).
    pub delay: Duration,
    /// What decided the reply (a fixture rule, a fault), for the request journal.
    pub source: Option<String>,
}

pub enum Body {
    Json(Vec<u8>),
    Empty,
    Events(Stream),
}

/// An SSE body: events in order, with a pause of `ttft` after the headers and of `token_delay`
/// before each paced event.
pub struct Stream {
    pub events: Vec<Event>,
    pub ttft: Duration,
    pub token_delay: Duration,
    /// Up to this much more before each paced event, drawn from `seed`.
    pub jitter: Duration,
    pub seed: u64,
    /// Before the event at this index, send nothing for this long.
    pub stall: Option<(usize, Duration)>,
    /// Break the connection after the events instead of ending the body.
    pub abort: bool,
}

impl Stream {
    /// Whether writing it sleeps anywhere.
    fn pauses(&self) -> bool {
        let paced = !self.token_delay.is_zero() || !self.jitter.is_zero();
        !self.ttft.is_zero()
            || self.stall.is_some()
            || (paced && self.events.iter().any(|e| e.paced))
    }
}

/// One SSE event. `name` becomes an `event:` line (the Responses API names its events; chat and
/// completions streams must not).
pub struct Event {
    pub name: Option<&'static str>,
    /// The `data:` payload, JSON (or `[DONE]`); only ever written out as bytes.
    pub data: Vec<u8>,
    pub paced: bool,
}

impl Event {
    pub fn json<T: Serialize>(name: Option<&'static str>, value: &T, paced: bool) -> Event {
        let data = to_json(value, 256);
        Event { name, data, paced }
    }

    pub fn done() -> Event {
        Event {
            name: None,
            data: b"[DONE]".to_vec(),
            paced: false,
        }
    }

    fn write_to(&self, out: &mut Vec<u8>) {
        if let Some(name) = self.name {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(&self.data);
        out.extend_from_slice(b"\n\n");
    }
}

impl Reply {
    /// Whether writing it waits on purpose: a delay before the first byte, or a stream with
    /// pauses. A stream without any (`--token-delay-ms 0`) is written as fast as a JSON reply.
    pub fn may_block(&self) -> bool {
        !self.delay.is_zero() || matches!(&self.body, Body::Events(stream) if stream.pauses())
    }

    pub fn json<T: Serialize>(value: &T) -> Reply {
        // A typical reply fits, and the buffer stays under glibc's 1 KiB large-bin size: a larger
        // request makes malloc consolidate its fast bins on every call (callgrind, ~900 instructions).
        let body = to_json(value, 768);
        Reply {
            status: 200,
            headers: Vec::new(),
            body: Body::Json(body),
            close: false,
            delay: Duration::ZERO,
            source: None,
        }
    }

    pub fn stream(events: Vec<Event>, token_delay: Duration) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: Body::Events(Stream {
                events,
                ttft: Duration::ZERO,
                token_delay,
                jitter: Duration::ZERO,
                seed: 0,
                stall: None,
                abort: false,
            }),
            close: false,
            delay: Duration::ZERO,
            source: None,
        }
    }

    pub fn error(error: ApiError) -> Reply {
        Reply {
            status: error.status,
            body: Body::Json(error.body()),
            source: error.source.clone(),
            delay: error.delay,
            headers: error.0.headers,
            close: false,
        }
    }

    pub fn empty(status: u16, headers: Vec<(String, String)>) -> Reply {
        Reply {
            status,
            headers,
            body: Body::Empty,
            close: false,
            delay: Duration::ZERO,
            source: None,
        }
    }
}

/// `value` as JSON (see `json`), in a buffer sized up front: serde_json's own `to_vec` starts at
/// 128 bytes and regrows three times for a typical 655-byte chat reply.
pub fn to_json<T: Serialize>(value: &T, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    crate::json::write(&mut out, value).expect("wire types serialize");
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        431 => "Request Header Fields Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Status line and headers. `length` is `Some` for a sized body and `None` for a stream.
fn head(
    info: &RequestInfo,
    reply: &Reply,
    request_id: &str,
    content_type: &str,
    length: Option<usize>,
    body_capacity: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + body_capacity);
    let version = if info.http10 {
        "HTTP/1.0 "
    } else {
        "HTTP/1.1 "
    };
    let close = info.close || reply.close || (length.is_none() && info.http10);
    let mut buf = [0u8; 20];
    out.extend_from_slice(version.as_bytes());
    out.extend_from_slice(digits(reply.status.into(), &mut buf));
    out.push(b' ');
    out.extend_from_slice(reason(reply.status).as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut line = |name: &str, value: &str| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        // A header value never carries a line break: that would let a value inject headers.
        // Checked first, so a clean value is copied whole rather than byte by byte.
        let bytes = value.as_bytes();
        if bytes.contains(&b'\r') || bytes.contains(&b'\n') {
            out.extend(bytes.iter().filter(|b| **b != b'\r' && **b != b'\n'));
        } else {
            out.extend_from_slice(bytes);
        }
        out.extend_from_slice(b"\r\n");
    };
    if !content_type.is_empty() {
        line("Content-Type", content_type);
    }
    match length {
        Some(n) => {
            let n = digits(n as u64, &mut buf);
            line(
                "Content-Length",
                std::str::from_utf8(n).expect("ASCII digits"),
            )
        }
        None if info.http10 => {}
        None => line("Transfer-Encoding", "chunked"),
    }
    if length.is_none() {
        line("Cache-Control", "no-cache");
    }
    line("x-request-id", request_id);
    line("Access-Control-Allow-Origin", "*");
    for (name, value) in &reply.headers {
        line(name, value);
    }
    if close {
        line("Connection", "close");
    } else if info.http10 {
        line("Connection", "keep-alive");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Answers a request whose declared body was not read. tiny_http reads and discards the rest of
/// a body when the request is dropped, and nothing can stop that; `respond()` at least writes the
/// response first, so the client learns at once. The drain runs on a thread of its own, so a
/// client that never sends the body it declared holds that small thread, not a worker. The one
/// response not written by `send`: it goes through tiny_http's own writer, which adds `Date` and
/// `Server` headers and leaves the connection to tiny_http.
pub fn refuse(rq: tiny_http::Request, reply: Reply, request_id: &str) -> io::Result<()> {
    let body = match reply.body {
        Body::Json(bytes) => bytes,
        Body::Empty | Body::Events(_) => Vec::new(),
    };
    let mut response = tiny_http::Response::from_data(body).with_status_code(reply.status);
    let fixed = [
        ("Content-Type", "application/json"),
        ("x-request-id", request_id),
    ];
    let extra = reply.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
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

/// Writes `reply` in full, noting in `first_byte` when its first bytes left. An `Err` means the
/// client went away; the caller stops there.
pub fn send(
    writer: &mut dyn Write,
    info: &RequestInfo,
    reply: Reply,
    request_id: &str,
    first_byte: &mut Option<Instant>,
) -> io::Result<()> {
    if !reply.delay.is_zero() {
        std::thread::sleep(reply.delay);
    }
    let (content_type, length) = match &reply.body {
        Body::Json(bytes) => ("application/json", Some(bytes.len())),
        Body::Empty => ("", Some(0)),
        Body::Events(_) => ("text/event-stream; charset=utf-8", None),
    };
    let body_capacity = match &reply.body {
        Body::Json(bytes) if !info.is_head() => bytes.len(),
        _ => 0,
    };
    let mut out = head(
        info,
        &reply,
        request_id,
        content_type,
        length,
        body_capacity,
    );
    match &reply.body {
        Body::Events(stream) if !info.is_head() => {
            return write_stream(writer, out, stream, !info.http10, first_byte);
        }
        Body::Json(bytes) if !info.is_head() => out.extend_from_slice(bytes),
        _ => {}
    }
    writer.write_all(&out)?;
    *first_byte = Some(Instant::now());
    writer.flush()
}

/// Writes the events on a clock: each paced event is due `token_delay` (plus jitter, plus a
/// stall) after the previous one was due, and whatever is due is written in one go before the
/// thread sleeps until the next; with no pause at all, each paced event is a write of its own.
/// Chunked framing for HTTP/1.1; raw bytes and a close for HTTP/1.0.
fn write_stream(
    writer: &mut dyn Write,
    head: Vec<u8>,
    stream: &Stream,
    chunked: bool,
    first_byte: &mut Option<Instant>,
) -> io::Result<()> {
    // Time to first token: the headers and the first events arrive together, as from the API.
    if !stream.ttft.is_zero() {
        std::thread::sleep(stream.ttft);
    }
    let mut out = head;
    let mut batch = Vec::with_capacity(512);
    let mut flush = |out: &mut Vec<u8>, batch: &mut Vec<u8>, tail: &[u8]| -> io::Result<()> {
        if chunked && !batch.is_empty() {
            // The chunk size in hex, without a heap allocation per event.
            let hex = |d: usize| b"0123456789abcdef"[d & 0xf];
            let digits = (usize::BITS - batch.len().leading_zeros()).div_ceil(4);
            out.extend((0..digits).rev().map(|i| hex(batch.len() >> (4 * i))));
            out.extend_from_slice(b"\r\n");
            out.append(batch);
            out.extend_from_slice(b"\r\n");
        } else {
            out.append(batch);
        }
        out.extend_from_slice(tail);
        if !out.is_empty() {
            writer.write_all(out)?;
            writer.flush()?;
            first_byte.get_or_insert_with(Instant::now);
            out.clear();
        }
        Ok(())
    };
    // The clock starts as the first bytes leave; each pause counts from when the event before was
    // due, not from when it was written. A stream that wakes late (a loaded machine, a slow
    // reader) so keeps its rate and its total time, as the API's own generation does, instead of
    // adding each lateness to the next; events already due by then go out together.
    let mut due = Instant::now();
    let mut jitter = stream.seed | 1;
    for (i, event) in stream.events.iter().enumerate() {
        let mut pause = Duration::ZERO;
        if let Some((_, stall)) = stream.stall.filter(|(at, _)| *at == i) {
            pause += stall;
        }
        if event.paced {
            pause += stream.token_delay;
            if !stream.jitter.is_zero() {
                jitter ^= jitter << 13;
                jitter ^= jitter >> 7;
                jitter ^= jitter << 17;
                pause += Duration::from_micros(jitter % (stream.jitter.as_micros() as u64 + 1));
            }
        }
        if !pause.is_zero() {
            due += pause;
            if due > Instant::now() {
                // Everything due so far leaves before the thread sleeps (the write may take a while).
                flush(&mut out, &mut batch, b"")?;
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
        } else if event.paced {
            // No clock to keep (`--token-delay-ms 0`): each word still leaves as it is produced,
            // and the buffers stay the size of one event rather than growing to the whole stream.
            flush(&mut out, &mut batch, b"")?;
        }
        event.write_to(&mut batch);
    }
    // A clean end is the zero-length chunk; a broken one, a chunk header that is not hex, which
    // every HTTP client reports as a broken connection.
    let tail: &[u8] = match (chunked, stream.abort) {
        (true, false) => b"0\r\n\r\n",
        (true, true) => b"oaimock-disconnect\r\n",
        (false, _) => b"",
    };
    flush(&mut out, &mut batch, tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client that takes `cost` to accept each write: the stream is late after every one.
    struct SlowWriter {
        cost: Duration,
        writes: Vec<Vec<u8>>,
    }

    impl Write for SlowWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            std::thread::sleep(self.cost);
            self.writes.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// `words` paced events `"w0"`, `"w1"`, …, `delay_ms` apart.
    fn words(words: usize, delay_ms: u64) -> Stream {
        Stream {
            events: (0..words)
                .map(|i| Event::json(None, &format!("w{i}"), true))
                .collect(),
            ttft: Duration::ZERO,
            token_delay: Duration::from_millis(delay_ms),
            jitter: Duration::ZERO,
            seed: 0,
            stall: None,
            abort: false,
        }
    }

    #[test]
    fn a_late_stream_sends_what_is_due_together_and_keeps_its_clock() {
        // Twelve words 10 ms apart, and each write takes at least 30 ms: by the time one write
        // is done, the next three words are due. Paced by sleeping after each write, this would
        // take 13 writes (one per word, plus the end); on the clock, at most 12 / 3 + 2.
        let mut stream = words(12, 10);
        stream.events.push(Event::done());
        let mut writer = SlowWriter {
            cost: Duration::from_millis(30),
            writes: Vec::new(),
        };
        let mut first_byte = None;
        write_stream(
            &mut writer,
            b"HEAD\r\n\r\n".to_vec(),
            &stream,
            true,
            &mut first_byte,
        )
        .unwrap();
        assert!(first_byte.is_some());
        assert!(
            writer.writes.len() <= 6,
            "{} writes for 12 words",
            writer.writes.len()
        );
        // Batched or not, the body is the same: the chunks, each of the size it declares, hold
        // every word in order and then `[DONE]`, and the zero-length chunk ends them.
        let sent = writer.writes.concat();
        let mut rest = sent.strip_prefix(b"HEAD\r\n\r\n").unwrap();
        let mut body = Vec::new();
        loop {
            let line = rest.iter().position(|&b| b == b'\r').unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line]).unwrap(), 16).unwrap();
            let chunk = &rest[line + 2..];
            assert_eq!(&chunk[size..size + 2], b"\r\n");
            body.extend_from_slice(&chunk[..size]);
            rest = &chunk[size + 2..];
            if size == 0 {
                break;
            }
        }
        assert!(rest.is_empty());
        let mut expected = Vec::new();
        for event in &stream.events {
            event.write_to(&mut expected);
        }
        assert_eq!(
            String::from_utf8(body).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    #[test]
    fn the_clock_never_shortens_a_pause() {
        let stream = Stream {
            stall: Some((2, Duration::from_millis(50))),
            ..words(4, 40)
        };
        let mut writer = SlowWriter {
            cost: Duration::ZERO,
            writes: Vec::new(),
        };
        let started = Instant::now();
        write_stream(&mut writer, Vec::new(), &stream, false, &mut None).unwrap();
        // Four pauses of 40 ms and a stall of 50: never less than 210 ms, however fast the
        // writes. HTTP/1.0 framing: the events as they are, nothing around them.
        assert!(started.elapsed() >= Duration::from_millis(210));
        let expected: Vec<u8> = (0..4)
            .flat_map(|i| format!("data: \"w{i}\"\n\n").into_bytes())
            .collect();
        assert_eq!(writer.writes.concat(), expected);
    }

    #[test]
    fn without_a_pause_each_word_is_still_its_own_write() {
        let mut stream = words(3, 0);
        stream.events.push(Event::done());
        let mut writer = SlowWriter {
            cost: Duration::ZERO,
            writes: Vec::new(),
        };
        write_stream(&mut writer, b"H".to_vec(), &stream, false, &mut None).unwrap();
        let writes: Vec<String> = writer
            .writes
            .into_iter()
            .map(|w| String::from_utf8(w).unwrap())
            .collect();
        assert_eq!(
            writes,
            [
                "H",
                "data: \"w0\"\n\n",
                "data: \"w1\"\n\n",
                "data: \"w2\"\n\ndata: [DONE]\n\n"
            ]
        );
    }
}
