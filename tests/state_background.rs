//! Background responses over HTTP: `queued` → `in_progress` → `completed` over the reply's natural
//! time, read from the clock when polled (no worker waits for it), cancel and its races, and a
//! background stream resumed with `starting_after`.

mod common;

use std::time::{Duration, Instant};

use common::{get, post, start};
use oaimock::Rule;
use serde_json::{Value, json};

fn create(base: &str, body: Value) -> Value {
    let got = post(&format!("{base}/v1/responses"), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

/// Polls until the status is not one of `waiting`; every status seen on the way.
fn poll(url: &str, waiting: &[&str]) -> (Vec<String>, Value) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let got = get(url);
        assert_eq!(got.status, 200, "{}", got.body);
        let body = got.json();
        let status = body["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if !waiting.contains(&status.as_str()) {
            return (seen, body);
        }
        assert!(Instant::now() < deadline, "still {status}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_background_response_is_queued_then_completes_when_polled() {
    let server = start(|_| {});
    server
        .mount(
            Rule::new()
                .ttft(Duration::from_millis(300))
                .reply_text("one two three"),
        )
        .unwrap();
    let base = server.url();
    let made = create(
        &base,
        json!({"model": "m", "input": "x", "background": true}),
    );
    assert_eq!(made["background"], true);
    assert_eq!(made["status"], "queued");
    assert_eq!(
        (
            made["output"].clone(),
            made["usage"].clone(),
            made["completed_at"].clone()
        ),
        (json!([]), Value::Null, Value::Null)
    );
    let url = format!("{base}/v1/responses/{}", made["id"].as_str().unwrap());
    let (seen, done) = poll(&url, &["queued"]);
    assert_eq!(seen.last().unwrap(), "completed");
    assert_eq!(done["output"][0]["content"][0]["text"], "one two three");
    assert_eq!(done["usage"]["output_tokens"], 3);
    // A cancel after completion changes nothing.
    let cancelled = post(&format!("{url}/cancel"), "").json();
    assert_eq!(cancelled, done);
    assert_eq!(get(&url).json(), done);
}

#[test]
fn the_words_take_their_token_delay_in_progress() {
    let server = start(|c| c.token_delay = Duration::from_millis(40));
    let base = server.url();
    let made = create(
        &base,
        json!({"model": "m", "input": "x", "background": true}),
    );
    assert_eq!(made["status"], "in_progress");
    let url = format!("{base}/v1/responses/{}", made["id"].as_str().unwrap());
    let (seen, done) = poll(&url, &["in_progress"]);
    assert_eq!(seen.last().unwrap(), "completed");
    assert!(
        done["output"][0]["content"][0]["text"]
            .as_str()
            .unwrap()
            .ends_with(": x")
    );
}

#[test]
fn polling_holds_no_worker() {
    // One request at a time: a worker asleep for a background response would make the next a 503.
    let server = start(|c| {
        c.max_connections = 1;
        c.token_delay = Duration::from_millis(500);
    });
    let base = server.url();
    let mut urls = Vec::new();
    for _ in 0..5 {
        let made = create(
            &base,
            json!({"model": "m", "input": "x", "background": true}),
        );
        urls.push(format!(
            "{base}/v1/responses/{}",
            made["id"].as_str().unwrap()
        ));
    }
    for url in &urls {
        let got = get(url);
        assert_eq!(got.status, 200, "{}", got.body);
        assert_eq!(got.json()["status"], "in_progress");
    }
}

#[test]
fn cancel_makes_it_cancelled_for_good() {
    let server = start(|c| c.token_delay = Duration::from_millis(30));
    let base = server.url();
    let made = create(
        &base,
        json!({"model": "m", "input": "x", "background": true}),
    );
    let url = format!("{base}/v1/responses/{}", made["id"].as_str().unwrap());
    let cancelled = post(&format!("{url}/cancel"), "").json();
    assert_eq!(
        (cancelled["status"].clone(), cancelled["output"].clone()),
        (json!("cancelled"), json!([]))
    );
    // Past the time it would have completed, it stays cancelled; cancelling again is the same.
    let words = 12;
    let until = Instant::now() + Duration::from_millis(30 * words + 200);
    while Instant::now() < until {
        assert_eq!(get(&url).json()["status"], "cancelled");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(post(&format!("{url}/cancel"), "").json(), cancelled);
}

#[test]
fn background_needs_store() {
    let server = start(|_| {});
    let got = post(
        &format!("{}/v1/responses", server.url()),
        r#"{"model": "m", "input": "x", "background": true, "store": false}"#,
    );
    assert_eq!(
        (got.status, got.error()["param"].clone()),
        (400, json!("background"))
    );
}

fn events(body: &str) -> Vec<Value> {
    body.trim_end_matches('\n')
        .split("\n\n")
        .map(|e| serde_json::from_str(e.split_once("data: ").unwrap().1).unwrap())
        .collect()
}

#[test]
fn a_background_stream_is_resumed_after_a_sequence_number() {
    let server = start(|_| {});
    let base = server.url();
    let got = post(
        &format!("{base}/v1/responses"),
        r#"{"model": "m", "input": "a b c", "background": true, "stream": true}"#,
    );
    let all = events(&got.body);
    assert_eq!(all[0]["response"]["background"], true);
    assert!(
        all.iter()
            .enumerate()
            .all(|(i, e)| e["sequence_number"] == i)
    );
    let id = all[0]["response"]["id"].as_str().unwrap();
    let url = format!("{base}/v1/responses/{id}?stream=true&starting_after=3");
    let rest = events(&get(&url).body);
    assert_eq!(rest, all[4..]);
    let whole = events(&get(&format!("{base}/v1/responses/{id}?stream=true")).body);
    assert_eq!(whole, all);
    let plain = create(&base, json!({"model": "m", "input": "x"}));
    let refused = get(&format!(
        "{base}/v1/responses/{}?stream=true",
        plain["id"].as_str().unwrap()
    ));
    assert_eq!(
        (refused.status, refused.error()["message"].clone()),
        (
            404,
            json!(format!(
                "Response with id '{}' not found.",
                plain["id"].as_str().unwrap()
            ))
        )
    );
}
