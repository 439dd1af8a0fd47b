//! Legacy `POST /v1/completions` over real HTTP: the exact object and chunk shapes, every prompt
//! shape, `n`, `echo`, `suffix`, `stop`, `max_tokens`, `logprobs`, streaming, and every 400.

mod common;

use common::{Got, post, start};
use serde_json::{Value, json};

const PREFIX: &str = "As a mock AI Assistant, I can only echo your last message: ";

fn body(prompt: Value, extra: Value) -> String {
    let mut v = json!({"model": "gpt-3.5-turbo-instruct", "prompt": prompt});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

fn complete(prompt: Value, extra: Value) -> Value {
    let server = start(|_| {});
    let got = post(
        &format!("{}/v1/completions", server.url()),
        &body(prompt, extra),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

fn texts(v: &Value) -> Vec<String> {
    v["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

fn usage(prompt: u64, completion: u64) -> Value {
    json!({
        "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
    })
}

#[test]
fn non_streamed_response_has_the_exact_api_shape() {
    let server = start(|_| {});
    let got = post(
        &format!("{}/v1/completions", server.url()),
        &body(json!("Say hi"), json!({})),
    );
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("application/json"));
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
            "system_fingerprint",
            "usage"
        ]
    );
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("cmpl-") && id.len() == 34, "{id}");
    assert_eq!(v["object"], "text_completion");
    assert!(v["created"].is_u64());
    assert_eq!(v["model"], "gpt-3.5-turbo-instruct");
    assert!(v["system_fingerprint"].as_str().unwrap().starts_with("fp_"));
    assert_eq!(
        v["choices"],
        json!([{"text": format!("{PREFIX}Say hi"), "index": 0, "logprobs": null, "finish_reason": "stop"}])
    );
    assert_eq!(v["usage"], usage(2, 14));
}

#[test]
fn the_path_without_v1_works() {
    let server = start(|_| {});
    let got = post(
        &format!("{}/completions", server.url()),
        &body(json!("x"), json!({})),
    );
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["object"], "text_completion");
}

#[test]
fn max_tokens_defaults_to_16() {
    let v = complete(json!("one two three four five"), json!({}));
    let full = format!("{PREFIX}one two three four five");
    let words: Vec<&str> = full.split(' ').collect();
    assert_eq!(texts(&v), [words[..16].join(" ")]);
    assert_eq!(v["choices"][0]["finish_reason"], "length");
    assert_eq!(v["usage"], usage(5, 16));
    let v = complete(json!("one two three four five"), json!({"max_tokens": 17}));
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
}

#[test]
fn max_tokens_zero_gives_empty_text_or_just_the_echoed_prompt() {
    let v = complete(json!("Hello there"), json!({"max_tokens": 0}));
    assert_eq!(
        v["choices"],
        json!([{"text": "", "index": 0, "logprobs": null, "finish_reason": "length"}])
    );
    assert_eq!(v["usage"], usage(2, 0));
    let v = complete(json!("Hello there"), json!({"max_tokens": 0, "echo": true}));
    assert_eq!(texts(&v), ["Hello there"]);
    assert_eq!(v["choices"][0]["finish_reason"], "length");
}

#[test]
fn echo_prepends_the_prompt_and_suffix_is_not_appended() {
    let v = complete(json!("Hi"), json!({"echo": true}));
    assert_eq!(texts(&v), [format!("Hi{PREFIX}Hi")]);
    assert_eq!(v["usage"], usage(1, 13));
    let v = complete(json!("Hi"), json!({"suffix": " THE END"}));
    assert_eq!(texts(&v), [format!("{PREFIX}Hi")]);
}

#[test]
fn stop_and_reply_shape_the_text() {
    let v = complete(json!("Hi"), json!({"stop": ["echo", "zzz"]}));
    assert_eq!(texts(&v), ["As a mock AI Assistant, I can only "]);
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let server = start(|c| c.reply = Some("Fixed answer here".into()));
    let got = post(
        &format!("{}/v1/completions", server.url()),
        &body(json!(["a", "b"]), json!({})),
    );
    assert_eq!(
        texts(&got.json()),
        ["Fixed answer here", "Fixed answer here"]
    );
}

#[test]
fn one_choice_per_prompt_times_n_indexed_prompt_major() {
    let v = complete(json!(["a", "b c"]), json!({"n": 2}));
    let indices: Vec<u64> = v["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    assert_eq!(
        texts(&v),
        [
            format!("{PREFIX}a"),
            format!("{PREFIX}a"),
            format!("{PREFIX}b c"),
            format!("{PREFIX}b c")
        ]
    );
    assert_eq!(v["usage"], usage(3, 13 * 2 + 14 * 2));
}

#[test]
fn token_prompts_echo_their_numbers_joined_by_spaces() {
    let v = complete(json!([1212, 318, 257]), json!({}));
    assert_eq!(texts(&v), [format!("{PREFIX}1212 318 257")]);
    assert_eq!(v["usage"]["prompt_tokens"], 3);
    let v = complete(json!([[1], [2, 3]]), json!({"max_tokens": 100}));
    assert_eq!(texts(&v), [format!("{PREFIX}1"), format!("{PREFIX}2 3")]);
    assert_eq!(v["usage"], usage(3, 13 + 14));
}

#[test]
fn logprobs_give_a_plausible_object_per_choice() {
    let v = complete(json!("Hi"), json!({"logprobs": 2, "max_tokens": 3}));
    let choice = &v["choices"][0];
    assert_eq!(choice["text"], "As a mock");
    let lp = &choice["logprobs"];
    assert_eq!(lp["tokens"], json!(["As", " a", " mock"]));
    assert_eq!(lp["text_offset"], json!([2, 4, 6]));
    // Each token's value is plausible (negative), and the top map lists it beside one
    // alternative (`logprobs: 2`), the values summing to at most 1.
    for (i, token) in ["As", " a", " mock"].iter().enumerate() {
        let value = lp["token_logprobs"][i].as_f64().unwrap();
        assert!((-2.5..0.0).contains(&value), "{lp}");
        let top = lp["top_logprobs"][i].as_object().unwrap();
        assert_eq!(top.len(), 2, "{lp}");
        assert_eq!(top[*token].as_f64(), Some(value));
        let mass: f64 = top.values().map(|v| v.as_f64().unwrap().exp()).sum();
        assert!(mass <= 1.0 + 1e-6, "{lp}");
    }
    // Deterministic: the same text gets the same values.
    let again = complete(json!("Hi"), json!({"logprobs": 2, "max_tokens": 3}));
    assert_eq!(again["choices"][0]["logprobs"], *lp);
    let v = complete(
        json!("Hé"),
        json!({"logprobs": 0, "max_tokens": 1, "echo": true}),
    );
    assert_eq!(v["choices"][0]["text"], "HéAs");
    assert_eq!(v["choices"][0]["logprobs"]["tokens"], json!(["Hé", "As"]));
    assert_eq!(v["choices"][0]["logprobs"]["text_offset"], json!([0, 2]));
}

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
fn strict_models_refuses_unlisted_models() {
    let server = start(|c| {
        c.strict_models = true;
        c.models = vec!["gpt-3.5-turbo-instruct".into()];
    });
    let url = format!("{}/v1/completions", server.url());
    assert_eq!(post(&url, &body(json!("x"), json!({}))).status, 200);
    let got = post(&url, &body(json!("x"), json!({"model": "davinci-002"})));
    assert_eq!(got.status, 404);
    assert_eq!(got.error()["code"], "model_not_found");
}

#[test]
fn every_invalid_field_is_a_400_naming_it() {
    let server = start(|_| {});
    let url = format!("{}/v1/completions", server.url());
    let cases: Vec<(String, &str)> = vec![
        (json!({"prompt": "x"}).to_string(), "model"),
        (json!({"model": "m"}).to_string(), "prompt"),
        (json!({"model": "m", "prompt": null}).to_string(), "prompt"),
        (body(json!(5), json!({})), "prompt"),
        (body(json!([]), json!({})), "prompt"),
        (body(json!(["a", 1]), json!({})), "prompt[1]"),
        (body(json!([1, "a"]), json!({})), "prompt[1]"),
        (body(json!([1, -1]), json!({})), "prompt[1]"),
        (body(json!([[1], []]), json!({})), "prompt[1]"),
        (body(json!([[1], [2, 2.5]]), json!({})), "prompt[1][1]"),
        (body(json!([{"a": 1}]), json!({})), "prompt[0]"),
        (body(json!("x"), json!({"max_tokens": -1})), "max_tokens"),
        (body(json!("x"), json!({"max_tokens": "9"})), "max_tokens"),
        (body(json!("x"), json!({"n": 0})), "n"),
        (body(json!("x"), json!({"n": 129})), "n"),
        (body(json!("x"), json!({"best_of": 21})), "best_of"),
        (body(json!("x"), json!({"best_of": 1, "n": 2})), "best_of"),
        (
            body(json!("x"), json!({"best_of": 2, "stream": true})),
            "best_of",
        ),
        (
            body(
                json!("x"),
                json!({"stream_options": {"include_usage": true}}),
            ),
            "stream_options",
        ),
        (
            body(
                json!("x"),
                json!({"stream": true, "stream_options": {"include_usage": 1}}),
            ),
            "stream_options.include_usage",
        ),
        (body(json!("x"), json!({"logprobs": 6})), "logprobs"),
        (body(json!("x"), json!({"logprobs": true})), "logprobs"),
        (body(json!("x"), json!({"temperature": 2.5})), "temperature"),
        (body(json!("x"), json!({"top_p": 1.5})), "top_p"),
        (
            body(json!("x"), json!({"presence_penalty": -2.5})),
            "presence_penalty",
        ),
        (
            body(json!("x"), json!({"frequency_penalty": 3})),
            "frequency_penalty",
        ),
        (
            body(json!("x"), json!({"stop": ["a", "b", "c", "d", "e"]})),
            "stop",
        ),
        (body(json!("x"), json!({"echo": "yes"})), "echo"),
        (body(json!("x"), json!({"suffix": 1})), "suffix"),
        (body(json!("x"), json!({"stream": 1})), "stream"),
        (body(json!("x"), json!({"seed": 1.5})), "seed"),
        (
            body(json!("x"), json!({"logit_bias": {"50256": 101}})),
            "logit_bias.50256",
        ),
    ];
    for (body, param) in cases {
        let got = post(&url, &body);
        assert_eq!(got.status, 400, "{body} → {}", got.body);
        let e = got.error();
        assert_eq!(e["type"], "invalid_request_error", "{body}");
        assert_eq!(e["param"], param, "{body} → {}", got.body);
    }
}

#[test]
fn in_range_values_are_accepted() {
    let v = complete(
        json!("x"),
        json!({"n": 20, "best_of": 20, "logprobs": 5, "temperature": 2, "top_p": 0,
               "presence_penalty": -2, "frequency_penalty": 2, "max_tokens": 1, "seed": -5,
               "user": "u", "suffix": null, "logit_bias": {"50256": -100}}),
    );
    assert_eq!(v["choices"].as_array().unwrap().len(), 20);
    let v = complete(json!("x"), json!({"n": 128, "max_tokens": 1}));
    assert_eq!(v["choices"][127]["index"], 127);
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
