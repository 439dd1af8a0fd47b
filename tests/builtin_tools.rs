//! Without fixtures: tool_choice required/named → generated calls, auto (with and without
//! --auto-tool-calls), tool results answered in text, structured outputs from JSON Schema, and
//! `oaimock check` over the real binary.

mod common;

use std::process::Command;

use common::{Binary, chat_body, post, start};
use serde_json::{Value, json};

fn weather_tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}},
        {"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7}
            },
            "required": ["city", "unit", "days"],
            "additionalProperties": false
        }}}
    ])
}

fn chat(url: &str, body: &Value) -> Value {
    let got = post(&format!("{url}/v1/chat/completions"), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

#[test]
fn tool_choice_required_or_named_calls_a_tool_with_schema_valid_arguments() {
    let server = start(|_| {});
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "Paris, please"}],
        "tools": weather_tools(), "tool_choice": {"type": "function", "function": {"name": "get_weather"}}});
    let v = chat(&server.url(), &body);
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    let call = &v["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(
        args["city"], "Paris, please",
        "the first free string carries the message"
    );
    assert_eq!(args["unit"], "celsius");
    // Inside the bounds (1 to 7), off them: a value that looks chosen.
    assert_eq!(args["days"], 6);
    assert_eq!(args.as_object().unwrap().len(), 3);
    // "required" picks the tool the message names, else the first.
    let mut body = body;
    body["tool_choice"] = json!("required");
    body["messages"][0]["content"] = json!("use get_weather");
    let v = chat(&server.url(), &body);
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "get_weather"
    );
    body["messages"][0]["content"] = json!("anything");
    let v = chat(&server.url(), &body);
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "get_time"
    );
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        "{}"
    );
}

#[test]
fn auto_answers_in_text_unless_auto_tool_calls_is_on() {
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "get_weather for Oslo"}],
        "tools": weather_tools()});
    let server = start(|_| {});
    let v = chat(&server.url(), &body);
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert!(v["choices"][0]["message"].get("tool_calls").is_none());
    let server = start(|c| c.auto_tool_calls = true);
    let v = chat(&server.url(), &body);
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "get_weather"
    );
    let mut none = body.clone();
    none["tool_choice"] = json!("none");
    assert_eq!(
        chat(&server.url(), &none)["choices"][0]["finish_reason"],
        "stop"
    );
}

#[test]
fn a_tool_result_is_answered_with_text_that_quotes_it() {
    // Even with --auto-tool-calls, "auto" answers a tool result in text, so agent loops end.
    let server = start(|c| c.auto_tool_calls = true);
    let body = json!({"model": "m", "tools": weather_tools(), "tool_choice": "auto", "messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\":21}"}
    ]});
    let v = chat(&server.url(), &body);
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "As a mock AI Assistant, I can only echo your last message: {\"temp\":21}"
    );
    let body = json!({"model": "m", "tools": [{"type": "function", "name": "get_weather", "parameters": {}}], "input": [
        {"role": "user", "content": "weather?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}
    ]});
    let v = post(&format!("{}/v1/responses", server.url()), &body.to_string()).json();
    assert_eq!(v["output"][0]["type"], "message");
    assert_eq!(
        v["output"][0]["content"][0]["text"],
        "As a mock AI Assistant, I can only echo your last message: sunny"
    );
}

#[test]
fn responses_tool_choice_gives_a_function_call_item() {
    let server = start(|_| {});
    let body = json!({"model": "m", "input": "Lisbon", "tool_choice": {"type": "function", "name": "get_weather"},
        "tools": [{"type": "function", "name": "get_weather", "strict": true,
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}}]});
    let v = post(&format!("{}/v1/responses", server.url()), &body.to_string()).json();
    assert_eq!(v["output"][0]["type"], "function_call");
    assert_eq!(v["output"][0]["arguments"], "{\"city\":\"Lisbon\"}");
}

#[test]
fn tool_choice_needs_tools_and_a_known_name() {
    let server = start(|_| {});
    let url = format!("{}/v1/chat/completions", server.url());
    let got = post(&url, &chat_body("x", r#""tool_choice":"required""#));
    assert_eq!(got.status, 400);
    assert_eq!(got.error()["param"], "tool_choice");
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": weather_tools(),
        "tool_choice": {"type": "function", "function": {"name": "nope"}}});
    let got = post(&url, &body.to_string());
    assert_eq!(got.status, 400);
    assert!(got.error()["message"].as_str().unwrap().contains("'nope'"));
    let got = post(
        &url,
        &chat_body("x", r#""tools":[{"type":"function","function":{}}]"#),
    );
    assert_eq!(got.error()["param"], "tools[0].function.name");
}

const SCHEMA: &str = r##"{
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "sentiment": {"type": "string", "enum": ["positive", "negative"]},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3},
        "source": {"anyOf": [{"$ref": "#/$defs/link"}, {"type": "null"}]}
    },
    "required": ["answer", "confidence", "sentiment", "tags", "source"],
    "additionalProperties": false,
    "$defs": {"link": {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}, "required": ["url"], "additionalProperties": false}}
}"##;

fn check_instance(v: &Value, text: &str) {
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["answer", "confidence", "sentiment", "source", "tags"]
    );
    assert_eq!(v["answer"], text);
    let c = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
    assert!(["positive", "negative"].contains(&v["sentiment"].as_str().unwrap()));
    let tags = v["tags"].as_array().unwrap();
    assert!((2..=3).contains(&tags.len()) && tags.iter().all(Value::is_string));
    assert!(v["source"]["url"].as_str().unwrap().starts_with("https://"));
}

#[test]
fn json_schema_outputs_validate_on_chat_and_responses_streamed_or_not() {
    let server = start(|_| {});
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "Is Rust nice?"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "verdict", "schema": schema, "strict": true}}});
    let v = chat(&server.url(), &body);
    let content = v["choices"][0]["message"]["content"].as_str().unwrap();
    check_instance(&serde_json::from_str(content).unwrap(), "Is Rust nice?");
    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &streamed.to_string(),
    );
    let events = got.events();
    let text: String = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str::<Value>(e).unwrap())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(String::from)
        })
        .collect();
    assert_eq!(text, content);
    assert!(events.len() > 5, "streamed in several tokens");
    let format =
        json!({"type": "json_schema", "name": "verdict", "schema": schema, "strict": true});
    let body = json!({"model": "m", "input": "Is Rust nice?", "text": {"format": format}});
    let v = post(&format!("{}/v1/responses", server.url()), &body.to_string()).json();
    assert_eq!(v["text"]["format"], format, "the format is echoed back");
    let text = v["output"][0]["content"][0]["text"].as_str().unwrap();
    check_instance(&serde_json::from_str(text).unwrap(), "Is Rust nice?");
}

#[test]
fn json_object_outputs_echo_in_an_object() {
    let server = start(|_| {});
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "Reply in JSON"}],
        "response_format": {"type": "json_object"}});
    let v = chat(&server.url(), &body);
    let content: Value =
        serde_json::from_str(v["choices"][0]["message"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content, json!({"echo": "Reply in JSON"}));
    let body = json!({"model": "m", "input": "hi", "text": {"format": {"type": "json_object"}}});
    let v = post(&format!("{}/v1/responses", server.url()), &body.to_string()).json();
    assert_eq!(v["output"][0]["content"][0]["text"], "{\"echo\":\"hi\"}");
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &chat_body("x", r#""response_format":{"type":"json_schema"}"#),
    );
    assert_eq!(got.error()["param"], "response_format.json_schema");
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn oaimock(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oaimock"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn check_prints_one_ok_line_or_every_problem() {
    let path = fixture("scripted.json");
    let out = oaimock(&["check", &path]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{path}: OK, 16 rules in 1 file\n")
    );
    let dir = fixture("dir");
    let out = oaimock(&["check", &dir]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{dir}: OK, 3 rules in 2 files\n")
    );
    let bad = fixture("bad.json");
    let out = oaimock(&["check", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "oaimock: {bad}: rule 1: match.modle: unknown field `modle`, expected one of `endpoint`, `model`, `user`, `system`, `tool`, `has_tool_result`, `assistant_turns`, `headers`, `body`\n\
             oaimock: {bad}: rule 2: reply.tool_calls[0].arguments: expected an object or a JSON string\n\
             oaimock: {bad}: rule 3: reply.error.status: expected a status from 400 to 599, got 200\n"
        )
    );
    let out = oaimock(&["check", "/nonexistent.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("oaimock: /nonexistent.json: cannot read: ")
    );
    assert_eq!(oaimock(&["check"]).status.code(), Some(2));
}

#[test]
fn the_binary_refuses_to_start_on_a_bad_fixture_and_serves_a_good_one() {
    let bad = fixture("bad.json");
    let out = oaimock(&["--port", "0", "--fixtures", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "never listening");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("bad.json: rule"))
            .count(),
        3,
        "{stderr}"
    );
    let server = Binary::start_with_env(
        &["--quiet"],
        &[("OAIMOCK_FIXTURES", &fixture("scripted.json"))],
    );
    let v = post(
        &format!("{}/v1/chat/completions", server.url),
        &chat_body("count", ""),
    )
    .json();
    assert_eq!(v["choices"][0]["message"]["content"], "one");
}
