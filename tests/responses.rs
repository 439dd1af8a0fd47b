//! `POST /v1/responses` over real HTTP: the full `response` object, input items, the
//! `max_output_tokens` cut, the named event stream event by event, and every 400.

mod common;

use common::{Got, post, start};
use serde_json::{Value, json};

const PREFIX: &str = "As a mock AI Assistant, I can only echo your last message: ";

fn body(input: Value, extra: Value) -> String {
    let mut v = json!({"model": "gpt-4o-mini", "input": input});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

fn create_at(url: &str, input: Value, extra: Value) -> Value {
    let got = post(&format!("{url}/v1/responses"), &body(input, extra));
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.header("content-type"), Some("application/json"));
    got.json()
}

fn create(input: Value, extra: Value) -> Value {
    let server = start(|_| {});
    create_at(&server.url(), input, extra)
}

/// What the SDKs' `output_text` computes: every `output_text` part of every `message` item.
fn output_text(response: &Value) -> String {
    let mut text = String::new();
    for item in response["output"].as_array().unwrap() {
        if item["type"] == "message" {
            for part in item["content"].as_array().unwrap() {
                if part["type"] == "output_text" {
                    text.push_str(part["text"].as_str().unwrap());
                }
            }
        }
    }
    text
}

fn is_hex_id(id: &Value, prefix: &str) -> bool {
    let id = id.as_str().unwrap();
    id.len() == prefix.len() + 48
        && id.starts_with(prefix)
        && id[prefix.len()..]
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// The response with what changes from run to run (ids, times) replaced by placeholders.
fn stable(response: &Value) -> Value {
    let mut v = response.clone();
    assert!(is_hex_id(&v["id"], "resp_"), "{}", v["id"]);
    assert!(v["created_at"].is_u64());
    v["id"] = json!("resp_ID");
    v["created_at"] = json!(0);
    if v["completed_at"].is_u64() {
        assert!(v["completed_at"].as_u64() >= response["created_at"].as_u64());
        v["completed_at"] = json!(1);
    }
    for item in v["output"].as_array_mut().unwrap() {
        assert!(is_hex_id(&item["id"], "msg_"), "{}", item["id"]);
        item["id"] = json!("msg_ID");
    }
    v
}

fn usage(input: u64, output: u64) -> Value {
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + output
    })
}

fn message(status: &str, text: &str) -> Value {
    json!({
        "id": "msg_ID", "type": "message", "status": status, "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    })
}

fn expected(status: &str, text: &str, usage: Value, extra: Value) -> Value {
    let mut v = json!({
        "id": "resp_ID",
        "object": "response",
        "created_at": 0,
        "status": status,
        "completed_at": if status == "completed" { json!(1) } else { Value::Null },
        "error": null,
        "incomplete_details": if status == "incomplete" { json!({"reason": "max_output_tokens"}) } else { Value::Null },
        "instructions": null,
        "max_output_tokens": null,
        "model": "gpt-4o-mini",
        "output": [message(status, text)],
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null},
        "store": true,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": null,
        "metadata": {},
        "background": false
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

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

/// Named SSE events: every event is exactly `event: NAME\ndata: JSON\n\n` and NAME equals the
/// JSON's `type`.
fn events(got: &Got) -> Vec<Value> {
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(
        got.header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = &got.body;
    assert!(!body.contains('\r') && body.ends_with("\n\n"), "{body:?}");
    assert!(
        !body.contains("[DONE]"),
        "the Responses API sends no [DONE]"
    );
    body.trim_end_matches('\n')
        .split("\n\n")
        .map(|event| {
            let (name, data) = event.split_once('\n').expect("two lines");
            let name = name.strip_prefix("event: ").expect("an event line");
            let data = data.strip_prefix("data: ").expect("a data line");
            assert!(!data.contains('\n'));
            let v: Value = serde_json::from_str(data).unwrap();
            assert_eq!(v["type"], name);
            v
        })
        .collect()
}

fn stream(input: Value, extra: Value) -> Vec<Value> {
    let server = start(|_| {});
    let mut extra = extra;
    extra["stream"] = json!(true);
    events(&post(
        &format!("{}/v1/responses", server.url()),
        &body(input, extra),
    ))
}

#[test]
fn stream_follows_the_api_sequence_event_by_event() {
    let events = stream(json!("Hi there"), json!({"instructions": "Be nice."}));
    let words = [
        "As",
        " a",
        " mock",
        " AI",
        " Assistant,",
        " I",
        " can",
        " only",
        " echo",
        " your",
        " last",
        " message:",
        " Hi",
        " there",
    ];
    let mut kinds = vec![
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ];
    kinds.extend(std::iter::repeat_n(
        "response.output_text.delta",
        words.len(),
    ));
    kinds.extend([
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]);
    let got: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(got, kinds);
    for (n, e) in events.iter().enumerate() {
        assert_eq!(e["sequence_number"], n, "{e}");
    }
    let text = format!("{PREFIX}Hi there");
    let done = stable(&events.last().unwrap()["response"]);
    assert_eq!(
        done,
        expected(
            "completed",
            &text,
            usage(4, 14),
            json!({"instructions": "Be nice."})
        )
    );
    let resp_id = &events[0]["response"]["id"];
    let mut start = expected(
        "in_progress",
        "",
        Value::Null,
        json!({"instructions": "Be nice.", "output": []}),
    );
    start["completed_at"] = Value::Null;
    for e in &events[..2] {
        assert_eq!(e.as_object().unwrap().len(), 3, "{e}");
        assert_eq!(&e["response"]["id"], resp_id);
        assert_eq!(stable(&e["response"]), start);
    }
    assert_eq!(&events.last().unwrap()["response"]["id"], resp_id);
    assert_eq!(
        &events.last().unwrap()["response"]["created_at"],
        &events[0]["response"]["created_at"]
    );
    let item_id = events[2]["item"]["id"].clone();
    assert!(is_hex_id(&item_id, "msg_"));
    assert_eq!(
        events[2],
        json!({"type": "response.output_item.added", "sequence_number": 2, "output_index": 0,
               "item": {"id": item_id, "type": "message", "status": "in_progress", "role": "assistant", "content": []}})
    );
    assert_eq!(
        events[3],
        json!({"type": "response.content_part.added", "sequence_number": 3, "item_id": item_id,
               "output_index": 0, "content_index": 0,
               "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []}})
    );
    for (i, word) in words.iter().enumerate() {
        assert_eq!(
            events[4 + i],
            json!({"type": "response.output_text.delta", "sequence_number": 4 + i, "item_id": item_id,
                   "output_index": 0, "content_index": 0, "delta": word, "logprobs": []})
        );
    }
    let k = 4 + words.len();
    assert_eq!(
        events[k],
        json!({"type": "response.output_text.done", "sequence_number": k, "item_id": item_id,
               "output_index": 0, "content_index": 0, "text": text, "logprobs": []})
    );
    assert_eq!(
        events[k + 1],
        json!({"type": "response.content_part.done", "sequence_number": k + 1, "item_id": item_id,
               "output_index": 0, "content_index": 0,
               "part": {"type": "output_text", "text": text, "annotations": [], "logprobs": []}})
    );
    let mut item = message("completed", &text);
    item["id"] = item_id.clone();
    assert_eq!(
        events[k + 2],
        json!({"type": "response.output_item.done", "sequence_number": k + 2, "output_index": 0, "item": item})
    );
    assert_eq!(events[k + 3]["response"]["output"][0]["id"], item_id);
}

/// What the SDK stream helpers do: start from `response.created`, append items and parts, add
/// up the deltas; the result must match the final response's output.
fn accumulate(events: &[Value]) -> Value {
    assert_eq!(events[0]["type"], "response.created");
    let mut snapshot = events[0]["response"].clone();
    for e in &events[1..] {
        match e["type"].as_str().unwrap() {
            "response.output_item.added" => {
                let output = snapshot["output"].as_array_mut().unwrap();
                assert_eq!(e["output_index"], output.len());
                output.push(e["item"].clone());
            }
            "response.content_part.added" => {
                let item = &mut snapshot["output"][e["output_index"].as_u64().unwrap() as usize];
                assert_eq!(item["id"], e["item_id"]);
                let content = item["content"].as_array_mut().unwrap();
                assert_eq!(e["content_index"], content.len());
                content.push(e["part"].clone());
            }
            "response.output_text.delta" => {
                let item = &mut snapshot["output"][e["output_index"].as_u64().unwrap() as usize];
                assert_eq!(item["type"], "message");
                assert_eq!(item["id"], e["item_id"]);
                let part = &mut item["content"][e["content_index"].as_u64().unwrap() as usize];
                assert_eq!(part["type"], "output_text");
                let text = format!(
                    "{}{}",
                    part["text"].as_str().unwrap(),
                    e["delta"].as_str().unwrap()
                );
                part["text"] = json!(text);
            }
            "response.completed" | "response.incomplete" => return snapshot,
            _ => {}
        }
    }
    panic!("no terminal event");
}

#[test]
fn the_sdk_accumulation_matches_the_final_response() {
    let events = stream(json!("a  b\tc"), json!({}));
    let built = accumulate(&events);
    let done = &events.last().unwrap()["response"];
    assert_eq!(output_text(&built), format!("{PREFIX}a  b\tc"));
    assert_eq!(output_text(&built), output_text(done));
    // The accumulated item equals the final one; only its status moved on.
    let mut item = built["output"][0].clone();
    assert_eq!(item["status"], "in_progress");
    item["status"] = json!("completed");
    assert_eq!(item, done["output"][0]);
}

#[test]
fn a_cut_stream_ends_with_response_incomplete() {
    let events = stream(
        json!("one two three four five six seven eight"),
        json!({"max_output_tokens": 16}),
    );
    let last = events.last().unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(last["response"]["status"], "incomplete");
    assert_eq!(last["response"]["completed_at"], Value::Null);
    assert_eq!(
        last["response"]["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    assert_eq!(last["response"]["usage"]["output_tokens"], 16);
    let deltas = events
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .count();
    assert_eq!(deltas, 16);
    let item_done = &events[events.len() - 2];
    assert_eq!(item_done["type"], "response.output_item.done");
    assert_eq!(item_done["item"]["status"], "incomplete");
    assert_eq!(
        output_text(&accumulate(&events)),
        output_text(&last["response"])
    );
    assert!(events.iter().all(|e| e["type"] != "response.completed"));
}

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

#[test]
fn each_delta_waits_for_the_token_delay() {
    let server = start(|c| c.token_delay = std::time::Duration::from_millis(20));
    let started = std::time::Instant::now();
    let events = events(&post(
        &format!("{}/v1/responses", server.url()),
        &body(json!("x"), json!({"stream": true})),
    ));
    let deltas = events
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .count();
    assert_eq!(deltas, 13);
    assert!(started.elapsed() >= std::time::Duration::from_millis(13 * 20));
}
