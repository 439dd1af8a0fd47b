//! Legacy `POST /v1/completions` over real HTTP, not streamed: the exact object shape, every prompt
//! shape, `n`, `echo`, `suffix`, `stop`, `max_tokens`, `logprobs`, and every 400. Streaming is in
//! completions_stream.rs.

mod common;

use common::completions::{PREFIX, body, complete, texts, usage};
use common::{post, start};
use serde_json::json;

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
