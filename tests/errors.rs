//! Every refusal of a request's content is OpenAI's error envelope with the right status, a
//! `param` naming the field and a message naming the problem: malformed JSON, missing and
//! ill-typed fields, out-of-range sampling, unknown paths and methods. Server-level refusals are in
//! errors_server.rs.

mod common;

use common::errors::assert_400;
use common::{chat_body, get, post, start};

fn chat(server: &oaimock::Server, body: &str) -> common::Got {
    post(&format!("{}/v1/chat/completions", server.url()), body)
}

#[test]
fn malformed_json_names_line_and_column() {
    let server = start(|_| {});
    let got = chat(&server, "{\n  \"model\": \"m\",\n  \"messages\": [,]\n}");
    assert_400(&got, None, "invalid_json", "line 3 column 16");
    assert_400(&chat(&server, ""), None, "invalid_json", "empty");
    assert_400(
        &chat(&server, "[]"),
        None,
        "invalid_json",
        "must be a JSON object",
    );
    assert_400(
        &chat(&server, "{\"model\": \"\u{ff}"),
        None,
        "invalid_json",
        "line 1",
    );
}

#[test]
fn missing_and_ill_typed_fields_name_the_param() {
    let server = start(|_| {});
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            r#"{"messages":[{"role":"user","content":"x"}]}"#,
            "model",
            "missing_required_parameter",
            "Missing required parameter: 'model'.",
        ),
        (
            r#"{"model":"m"}"#,
            "messages",
            "missing_required_parameter",
            "'messages'",
        ),
        (
            r#"{"model":"m","messages":[]}"#,
            "messages",
            "invalid_value",
            "empty array",
        ),
        (
            r#"{"model":5,"messages":[{"role":"user","content":"x"}]}"#,
            "model",
            "invalid_type",
            "expected a string, but got an integer",
        ),
        (
            r#"{"model":"m","messages":"hi"}"#,
            "messages",
            "invalid_type",
            "expected an array",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"robot","content":"c"}]}"#,
            "messages[2].role",
            "invalid_value",
            "'robot'",
        ),
        (
            r#"{"model":"m","messages":[{"content":"x"}]}"#,
            "messages[0].role",
            "missing_required_parameter",
            "'messages[0].role'",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user"}]}"#,
            "messages[0].content",
            "missing_required_parameter",
            "content",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[]}]}"#,
            "messages[0].content",
            "invalid_value",
            "empty array",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
            "messages[0].content[0].text",
            "missing_required_parameter",
            "text",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":7}]}"#,
            "messages[0].content",
            "invalid_type",
            "got an integer",
        ),
        (
            r#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#,
            "messages[0].tool_call_id",
            "missing_required_parameter",
            "tool_call_id",
        ),
        (
            r#"{"model":"m","messages":[3]}"#,
            "messages[0]",
            "invalid_type",
            "expected an object",
        ),
    ];
    for (body, param, code, message) in cases {
        assert_400(&chat(&server, body), Some(param), code, message);
    }
}

#[test]
fn out_of_range_sampling_parameters_are_rejected() {
    let server = start(|_| {});
    let cases: &[(&str, &str, &str)] = &[
        (
            r#""temperature":2.5"#,
            "temperature",
            "Expected a value <= 2, but got 2.5 instead.",
        ),
        (r#""temperature":-0.1"#, "temperature", ">= 0"),
        (
            r#""temperature":"hot""#,
            "temperature",
            "expected a decimal, but got a string",
        ),
        (r#""top_p":1.5"#, "top_p", "<= 1"),
        (r#""n":0"#, "n", ">= 1"),
        (r#""n":129"#, "n", "<= 128"),
        (r#""n":1.5"#, "n", "expected an integer"),
        (r#""presence_penalty":-3"#, "presence_penalty", ">= -2"),
        (r#""frequency_penalty":2.1"#, "frequency_penalty", "<= 2"),
        (r#""max_tokens":0"#, "max_tokens", ">= 1"),
        (
            r#""max_completion_tokens":"9""#,
            "max_completion_tokens",
            "expected an integer",
        ),
        (
            r#""stop":["a","b","c","d","e"]"#,
            "stop",
            "maximum length 4",
        ),
        (r#""stop":[1]"#, "stop[0]", "expected a string"),
        (r#""stop":5"#, "stop", "expected a string or an array"),
        (r#""stream":"yes""#, "stream", "expected a boolean"),
        (
            r#""stream_options":{"include_usage":true}"#,
            "stream_options",
            "only allowed when 'stream' is enabled",
        ),
        (
            r#""stream":true,"stream_options":{"include_usage":1}"#,
            "stream_options.include_usage",
            "expected a boolean",
        ),
        (
            r#""top_logprobs":3"#,
            "top_logprobs",
            "'logprobs' must be set to true",
        ),
        (
            r#""logprobs":true,"top_logprobs":21"#,
            "top_logprobs",
            "<= 20",
        ),
        (
            r#""logit_bias":{"50256":-101}"#,
            "logit_bias.50256",
            ">= -100",
        ),
    ];
    for (extra, param, message) in cases {
        let got = chat(&server, &chat_body("x", extra));
        let code = if message.starts_with("expected") || message.contains("but got a") {
            "invalid_type"
        } else {
            "invalid_value"
        };
        assert_400(&got, Some(param), code, message);
    }
    // In range, null, or unknown: accepted and ignored.
    let ok = chat_body(
        "x",
        r#""temperature":2,"top_p":0,"n":null,"seed":7,"user":"u","logprobs":true,"top_logprobs":2,"whatever":[1]"#,
    );
    assert_eq!(chat(&server, &ok).status, 200);
}

#[test]
fn unknown_paths_are_404_unknown_url_and_wrong_methods_405() {
    let server = start(|_| {});
    let got = post(&format!("{}/v1/foo", server.url()), "{}");
    assert_eq!(got.status, 404);
    let e = got.error();
    assert_eq!(e["code"], "unknown_url");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Unknown request URL: POST /v1/foo. ")
    );
    let got = get(&format!("{}/v1/responses", server.url()));
    assert_eq!(got.status, 405);
    assert_eq!(got.header("allow"), Some("POST"));
    assert_eq!(got.error()["code"], "method_not_allowed");
    assert_eq!(
        post(&format!("{}/v1/models", server.url()), "{}").status,
        405
    );
}
