//! Random faults (`--fault-rate`) reach a batch's lines as they reach live requests: with half of
//! all API requests failing, some of twenty lines land in the error file with the fault's status
//! and error body, and the counts still add up.

mod common;

use std::time::{Duration, Instant};

use common::{field, file, get, post_with, start};
use serde_json::{Value, json};

/// Sends until the random fault lets the request through (as an SDK retries).
fn until_ok(send: impl Fn() -> common::Got) -> Value {
    for _ in 0..200 {
        let got = send();
        if got.status == 200 {
            return got.json();
        }
        assert_eq!(got.status, 503, "{}", got.body);
    }
    panic!("200 faults in a row at a rate of 0.5");
}

#[test]
fn random_faults_apply_to_batch_lines() {
    let server = start(|c| {
        c.fault_rate = 0.5;
        c.fault_statuses = vec![503];
        c.seed = Some(7);
    });
    let base = server.url();
    let text: String = (0..20)
        .map(|i| {
            json!({"custom_id": format!("r{i}"), "method": "POST", "url": "/v1/embeddings",
                   "body": {"model": "text-embedding-3-small", "input": format!("text {i}")}})
            .to_string()
                + "\n"
        })
        .collect();
    let parts = [
        field("purpose", "batch"),
        file("file", "in.jsonl", text.as_bytes()),
    ];
    let file_id = until_ok(|| common::post_form(&format!("{base}/v1/files"), &parts))["id"].clone();
    let body =
        json!({"input_file_id": file_id, "endpoint": "/v1/embeddings", "completion_window": "24h"});
    let headers = [("x-oaimock-batch-ms", "200")];
    let id =
        until_ok(|| post_with(&format!("{base}/v1/batches"), &body.to_string(), &headers))["id"]
            .as_str()
            .unwrap()
            .to_string();
    let started = Instant::now();
    let done = loop {
        let b = until_ok(|| get(&format!("{base}/v1/batches/{id}")));
        if b["status"] == "completed" {
            break b;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "stuck: {b}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let counts = &done["request_counts"];
    let (ok, failed) = (
        counts["completed"].as_u64().unwrap(),
        counts["failed"].as_u64().unwrap(),
    );
    assert_eq!((ok + failed, counts["total"].as_u64()), (20, Some(20)));
    assert!(failed > 0 && ok > 0, "{counts}");
    let url = format!(
        "{base}/v1/files/{}/content",
        done["error_file_id"].as_str().unwrap()
    );
    let errors = (0..200)
        .map(|_| get(&url))
        .find(|got| got.status == 200)
        .expect("one of 200 tries passes a fault rate of 0.5");
    let lines: Vec<Value> = errors
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, failed);
    for line in lines {
        assert_eq!(line["response"]["status_code"], 503, "{line}");
        assert_eq!(
            line["response"]["body"]["error"]["code"], "server_is_overloaded",
            "{line}"
        );
    }
}
