//! Stored chat completions over HTTP: `store: true` keeps a completion and its messages; the
//! list with its `model` and `metadata[...]` filters and pages, retrieve, update, delete.

mod common;

use common::{delete, get, post, post_with, start};
use serde_json::{Value, json};

fn create(base: &str, model: &str, extra: Value) -> Value {
    let mut body = json!({"model": model, "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}]}
    ]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let got = post(&format!("{base}/v1/chat/completions"), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn only_store_true_keeps_a_completion() {
    let server = start(|_| {});
    let base = server.url();
    let unstored = create(&base, "gpt-4o", json!({}));
    let kept = create(
        &base,
        "gpt-4o",
        json!({"store": true, "metadata": {"team": "a"}}),
    );
    let list = get(&format!("{base}/v1/chat/completions")).json();
    assert_eq!(ids(&list), [kept["id"].as_str().unwrap()]);
    let got = get(&format!(
        "{base}/v1/chat/completions/{}",
        kept["id"].as_str().unwrap()
    ));
    let mut expected = kept.clone();
    expected["metadata"] = json!({"team": "a"});
    assert_eq!(got.json(), expected);
    let missing = get(&format!(
        "{base}/v1/chat/completions/{}",
        unstored["id"].as_str().unwrap()
    ));
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.error(),
        json!({"message": format!("Chat completion with id '{}' not found.", unstored["id"].as_str().unwrap()),
               "type": "invalid_request_error", "param": null, "code": null})
    );
}

#[test]
fn the_list_filters_by_model_and_metadata_and_pages() {
    let server = start(|_| {});
    let base = server.url();
    let a1 = create(
        &base,
        "gpt-4o",
        json!({"store": true, "metadata": {"team": "a", "k": "1"}}),
    );
    let b = create(
        &base,
        "gpt-4o-mini",
        json!({"store": true, "metadata": {"team": "b"}}),
    );
    let a2 = create(
        &base,
        "gpt-4o",
        json!({"store": true, "metadata": {"team": "a"}}),
    );
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let list = |q: &str| get(&format!("{base}/v1/chat/completions?{q}")).json();
    assert_eq!(ids(&list("")), [id(&a1), id(&b), id(&a2)]);
    assert_eq!(ids(&list("order=desc")), [id(&a2), id(&b), id(&a1)]);
    assert_eq!(ids(&list("model=gpt-4o")), [id(&a1), id(&a2)]);
    assert_eq!(ids(&list("metadata[team]=a")), [id(&a1), id(&a2)]);
    assert_eq!(ids(&list("metadata%5Bteam%5D=a&metadata[k]=1")), [id(&a1)]);
    assert_eq!(ids(&list("metadata[team]=c")), Vec::<String>::new());
    let p1 = list("limit=2");
    assert_eq!(
        (ids(&p1), p1["has_more"].clone(), p1["last_id"].clone()),
        (vec![id(&a1), id(&b)], json!(true), json!(id(&b)))
    );
    let p2 = list(&format!("limit=2&after={}", id(&b)));
    assert_eq!(
        (ids(&p2), p2["has_more"].clone()),
        (vec![id(&a2)], json!(false))
    );
}

#[test]
fn metadata_is_updated_and_a_deleted_completion_is_gone() {
    let server = start(|_| {});
    let base = server.url();
    let kept = create(
        &base,
        "gpt-4o",
        json!({"store": true, "metadata": {"team": "a"}}),
    );
    let url = format!(
        "{base}/v1/chat/completions/{}",
        kept["id"].as_str().unwrap()
    );
    let updated = post(&url, r#"{"metadata": {"team": "b", "x": "y"}}"#).json();
    assert_eq!(updated["metadata"], json!({"team": "b", "x": "y"}));
    assert_eq!(get(&url).json()["metadata"], json!({"team": "b", "x": "y"}));
    let bad = post(&url, r#"{}"#);
    assert_eq!(
        (bad.status, bad.error()["param"].clone()),
        (400, json!("metadata"))
    );
    let gone = delete(&url);
    assert_eq!(
        gone.json(),
        json!({"object": "chat.completion.deleted", "id": kept["id"], "deleted": true})
    );
    assert_eq!(get(&url).status, 404);
    assert_eq!(delete(&url).status, 404);
    assert_eq!(post(&url, r#"{"metadata": {}}"#).status, 404);
}

#[test]
fn the_messages_of_the_request_are_listed() {
    let server = start(|_| {});
    let base = server.url();
    let kept = create(&base, "gpt-4o", json!({"store": true}));
    let id = kept["id"].as_str().unwrap();
    let list = get(&format!("{base}/v1/chat/completions/{id}/messages")).json();
    assert_eq!(
        list,
        json!({"object": "list", "data": [
            {"id": format!("{id}-0"), "role": "system", "content": "be brief", "name": null, "content_parts": null},
            {"id": format!("{id}-1"), "role": "user", "content": "hi there", "name": null,
             "content_parts": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}]}
        ], "first_id": format!("{id}-0"), "last_id": format!("{id}-1"), "has_more": false})
    );
    let desc = get(&format!(
        "{base}/v1/chat/completions/{id}/messages?order=desc&limit=1"
    ))
    .json();
    assert_eq!(
        (desc["first_id"].clone(), desc["has_more"].clone()),
        (json!(format!("{id}-1")), json!(true))
    );
}

#[test]
fn a_streamed_completion_is_stored_too_and_scopes_stay_apart() {
    let server = start(|_| {});
    let base = server.url();
    let body = json!({"model": "m", "stream": true, "store": true, "messages": [{"role": "user", "content": "x"}]});
    let got = post_with(
        &format!("{base}/v1/chat/completions"),
        &body.to_string(),
        &[("x-oaimock-scope", "s")],
    );
    assert_eq!(got.status, 200);
    let first: Value = serde_json::from_str(common::sse_data(&got.body)[0].as_str()).unwrap();
    let url = format!(
        "{base}/v1/chat/completions/{}",
        first["id"].as_str().unwrap()
    );
    assert_eq!(get(&url).status, 404);
    let kept = common::get_with(&url, &[("x-oaimock-scope", "s")]).json();
    assert!(
        kept["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .ends_with(": x")
    );
}
