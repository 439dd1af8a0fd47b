//! `POST /v1/responses` with `stream: true`: the named event stream event by event, what the SDK
//! accumulation builds from it, a cut stream ending in `response.incomplete`, and the token delay.

mod common;

use common::responses::{PREFIX, body, expected, is_hex_id, message, output_text, stable, usage};
use common::{Got, post, start};
use serde_json::{Value, json};

/// Named SSE events: every event is exactly `event: NAME\ndata: JSON\n\n` and NAME equals the
/// JSON's `type`.
fn events(got: &Got) -> Vec<Value> {
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(
        got.header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(
        !got.body.contains("[DONE]"),
        "the Responses API sends no [DONE]"
    );
    got.named_events().into_iter().map(|(_, v)| v).collect()
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
