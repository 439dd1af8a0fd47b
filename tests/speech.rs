//! `POST /v1/audio/speech` over HTTP: each format's bytes and content type, durations that
//! follow the words and the speed, the SSE variant, every validation error and the size limit.
//! (Real decoders check the same bytes in the SDK suites.)

mod common;

use common::{post, start};
use serde_json::{Value, json};

fn speech(url: &str, extra: Value) -> common::Got {
    let mut body = json!({"model": "tts-1", "input": "one two three four five", "voice": "alloy"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    post(&format!("{url}/v1/audio/speech"), &body.to_string())
}

#[test]
fn each_format_has_its_content_type_and_magic_bytes() {
    let server = start(|_| {});
    let url = server.url();
    let cases: [(&str, &str, &[u8]); 6] = [
        ("mp3", "audio/mpeg", &[0xff, 0xfb]),
        ("opus", "audio/ogg", b"OggS"),
        ("aac", "audio/aac", &[0xff, 0xf1]),
        ("flac", "audio/flac", b"fLaC"),
        ("wav", "audio/wav", b"RIFF"),
        ("pcm", "audio/pcm", &[0, 0]),
    ];
    for (format, content_type, magic) in cases {
        let got = speech(&url, json!({"response_format": format}));
        assert_eq!(got.status, 200, "{format}: {}", got.body);
        assert_eq!(got.header("content-type"), Some(content_type));
        assert!(got.bytes.starts_with(magic), "{format}");
        // Written as it is made, as the API does: chunked, no length announced.
        assert_eq!(got.header("transfer-encoding"), Some("chunked"));
        assert_eq!(got.header("content-length"), None);
    }
    // mp3 is the default.
    assert_eq!(
        speech(&url, json!({})).header("content-type"),
        Some("audio/mpeg")
    );
}

#[test]
fn duration_follows_the_words_and_the_speed() {
    let server = start(|_| {});
    let url = server.url();
    // Five words at 0.4 s each: 2 s, 48,000 samples of 16 bits at 24 kHz.
    let pcm = |extra: Value| speech(&url, extra).bytes.len();
    assert_eq!(pcm(json!({"response_format": "pcm"})), 96_000);
    assert_eq!(pcm(json!({"response_format": "pcm", "speed": 2.0})), 48_000);
    assert_eq!(
        pcm(json!({"response_format": "pcm", "speed": 0.25})),
        384_000
    );
    let wav = speech(&url, json!({"response_format": "wav"})).bytes;
    assert_eq!(wav.len(), 44 + 96_000);
    assert_eq!(&wav[40..44], &96_000u32.to_le_bytes());
    // FLAC's STREAMINFO says 48,000 samples at 24 kHz.
    let flac = speech(&url, json!({"response_format": "flac"})).bytes;
    let total = u64::from_be_bytes(flac[18..26].try_into().unwrap()) & 0xf_ffff_ffff;
    assert_eq!(total, 48_000);
    // MP3: 96-byte frames of 1152 samples at 48 kHz; 2 s are 84 frames.
    assert_eq!(speech(&url, json!({})).bytes.len(), 84 * 96);
}

#[test]
fn sse_sends_base64_deltas_that_join_into_the_file_then_done_with_usage() {
    let server = start(|_| {});
    let url = server.url();
    let extra = json!({"model": "gpt-4o-mini-tts", "response_format": "wav", "stream_format": "sse",
                       "input": "word ".repeat(100), "instructions": "Speak calmly."});
    let got = speech(&url, extra.clone());
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(
        got.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let events = got.json_events();
    let (done, deltas) = events.split_last().unwrap();
    assert!(deltas.len() > 1, "{} deltas", deltas.len());
    let joined: String = deltas
        .iter()
        .map(|d| {
            assert_eq!(d["type"], "speech.audio.delta");
            d["audio"].as_str().unwrap().to_string()
        })
        .collect::<Vec<_>>()
        .concat();
    // 40 s of 16-bit samples at 24 kHz, and the header.
    let bytes = 44 + 40 * 48_000;
    assert!(joined.len() >= bytes * 4 / 3, "{}", joined.len());
    assert_eq!(
        *done,
        json!({"type": "speech.audio.done", "usage": {"input_tokens": 102, "output_tokens": 400, "total_tokens": 502}})
    );
    let mut whole = extra;
    whole["stream_format"] = json!("audio");
    assert_eq!(speech(&url, whole).bytes.len(), bytes);
}

#[test]
fn every_validation_error_names_its_parameter() {
    let server = start(|_| {});
    let url = server.url();
    let cases = [
        (
            json!({"model": null}),
            "model",
            "Missing required parameter",
        ),
        (
            json!({"input": null}),
            "input",
            "Missing required parameter",
        ),
        (
            json!({"input": "x".repeat(4097)}),
            "input",
            "maximum length 4096",
        ),
        (
            json!({"instructions": "x".repeat(4097)}),
            "instructions",
            "maximum length 4096",
        ),
        (
            json!({"voice": null}),
            "voice",
            "Missing required parameter",
        ),
        (
            json!({"voice": "bob"}),
            "voice",
            "'bob' is not a supported voice",
        ),
        (
            json!({"voice": {"name": "x"}}),
            "voice.id",
            "Missing required parameter",
        ),
        (
            json!({"voice": 3}),
            "voice",
            "expected a string or an object",
        ),
        (
            json!({"response_format": "ogg"}),
            "response_format",
            "'ogg' is not one of",
        ),
        (json!({"speed": 0.2}), "speed", "Expected a value >= 0.25"),
        (json!({"speed": 4.5}), "speed", "Expected a value <= 4"),
        (
            json!({"stream_format": "sse"}),
            "stream_format",
            "not supported for the model 'tts-1'",
        ),
        (
            json!({"model": "gpt-4o-mini-tts", "stream_format": "chunks"}),
            "stream_format",
            "'chunks' is not one of",
        ),
    ];
    for (extra, param, message) in cases {
        let got = speech(&url, extra);
        got.assert_invalid(param, message);
    }
    // A custom voice object is accepted.
    assert_eq!(
        speech(&url, json!({"voice": {"id": "voice_123"}})).status,
        200
    );
}

#[test]
fn speech_past_ten_minutes_or_the_response_budget_is_refused_before_it_is_made() {
    let server = start(|_| {});
    let url = server.url();
    // 1600 words at speed 1 are 640 s.
    let got = speech(&url, json!({"input": "a ".repeat(1600)}));
    let e = got.error();
    assert_eq!((got.status, e["param"].as_str()), (400, Some("input")));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("limit of 600 seconds (MAX_SPEECH_SECONDS)"),
        "{}",
        got.body
    );
    // 1400 words are 560 s: fine as WAV, too large as base64 SSE.
    let long =
        json!({"input": "a ".repeat(1400), "response_format": "wav", "model": "gpt-4o-mini-tts"});
    let got = speech(&url, long.clone());
    assert_eq!((got.status, got.bytes.len()), (200, 44 + 560 * 48_000));
    let mut sse = long;
    sse["stream_format"] = json!("sse");
    let got = speech(&url, sse);
    assert_eq!(got.status, 400);
    assert!(
        got.error()["message"]
            .as_str()
            .unwrap()
            .contains("MAX_RESPONSE_BYTES"),
        "{}",
        got.body
    );
}
