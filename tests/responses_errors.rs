//! `POST /v1/responses` rejections: `strict_models` refusing unlisted models and every invalid
//! field as a 400 naming it in `param`.

mod common;

use common::responses::body;
use common::{post, start};
use serde_json::{Value, json};

#[test]
fn strict_models_refuses_unlisted_models() {
    let server = start(|c| c.strict_models = true);
    let url = format!("{}/v1/responses", server.url());
    assert_eq!(post(&url, &body(json!("x"), json!({}))).status, 200);
    let got = post(&url, &body(json!("x"), json!({"model": "gpt-99"})));
    assert_eq!(got.status, 404);
    assert_eq!(got.error()["code"], "model_not_found");
}

#[test]
fn every_invalid_field_is_a_400_naming_it() {
    let server = start(|_| {});
    let url = format!("{}/v1/responses", server.url());
    let user = |content: Value| json!({"role": "user", "content": content});
    let cases: Vec<(String, &str)> = vec![
        (json!({"input": "x"}).to_string(), "model"),
        (json!({"model": "m"}).to_string(), "input"),
        (body(json!(5), json!({})), "input"),
        (body(json!(["x"]), json!({})), "input[0]"),
        (
            body(json!([user(json!("a")), user(json!(1))]), json!({})),
            "input[1].content",
        ),
        (
            body(json!([{"role": "user"}]), json!({})),
            "input[0].content",
        ),
        (body(json!([{"content": "a"}]), json!({})), "input[0].role"),
        (
            body(json!([{"role": "robot", "content": "a"}]), json!({})),
            "input[0].role",
        ),
        (
            body(
                json!([{"type": 3, "role": "user", "content": "a"}]),
                json!({}),
            ),
            "input[0].type",
        ),
        (
            body(json!([user(json!(["a"]))]), json!({})),
            "input[0].content[0]",
        ),
        (
            body(json!([user(json!([{"text": "a"}]))]), json!({})),
            "input[0].content[0].type",
        ),
        (
            body(json!([user(json!([{"type": "input_text"}]))]), json!({})),
            "input[0].content[0].text",
        ),
        (
            body(
                json!([user(json!([{"type": "input_text", "text": 1}]))]),
                json!({}),
            ),
            "input[0].content[0].text",
        ),
        (
            body(
                json!([{"type": "function_call_output", "output": "x"}]),
                json!({}),
            ),
            "input[0].call_id",
        ),
        (
            body(
                json!([{"type": "function_call_output", "call_id": "c"}]),
                json!({}),
            ),
            "input[0].output",
        ),
        (
            body(
                json!([{"type": "function_call_output", "call_id": "c", "output": 1}]),
                json!({}),
            ),
            "input[0].output",
        ),
        (
            body(json!("x"), json!({"max_output_tokens": 15})),
            "max_output_tokens",
        ),
        (
            body(json!("x"), json!({"max_output_tokens": "20"})),
            "max_output_tokens",
        ),
        (body(json!("x"), json!({"instructions": 5})), "instructions"),
        (body(json!("x"), json!({"temperature": 2.1})), "temperature"),
        (body(json!("x"), json!({"top_p": -0.1})), "top_p"),
        (
            body(json!("x"), json!({"top_logprobs": 21})),
            "top_logprobs",
        ),
        (body(json!("x"), json!({"stream": "yes"})), "stream"),
        (body(json!("x"), json!({"store": 1})), "store"),
        (body(json!("x"), json!({"metadata": []})), "metadata"),
        (
            body(json!("x"), json!({"metadata": {"k": 1}})),
            "metadata.k",
        ),
        (body(json!("x"), json!({"tools": {}})), "tools"),
        (
            body(json!("x"), json!({"tools": [{"name": "f"}]})),
            "tools[0].type",
        ),
        (
            body(json!("x"), json!({"tool_choice": "sometimes"})),
            "tool_choice",
        ),
        (body(json!("x"), json!({"tool_choice": 1})), "tool_choice"),
        (
            body(json!("x"), json!({"previous_response_id": 1})),
            "previous_response_id",
        ),
    ];
    for (body, param) in cases {
        let got = post(&url, &body);
        assert_eq!(got.status, 400, "{body} → {}", got.body);
        let e = got.error();
        assert_eq!(e["type"], "invalid_request_error");
        assert_eq!(e["param"], param, "{body} → {}", got.body);
    }
}
