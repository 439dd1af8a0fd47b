//! The one place that writes bytes to a client: the status line and headers, a whole body, or an
//! SSE stream on a clock — written through tiny_http's raw writer (quirk Q8, `quirks/raw_writer.rs`).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::http::{Answer, Body, Head, LARGE_BODY, Relay, Stream};

/// `n` in decimal, written into `buf` rather than a new `String` (two per answer otherwise).
fn decimal(n: u64, buf: &mut [u8; 20]) -> &str {
    let mut cursor = io::Cursor::new(&mut buf[..]);
    write!(cursor, "{n}").expect("20 digits hold any u64");
    let len = cursor.position() as usize;
    std::str::from_utf8(&buf[..len]).expect("ASCII digits")
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
fn head_bytes(
    head: &Head,
    answer: &Answer,
    request_id: &str,
    content_type: &str,
    length: Option<usize>,
    body_capacity: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + body_capacity);
    let version = if head.http10 {
        "HTTP/1.0 "
    } else {
        "HTTP/1.1 "
    };
    let close = head.close || answer.close || (length.is_none() && head.http10);
    out.extend_from_slice(version.as_bytes());
    let mut digits = [0u8; 20];
    out.extend_from_slice(decimal(answer.status.into(), &mut digits).as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason(answer.status).as_bytes());
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
        Some(n) => line("Content-Length", decimal(n as u64, &mut digits)),
        None if head.http10 => {}
        None => line("Transfer-Encoding", "chunked"),
    }
    if length.is_none() {
        line("Cache-Control", "no-cache");
    }
    // A relayed answer carries the upstream's request id; every other gets ours.
    if !answer
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("x-request-id"))
    {
        line("x-request-id", request_id);
    }
    if answer.cors {
        line("Access-Control-Allow-Origin", "*");
    }
    for (name, value) in &answer.headers {
        line(name, value);
    }
    if close {
        line("Connection", "close");
    } else if head.http10 {
        line("Connection", "keep-alive");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A writer that gives up on a client that takes longer than `limit` to accept one batch (one
/// `write_all` and its `flush`), however little it reads at a time: the socket's own write
/// timeout only fires when a write makes no progress at all, and a slow reader keeps making a
/// little.
pub(crate) struct Deadline<W> {
    inner: W,
    limit: Duration,
    batch_started: Option<Instant>,
}

impl<W: Write> Deadline<W> {
    pub(crate) fn new(inner: W, limit: Duration) -> Deadline<W> {
        Deadline {
            inner,
            limit,
            batch_started: None,
        }
    }
}

impl<W: Write> Write for Deadline<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let started = *self.batch_started.get_or_insert_with(Instant::now);
        if started.elapsed() > self.limit {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read too slowly (--write-timeout-ms)",
            ));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.batch_started = None;
        self.inner.flush()
    }
}

/// Writes `answer` in full, noting in `first_byte` when its first bytes left. Every wait goes
/// through `pause`, which the transport uses to make sure another worker is receiving. An `Err`
/// means the client went away; the caller stops there.
pub(crate) fn send(
    writer: &mut dyn Write,
    head: &Head,
    answer: Answer,
    request_id: &str,
    pause: &dyn Fn(Duration),
    first_byte: &mut Option<Instant>,
) -> io::Result<()> {
    if !answer.delay.is_zero() {
        pause(answer.delay);
    }
    let content_type = answer.body.content_type();
    let length = match &answer.body {
        Body::Events(_) | Body::Relay(_) => None,
        body => Some(body.bytes().map_or(0, <[u8]>::len)),
    };
    let body_capacity = match answer.body.bytes() {
        Some(bytes) if !head.is_head() && bytes.len() <= LARGE_BODY => bytes.len(),
        _ => 0,
    };
    let mut out = head_bytes(
        head,
        &answer,
        request_id,
        content_type,
        length,
        body_capacity,
    );
    match answer.body {
        Body::Events(ref stream) if !head.is_head() => {
            return write_stream(writer, out, stream, !head.http10, pause, first_byte);
        }
        Body::Relay(relay) if !head.is_head() => {
            return write_relay(writer, out, relay, !head.http10, pause, first_byte);
        }
        // A large body is written after its head rather than copied behind it: one copy fewer
        // of a body that may be tens of MiB.
        Body::Events(_) | Body::Relay(_) => {}
        ref body => match body.bytes() {
            Some(bytes) if !head.is_head() && bytes.len() > LARGE_BODY => {
                writer.write_all(&out)?;
                *first_byte = Some(Instant::now());
                writer.write_all(bytes)?;
                return writer.flush();
            }
            Some(bytes) if !head.is_head() => out.extend_from_slice(bytes),
            _ => {}
        },
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
    pause: &dyn Fn(Duration),
    first_byte: &mut Option<Instant>,
) -> io::Result<()> {
    // Time to first token: the headers and the first events arrive together, as from the API.
    if !stream.ttft.is_zero() {
        pause(stream.ttft);
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
    let mut ticks = Ticks::new(&stream.clock);
    for (i, event) in stream.events.iter().enumerate() {
        let wait = ticks.before(i, event.paced) + event.after;
        if !wait.is_zero() {
            due += wait;
            if due > Instant::now() {
                // Everything due so far leaves before the thread sleeps (the write may take a while).
                flush(&mut out, &mut batch, b"")?;
                pause(due.saturating_duration_since(Instant::now()));
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

/// Writes a relayed body: each chunk leaves as one HTTP chunk, flushed, as soon as its source
/// yields it, so an upstream's events reach the client as they arrive. A source error ends the
/// stream broken (as `Stream::abort` does), so the client sees the upstream's failure. A body
/// made here (`pace`) is walked on a stream's clock: its first chunk leaves with the head, each
/// later one when it is due, and a cut ends it after that many chunks, cleanly or broken.
fn write_relay(
    writer: &mut dyn Write,
    head: Vec<u8>,
    relay: Relay,
    chunked: bool,
    pause: &dyn Fn(Duration),
    first_byte: &mut Option<Instant>,
) -> io::Result<()> {
    let Relay {
        mut chunks, pace, ..
    } = relay;
    let mut pending = Some(head);
    let mut out = Vec::with_capacity(4096);
    let mut send = |out: &mut Vec<u8>, first_byte: &mut Option<Instant>| -> io::Result<()> {
        writer.write_all(out)?;
        writer.flush()?;
        first_byte.get_or_insert_with(Instant::now);
        out.clear();
        Ok(())
    };
    // An upstream's head leaves at once: its first chunk may be a while.
    if pace.is_none() {
        out.append(pending.as_mut().expect("the head"));
        pending = None;
        send(&mut out, first_byte)?;
    }
    let pace = pace.unwrap_or_default();
    let mut due = Instant::now();
    let mut ticks = Ticks::new(&pace.clock);
    let mut index = 0;
    let mut broken = false;
    while pace.cut.is_none_or(|cut| index < cut) {
        // The next chunk is made first, so the end is known without waiting a word for it.
        let Some(chunk) = chunks.next() else {
            break;
        };
        let wait = ticks.before(index, index > 0);
        index += 1;
        if !wait.is_zero() {
            due += wait;
            if due > Instant::now() {
                if let Some(head) = pending.take() {
                    out.extend_from_slice(&head);
                    send(&mut out, first_byte)?;
                }
                pause(due.saturating_duration_since(Instant::now()));
            }
        }
        let Ok(chunk) = chunk else {
            broken = true;
            break;
        };
        if chunk.is_empty() {
            continue;
        }
        if let Some(head) = pending.take() {
            out.extend_from_slice(&head);
        }
        if chunked {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(&chunk);
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend_from_slice(&chunk);
        }
        send(&mut out, first_byte)?;
    }
    if let Some(head) = pending.take() {
        out.extend_from_slice(&head);
    }
    // A cut that breaks, or a source that failed: a chunk header that is not hex, which every
    // HTTP client reports as a broken connection (HTTP/1.0: the close ends the body early).
    let tail: &[u8] = match (chunked, broken || (pace.abort && pace.cut.is_some())) {
        (false, _) => b"",
        (true, false) => b"0\r\n\r\n",
        (true, true) if broken => b"oaimock-upstream-broke\r\n",
        (true, true) => b"oaimock-disconnect\r\n",
    };
    out.extend_from_slice(tail);
    send(&mut out, first_byte)
}

mod ticks;
use ticks::Ticks;

#[cfg(test)]
mod tests;
