//! Batches listed over HTTP: a list does the work that is due for the batches on its page, as a
//! retrieve of each would, so a batch nobody retrieved is listed with the status a retrieve
//! shows (`completed` with its output file, not a stale `finalizing`).

mod common;

use std::time::{Duration, Instant};

use common::{field, file, get, post_form, post_with, start};
use serde_json::{Value, json};

#[test]
fn a_list_shows_what_a_retrieve_would() {
    let server = start(|_| {});
    let base = server.url();
    let line = json!({"custom_id": "one", "method": "POST", "url": "/v1/chat/completions",
                      "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}});
    let upload = post_form(
        &format!("{base}/v1/files"),
        &[
            field("purpose", "batch"),
            file("file", "in.jsonl", format!("{line}\n").as_bytes()),
        ],
    );
    assert_eq!(upload.status, 200, "{}", upload.body);
    let file_id = upload.json()["id"].as_str().unwrap().to_string();
    let body = json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"});
    let created = post_with(
        &format!("{base}/v1/batches"),
        &body.to_string(),
        &[("x-oaimock-batch-ms", "100")],
    );
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_string();

    // Only lists read the batch: its line runs and its output file is written by a list.
    let started = Instant::now();
    let listed: Value = loop {
        let page = get(&format!("{base}/v1/batches")).json();
        let [batch] = page["data"].as_array().unwrap().as_slice() else {
            panic!("one batch expected: {page}");
        };
        assert_eq!(batch["id"], id.as_str());
        if batch["status"] == "completed" {
            break batch.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the list never showed the batch completed: {batch}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(
        listed["request_counts"],
        json!({"total": 1, "completed": 1, "failed": 0})
    );
    let output_id = listed["output_file_id"].as_str().expect("an output file");
    let output = get(&format!("{base}/v1/files/{output_id}/content"));
    assert_eq!(output.status, 200, "{}", output.body);
    let out: Value = serde_json::from_str(output.body.trim()).unwrap();
    assert_eq!(out["custom_id"], "one");
    assert_eq!(out["response"]["status_code"], 200);
    // A retrieve of the same batch now answers the same object.
    let retrieved = get(&format!("{base}/v1/batches/{id}")).json();
    assert_eq!(retrieved, listed);
}
