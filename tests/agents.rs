//! What agent frameworks rely on, over HTTP: a forced `tool_choice` ("required" or a named
//! function) is a call even after a tool result (chat and Responses, plain and streamed), while
//! "auto" still ends the loop with text and fixture rules still win.

mod common;

use common::{post, start};
use oaimock::{Rule, Server};
use serde_json::{Value, json};

const ECHO: &str = "As a mock AI Assistant, I can only echo your last message: ";

/// Three tools in declaration order; `final_result` is last, as pydantic-ai declares it.
fn chat_tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "search", "parameters": {"type": "object",
            "properties": {"query": {"type": "string"}}, "required": ["query"]}}},
        {"type": "function", "function": {"name": "fetch", "parameters": {"type": "object",
            "properties": {"url": {"type": "string"}}, "required": ["url"]}}},
        {"type": "function", "function": {"name": "final_result", "parameters": {"type": "object",
            "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
            "required": ["answer", "score"], "additionalProperties": false}}}
    ])
}

/// A chat conversation in which the assistant called each of `called` once and got a result.
fn chat_after(called: &[&str], tool_choice: Value) -> Value {
    let mut messages = vec![json!({"role": "user", "content": "find the answer"})];
    for (i, name) in called.iter().enumerate() {
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": format!("call_{i}"), "type": "function", "function": {"name": name, "arguments": "{}"}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": format!("call_{i}"), "content": format!("result {i}")}));
    }
    json!({"model": "gpt-4o", "messages": messages, "tools": chat_tools(), "tool_choice": tool_choice})
}

fn chat(server: &Server, body: &Value) -> Value {
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &body.to_string(),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

/// The name of the one call the first choice makes, checking the choice is a tool-call answer.
fn called(v: &Value) -> String {
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls", "{v}");
    assert_eq!(choice["message"]["content"], Value::Null);
    let calls = choice["message"]["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "{v}");
    calls[0]["function"]["name"].as_str().unwrap().to_string()
}

fn named(name: &str) -> Value {
    json!({"type": "function", "function": {"name": name}})
}

#[test]
fn a_named_tool_choice_is_called_after_a_tool_result() {
    let server = start(|_| {});
    let v = chat(&server, &chat_after(&["search"], named("final_result")));
    assert_eq!(called(&v), "final_result");
    let call = &v["choices"][0]["message"]["tool_calls"][0];
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    // Generated from the schema; the first free string carries the last user message.
    assert_eq!(args["answer"], "find the answer");
    assert!(args["score"].is_i64(), "{args}");
    assert_eq!(args.as_object().unwrap().len(), 2);
    // Called already: a named choice still calls it.
    let v = chat(
        &server,
        &chat_after(&["search", "final_result"], named("final_result")),
    );
    assert_eq!(called(&v), "final_result");
}

#[test]
fn required_after_a_tool_result_calls_the_first_tool_not_called_yet_then_the_last() {
    let server = start(|_| {});
    let required = json!("required");
    let cases: [(&[&str], &str); 4] = [
        (&["search"], "fetch"),
        (&["fetch"], "search"),
        (&["search", "fetch"], "final_result"),
        (&["search", "fetch", "final_result"], "final_result"),
    ];
    for (before, want) in cases {
        let v = chat(&server, &chat_after(before, required.clone()));
        assert_eq!(called(&v), want, "after {before:?}");
    }
    // The deprecated `function_call` of an assistant message counts as a call too.
    let body = json!({"model": "gpt-4o", "tools": chat_tools(), "tool_choice": "required", "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": null, "function_call": {"name": "search", "arguments": "{}"}},
        {"role": "function", "name": "search", "content": "found"}
    ]});
    assert_eq!(called(&chat(&server, &body)), "fetch");
}

#[test]
fn auto_still_answers_a_tool_result_in_text_even_with_auto_tool_calls() {
    for auto_tool_calls in [false, true] {
        let server = start(|c| c.auto_tool_calls = auto_tool_calls);
        for choice in [json!("auto"), Value::Null] {
            let mut body = chat_after(&["search"], choice);
            if body["tool_choice"].is_null() {
                body.as_object_mut().unwrap().remove("tool_choice");
            }
            let v = chat(&server, &body);
            assert_eq!(v["choices"][0]["finish_reason"], "stop", "{v}");
            assert_eq!(
                v["choices"][0]["message"]["content"],
                format!("{ECHO}result 0")
            );
        }
    }
}

#[test]
fn a_forced_call_after_a_tool_result_is_streamed_as_a_call() {
    let server = start(|_| {});
    let mut body = chat_after(&["search"], named("final_result"));
    body["stream"] = json!(true);
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &body.to_string(),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let chunks = got.chunks();
    let first = &chunks[1]["choices"][0]["delta"]["tool_calls"][0];
    assert_eq!(first["function"]["name"], "final_result");
    assert_eq!(first["type"], "function");
    let arguments: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    let arguments: Value = serde_json::from_str(&arguments).unwrap();
    assert_eq!(arguments["answer"], "find the answer");
    let last = &chunks[chunks.len() - 1]["choices"][0];
    assert_eq!(last["finish_reason"], "tool_calls");
}

#[test]
fn fixture_rules_still_win_over_a_forced_choice() {
    let server = Server::builder()
        .rule(
            Rule::new()
                .named("done")
                .tool("search")
                .reply_text("all done"),
        )
        .start()
        .unwrap();
    let v = chat(&server, &chat_after(&["search"], json!("required")));
    assert_eq!(v["choices"][0]["message"]["content"], "all done");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
}

fn responses_tools() -> Value {
    json!([
        {"type": "function", "name": "search", "parameters": {"type": "object",
            "properties": {"query": {"type": "string"}}, "required": ["query"], "additionalProperties": false}},
        {"type": "web_search"},
        {"type": "function", "name": "final_result", "parameters": {"type": "object",
            "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": false}}
    ])
}

fn responses_after(called: &[&str], tool_choice: Value, stream: bool) -> Value {
    let mut input = vec![json!({"role": "user", "content": "find the answer"})];
    for (i, name) in called.iter().enumerate() {
        input.push(json!({"type": "function_call", "call_id": format!("call_{i}"), "name": name, "arguments": "{}"}));
        input.push(json!({"type": "function_call_output", "call_id": format!("call_{i}"), "output": format!("result {i}")}));
    }
    json!({"model": "gpt-4o", "input": input, "tools": responses_tools(), "tool_choice": tool_choice, "stream": stream})
}

fn responses(server: &Server, body: &Value) -> common::Got {
    let got = post(&format!("{}/v1/responses", server.url()), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    got
}

#[test]
fn responses_forced_choices_call_after_a_function_call_output() {
    let server = start(|_| {});
    let named = json!({"type": "function", "name": "final_result"});
    for (before, choice, want) in [
        (&["search"][..], named.clone(), "final_result"),
        (&["search"][..], json!("required"), "final_result"),
        (&["final_result"][..], json!("required"), "search"),
        (
            &["search", "final_result"][..],
            json!("required"),
            "final_result",
        ),
    ] {
        let v = responses(&server, &responses_after(before, choice, false)).json();
        let output = v["output"].as_array().unwrap();
        assert_eq!(output.len(), 1, "{v}");
        assert_eq!(output[0]["type"], "function_call", "{v}");
        assert_eq!(output[0]["name"], want, "after {before:?}");
    }
    let v = responses(&server, &responses_after(&["search"], named.clone(), false)).json();
    assert_eq!(
        v["output"][0]["arguments"],
        r#"{"answer":"find the answer"}"#
    );
    // "auto" answers the output in text.
    let v = responses(&server, &responses_after(&["search"], json!("auto"), false)).json();
    assert_eq!(v["output"][0]["type"], "message");
    assert_eq!(
        v["output"][0]["content"][0]["text"],
        format!("{ECHO}result 0")
    );
    // Streamed: the function_call item and its arguments events.
    let got = responses(&server, &responses_after(&["search"], named, true));
    let kinds: Vec<String> = got
        .body
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("event: "))
        .map(|e| e.split('\n').next().unwrap().to_string())
        .collect();
    assert!(
        kinds.contains(&"response.function_call_arguments.done".to_string()),
        "{kinds:?}"
    );
    assert!(!kinds.iter().any(|k| k.starts_with("response.output_text")));
    let done = got
        .body
        .split("\n\n")
        .find(|e| e.starts_with("event: response.completed"))
        .unwrap();
    let done: Value = serde_json::from_str(done.split_once("data: ").unwrap().1).unwrap();
    assert_eq!(done["response"]["output"][0]["name"], "final_result");
}
