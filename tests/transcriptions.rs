//! `POST /v1/audio/transcriptions` and `/translations` over HTTP: multipart uploads read by the
//! server's own parser, each response format, durations from file headers, fixture rules and
//! streaming. Validation errors and hostile forms are in `uploads.rs`.

mod common;

use common::{field, file, post_form, start, wav};
use serde_json::json;

const DEFAULT: &str = "Hello from oaimock. This is a transcript of your audio.";

#[test]
fn whisper_json_is_the_default_transcript_with_duration_usage() {
    let server = start(|_| {});
    let url = format!("{}/v1/audio/transcriptions", server.url());
    let audio = wav(2.5);
    let got = post_form(
        &url,
        &[file("file", "a.wav", &audio), field("model", "whisper-1")],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(
        got.json(),
        json!({"text": DEFAULT, "usage": {"type": "duration", "seconds": 3.0}})
    );
    let seen = server.requests();
    assert_eq!(seen[0].path, "/v1/audio/transcriptions");
}

#[test]
fn verbose_json_has_the_file_s_duration_segments_and_words() {
    let server = start(|_| {});
    let url = format!("{}/v1/audio/transcriptions", server.url());
    let audio = wav(4.0);
    let got = post_form(
        &url,
        &[
            file("file", "speech.wav", &audio),
            field("model", "whisper-1"),
            field("response_format", "verbose_json"),
            field("language", "de"),
            field("timestamp_granularities[]", "word"),
            field("timestamp_granularities[]", "segment"),
        ],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    assert_eq!(
        (v["task"].as_str(), v["language"].as_str()),
        (Some("transcribe"), Some("german"))
    );
    assert_eq!(v["duration"], 4.0);
    assert_eq!(v["segments"].as_array().unwrap().len(), 2);
    assert_eq!(v["segments"][0]["text"], " Hello from oaimock.");
    assert_eq!(v["segments"][1]["end"], 4.0);
    let words = v["words"].as_array().unwrap();
    assert_eq!(words.len(), 10);
    assert_eq!(words[0], json!({"word": "Hello", "start": 0.0, "end": 0.4}));
    // Only words asked for: no segments.
    let got = post_form(
        &url,
        &[
            file("file", "speech.wav", &audio),
            field("model", "whisper-1"),
            field("response_format", "verbose_json"),
            field("timestamp_granularities[]", "word"),
        ],
    );
    assert!(got.json().get("segments").is_none());
}

#[test]
fn text_srt_and_vtt_are_plain_text() {
    let server = start(|c| c.reply = Some("One. Two three.".into()));
    let url = format!("{}/v1/audio/transcriptions", server.url());
    let audio = wav(3.0);
    let ask = |format: &str| {
        post_form(
            &url,
            &[
                file("file", "a.wav", &audio),
                field("model", "whisper-1"),
                field("response_format", format),
            ],
        )
    };
    let text = ask("text");
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(text.body, "One. Two three.\n");
    assert_eq!(
        ask("srt").body,
        "1\n00:00:00,000 --> 00:00:01,000\nOne.\n\n2\n00:00:01,000 --> 00:00:03,000\nTwo three.\n\n"
    );
    let vtt = ask("vtt");
    assert_eq!(vtt.header("content-type"), Some("text/vtt; charset=utf-8"));
    assert_eq!(
        vtt.body,
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nOne.\n\n00:00:01.000 --> 00:00:03.000\nTwo three.\n\n"
    );
}

#[test]
fn gpt_4o_models_stream_deltas_then_done_with_token_usage_and_logprobs() {
    let server = start(|_| {});
    let url = format!("{}/v1/audio/transcriptions", server.url());
    let audio = wav(1.0);
    let got = post_form(
        &url,
        &[
            file("file", "a.wav", &audio),
            field("model", "gpt-4o-mini-transcribe"),
            field("stream", "true"),
            field("include[]", "logprobs"),
            field("prompt", "two words"),
        ],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(
        got.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let events = got.json_events();
    let (done, deltas) = events.split_last().unwrap();
    let joined: String = deltas
        .iter()
        .map(|d| {
            assert_eq!(d["type"], "transcript.text.delta");
            assert_eq!(d["logprobs"][0]["token"], d["delta"]);
            d["delta"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(joined, DEFAULT);
    assert_eq!(done["type"], "transcript.text.done");
    assert_eq!(done["text"], DEFAULT);
    assert_eq!(done["logprobs"].as_array().unwrap().len(), deltas.len());
    assert_eq!(
        done["usage"],
        json!({"type": "tokens", "input_tokens": 12, "input_token_details": {"text_tokens": 2, "audio_tokens": 10}, "output_tokens": 10, "total_tokens": 22})
    );
    // Not streamed, `text` is allowed for the gpt-4o models too.
    let got = post_form(
        &url,
        &[
            file("file", "a.wav", &audio),
            field("model", "gpt-4o-transcribe"),
            field("response_format", "text"),
        ],
    );
    assert_eq!(got.body, format!("{DEFAULT}\n"));
    // whisper-1 ignores `stream`.
    let got = post_form(
        &url,
        &[
            file("file", "a.wav", &audio),
            field("model", "whisper-1"),
            field("stream", "true"),
        ],
    );
    assert_eq!(got.json()["text"], DEFAULT);
}

#[test]
fn a_fixture_rule_decides_the_transcript_by_endpoint_and_prompt() {
    let server = start(|_| {});
    server
        .mount_json(r#"[{"match": {"endpoint": "transcriptions", "user": {"contains": "weather"}}, "reply": {"text": "Sunny all week."}},
                      {"match": {"endpoint": "translations", "body": {"file": {"filename": "fr.mp3"}}}, "reply": {"text": "Good morning."}}]"#)
        .unwrap();
    let base = server.url();
    let audio = wav(1.0);
    let got = post_form(
        &format!("{base}/v1/audio/transcriptions"),
        &[
            file("file", "a.wav", &audio),
            field("model", "whisper-1"),
            field("prompt", "the weather"),
        ],
    );
    assert_eq!(got.json()["text"], "Sunny all week.");
    let got = post_form(
        &format!("{base}/v1/audio/translations"),
        &[file("file", "fr.mp3", &audio), field("model", "whisper-1")],
    );
    assert_eq!(got.json(), json!({"text": "Good morning."}));
    assert_eq!(server.requests()[1].answered_by, "rule 1");
}

#[test]
fn durations_come_from_flac_and_mp3_headers_or_the_file_s_size() {
    let server = start(|_| {});
    let url = format!("{}/v1/audio/transcriptions", server.url());
    let verbose = |name: &str, data: &[u8]| {
        let got = post_form(
            &url,
            &[
                file("file", name, data),
                field("model", "whisper-1"),
                field("response_format", "verbose_json"),
            ],
        );
        assert_eq!(got.status, 200, "{}", got.body);
        got.json()["duration"].as_f64().unwrap()
    };
    // FLAC STREAMINFO: 44.1 kHz, 441,000 samples.
    let mut flac = b"fLaC\x80\x00\x00\x22".to_vec();
    let packed: u64 = (44_100 << 44) | (1 << 41) | (15 << 36) | 441_000;
    flac.extend_from_slice(&[16, 0, 16, 0, 0, 0, 0, 0, 0, 0]);
    flac.extend_from_slice(&packed.to_be_bytes());
    flac.extend_from_slice(&[0; 16]);
    assert_eq!(verbose("a.flac", &flac), 10.0);
    // MP3: 128 kbit/s frames, 32,000 bytes are two seconds.
    let mut mp3 = vec![0u8; 32_000];
    mp3[..4].copy_from_slice(&[0xff, 0xfb, 0x90, 0x00]);
    assert_eq!(verbose("a.mp3", &mp3), 2.0);
    // An m4a is estimated at 128 kbit/s.
    assert_eq!(verbose("a.m4a", &[1u8; 48_000]), 3.0);
}
