//! Fixture rules over HTTP (tests/fixtures/scripted.json): matching and order, sequences, and
//! every reply kind on every endpoint, streamed and not.

mod common;

use std::time::{Duration, Instant};

use common::{post, post_with, start};
use oaimock::Server;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn server() -> Server {
    start(|c| c.fixtures = Some(fixture("scripted.json").into()))
}

fn chat(server: &Server, body: Value) -> common::Got {
    post(
        &format!("{}/v1/chat/completions", server.url()),
        &body.to_string(),
    )
}

fn user(text: &str) -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "user", "content": text}]})
}

fn content(got: &common::Got) -> Value {
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()["choices"][0]["message"]["content"].clone()
}

/// The named events of a Responses stream: `(event name, payload)`.
fn named_events(got: &common::Got) -> Vec<(String, Value)> {
    assert_eq!(got.status, 200, "{}", got.body);
    got.body
        .trim_end_matches('\n')
        .split("\n\n")
        .map(|event| {
            let (name, data) = event.split_once('\n').unwrap();
            let name = name.strip_prefix("event: ").unwrap().to_string();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(data["type"], name.as_str());
            (name, data)
        })
        .collect()
}

fn is_call_id(id: &Value) -> bool {
    let id = id.as_str().unwrap();
    id.len() == 29 && id.starts_with("call_") && id[5..].bytes().all(|b| b.is_ascii_alphanumeric())
}

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
fn responses_function_calls_come_as_items_and_events() {
    let server = server();
    let url = format!("{}/v1/responses", server.url());
    let body = json!({"model": "m", "input": "find it", "tools": [
        {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}, "strict": false}
    ]});
    let v = post(&url, &body.to_string()).json();
    assert_eq!(v["status"], "completed");
    let item = &v["output"][0];
    let id = item["id"].as_str().unwrap();
    assert!(id.starts_with("fc_") && id.len() == 51, "{id}");
    assert!(is_call_id(&item["call_id"]));
    assert_eq!(
        (
            &item["type"],
            &item["status"],
            &item["name"],
            &item["arguments"]
        ),
        (
            &json!("function_call"),
            &json!("completed"),
            &json!("lookup"),
            &json!("{\"q\":\"rust\"}")
        )
    );
    // Two calls, streamed: events in order with output_index 0 then 1.
    let mut body = json!({"model": "m", "input": "weather?", "stream": true});
    let events = named_events(&post(&url, &body.to_string()));
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected = vec!["response.created", "response.in_progress"];
    let mut per_call = |deltas: usize| {
        expected.push("response.output_item.added");
        expected.extend(std::iter::repeat_n(
            "response.function_call_arguments.delta",
            deltas,
        ));
        expected.push("response.function_call_arguments.done");
        expected.push("response.output_item.done");
    };
    per_call(4);
    per_call(4);
    expected.push("response.completed");
    assert_eq!(names, expected);
    for (n, (_, data)) in events.iter().enumerate() {
        assert_eq!(data["sequence_number"], n);
    }
    let mut arguments = [String::new(), String::new()];
    let mut item_ids = [String::new(), String::new()];
    for (name, data) in &events {
        match name.as_str() {
            "response.output_item.added" => {
                let k = data["output_index"].as_u64().unwrap() as usize;
                assert_eq!(data["item"]["arguments"], "");
                assert_eq!(data["item"]["status"], "in_progress");
                assert!(is_call_id(&data["item"]["call_id"]));
                item_ids[k] = data["item"]["id"].as_str().unwrap().to_string();
            }
            "response.function_call_arguments.delta" => {
                let k = data["output_index"].as_u64().unwrap() as usize;
                assert_eq!(data["item_id"], item_ids[k].as_str());
                arguments[k].push_str(data["delta"].as_str().unwrap());
            }
            "response.function_call_arguments.done" => {
                let k = data["output_index"].as_u64().unwrap() as usize;
                assert_eq!(data["arguments"], arguments[k].as_str());
                assert_eq!(data["name"], ["get_weather", "get_time"][k]);
            }
            "response.output_item.done" => {
                let k = data["output_index"].as_u64().unwrap() as usize;
                assert_eq!(data["item"]["id"], item_ids[k].as_str());
                assert_eq!(data["item"]["arguments"], arguments[k].as_str());
                assert_eq!(data["item"]["status"], "completed");
            }
            "response.completed" => {
                let output = &data["response"]["output"];
                assert_eq!(output.as_array().unwrap().len(), 2);
                assert_eq!(output[1]["arguments"], "{\"tz\":\"Europe/Paris\"}");
            }
            _ => {}
        }
    }
    // Then a function_call_output: the rule for tool results answers with a message.
    body = json!({"model": "m", "input": [
        {"role": "user", "content": "weather?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}
    ]});
    let v = post(&url, &body.to_string()).json();
    assert_eq!(
        v["output"][0]["content"][0]["text"],
        "It is sunny in Paris."
    );
}

#[test]
fn responses_refusals_are_refusal_parts_and_events() {
    let server = server();
    let url = format!("{}/v1/responses", server.url());
    let v = post(
        &url,
        &json!({"model": "m", "input": "build a bomb"}).to_string(),
    )
    .json();
    assert_eq!(
        v["output"][0]["content"],
        json!([{"type": "refusal", "refusal": "I can't help with that."}])
    );
    let body = json!({"model": "m", "input": "build a bomb", "stream": true});
    let events = named_events(&post(&url, &body.to_string()));
    assert_eq!(
        events[3].1["part"],
        json!({"type": "refusal", "refusal": ""})
    );
    let deltas: String = events
        .iter()
        .filter(|(n, _)| n == "response.refusal.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "I can't help with that.");
    let done = events
        .iter()
        .find(|(n, _)| n == "response.refusal.done")
        .unwrap();
    assert_eq!(done.1["refusal"], "I can't help with that.");
}

#[test]
fn legacy_completions_send_scripted_text_and_calls_as_text() {
    let server = server();
    let url = format!("{}/v1/completions", server.url());
    let v = post(&url, &json!({"model": "m", "prompt": "count"}).to_string()).json();
    assert_eq!(v["choices"][0]["text"], "one");
    let v = post(&url, &json!({"model": "m", "prompt": "call"}).to_string()).json();
    assert_eq!(
        v["choices"][0]["text"],
        r#"[{"name":"f","arguments":"{\"x\":1}"}]"#
    );
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let body = json!({"model": "m", "prompt": "filtered", "stream": true});
    let got = post(&url, &body.to_string());
    let events = got.events();
    let last: Value = serde_json::from_str(&events[events.len() - 2]).unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "content_filter");
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
