//! Helpers shared by the `/v1/responses` test files: request bodies, the expected `response`
//! object with run-to-run values replaced by placeholders, and what the SDKs' `output_text` computes.

use serde_json::{Value, json};

use super::{post, start};

pub(crate) const PREFIX: &str = "As a mock AI Assistant, I can only echo your last message: ";

pub(crate) fn body(input: Value, extra: Value) -> String {
    let mut v = json!({"model": "gpt-4o-mini", "input": input});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

pub(crate) fn create_at(url: &str, input: Value, extra: Value) -> Value {
    let got = post(&format!("{url}/v1/responses"), &body(input, extra));
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.header("content-type"), Some("application/json"));
    got.json()
}

pub(crate) fn create(input: Value, extra: Value) -> Value {
    let server = start(|_| {});
    create_at(&server.url(), input, extra)
}

/// What the SDKs' `output_text` computes: every `output_text` part of every `message` item.
pub(crate) fn output_text(response: &Value) -> String {
    let mut text = String::new();
    for item in response["output"].as_array().unwrap() {
        if item["type"] == "message" {
            for part in item["content"].as_array().unwrap() {
                if part["type"] == "output_text" {
                    text.push_str(part["text"].as_str().unwrap());
                }
            }
        }
    }
    text
}

pub(crate) fn is_hex_id(id: &Value, prefix: &str) -> bool {
    let id = id.as_str().unwrap();
    id.len() == prefix.len() + 48
        && id.starts_with(prefix)
        && id[prefix.len()..]
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// The response with what changes from run to run (ids, times) replaced by placeholders.
pub(crate) fn stable(response: &Value) -> Value {
    let mut v = response.clone();
    assert!(is_hex_id(&v["id"], "resp_"), "{}", v["id"]);
    assert!(v["created_at"].is_u64());
    v["id"] = json!("resp_ID");
    v["created_at"] = json!(0);
    if v["completed_at"].is_u64() {
        assert!(v["completed_at"].as_u64() >= response["created_at"].as_u64());
        v["completed_at"] = json!(1);
    }
    for item in v["output"].as_array_mut().unwrap() {
        assert!(is_hex_id(&item["id"], "msg_"), "{}", item["id"]);
        item["id"] = json!("msg_ID");
    }
    v
}

pub(crate) fn usage(input: u64, output: u64) -> Value {
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + output
    })
}

pub(crate) fn message(status: &str, text: &str) -> Value {
    json!({
        "id": "msg_ID", "type": "message", "status": status, "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    })
}

pub(crate) fn expected(status: &str, text: &str, usage: Value, extra: Value) -> Value {
    let mut v = json!({
        "id": "resp_ID",
        "object": "response",
        "created_at": 0,
        "status": status,
        "completed_at": if status == "completed" { json!(1) } else { Value::Null },
        "error": null,
        "incomplete_details": if status == "incomplete" { json!({"reason": "max_output_tokens"}) } else { Value::Null },
        "instructions": null,
        "max_output_tokens": null,
        "model": "gpt-4o-mini",
        "output": [message(status, text)],
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null},
        "store": true,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": null,
        "metadata": {},
        "background": false
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}
