//! Helpers shared by the legacy `/v1/completions` test files: request bodies, one completion,
//! its texts and the expected `usage`.

use serde_json::{Value, json};

use super::{post, start};

pub(crate) const PREFIX: &str = "As a mock AI Assistant, I can only echo your last message: ";

pub(crate) fn body(prompt: Value, extra: Value) -> String {
    let mut v = json!({"model": "gpt-3.5-turbo-instruct", "prompt": prompt});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

pub(crate) fn complete(prompt: Value, extra: Value) -> Value {
    let server = start(|_| {});
    let got = post(
        &format!("{}/v1/completions", server.url()),
        &body(prompt, extra),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

pub(crate) fn texts(v: &Value) -> Vec<String> {
    v["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn usage(prompt: u64, completion: u64) -> Value {
    json!({
        "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
    })
}
