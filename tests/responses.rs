//! `POST /v1/responses` over real HTTP, not streamed: the full `response` object, input items,
//! the `max_output_tokens` cut and settings echoed back. Streaming and 400s have their own files.

mod common;

use common::responses::{PREFIX, body, create, create_at, expected, output_text, stable, usage};
use common::{post, start};
use serde_json::json;

#[test]
fn non_streamed_response_has_every_required_key() {
    let v = create(json!("Say hi"), json!({"instructions": "Be nice."}));
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "id",
        "object",
        "created_at",
        "error",
        "incomplete_details",
        "instructions",
        "model",
        "tools",
        "output",
        "parallel_tool_calls",
        "metadata",
        "tool_choice",
        "temperature",
        "top_p",
        "status",
        "usage",
        "text",
        "completed_at",
    ] {
        assert!(keys.contains(&key), "missing {key}");
    }
    assert_eq!(
        stable(&v),
        expected(
            "completed",
            &format!("{PREFIX}Say hi"),
            usage(4, 14),
            json!({"instructions": "Be nice."})
        )
    );
    assert_eq!(output_text(&v), format!("{PREFIX}Say hi"));
    assert_ne!(v["id"], create(json!("Say hi"), json!({}))["id"]);
}

#[test]
fn the_path_without_v1_works() {
    let server = start(|_| {});
    let got = post(
        &format!("{}/responses", server.url()),
        &body(json!("x"), json!({})),
    );
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["object"], "response");
}

#[test]
fn the_last_input_message_is_echoed_and_every_message_counts() {
    let v = create(
        json!([
            {"role": "developer", "content": "Talk like a pirate."},
            {"role": "user", "content": [
                {"type": "input_text", "text": "What is in "},
                {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "auto"},
                {"type": "input_text", "text": "this picture?"}
            ]},
            {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
             "content": [{"type": "output_text", "text": "A parrot.", "annotations": []}]},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "item_reference", "id": "msg_0"},
            {"type": "message", "role": "user", "content": "And now?"}
        ]),
        json!({}),
    );
    assert_eq!(output_text(&v), format!("{PREFIX}And now?"));
    assert_eq!(v["usage"], usage(4 + 5 + 2 + 2, 14));
    let v = create(
        json!([
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "{\"temp\":21}"}
        ]),
        json!({}),
    );
    assert_eq!(output_text(&v), format!("{PREFIX}{{\"temp\":21}}"));
    let v = create(
        json!([{"type": "function_call_output", "call_id": "c", "output": [
            {"type": "input_text", "text": "sunny"}
        ]}]),
        json!({}),
    );
    assert_eq!(output_text(&v), format!("{PREFIX}sunny"));
    let v = create(json!([]), json!({}));
    assert_eq!(output_text(&v), PREFIX);
}

#[test]
fn max_output_tokens_cuts_the_reply_and_makes_it_incomplete() {
    let input = "one two three four five six seven eight";
    let v = create(json!(input), json!({"max_output_tokens": 16}));
    let full = format!("{PREFIX}{input}");
    let words: Vec<&str> = full.split(' ').collect();
    assert_eq!(
        stable(&v),
        expected(
            "incomplete",
            &words[..16].join(" "),
            usage(8, 16),
            json!({"max_output_tokens": 16})
        )
    );
    let v = create(json!(input), json!({"max_output_tokens": 20}));
    assert_eq!(v["status"], "completed");
    assert_eq!(output_text(&v), full);
    assert_eq!(v["max_output_tokens"], 20);
}

#[test]
fn request_settings_are_echoed_back() {
    let tools = json!([{"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": true}]);
    let server = start(|_| {});
    let first = create_at(&server.url(), json!("x"), json!({}));
    let v = create_at(
        &server.url(),
        json!("x"),
        json!({"temperature": 0.5, "top_p": 0.25, "store": false, "user": "u1",
               "metadata": {"k": "v"}, "previous_response_id": first["id"],
               "parallel_tool_calls": false, "tools": tools, "tool_choice": "none"}),
    );
    assert_eq!(v["temperature"], 0.5);
    assert_eq!(v["top_p"], 0.25);
    assert_eq!(v["store"], false);
    assert_eq!(v["user"], "u1");
    assert_eq!(v["metadata"], json!({"k": "v"}));
    assert_eq!(v["previous_response_id"], first["id"]);
    assert_eq!(v["parallel_tool_calls"], false);
    assert_eq!(v["tools"], tools);
    assert_eq!(v["tool_choice"], "none");
}

#[test]
fn a_fixed_reply_replaces_the_echo() {
    let server = start(|c| c.reply = Some("Fixed.".into()));
    let v = create_at(&server.url(), json!("x"), json!({}));
    assert_eq!(output_text(&v), "Fixed.");
    assert_eq!(v["usage"]["output_tokens"], 1);
}
