//! The bounds of stored responses over HTTP: the oldest evicted at the cap, an object larger than a
//! scope may hold refused with a 400 naming the limit, and a large input stored within the default
//! caps and continued.

mod common;

use common::stored::create;
use common::{get_with, post, post_with, start};
use serde_json::json;

#[test]
fn the_oldest_responses_are_evicted_at_the_cap() {
    let server = start(|c| {
        c.store_scope_objects = 3;
        c.store_objects = 5;
    });
    let base = server.url();
    let ids: Vec<String> = (0..4)
        .map(|_| {
            create(&base, json!({"model": "m", "input": "x"}))["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let status = |id: &str, scope: &str| {
        get_with(
            &format!("{base}/v1/responses/{id}"),
            &[("x-oaimock-scope", scope)],
        )
        .status
    };
    assert_eq!(
        ids.iter().map(|id| status(id, "")).collect::<Vec<_>>(),
        [404, 200, 200, 200]
    );
    // Three more in another scope: five in total at most, so the oldest of the first scope goes.
    for _ in 0..3 {
        post_with(
            &format!("{base}/v1/responses"),
            r#"{"model": "m", "input": "y"}"#,
            &[("x-oaimock-scope", "s")],
        );
    }
    assert_eq!(
        ids.iter().map(|id| status(id, "")).collect::<Vec<_>>(),
        [404, 404, 200, 200]
    );
}

#[test]
fn an_object_larger_than_a_scope_may_hold_is_a_400_naming_the_limit() {
    let server = start(|c| c.store_scope_bytes = 2000);
    let got = post(
        &format!("{}/v1/responses", server.url()),
        &json!({"model": "m", "input": "word ".repeat(300)}).to_string(),
    );
    assert_eq!(got.status, 400);
    assert!(
        got.error()["message"]
            .as_str()
            .unwrap()
            .contains("limit of 2000 bytes"),
        "{}",
        got.body
    );
    // Not stored: nothing to continue.
    let small = post(
        &format!("{}/v1/responses", server.url()),
        r#"{"model": "m", "input": "x", "store": false}"#,
    );
    assert_eq!(small.status, 200);
}

#[test]
fn a_large_input_is_stored_within_the_default_caps_and_continued() {
    let server = start(|_| {});
    let base = server.url();
    // 6 MB of input: stored once as input items, and once more in the echo's output.
    let text = "word ".repeat(1_200_000);
    let made = create(&base, json!({"model": "m", "input": text}));
    let next = create(
        &base,
        json!({"model": "m", "input": "x", "previous_response_id": made["id"]}),
    );
    let out = made["usage"]["output_tokens"].as_u64().unwrap();
    assert_eq!(next["usage"]["input_tokens"], 1_200_000 + out + 1);
}
