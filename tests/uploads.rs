//! Uploads over HTTP: every validation error of a transcription form names its parameter, and
//! hostile forms (wrong content type, no boundary, truncated, a megabyte header line, 10,000
//! parts) are 400s naming the problem, after which the server still answers.

mod common;

use common::{BOUNDARY, field, file, post_bytes, post_form, start, wav};
use serde_json::Value;

fn error(got: &common::Got) -> (u16, Value, Value) {
    let e = got.error();
    (got.status, e["param"].clone(), e["message"].clone())
}

#[test]
fn every_validation_error_names_its_parameter() {
    let server = start(|_| {});
    let base = server.url();
    let url = format!("{base}/v1/audio/transcriptions");
    let audio = wav(1.0);
    let short = wav(0.05);
    let wav_file = || file("file", "a.wav", &audio);
    let cases: Vec<(Vec<common::FormPart>, &str, &str)> = vec![
        (
            vec![field("model", "whisper-1")],
            "file",
            "Missing required parameter: 'file'.",
        ),
        (
            vec![wav_file()],
            "model",
            "Missing required parameter: 'model'.",
        ),
        (
            vec![field("file", "text"), field("model", "whisper-1")],
            "file",
            "expected a file",
        ),
        (
            vec![file("file", "a.txt", b"hello"), field("model", "whisper-1")],
            "file",
            "Invalid file format",
        ),
        (
            vec![file("file", "a.wav", &short), field("model", "whisper-1")],
            "file",
            "too short",
        ),
        (
            vec![
                wav_file(),
                field("model", "whisper-1"),
                field("language", "english"),
            ],
            "language",
            "ISO-639-1",
        ),
        (
            vec![
                wav_file(),
                field("model", "whisper-1"),
                field("response_format", "xml"),
            ],
            "response_format",
            "'xml' is not one of",
        ),
        (
            vec![
                wav_file(),
                field("model", "gpt-4o-transcribe"),
                field("response_format", "srt"),
            ],
            "response_format",
            "not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead.",
        ),
        (
            vec![
                wav_file(),
                field("model", "whisper-1"),
                field("temperature", "1.5"),
            ],
            "temperature",
            "Expected a value <= 1",
        ),
        (
            vec![
                wav_file(),
                field("model", "whisper-1"),
                field("temperature", "warm"),
            ],
            "temperature",
            "expected a decimal",
        ),
        (
            vec![
                wav_file(),
                field("model", "whisper-1"),
                field("timestamp_granularities[]", "word"),
            ],
            "timestamp_granularities",
            "requires response_format 'verbose_json'",
        ),
        (
            vec![
                wav_file(),
                field("model", "whisper-1"),
                field("response_format", "verbose_json"),
                field("timestamp_granularities[]", "char"),
            ],
            "timestamp_granularities",
            "'char' is not one of",
        ),
        (
            vec![
                wav_file(),
                field("model", "whisper-1"),
                field("include[]", "logprobs"),
            ],
            "include",
            "not supported with the model 'whisper-1'",
        ),
        (
            vec![
                wav_file(),
                field("model", "gpt-4o-transcribe"),
                field("include[]", "tokens"),
            ],
            "include",
            "'tokens' is not one of",
        ),
        (
            vec![
                wav_file(),
                field("model", "gpt-4o-transcribe"),
                field("stream", "yes"),
            ],
            "stream",
            "expected a boolean",
        ),
    ];
    for (parts, param, message) in cases {
        let (status, got_param, got_message) = error(&post_form(&url, &parts));
        assert_eq!(
            (status, got_param.as_str()),
            (400, Some(param)),
            "{got_message}"
        );
        assert!(
            got_message.as_str().unwrap().contains(message),
            "{param}: {got_message}"
        );
    }
    let got = post_form(
        &format!("{base}/v1/audio/translations"),
        &[wav_file(), field("model", "gpt-4o-transcribe")],
    );
    assert_eq!(error(&got).1, "model");
}

#[test]
fn hostile_forms_are_refused_naming_the_problem_and_the_server_keeps_serving() {
    let server = start(|_| {});
    let url = format!("{}/v1/audio/transcriptions", server.url());
    let form_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let good = common::form(&[
        file("file", "a.wav", &wav(1.0)),
        field("model", "whisper-1"),
    ]);
    let mut many = Vec::new();
    for i in 0..10_000 {
        many.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n")
                .as_bytes(),
        );
    }
    many.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let mut huge_header =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"").into_bytes();
    huge_header.extend(std::iter::repeat_n(b'a', 1_000_000));
    let cases: Vec<(String, Vec<u8>, &str, &str)> = vec![
        (
            "application/json".into(),
            br#"{"model":"whisper-1"}"#.to_vec(),
            "unsupported_content_type",
            "only accepts 'multipart/form-data'",
        ),
        (
            "multipart/form-data".into(),
            good.clone(),
            "invalid_multipart",
            "no boundary parameter",
        ),
        (
            form_type.clone(),
            good[..good.len() / 2].to_vec(),
            "invalid_multipart",
            "not terminated",
        ),
        (
            form_type.clone(),
            huge_header,
            "invalid_multipart",
            "longer than 4096 bytes",
        ),
        (
            form_type.clone(),
            many,
            "invalid_multipart",
            "more than 100 parts",
        ),
    ];
    for (content_type, body, code, message) in cases {
        let got = post_bytes(&url, &content_type, &body);
        let e = got.error();
        assert_eq!(
            (got.status, e["code"].as_str()),
            (400, Some(code)),
            "{}",
            got.body
        );
        assert!(
            e["message"].as_str().unwrap().contains(message),
            "{}",
            got.body
        );
    }
    let got = post_bytes(&url, &form_type, &good);
    assert_eq!(got.status, 200, "{}", got.body);
}
