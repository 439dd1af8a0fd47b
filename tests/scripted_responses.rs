//! Fixture rules on the other endpoints over HTTP: function calls and refusals as Responses
//! items and events, and scripted text and calls on legacy completions.

mod common;

use common::post;
use common::scripted::{is_call_id, server};
use serde_json::{Value, json};

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
    let events = post(&url, &body.to_string()).named_events();
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
    let events = post(&url, &body.to_string()).named_events();
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
