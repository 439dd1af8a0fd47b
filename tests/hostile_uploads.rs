//! Hostile uploads and the largest audio answers against the real binary, through
//! `common::hostile::Watch` (alive, answered within a second meanwhile, threads and descriptors
//! back, peak RSS within 64 MiB plus four times the attack's bytes): forms built to make the
//! parser slow or large are refused by its limits, and ten minutes of speech are written a word
//! at a time without the file ever being held.

mod common;

use std::time::Duration;

use common::hostile::Watch;
use common::{BOUNDARY, post, post_bytes};

fn refused(got: &common::Got, names: &str) {
    assert_eq!(got.status, 400, "{}", &got.body[..got.body.len().min(300)]);
    let message = got.error()["message"].as_str().unwrap_or("").to_string();
    assert!(message.contains(names), "{message}");
}

#[test]
fn forms_built_against_the_parser_are_refused_and_the_server_settles() {
    let mut watch = Watch::start(&["--max-body-bytes", "16777216"]);
    let url = format!("{}/v1/audio/transcriptions", watch.url());
    let form_type = format!("multipart/form-data; boundary={BOUNDARY}");
    // 8 MiB of near-delimiters after one part's headers: every CR starts a candidate.
    let mut near = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"
    )
    .into_bytes();
    let almost = format!("\r\n--{}", &BOUNDARY[..BOUNDARY.len() - 1]);
    while near.len() < 8 * 1024 * 1024 {
        near.extend_from_slice(almost.as_bytes());
    }
    // 100,000 empty parts in 8 MiB.
    let mut many = Vec::new();
    for i in 0..100_000 {
        many.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n\r\n")
                .as_bytes(),
        );
    }
    // One header line of 8 MiB.
    let mut long = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"").into_bytes();
    long.resize(8 * 1024 * 1024, b'a');
    let attacks = [
        (near, "not terminated"),
        (many, "more than 100 parts"),
        (long, "longer than 4096 bytes"),
    ];
    let mut biggest = 0;
    for (body, names) in &attacks {
        for _ in 0..3 {
            refused(&post_bytes(&url, &form_type, body), names);
            watch.answers_within(Duration::from_secs(1));
        }
        biggest = biggest.max(body.len());
    }
    let rise = watch.settles(biggest);
    eprintln!(
        "hostile forms: 9 bodies of up to {} KiB refused: RSS rise {rise} KiB",
        biggest / 1024
    );
}

#[test]
fn ten_minutes_of_speech_are_written_without_holding_the_file() {
    let mut watch = Watch::start(&["--token-delay-ms", "0"]);
    let url = format!("{}/v1/audio/speech", watch.url());
    // 1500 words at speed 1 are 600 s: 28.8 MB as WAV, the largest format.
    let body = serde_json::json!({"model": "tts-1", "voice": "alloy", "input": "a ".repeat(1500), "response_format": "wav"});
    let mut largest = 0;
    for format in ["wav", "flac", "mp3", "opus", "aac", "pcm"] {
        let mut body = body.clone();
        body["response_format"] = format.into();
        let got = post(&url, &body.to_string());
        assert_eq!(got.status, 200, "{format}: {}", got.body);
        largest = largest.max(got.bytes.len());
        watch.answers_within(Duration::from_secs(1));
    }
    assert_eq!(largest, 44 + 600 * 48_000);
    let mut over = body;
    over["input"] = "a ".repeat(1501).into();
    refused(&post(&url, &over.to_string()), "MAX_SPEECH_SECONDS");
    // Within 64 MiB plus one answer's bytes (the attack sent almost nothing); and well under
    // half the largest file, which holding it whole would cost (a word's chunk is 19 KiB).
    let rise = watch.settles(largest / 4);
    assert!(
        rise < largest as u64 / 2 / 1024,
        "peak RSS rose {rise} KiB for a {} KiB file",
        largest / 1024
    );
    eprintln!(
        "speech: ten minutes in each format, the largest {} KiB: RSS rise {rise} KiB",
        largest / 1024
    );
}
