//! Conversations over HTTP: create (items, metadata), retrieve, update, delete; items listed a
//! page at a time, added, retrieved and deleted; a response with `conversation` reads it as
//! context and appends its input and output.

mod common;

use common::{Got, delete, get, post, start};
use serde_json::{Value, json};

fn ok(got: Got) -> Value {
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

#[test]
fn a_conversation_is_created_read_updated_and_deleted() {
    let server = start(|_| {});
    let base = server.url();
    let made = ok(post(
        &format!("{base}/v1/conversations"),
        r#"{"metadata": {"topic": "demo"}, "items": [{"type": "message", "role": "user", "content": "Hello!"}]}"#,
    ));
    let id = made["id"].as_str().unwrap();
    assert!(id.starts_with("conv_"));
    assert_eq!(
        (made["object"].clone(), made["metadata"].clone()),
        (json!("conversation"), json!({"topic": "demo"}))
    );
    let url = format!("{base}/v1/conversations/{id}");
    assert_eq!(ok(get(&url)), made);
    let updated = ok(post(&url, r#"{"metadata": {"topic": "other"}}"#));
    assert_eq!(updated["metadata"], json!({"topic": "other"}));
    let items = ok(get(&format!("{url}/items")));
    assert_eq!(
        items["data"][0]["content"],
        json!([{"type": "input_text", "text": "Hello!"}])
    );
    assert_eq!(
        ok(delete(&url)),
        json!({"id": id, "object": "conversation.deleted", "deleted": true})
    );
    for got in [
        get(&url),
        delete(&url),
        get(&format!("{url}/items")),
        post(&url, r#"{"metadata": {}}"#),
    ] {
        assert_eq!(got.status, 404, "{}", got.body);
        assert_eq!(
            got.error(),
            json!({"message": format!("Conversation with id '{id}' not found."),
                   "type": "invalid_request_error", "param": null, "code": null})
        );
    }
    let empty = ok(post(&format!("{base}/v1/conversations"), ""));
    assert_eq!(empty["metadata"], json!({}));
}

#[test]
fn items_are_added_listed_a_page_at_a_time_retrieved_and_deleted() {
    let server = start(|_| {});
    let base = server.url();
    let made = ok(post(&format!("{base}/v1/conversations"), "{}"));
    let url = format!(
        "{base}/v1/conversations/{}/items",
        made["id"].as_str().unwrap()
    );
    let add: Vec<Value> = (0..5)
        .map(|i| json!({"type": "message", "role": if i % 2 == 0 { "user" } else { "assistant" }, "content": format!("m{i}")}))
        .collect();
    let added = ok(post(&url, &json!({"items": add}).to_string()));
    assert_eq!(added["data"].as_array().unwrap().len(), 5);
    assert_eq!(added["has_more"], false);
    assert_eq!(
        added["data"][1]["content"],
        json!([{"type": "output_text", "text": "m1", "annotations": [], "logprobs": []}])
    );
    let ids: Vec<String> = added["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    // Newest first by default.
    let p1 = ok(get(&format!("{url}?limit=2")));
    assert_eq!(
        (
            p1["first_id"].clone(),
            p1["last_id"].clone(),
            p1["has_more"].clone()
        ),
        (json!(ids[4]), json!(ids[3]), json!(true))
    );
    let p3 = ok(get(&format!("{url}?limit=2&after={}", ids[1])));
    assert_eq!(
        (p3["data"].as_array().unwrap().len(), p3["has_more"].clone()),
        (1, json!(false))
    );
    let asc = ok(get(&format!("{url}?order=asc&limit=100")));
    assert_eq!(asc["first_id"], json!(ids[0]));
    let one = ok(get(&format!("{url}/{}", ids[2])));
    assert_eq!(one, added["data"][2]);
    let after_delete = ok(delete(&format!("{url}/{}", ids[2])));
    assert_eq!(after_delete["object"], "conversation");
    let missing = get(&format!("{url}/{}", ids[2]));
    assert_eq!(
        (missing.status, missing.error()["message"].clone()),
        (404, json!(format!("Item with id '{}' not found.", ids[2])))
    );
    assert_eq!(delete(&format!("{url}/{}", ids[2])).status, 404);
    assert_eq!(
        ok(get(&format!("{url}?limit=100")))["data"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let too_many = post(
        &url,
        &json!({"items": vec![json!({"role": "user", "content": "x"}); 21]}).to_string(),
    );
    assert_eq!(
        (too_many.status, too_many.error()["param"].clone()),
        (400, json!("items"))
    );
}

#[test]
fn a_response_in_a_conversation_reads_it_and_appends_to_it() {
    let server = start(|_| {});
    let base = server.url();
    let made = ok(post(
        &format!("{base}/v1/conversations"),
        r#"{"items": [{"role": "user", "content": "one two"}, {"role": "assistant", "content": "three"}]}"#,
    ));
    let id = made["id"].as_str().unwrap();
    let body = json!({"model": "m", "input": "four", "conversation": id});
    let first = ok(post(&format!("{base}/v1/responses"), &body.to_string()));
    assert_eq!(first["conversation"], json!({"id": id}));
    assert_eq!(first["usage"]["input_tokens"], 4);
    let items = ok(get(&format!(
        "{base}/v1/conversations/{id}/items?order=asc"
    )));
    let kinds: Vec<(Value, Value)> = items["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["role"].clone(), i["id"].clone()))
        .collect();
    assert_eq!(kinds.len(), 4);
    assert_eq!(
        kinds[3],
        (json!("assistant"), first["output"][0]["id"].clone())
    );
    // The next response reads the whole conversation, its own reply included.
    let body = json!({"model": "m", "input": "five", "conversation": {"id": id}});
    let second = ok(post(&format!("{base}/v1/responses"), &body.to_string()));
    let out = first["usage"]["output_tokens"].as_u64().unwrap();
    assert_eq!(second["usage"]["input_tokens"], 4 + out + 1);
    // Unknown conversations and both ways of continuing at once are refused.
    let got = post(
        &format!("{base}/v1/responses"),
        r#"{"model": "m", "input": "x", "conversation": "conv_nope"}"#,
    );
    assert_eq!(
        (got.status, got.error()["param"].clone()),
        (404, json!("conversation"))
    );
    let both = json!({"model": "m", "input": "x", "conversation": id, "previous_response_id": first["id"]});
    assert_eq!(
        post(&format!("{base}/v1/responses"), &both.to_string()).status,
        400
    );
}
