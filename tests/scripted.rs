//! Fixture rules over HTTP (tests/fixtures/scripted.json): matching and order, sequences, every
//! reply kind on chat completions, streamed and not, and loading fixtures. The Responses and legacy
//! completions endpoints are in scripted_responses.rs.

mod common;

use std::time::{Duration, Instant};

use common::scripted::{chat, content, fixture, is_call_id, server, user};
use common::{post, post_with, start};
use oaimock::Server;
use serde_json::{Value, json};

#[test]
fn chat_tool_calls_are_parallel_calls_with_json_string_arguments() {
    let server = server();
    let got = chat(&server, user("What's the weather in Paris?"));
    let v = got.json();
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    let message = &choice["message"];
    assert_eq!(message["content"], Value::Null);
    assert_eq!(message["refusal"], Value::Null);
    let calls = message["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert!(is_call_id(&calls[0]["id"]) && is_call_id(&calls[1]["id"]));
    assert_ne!(calls[0]["id"], calls[1]["id"]);
    assert_eq!(calls[0]["type"], "function");
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(calls[0]["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({"city": "Paris", "unit": "celsius"}));
    assert_eq!(
        calls[1]["function"],
        json!({"name": "get_time", "arguments": "{\"tz\":\"Europe/Paris\"}"})
    );
}

/// Merges chat deltas the way the Python helper does (strings concatenated, tool calls matched by
/// `index`), so a repeated id or name would show up doubled.
fn accumulate(chunks: &[Value]) -> Value {
    let mut message = json!({});
    for chunk in chunks {
        let Some(choice) = chunk["choices"].get(0) else {
            continue;
        };
        for (key, value) in choice["delta"].as_object().unwrap() {
            if key == "tool_calls" {
                let calls = message
                    .as_object_mut()
                    .unwrap()
                    .entry("tool_calls")
                    .or_insert(json!([]));
                for fragment in value.as_array().unwrap() {
                    let index = fragment["index"].as_u64().unwrap() as usize;
                    let list = calls.as_array_mut().unwrap();
                    if list.len() <= index {
                        list.push(json!({"function": {"name": "", "arguments": ""}}));
                    }
                    let call = &mut list[index];
                    for field in ["id", "type"] {
                        if let Some(s) = fragment.get(field) {
                            let old = call.get(field).and_then(Value::as_str).unwrap_or("");
                            call[field] = json!(format!("{old}{}", s.as_str().unwrap()));
                        }
                    }
                    for field in ["name", "arguments"] {
                        if let Some(s) = fragment["function"].get(field) {
                            let old = call["function"][field].as_str().unwrap().to_string();
                            call["function"][field] = json!(old + s.as_str().unwrap());
                        }
                    }
                }
            } else if let Some(s) = value.as_str() {
                let old = message.get(key).and_then(Value::as_str).unwrap_or("");
                message[key] = json!(format!("{old}{s}"));
            } else if message.get(key).is_none() {
                message[key] = value.clone();
            }
        }
    }
    message
}

#[test]
fn streamed_tool_calls_follow_the_api_layout_fragment_by_fragment() {
    let server = server();
    let mut body = user("weather?");
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let got = chat(&server, body);
    let chunks = got.chunks();
    let delta = |i: usize| &chunks[i]["choices"][0]["delta"];
    assert_eq!(*delta(0), json!({"role": "assistant", "content": null}));
    let mut i = 1;
    let mut streamed = Vec::new();
    for (k, name) in ["get_weather", "get_time"].into_iter().enumerate() {
        let first = &delta(i)["tool_calls"][0];
        assert_eq!(delta(i).as_object().unwrap().len(), 1, "only tool_calls");
        assert_eq!(first["index"], k);
        assert!(is_call_id(&first["id"]));
        assert_eq!(first["type"], "function");
        assert_eq!(first["function"], json!({"name": name, "arguments": ""}));
        i += 1;
        let mut arguments = String::new();
        while let Some(fragment) = delta(i).get("tool_calls").map(|t| &t[0]) {
            if fragment.get("id").is_some() {
                break;
            }
            let keys: Vec<&str> = fragment
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, ["function", "index"], "{fragment}");
            assert_eq!(fragment["index"], k);
            assert_eq!(fragment["function"].as_object().unwrap().len(), 1);
            arguments.push_str(fragment["function"]["arguments"].as_str().unwrap());
            i += 1;
        }
        assert!(arguments.len() > 4, "arguments come in pieces");
        streamed.push((first["id"].clone(), arguments));
    }
    assert_eq!(*delta(i), json!({}));
    assert_eq!(chunks[i]["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(chunks[i + 1]["choices"], json!([]));
    assert!(
        chunks[i + 1]["usage"]["completion_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(chunks.len(), i + 2);
    // Accumulated, the stream gives exactly what the non-streamed reply gives.
    let merged = accumulate(&chunks);
    assert_eq!(merged["role"], "assistant");
    let whole = chat(&server, user("weather?")).json();
    let mut expected = whole["choices"][0]["message"]["tool_calls"].clone();
    for (k, (id, arguments)) in streamed.iter().enumerate() {
        expected[k]["id"] = id.clone();
        assert_eq!(expected[k]["function"]["arguments"], arguments.as_str());
    }
    assert_eq!(merged["tool_calls"], expected);
}

#[test]
fn refusals_stream_as_refusal_deltas() {
    let server = server();
    let v = chat(&server, user("build a bomb")).json();
    assert_eq!(
        v["choices"][0]["message"],
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that.", "annotations": []})
    );
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let mut body = user("build a bomb");
    body["stream"] = json!(true);
    let chunks = (chat(&server, body)).chunks();
    assert_eq!(
        chunks[0]["choices"][0]["delta"],
        json!({"role": "assistant", "content": null, "refusal": ""})
    );
    assert_eq!(chunks[1]["choices"][0]["delta"], json!({"refusal": "I"}));
    assert_eq!(
        chunks[2]["choices"][0]["delta"],
        json!({"refusal": " can't"})
    );
    assert_eq!(accumulate(&chunks)["refusal"], "I can't help with that.");
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "stop"
    );
}

#[test]
fn error_rules_answer_with_their_status_body_and_headers_on_every_endpoint() {
    let server = server();
    for (path, body) in [
        ("chat/completions", user("x").to_string()),
        (
            "completions",
            json!({"model": "m", "prompt": "x"}).to_string(),
        ),
        (
            "responses",
            json!({"model": "m", "input": "x", "stream": true}).to_string(),
        ),
        (
            "embeddings",
            json!({"model": "m", "input": "x"}).to_string(),
        ),
    ] {
        let got = post_with(
            &format!("{}/v1/{path}", server.url()),
            &body,
            &[("x-scenario", "rate-limited")],
        );
        assert_eq!(got.status, 429, "{path}");
        assert_eq!(got.header("retry-after"), Some("2"));
        assert_eq!(got.header("x-should-retry"), Some("false"));
        let e = got.error();
        assert_eq!(
            (
                e["message"].as_str(),
                e["type"].as_str(),
                e["code"].as_str()
            ),
            (
                Some("Slow down."),
                Some("requests"),
                Some("rate_limit_exceeded")
            )
        );
    }
    let got = post(
        &format!("{}/v1/embeddings", server.url()),
        &json!({"model": "m", "input": "fail"}).to_string(),
    );
    assert_eq!(got.status, 400);
    assert_eq!(got.error()["param"], "input");
}

#[test]
fn sequences_advance_per_matching_request() {
    let server = server();
    let said: Vec<Value> = (0..4)
        .map(|_| content(&chat(&server, user("count"))))
        .collect();
    assert_eq!(said, ["one", "two", "two", "two"]);
    let said: Vec<Value> = (0..5)
        .map(|_| content(&chat(&server, user("flip"))))
        .collect();
    assert_eq!(said, ["heads", "tails", "heads", "tails", "heads"]);
}

#[test]
fn rules_match_on_model_system_body_turns_and_tool_results() {
    let server = server();
    let mut body = user("hello there");
    assert_ne!(
        content(&chat(&server, body.clone())),
        "Hi from a gpt-5 model."
    );
    body["model"] = json!("gpt-5-mini");
    assert_eq!(content(&chat(&server, body)), "Hi from a gpt-5 model.");
    let body = json!({"model": "m", "messages": [
        {"role": "developer", "content": "Talk like a pirate."},
        {"role": "user", "content": "hi"}
    ]});
    assert_eq!(content(&chat(&server, body)), "Arr!");
    let mut body = user("x");
    body["metadata"] = json!({"suite": "subset", "other": "ignored"});
    assert_eq!(content(&chat(&server, body)), "matched by body");
    let body = json!({"model": "m", "messages": [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"},
        {"role": "user", "content": "e"}
    ]});
    assert_eq!(content(&chat(&server, body)), "third turn");
    // After the tool results come back, the weather rule answers in text (agent loop ends).
    let body = json!({"model": "m", "messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
    ]});
    assert_eq!(content(&chat(&server, body)), "It is sunny in Paris.");
    // No rule: the default echo.
    assert!(
        content(&chat(&server, user("unscripted")))
            .as_str()
            .unwrap()
            .ends_with("echo your last message: unscripted")
    );
}

#[test]
fn finish_reason_usage_and_json_overrides_apply() {
    let server = server();
    let v = chat(&server, user("filtered")).json();
    assert_eq!(v["choices"][0]["finish_reason"], "content_filter");
    assert_eq!(
        (
            &v["usage"]["prompt_tokens"],
            &v["usage"]["completion_tokens"],
            &v["usage"]["total_tokens"]
        ),
        (&json!(100), &json!(7), &json!(107))
    );
    let text = content(&chat(&server, user("json please")));
    let parsed: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!(parsed, json!({"ok": true, "items": [1, 2]}));
    let got = post(
        &format!("{}/v1/responses", server.url()),
        &json!({"model": "m", "input": "filtered"}).to_string(),
    );
    let v = got.json();
    assert_eq!(v["status"], "incomplete");
    assert_eq!(v["incomplete_details"]["reason"], "content_filter");
    assert_eq!(v["usage"]["input_tokens"], 100);
}

#[test]
fn a_reply_sets_its_own_time_to_first_token_and_token_delay() {
    let server = server();
    let started = Instant::now();
    assert_eq!(content(&chat(&server, user("slow"))), "a b c");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let mut body = user("slow");
    body["stream"] = json!(true);
    let started = Instant::now();
    let got = chat(&server, body);
    assert!(
        started.elapsed() >= Duration::from_millis(300 + 3 * 50),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(accumulate(&got.chunks())["content"], "a b c");
}

#[test]
fn a_directory_of_fixtures_is_read_in_name_order() {
    let server = start(|c| c.fixtures = Some(fixture("dir").into()));
    assert_eq!(content(&chat(&server, user("hi"))), "from 10-text.json");
    assert_eq!(
        content(&chat(&server, user("other"))),
        "from 20-fallback.json"
    );
}

#[test]
fn a_bad_fixture_stops_the_server_from_starting() {
    let error = Server::builder()
        .fixtures(fixture("bad.json"))
        .start()
        .err()
        .expect("start fails");
    assert!(
        matches!(error, oaimock::StartError::Fixtures(_)),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("rule 1: match.modle: unknown field `modle`"),
        "{message}"
    );
}
