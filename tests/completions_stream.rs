//! Legacy `POST /v1/completions` with `stream: true`: one chunk per word then a finish chunk and
//! `[DONE]`, the streamed text equal to the non-streamed one, `include_usage`, logprobs per chunk,
//! and one pause per step shared by all choices.

mod common;

use common::completions::{PREFIX, body, complete, texts, usage};
use common::{Got, post, start};
use serde_json::{Value, json};

fn stream(server_url: &str, prompt: Value, extra: Value) -> Got {
    let mut extra = extra;
    extra["stream"] = json!(true);
    let got = post(
        &format!("{server_url}/v1/completions"),
        &body(prompt, extra),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(
        got.header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(
        !got.body.contains("event:"),
        "no event lines on completions"
    );
    got
}

#[test]
fn stream_is_one_chunk_per_word_then_a_finish_chunk_then_done() {
    let server = start(|_| {});
    let got = stream(&server.url(), json!("Hi"), json!({"max_tokens": 3}));
    let chunks = got.chunks();
    assert_eq!(chunks.len(), 4);
    let id = chunks[0]["id"].as_str().unwrap();
    assert!(id.starts_with("cmpl-"));
    for (chunk, text) in chunks.iter().zip(["As", " a", " mock"]) {
        let keys: Vec<&str> = chunk
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "choices",
                "created",
                "id",
                "model",
                "object",
                "system_fingerprint"
            ]
        );
        assert_eq!(chunk["id"], id);
        assert_eq!(chunk["object"], "text_completion");
        assert_eq!(
            chunk["choices"],
            json!([{"text": text, "index": 0, "logprobs": null, "finish_reason": null}])
        );
    }
    assert_eq!(
        chunks[3]["choices"],
        json!([{"text": "", "index": 0, "logprobs": null, "finish_reason": "length"}])
    );
}

#[test]
fn streamed_text_joins_to_the_non_streamed_text() {
    let server = start(|_| {});
    let got = stream(&server.url(), json!("a  b\tc "), json!({"echo": true}));
    let joined: String = got
        .chunks()
        .iter()
        .map(|c| c["choices"][0]["text"].as_str().unwrap().to_string())
        .collect();
    let v = complete(json!("a  b\tc "), json!({"echo": true}));
    assert_eq!(joined, texts(&v)[0]);
    assert_eq!(got.chunks()[0]["choices"][0]["text"], "a  b\tc ");
}

#[test]
fn include_usage_adds_a_usage_chunk_and_null_usage_before_it() {
    let server = start(|_| {});
    let got = stream(
        &server.url(),
        json!(["x", "y"]),
        json!({"n": 2, "stream_options": {"include_usage": true}}),
    );
    let chunks = got.chunks();
    let (last, rest) = chunks.split_last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"], usage(2, 13 * 4));
    assert_eq!(last["object"], "text_completion");
    for chunk in rest {
        assert_eq!(chunk["usage"], Value::Null);
        assert!(chunk.as_object().unwrap().contains_key("usage"));
        assert_eq!(chunk["choices"].as_array().unwrap().len(), 1);
    }
    // Per choice index: the words in order, then one finish chunk with empty text.
    for index in 0..4u64 {
        let mine: Vec<&Value> = rest
            .iter()
            .map(|c| &c["choices"][0])
            .filter(|c| c["index"] == index)
            .collect();
        let (finish, words) = mine.split_last().unwrap();
        assert_eq!(finish["text"], "");
        assert_eq!(finish["finish_reason"], "stop");
        let text: String = words.iter().map(|w| w["text"].as_str().unwrap()).collect();
        let prompt = if index < 2 { "x" } else { "y" };
        assert_eq!(text, format!("{PREFIX}{prompt}"));
        assert!(words.iter().all(|w| w["finish_reason"].is_null()));
    }
    // The first step sends the first word of every choice, in index order.
    let first: Vec<u64> = rest[..4]
        .iter()
        .map(|c| c["choices"][0]["index"].as_u64().unwrap())
        .collect();
    assert_eq!(first, [0, 1, 2, 3]);
}

#[test]
fn streamed_logprobs_cover_each_chunk() {
    let server = start(|_| {});
    let got = stream(
        &server.url(),
        json!("Hi"),
        json!({"max_tokens": 2, "logprobs": 1}),
    );
    let chunks = got.chunks();
    let plain = complete(json!("Hi"), json!({"max_tokens": 2, "logprobs": 1}));
    let plain = &plain["choices"][0]["logprobs"];
    let value = plain["token_logprobs"][1].clone();
    assert_eq!(
        chunks[1]["choices"][0]["logprobs"],
        json!({"tokens": [" a"], "token_logprobs": [value], "top_logprobs": [{" a": value}], "text_offset": [4]})
    );
}

#[test]
fn the_choices_of_one_step_share_one_pause() {
    let server = start(|c| c.token_delay = std::time::Duration::from_millis(20));
    let started = std::time::Instant::now();
    stream(
        &server.url(),
        json!(["a", "b"]),
        json!({"n": 2, "max_tokens": 5}),
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= std::time::Duration::from_millis(5 * 20),
        "{elapsed:?}"
    );
    assert!(
        elapsed < std::time::Duration::from_millis(4 * 5 * 20),
        "{elapsed:?}"
    );
}
