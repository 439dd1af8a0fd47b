//! `POST /v1/audio/speech` written as it is made, read off a plain socket: chunked framing, one
//! chunk per word, the chunks joined are the whole file (the same bytes the SSE variant carries),
//! words paced by the token delay, and the stream faults on an audio body.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{post, start};
use serde_json::{Value, json};

const FORMATS: [&str; 6] = ["mp3", "opus", "aac", "flac", "wav", "pcm"];

/// A speech response read off the socket: the head, each chunk with when it arrived, and how the
/// body ended (`0` for the last chunk, or the bytes that stood where a chunk size should).
struct Raw {
    head: String,
    chunks: Vec<(Vec<u8>, Duration)>,
    end: String,
}

impl Raw {
    fn body(&self) -> Vec<u8> {
        self.chunks.iter().flat_map(|(c, _)| c.clone()).collect()
    }
}

/// Reads until `want` bytes are buffered or the server closes; false on a close.
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, want: usize) -> bool {
    let mut block = [0u8; 64 * 1024];
    while buf.len() < want {
        match stream.read(&mut block) {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&block[..n]),
        }
    }
    true
}

/// Posts `body` with `headers` over HTTP/1.1 and decodes the chunked framing by hand.
fn speak(addr: SocketAddr, body: &Value, headers: &[(&str, &str)]) -> Raw {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.to_string();
    let extra: String = headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    let request = format!(
        "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let at = |buf: &[u8], pat: &[u8]| buf.windows(pat.len()).position(|w| w == pat);
    while at(&buf, b"\r\n\r\n").is_none() {
        let want = buf.len() + 1;
        assert!(fill(&mut stream, &mut buf, want), "no head");
    }
    let split = at(&buf, b"\r\n\r\n").unwrap();
    let head = String::from_utf8(buf[..split].to_vec()).unwrap();
    buf.drain(..split + 4);
    let mut chunks = Vec::new();
    let end = loop {
        while at(&buf, b"\r\n").is_none() {
            let want = buf.len() + 1;
            if !fill(&mut stream, &mut buf, want) {
                break;
            }
        }
        let Some(line_end) = at(&buf, b"\r\n") else {
            break String::from_utf8_lossy(&buf).into_owned();
        };
        let line = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let Ok(size) = usize::from_str_radix(&line, 16) else {
            break line;
        };
        if size == 0 {
            fill(&mut stream, &mut buf, line_end + 4);
            assert_eq!(&buf[line_end..], b"\r\n\r\n");
            break line;
        }
        assert!(
            fill(&mut stream, &mut buf, line_end + 2 + size + 2),
            "short chunk"
        );
        let data = buf[line_end + 2..line_end + 2 + size].to_vec();
        assert_eq!(&buf[line_end + 2 + size..line_end + 4 + size], b"\r\n");
        buf.drain(..line_end + 4 + size);
        chunks.push((data, started.elapsed()));
    };
    Raw { head, chunks, end }
}

fn request(words: usize, format: &str) -> Value {
    json!({"model": "gpt-4o-mini-tts", "voice": "alloy", "input": "word ".repeat(words),
           "response_format": format})
}

/// The whole file, as the SSE variant carries it in base64 deltas.
fn whole_file(url: &str, mut body: Value) -> Vec<u8> {
    body["stream_format"] = json!("sse");
    let got = post(&format!("{url}/v1/audio/speech"), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    let events = got.json_events();
    let (_done, deltas) = events.split_last().unwrap();
    let mut bytes = Vec::new();
    for delta in deltas {
        bytes.extend(decode_base64(delta["audio"].as_str().unwrap()));
    }
    bytes
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        acc = (acc << 6) | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn every_format_arrives_chunked_a_word_at_a_time_and_joins_into_the_whole_file() {
    let server = start(|_| {});
    for format in FORMATS {
        // 12 words: 4.8 s, so even Ogg's one-second pages make several chunks.
        let raw = speak(server.addr(), &request(12, format), &[]);
        assert!(raw.head.starts_with("HTTP/1.1 200 OK\r\n"), "{}", raw.head);
        assert!(
            raw.head.contains("\r\nTransfer-Encoding: chunked\r\n"),
            "{}",
            raw.head
        );
        assert!(
            !raw.head.to_ascii_lowercase().contains("content-length"),
            "{}",
            raw.head
        );
        assert_eq!(raw.end, "0", "{format}");
        let chunks = raw.chunks.len();
        let most = if format == "opus" { 6 } else { 12 };
        assert!((2..=most).contains(&chunks), "{format}: {chunks} chunks");
        assert_eq!(
            raw.body(),
            whole_file(&server.url(), request(12, format)),
            "{format}"
        );
    }
    // One chunk per word where a word holds whole units: 12 words of WAV are 12 chunks, the
    // first with the header; each later one is 0.4 s of samples.
    let raw = speak(server.addr(), &request(12, "wav"), &[]);
    assert_eq!(raw.chunks.len(), 12);
    assert_eq!(raw.chunks[0].0.len(), 44 + 19_200);
    assert!(raw.chunks[1..].iter().all(|(c, _)| c.len() == 19_200));
    // Odd durations split too: 7 words at speed 1.3.
    let mut odd = request(7, "flac");
    odd["speed"] = json!(1.3);
    let raw = speak(server.addr(), &odd, &[]);
    assert!(raw.chunks.len() > 1);
    assert_eq!(raw.body(), whole_file(&server.url(), odd));
}

#[test]
fn words_leave_on_the_token_delay_clock_after_the_time_to_first_token() {
    let server = start(|c| c.token_delay = Duration::from_millis(40));
    let raw = speak(
        server.addr(),
        &request(6, "pcm"),
        &[("x-oaimock-ttft-ms", "100")],
    );
    assert_eq!(raw.chunks.len(), 6);
    // The first word after the time to first token, then one every 40 ms (200 ms nominal from
    // the first to the last; the bound leaves room for when the client noticed each): a
    // buffered body would deliver all six together.
    let arrivals: Vec<Duration> = raw.chunks.iter().map(|(_, t)| *t).collect();
    assert!(arrivals[0] >= Duration::from_millis(100), "{arrivals:?}");
    assert!(
        arrivals[5] - arrivals[0] >= Duration::from_millis(150),
        "{arrivals:?}"
    );
    // The request's header wins over the server's delay.
    let raw = speak(
        server.addr(),
        &request(6, "pcm"),
        &[("x-oaimock-token-delay-ms", "80")],
    );
    let spread = raw.chunks[5].1 - raw.chunks[0].1;
    assert!(spread >= Duration::from_millis(300), "{spread:?}");
    // A stall holds the chunk at its index.
    let stall = [
        ("x-oaimock-stall-ms", "300"),
        ("x-oaimock-stall-after", "2"),
    ];
    let raw = speak(server.addr(), &request(4, "pcm"), &stall);
    assert!(raw.chunks[2].1 - raw.chunks[1].1 >= Duration::from_millis(250));
}

#[test]
fn stream_faults_cut_or_break_the_audio_after_so_many_words() {
    let server = start(|_| {});
    let addr = server.addr();
    let full = speak(addr, &request(8, "wav"), &[]).body();
    // Truncated: two words, then a clean end.
    let raw = speak(
        addr,
        &request(8, "wav"),
        &[("x-oaimock-truncate-after", "2")],
    );
    assert_eq!((raw.chunks.len(), raw.end.as_str()), (2, "0"));
    assert_eq!(raw.body(), full[..44 + 2 * 19_200]);
    // Disconnected: three words, then framing no client accepts.
    let raw = speak(
        addr,
        &request(8, "wav"),
        &[("x-oaimock-disconnect-after", "3")],
    );
    assert_eq!(
        (raw.chunks.len(), raw.end.as_str()),
        (3, "oaimock-disconnect")
    );
    // Raw audio cannot carry an error event: a stream error breaks the body the same way.
    let raw = speak(
        addr,
        &request(8, "wav"),
        &[("x-oaimock-stream-error-after", "1")],
    );
    assert_eq!(
        (raw.chunks.len(), raw.end.as_str()),
        (1, "oaimock-disconnect")
    );
    // The smaller of two cuts wins; nothing spoils raw bytes with a malformed event.
    let both = [
        ("x-oaimock-truncate-after", "5"),
        ("x-oaimock-disconnect-after", "4"),
    ];
    let raw = speak(addr, &request(8, "wav"), &both);
    assert_eq!(
        (raw.chunks.len(), raw.end.as_str()),
        (4, "oaimock-disconnect")
    );
    let raw = speak(
        addr,
        &request(8, "wav"),
        &[("x-oaimock-malformed-after", "1")],
    );
    assert_eq!((raw.body(), raw.end.as_str()), (full, "0"));
    // A ureq client sees the broken body as an error, not as a short file.
    let response = common::agent()
        .post(&format!("{}/v1/audio/speech", server.url()))
        .header("x-oaimock-disconnect-after", "3")
        .send(request(8, "wav").to_string())
        .unwrap();
    assert!(response.into_body().read_to_vec().is_err());
}

#[test]
fn an_http_1_0_client_gets_the_file_unframed_and_a_close() {
    let server = start(|_| {});
    let body = request(5, "wav").to_string();
    let head = format!(
        "POST /v1/audio/speech HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]);
    assert!(head.starts_with("HTTP/1.0 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\nConnection: close"), "{head}");
    assert!(!head.contains("Transfer-Encoding") && !head.contains("Content-Length"));
    let file = &response[split + 4..];
    assert_eq!(file, whole_file(&server.url(), request(5, "wav")));
}

#[test]
fn a_paced_speech_holds_its_connection_slot_while_its_words_are_due() {
    let server = start(|c| {
        c.max_connections = 1;
        c.token_delay = Duration::from_millis(20);
    });
    let body = request(40, "mp3").to_string();
    let mut busy = TcpStream::connect(server.addr()).unwrap();
    let head = format!(
        "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    busy.write_all(head.as_bytes()).unwrap();
    let mut first = [0u8; 15];
    busy.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200 OK");
    // While its words are still due, the one slot is taken.
    let url = format!("{}/v1/audio/speech", server.url());
    let got = post(&url, &request(1, "mp3").to_string());
    assert_eq!(got.status, 503, "{}", got.body);
    // The speech itself goes on to its last word.
    let mut rest = Vec::new();
    busy.read_to_end(&mut rest).unwrap();
    assert!(rest.ends_with(b"\r\n0\r\n\r\n"));
}
