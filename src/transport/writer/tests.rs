//! The writer against clients that are slow, late or trickle: the SSE clock and the deadline.
use super::*;
use crate::http::{Clock, Event};

fn sleep(d: Duration) {
    std::thread::sleep(d);
}

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
        clock: Clock {
            token_delay: Duration::from_millis(delay_ms),
            ..Clock::default()
        },
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
        &sleep,
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
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..line]).unwrap(), 16).unwrap();
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
    let mut stream = words(4, 40);
    stream.clock.stall = Some((2, Duration::from_millis(50)));
    let mut writer = SlowWriter {
        cost: Duration::ZERO,
        writes: Vec::new(),
    };
    let started = Instant::now();
    write_stream(&mut writer, Vec::new(), &stream, false, &sleep, &mut None).unwrap();
    // Four pauses of 40 ms and a stall of 50: never less than 210 ms, however fast the
    // writes. HTTP/1.0 framing: the events as they are, nothing around them.
    assert!(started.elapsed() >= Duration::from_millis(210));
    let expected: Vec<u8> = (0..4)
        .flat_map(|i| format!("data: \"w{i}\"\n\n").into_bytes())
        .collect();
    assert_eq!(writer.writes.concat(), expected);
}

/// A client that takes one byte every 5 ms: always some progress, never done.
struct Trickle;

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        std::thread::sleep(Duration::from_millis(5));
        Ok(buf.len().min(1))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_client_that_reads_a_trickle_is_dropped_at_the_deadline() {
    let mut writer = Deadline::new(Trickle, Duration::from_millis(50));
    let started = Instant::now();
    let error = writer.write_all(&[b'x'; 10_000]).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    // At most one more trickle write after the deadline, not 10,000 of them.
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    // A batch that fits starts a fresh deadline.
    writer.flush().unwrap();
    writer.write_all(b"ok").unwrap();
}

#[test]
fn without_a_pause_each_word_is_still_its_own_write() {
    let mut stream = words(3, 0);
    stream.events.push(Event::done());
    let mut writer = SlowWriter {
        cost: Duration::ZERO,
        writes: Vec::new(),
    };
    write_stream(
        &mut writer,
        b"H".to_vec(),
        &stream,
        false,
        &sleep,
        &mut None,
    )
    .unwrap();
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

/// A data body goes out with its own content type and length, copied behind the head when small
/// and written after it when large, byte for byte either way.
#[test]
fn a_data_body_keeps_its_content_type_length_and_bytes() {
    let head = crate::http::Head {
        method: "GET".into(),
        path: "/x".into(),
        query: String::new(),
        http10: false,
        close: false,
        authorization: None,
        headers: Vec::new(),
    };
    for size in [3, LARGE_BODY + 1] {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let answer = Answer::new(200, Body::Data("image/png".into(), data.clone()));
        let mut writer = SlowWriter {
            cost: Duration::ZERO,
            writes: Vec::new(),
        };
        send(&mut writer, &head, answer, "req_1", &sleep, &mut None).unwrap();
        let all = writer.writes.concat();
        let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let text = String::from_utf8_lossy(&all[..split]);
        assert!(text.contains("Content-Type: image/png\r\n"), "{text}");
        assert!(
            text.contains(&format!("Content-Length: {size}\r\n")),
            "{text}"
        );
        assert_eq!(&all[split..], &data[..]);
        assert_eq!(writer.writes.len(), if size > LARGE_BODY { 2 } else { 1 });
    }
}

/// Three relayed chunks `a`, `bb`, `ccc`, walked on `pace`.
fn relay(pace: Option<crate::http::Pace>) -> Relay {
    let chunks = ["a", "bb", "ccc"].map(|c| Ok(c.as_bytes().to_vec()));
    Relay {
        content_type: "audio/pcm".into(),
        chunks: Box::new(chunks.into_iter()),
        pace,
    }
}

fn relay_writes(relay: Relay, pause: &dyn Fn(Duration)) -> Vec<String> {
    let mut writer = SlowWriter {
        cost: Duration::ZERO,
        writes: Vec::new(),
    };
    write_relay(&mut writer, b"H".to_vec(), relay, true, pause, &mut None).unwrap();
    writer
        .writes
        .into_iter()
        .map(|w| String::from_utf8(w).unwrap())
        .collect()
}

#[test]
fn a_relay_made_here_leaves_with_its_head_then_a_chunk_a_word_on_its_clock() {
    // An upstream's head leaves alone at once; its chunks follow as they come.
    let upstream = relay_writes(relay(None), &sleep);
    assert_eq!(
        upstream,
        [
            "H",
            "1\r\na\r\n",
            "2\r\nbb\r\n",
            "3\r\nccc\r\n",
            "0\r\n\r\n"
        ]
    );
    // A body made here: the head with the first chunk, then one pause before each later chunk.
    let pauses = std::cell::RefCell::new(Vec::new());
    let pace = crate::http::Pace {
        clock: Clock {
            token_delay: Duration::from_millis(5),
            ..Clock::default()
        },
        ..Default::default()
    };
    let writes = relay_writes(relay(Some(pace.clone())), &|d| {
        pauses.borrow_mut().push(d);
        sleep(d);
    });
    assert_eq!(
        writes,
        ["H1\r\na\r\n", "2\r\nbb\r\n", "3\r\nccc\r\n", "0\r\n\r\n"]
    );
    assert_eq!(pauses.borrow().len(), 2);
    assert!(
        pauses
            .borrow()
            .iter()
            .all(|d| *d <= Duration::from_millis(5))
    );
    // A cut stops pulling chunks at its count: cleanly, or broken.
    let cut = crate::http::Pace {
        cut: Some(2),
        ..Default::default()
    };
    let writes = relay_writes(relay(Some(cut.clone())), &sleep);
    assert_eq!(writes, ["H1\r\na\r\n", "2\r\nbb\r\n", "0\r\n\r\n"]);
    let broken = crate::http::Pace { abort: true, ..cut };
    let writes = relay_writes(relay(Some(broken)), &sleep);
    assert_eq!(
        writes,
        ["H1\r\na\r\n", "2\r\nbb\r\n", "oaimock-disconnect\r\n"]
    );
    // A stall before the first chunk sends the head first, as a stream's does.
    let stall = crate::http::Pace {
        clock: Clock {
            stall: Some((0, Duration::from_millis(1))),
            ..Clock::default()
        },
        ..Default::default()
    };
    let writes = relay_writes(relay(Some(stall)), &sleep);
    assert_eq!(writes[..2], ["H", "1\r\na\r\n"]);
}
