//! Stored responses over HTTP: retrieve, delete, `input_items` pages, cancel, `input_tokens`,
//! `previous_response_id` as context, the API's errors for unknown ids, scopes and reset. The store's
//! bounds are in state_responses_limits.rs.

mod common;

use common::stored::create;
use common::{delete_with, get, get_with, post, post_with, start};
use oaimock::Rule;
use serde_json::{Value, json};

const ECHO: &str = "As a mock AI Assistant, I can only echo your last message: ";

#[test]
fn a_stored_response_is_retrieved_deleted_and_then_unknown() {
    let server = start(|_| {});
    let base = server.url();
    let made = create(&base, json!({"model": "gpt-4o", "input": "hello there"}));
    let id = made["id"].as_str().unwrap();
    assert_eq!(
        (made["store"].clone(), made["background"].clone()),
        (json!(true), json!(false))
    );
    let got = get(&format!(
        "{base}/v1/responses/{id}?include[]=message.output_text.logprobs"
    ));
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), made);
    let gone = delete_with(&format!("{base}/v1/responses/{id}"), &[]);
    assert_eq!(
        gone.json(),
        json!({"id": id, "object": "response", "deleted": true})
    );
    for got in [
        get(&format!("{base}/v1/responses/{id}")),
        delete_with(&format!("{base}/v1/responses/{id}"), &[]),
        get(&format!("{base}/v1/responses/{id}/input_items")),
        post(&format!("{base}/v1/responses/{id}/cancel"), ""),
    ] {
        assert_eq!(got.status, 404, "{}", got.body);
        assert_eq!(
            got.error(),
            json!({"message": format!("Response with id '{id}' not found."),
                   "type": "invalid_request_error", "param": null, "code": null})
        );
    }
}

#[test]
fn store_false_keeps_nothing_and_cannot_be_continued() {
    let server = start(|_| {});
    let base = server.url();
    let made = create(&base, json!({"model": "m", "input": "x", "store": false}));
    let id = made["id"].as_str().unwrap();
    assert_eq!(made["store"], false);
    assert_eq!(get(&format!("{base}/v1/responses/{id}")).status, 404);
    let got = post(
        &format!("{base}/v1/responses"),
        &json!({"model": "m", "input": "y", "previous_response_id": id}).to_string(),
    );
    assert_eq!(got.status, 400);
    assert_eq!(
        got.error(),
        json!({"message": format!("Previous response with id '{id}' not found."),
               "type": "invalid_request_error", "param": "previous_response_id",
               "code": "previous_response_not_found"})
    );
}

#[test]
fn previous_turns_are_context_but_instructions_are_not_carried_over() {
    let server = start(|_| {});
    let base = server.url();
    let first = create(
        &base,
        json!({"model": "m", "input": "one two three", "instructions": "be very brief"}),
    );
    // 3 words of input + 3 of instructions.
    assert_eq!(first["usage"]["input_tokens"], 6);
    let echo_words = first["usage"]["output_tokens"].as_u64().unwrap();
    let second = create(
        &base,
        json!({"model": "m", "input": "four five", "previous_response_id": first["id"]}),
    );
    assert_eq!(
        second["output"][0]["content"][0]["text"],
        format!("{ECHO}four five")
    );
    assert_eq!(second["previous_response_id"], first["id"]);
    assert_eq!(second["instructions"], Value::Null);
    // The first input, the first reply and the new input; not the first instructions.
    assert_eq!(second["usage"]["input_tokens"], 3 + echo_words + 2);
    let third = create(
        &base,
        json!({"model": "m", "input": "six", "previous_response_id": second["id"]}),
    );
    let out2 = second["usage"]["output_tokens"].as_u64().unwrap();
    assert_eq!(
        third["usage"]["input_tokens"],
        3 + echo_words + 2 + out2 + 1
    );
    // input_tokens counts the same way.
    let counted = post(
        &format!("{base}/v1/responses/input_tokens"),
        &json!({"model": "m", "input": "six", "previous_response_id": second["id"]}).to_string(),
    );
    assert_eq!(
        counted.json(),
        json!({"object": "response.input_tokens", "input_tokens": third["usage"]["input_tokens"]})
    );
    let plain = post(
        &format!("{base}/v1/responses/input_tokens"),
        r#"{"input": "a b", "instructions": "c"}"#,
    );
    assert_eq!(plain.json()["input_tokens"], 3);
}

#[test]
fn fixture_rules_match_on_the_whole_history() {
    let server = start(|_| {});
    server
        .mount(Rule::new().assistant_turns(1).reply_text("a second turn"))
        .unwrap();
    let base = server.url();
    let first = create(&base, json!({"model": "m", "input": "hi"}));
    assert!(
        first["output"][0]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with(ECHO)
    );
    let second = create(
        &base,
        json!({"model": "m", "input": "again", "previous_response_id": first["id"]}),
    );
    assert_eq!(second["output"][0]["content"][0]["text"], "a second turn");
}

#[test]
fn input_items_are_listed_a_page_at_a_time() {
    let server = start(|_| {});
    let base = server.url();
    let input: Vec<Value> = (0..5)
        .map(|i| json!({"role": "user", "content": format!("m{i}"), "id": format!("msg_{i}")}))
        .collect();
    let made = create(&base, json!({"model": "m", "input": input}));
    let items = format!(
        "{base}/v1/responses/{}/input_items",
        made["id"].as_str().unwrap()
    );
    let ids = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Newest first by default.
    let all = get(&items).json();
    assert_eq!(ids(&all), ["msg_4", "msg_3", "msg_2", "msg_1", "msg_0"]);
    assert_eq!(
        (
            all["first_id"].clone(),
            all["last_id"].clone(),
            all["has_more"].clone()
        ),
        (json!("msg_4"), json!("msg_0"), json!(false))
    );
    assert_eq!(
        all["data"][4],
        json!({"id": "msg_0", "type": "message", "status": "completed",
        "role": "user", "content": [{"type": "input_text", "text": "m0"}]})
    );
    let p1 = get(&format!("{items}?order=asc&limit=2")).json();
    assert_eq!(
        (ids(&p1), p1["has_more"].clone()),
        (vec!["msg_0".to_string(), "msg_1".into()], json!(true))
    );
    let p3 = get(&format!("{items}?order=asc&limit=2&after=msg_3")).json();
    assert_eq!(
        (ids(&p3), p3["has_more"].clone()),
        (vec!["msg_4".to_string()], json!(false))
    );
    let empty = get(&format!("{items}?order=asc&after=msg_4")).json();
    assert_eq!(
        empty,
        json!({"object": "list", "data": [], "first_id": null, "last_id": null, "has_more": false})
    );
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("order=up", "order"),
        ("after=msg_9", "after"),
    ] {
        let got = get(&format!("{items}?{query}"));
        assert_eq!(
            (got.status, got.error()["param"].clone()),
            (400, json!(param)),
            "{query}"
        );
    }
}

#[test]
fn scopes_do_not_see_each_other_and_reset_clears_one() {
    let server = start(|_| {});
    let base = server.url();
    let a = [("x-oaimock-scope", "a")];
    let b = [("x-oaimock-scope", "b")];
    let body = json!({"model": "m", "input": "x"}).to_string();
    let made_a = post_with(&format!("{base}/v1/responses"), &body, &a).json();
    let made_b = post_with(&format!("{base}/v1/responses"), &body, &b).json();
    let url_a = format!("{base}/v1/responses/{}", made_a["id"].as_str().unwrap());
    let url_b = format!("{base}/v1/responses/{}", made_b["id"].as_str().unwrap());
    assert_eq!(get_with(&url_a, &a).status, 200);
    assert_eq!(get_with(&url_a, &b).status, 404);
    assert_eq!(get(&url_a).status, 404, "no scope is a scope of its own");
    assert_eq!(
        post_with(&format!("{base}/_oaimock/reset"), "", &a).status,
        200
    );
    assert_eq!(get_with(&url_a, &a).status, 404);
    assert_eq!(get_with(&url_b, &b).status, 200);
    assert_eq!(post(&format!("{base}/_oaimock/reset"), "").status, 200);
    assert_eq!(get_with(&url_b, &b).status, 404);
}

#[test]
fn cancel_needs_a_background_response() {
    let server = start(|_| {});
    let base = server.url();
    let made = create(&base, json!({"model": "m", "input": "x"}));
    let got = post(
        &format!(
            "{base}/v1/responses/{}/cancel",
            made["id"].as_str().unwrap()
        ),
        "",
    );
    assert_eq!(got.status, 400);
    assert_eq!(
        got.error()["message"],
        "Only responses created with background=true can be cancelled."
    );
}

#[test]
fn the_journal_says_the_store_answered() {
    let server = start(|_| {});
    let base = server.url();
    let made = create(&base, json!({"model": "m", "input": "x"}));
    let id = made["id"].as_str().unwrap();
    get(&format!("{base}/v1/responses/{id}"));
    get(&format!("{base}/v1/responses/resp_unknown"));
    let seen = server.requests();
    let answered: Vec<(&str, &str, u16)> = seen
        .iter()
        .map(|r| (r.path.as_str(), r.answered_by.as_str(), r.status))
        .collect();
    assert_eq!(
        answered,
        [
            ("/v1/responses", "built-in", 200),
            (format!("/v1/responses/{id}").as_str(), "store", 200),
            ("/v1/responses/resp_unknown", "error", 404),
        ]
    );
}

#[test]
fn functions_called_in_earlier_turns_count_for_a_forced_choice() {
    let server = start(|_| {});
    let base = server.url();
    let tools = json!([
        {"type": "function", "name": "search", "parameters": {"type": "object"}},
        {"type": "function", "name": "final_result", "parameters": {"type": "object"}}
    ]);
    let first = create(
        &base,
        json!({"model": "m", "input": "find it", "tools": tools, "tool_choice": "required"}),
    );
    assert_eq!(first["output"][0]["name"], "search");
    let call_id = first["output"][0]["call_id"].clone();
    // Only the tool's result is sent: the call itself is in the stored turn.
    let second = create(
        &base,
        json!({"model": "m", "previous_response_id": first["id"], "tools": tools,
               "tool_choice": "required",
               "input": [{"type": "function_call_output", "call_id": call_id, "output": "found"}]}),
    );
    assert_eq!(second["output"][0]["name"], "final_result", "{second}");
}

#[test]
fn with_an_upstream_what_is_not_stored_here_is_the_upstreams() {
    let upstream = start(|_| {});
    let base = upstream.url();
    let proxy = start(move |c| c.upstream = Some(base));
    let url = proxy.url();
    // Forwarded, so stored upstream; read back and continued through the proxy.
    let made = create(&url, json!({"model": "m", "input": "one two"}));
    let id = made["id"].as_str().unwrap();
    let got = get(&format!("{url}/v1/responses/{id}"));
    assert_eq!((got.status, got.json()["id"].clone()), (200, json!(id)));
    let next = create(
        &url,
        json!({"model": "m", "input": "three", "previous_response_id": id}),
    );
    assert_eq!(next["previous_response_id"], json!(id));
    let seen: Vec<String> = upstream.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        seen,
        [
            "/v1/responses",
            &format!("/v1/responses/{id}"),
            "/v1/responses"
        ]
    );
}
