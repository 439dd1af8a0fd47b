//! Non-streamed chat completions: the exact response shape, the echo, and every option that shapes it.

mod common;

use common::{chat_body, get, post, start};
use serde_json::{Value, json};

const PREFIX: &str = "As a mock AI Assistant, I can only echo your last message: ";

#[test]
fn non_streamed_response_has_the_exact_api_shape() {
    let server = start(|_| {});
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("Say this is a test", ""),
    );
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("application/json"));
    let request_id = got.header("x-request-id").unwrap();
    assert!(
        request_id.starts_with("req_") && request_id.len() == 36,
        "{request_id}"
    );
    let v = got.json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "choices",
            "created",
            "id",
            "model",
            "object",
            "service_tier",
            "system_fingerprint",
            "usage"
        ]
    );
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl-") && id.len() == 38, "{id}");
    assert_eq!(v["object"], "chat.completion");
    assert!(v["created"].is_u64());
    assert_eq!(v["model"], "gpt-4o-mini");
    assert!(v["system_fingerprint"].as_str().unwrap().starts_with("fp_"));
    assert_eq!(
        v["choices"],
        json!([{
            "index": 0,
            "message": {"role": "assistant", "content": format!("{PREFIX}Say this is a test"), "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop"
        }])
    );
    assert_eq!(
        v["usage"],
        json!({
            "prompt_tokens": 5, "completion_tokens": 17, "total_tokens": 22,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        })
    );
}

#[test]
fn ids_are_unique_per_response() {
    let server = start(|_| {});
    let url = format!("{}/v1/chat/completions", server.url());
    let a = post(&url, &chat_body("x", ""));
    let b = post(&url, &chat_body("x", ""));
    assert_ne!(a.json()["id"], b.json()["id"]);
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}

#[test]
fn the_seed_articles_path_without_v1_works() {
    let server = start(|_| {});
    let body = r#"{"messages":[{"role":"user","content":"Say this is a test"}],"model":"gpt-1337-turbo-pro-max"}"#;
    let v = post(&format!("{}/chat/completions", server.url()), body).json();
    assert_eq!(v["model"], "gpt-1337-turbo-pro-max");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        format!("{PREFIX}Say this is a test")
    );
}

#[test]
fn content_parts_are_joined_and_prompt_tokens_count_every_message() {
    let server = start(|_| {});
    let body = json!({
        "model": "m",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "user", "content": [
                {"type": "text", "text": "look at "},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "this"}
            ]}
        ],
        "temperature": null, "stop": null, "some_future_field": {"x": 1}
    });
    let v = post(
        &format!("{}/v1/chat/completions", server.url()),
        &body.to_string(),
    )
    .json();
    assert_eq!(
        v["choices"][0]["message"]["content"],
        format!("{PREFIX}look at this")
    );
    assert_eq!(v["usage"]["prompt_tokens"], 2 + 1 + 3);
}

#[test]
fn n_gives_that_many_identical_choices_and_usage_counts_them_all() {
    let server = start(|_| {});
    let v = post(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("hi", r#""n":3"#),
    )
    .json();
    let choices = v["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 3);
    for (i, c) in choices.iter().enumerate() {
        assert_eq!(c["index"], i);
        assert_eq!(c["message"]["content"], format!("{PREFIX}hi"));
    }
    assert_eq!(v["usage"]["completion_tokens"], 3 * 13);
}

#[test]
fn max_tokens_cuts_after_that_many_words_with_finish_reason_length() {
    let server = start(|_| {});
    let url = format!("{}/v1/chat/completions", server.url());
    for field in ["max_tokens", "max_completion_tokens"] {
        let v = post(&url, &chat_body("hi", &format!(r#""{field}":3"#))).json();
        assert_eq!(v["choices"][0]["message"]["content"], "As a mock");
        assert_eq!(v["choices"][0]["finish_reason"], "length");
        assert_eq!(v["usage"]["completion_tokens"], 3);
    }
    let v = post(&url, &chat_body("hi", r#""max_tokens":13"#)).json();
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
}

#[test]
fn stop_cuts_before_the_first_match() {
    let server = start(|_| {});
    let url = format!("{}/v1/chat/completions", server.url());
    let v = post(&url, &chat_body("hi", r#""stop":["echo","AI"]"#)).json();
    assert_eq!(v["choices"][0]["message"]["content"], "As a mock ");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert_eq!(v["usage"]["completion_tokens"], 3);
    let v = post(&url, &chat_body("hi", r#""stop":"only""#)).json();
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "As a mock AI Assistant, I can "
    );
}

#[test]
fn reply_flag_replaces_the_echo() {
    let server = start(|c| c.reply = Some("Fixed words here.".into()));
    let v = post(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("anything", ""),
    )
    .json();
    assert_eq!(v["choices"][0]["message"]["content"], "Fixed words here.");
    assert_eq!(v["usage"]["completion_tokens"], 3);
}

#[test]
fn models_are_listed_and_retrieved_with_percent_decoding() {
    let server = start(|c| c.models = vec!["gpt-4o".into(), "ft:gpt-4o/acme".into()]);
    let list = get(&format!("{}/v1/models", server.url()));
    assert_eq!(list.header("content-type"), Some("application/json"));
    assert_eq!(
        list.json(),
        json!({"object": "list", "data": [
            {"id": "gpt-4o", "object": "model", "created": 1_700_000_000, "owned_by": "openai"},
            {"id": "ft:gpt-4o/acme", "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
        ]})
    );
    let one = get(&format!("{}/models/ft%3Agpt-4o%2Facme", server.url()));
    assert_eq!(one.json()["id"], "ft:gpt-4o/acme");
    let missing = get(&format!("{}/v1/models/gpt-9", server.url()));
    assert_eq!(missing.status, 404);
    let e = missing.error();
    assert_eq!(e["code"], "model_not_found");
    assert_eq!(
        e["message"],
        "The model `gpt-9` does not exist or you do not have access to it."
    );
}

#[test]
fn any_model_is_echoed_unless_strict_models_is_set() {
    let lenient = start(|_| {});
    let body = r#"{"model":"made-up","messages":[{"role":"user","content":"x"}]}"#;
    assert_eq!(
        post(&format!("{}/v1/chat/completions", lenient.url()), body).status,
        200
    );
    let strict = start(|c| c.strict_models = true);
    let got = post(&format!("{}/v1/chat/completions", strict.url()), body);
    assert_eq!(got.status, 404);
    assert_eq!(got.error()["code"], "model_not_found");
    assert_eq!(
        post(
            &format!("{}/v1/chat/completions", strict.url()),
            &chat_body("x", "")
        )
        .status,
        200
    );
}

#[test]
fn health_answers_json() {
    let server = start(|c| c.api_key = Some("sk-secret".into()));
    let got = get(&format!("{}/health", server.url()));
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["status"], "ok");
    let v1: Value = get(&format!("{}/v1/health", server.url())).json();
    assert_eq!(v1["status"], "ok");
}
