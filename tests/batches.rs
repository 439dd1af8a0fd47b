//! Batches over HTTP: every line runs through the live endpoint's code (the same reply, fixture
//! rules and their scripted errors), the status walks validating → in_progress → finalizing →
//! completed over `x-oaimock-batch-ms`, a bad input file fails with the API's errors list, a
//! cancel keeps the partial output, a batch past its window expires, and request errors name
//! their parameter.

mod common;

use std::time::{Duration, Instant};

use common::{BOUNDARY, Got, agent, field, file, get, post, post_with, start};
use serde_json::{Value, json};

fn upload_jsonl(base: &str, lines: &[String], scope: &str) -> String {
    let text = lines.join("\n") + "\n";
    let body = common::form(&[
        field("purpose", "batch"),
        file("file", "in.jsonl", text.as_bytes()),
    ]);
    let resp = agent()
        .post(format!("{base}/v1/files"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("x-oaimock-scope", scope)
        .send(&body[..])
        .expect("sent");
    let got = common::got_of(resp);
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()["id"].as_str().unwrap().to_string()
}

fn chat_line(id: &str, content: &str) -> (String, Value) {
    let body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]});
    let line =
        json!({"custom_id": id, "method": "POST", "url": "/v1/chat/completions", "body": body});
    (line.to_string(), body)
}

fn create(base: &str, file_id: &str, headers: &[(&str, &str)]) -> Got {
    let body = json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                      "completion_window": "24h", "metadata": {"suite": "batches"}});
    post_with(&format!("{base}/v1/batches"), &body.to_string(), headers)
}

fn get_scoped(url: &str, scope: &str) -> Got {
    common::get_with(url, &[("x-oaimock-scope", scope)])
}

/// Polls the batch until `done` holds, recording each status seen; fails after 10 s.
fn poll(base: &str, id: &str, scope: &str, done: impl Fn(&Value) -> bool) -> (Value, Vec<String>) {
    let started = Instant::now();
    let mut seen: Vec<String> = Vec::new();
    loop {
        let b = get_scoped(&format!("{base}/v1/batches/{id}"), scope).json();
        let status = b["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        if done(&b) {
            return (b, seen);
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "batch stuck: {b}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn content_lines(base: &str, file_id: &Value, scope: &str) -> Vec<Value> {
    let got = get_scoped(
        &format!("{base}/v1/files/{}/content", file_id.as_str().unwrap()),
        scope,
    );
    assert_eq!(got.status, 200, "{}", got.body);
    got.body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn each_line_gets_the_live_endpoint_s_reply_and_errors_go_to_the_error_file() {
    let server = start(|_| {});
    let base = server.url();
    let rule = json!({"rules": [{"match": {"user": {"contains": "fail me"}},
                                  "reply": {"error": {"status": 429, "message": "Slow down."}}}]});
    assert_eq!(
        post(&format!("{base}/_oaimock/fixtures"), &rule.to_string()).status,
        200
    );
    let (l1, b1) = chat_line("one", "hello there");
    let (l2, b2) = chat_line("two", "second question");
    let (l3, _) = chat_line("scripted", "please fail me");
    let bad = json!({"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions",
                     "body": {"model": "gpt-4o-mini"}})
    .to_string();
    let file_id = upload_jsonl(&base, &[l1, l2, l3, bad], "s1");
    let scope = [("x-oaimock-scope", "s1"), ("x-oaimock-batch-ms", "400")];
    let created = create(&base, &file_id, &scope);
    assert_eq!(created.status, 200, "{}", created.body);
    let b = created.json();
    assert_eq!(
        (b["status"].as_str(), b["object"].as_str()),
        (Some("validating"), Some("batch"))
    );
    assert_eq!(b["metadata"], json!({"suite": "batches"}));
    assert_eq!(
        b["request_counts"],
        json!({"total": 4, "completed": 0, "failed": 0})
    );
    let id = b["id"].as_str().unwrap();
    let (done, seen) = poll(&base, id, "s1", |b| b["status"] == "completed");
    assert_eq!(
        seen,
        ["validating", "in_progress", "finalizing", "completed"],
        "{done}"
    );
    assert_eq!(
        done["request_counts"],
        json!({"total": 4, "completed": 2, "failed": 2})
    );
    for key in ["in_progress_at", "finalizing_at", "completed_at"] {
        assert!(
            done[key].as_u64().unwrap() >= done["created_at"].as_u64().unwrap(),
            "{key}"
        );
    }
    let output = content_lines(&base, &done["output_file_id"], "s1");
    assert_eq!(output.len(), 2);
    for (line, (custom_id, body)) in output.iter().zip([("one", b1), ("two", b2)]) {
        assert_eq!(line["custom_id"], custom_id);
        assert_eq!(line["error"], Value::Null);
        assert!(line["id"].as_str().unwrap().starts_with("batch_req_"));
        let response = &line["response"];
        assert_eq!(response["status_code"], 200);
        assert!(response["request_id"].as_str().unwrap().starts_with("req_"));
        let live = post_with(
            &format!("{base}/v1/chat/completions"),
            &body.to_string(),
            &[("x-oaimock-scope", "s1")],
        )
        .json();
        for key in ["object", "model", "choices", "usage"] {
            assert_eq!(response["body"][key], live[key], "{key} of {custom_id}");
        }
    }
    let errors = content_lines(&base, &done["error_file_id"], "s1");
    let by_id: Vec<(&str, u64)> = errors
        .iter()
        .map(|l| {
            (
                l["custom_id"].as_str().unwrap(),
                l["response"]["status_code"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_id, [("scripted", 429), ("bad", 400)]);
    assert_eq!(
        errors[0]["response"]["body"]["error"]["message"],
        "Slow down."
    );
    assert_eq!(errors[1]["response"]["body"]["error"]["param"], "messages");
    let out_file = get_scoped(
        &format!(
            "{base}/v1/files/{}",
            done["output_file_id"].as_str().unwrap()
        ),
        "s1",
    )
    .json();
    assert_eq!(out_file["purpose"], "batch_output");
}

#[test]
fn a_bad_input_file_fails_the_batch_with_the_api_s_errors() {
    let server = start(|_| {});
    let base = server.url();
    let (good, _) = chat_line("a", "hi");
    let lines = [
        good.clone(),
        "{not json".to_string(),
        good,
        json!({"custom_id": "c", "method": "POST", "url": "/v1/embeddings", "body": {}})
            .to_string(),
    ];
    let file_id = upload_jsonl(&base, &lines, "");
    let created = create(&base, &file_id, &[("x-oaimock-batch-ms", "1000")]).json();
    assert_eq!(created["status"], "validating");
    assert!(created.get("errors").is_none(), "{created}");
    let id = created["id"].as_str().unwrap();
    let (failed, seen) = poll(&base, id, "", |b| b["status"] == "failed");
    assert_eq!(seen.last().map(String::as_str), Some("failed"));
    assert!(
        seen.iter().all(|s| s == "validating" || s == "failed"),
        "{seen:?}"
    );
    let codes: Vec<(&str, u64)> = failed["errors"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("invalid_json_line", 2),
            ("duplicate_custom_id", 3),
            ("url_mismatch", 4)
        ]
    );
    assert_eq!(failed["errors"]["object"], "list");
    assert_eq!(
        failed["request_counts"],
        json!({"total": 0, "completed": 0, "failed": 0})
    );
    assert!(failed.get("output_file_id").is_none());
    assert!(failed["failed_at"].is_u64());
}

#[test]
fn a_cancel_mid_run_keeps_the_partial_output() {
    let server = start(|_| {});
    let base = server.url();
    let lines: Vec<String> = (0..10)
        .map(|i| chat_line(&format!("r{i}"), &format!("question {i}")).0)
        .collect();
    let file_id = upload_jsonl(&base, &lines, "");
    let created = create(&base, &file_id, &[("x-oaimock-batch-ms", "3000")]).json();
    let id = created["id"].as_str().unwrap();
    poll(&base, id, "", |b| {
        b["request_counts"]["completed"].as_u64().unwrap() >= 1
    });
    let cancelling = post(&format!("{base}/v1/batches/{id}/cancel"), "");
    assert_eq!(
        cancelling.json()["status"],
        "cancelling",
        "{}",
        cancelling.body
    );
    let (cancelled, _) = poll(&base, id, "", |b| b["status"] == "cancelled");
    let completed = cancelled["request_counts"]["completed"].as_u64().unwrap();
    assert!((1..10).contains(&completed), "{cancelled}");
    assert!(cancelled["cancelled_at"].is_u64() && cancelled["cancelling_at"].is_u64());
    let output = content_lines(&base, &cancelled["output_file_id"], "");
    assert_eq!(output.len() as u64, completed);
    assert_eq!(output[0]["custom_id"], "r0");
    let again = post(&format!("{base}/v1/batches/{id}/cancel"), "");
    assert_eq!(again.status, 409, "{}", again.body);
}

#[test]
fn a_batch_past_its_window_expires_with_the_rest_in_the_error_file() {
    let server = start(|_| {});
    let base = server.url();
    let lines: Vec<String> = (0..3)
        .map(|i| chat_line(&format!("r{i}"), "hi").0)
        .collect();
    let file_id = upload_jsonl(&base, &lines, "");
    let headers = [
        ("x-oaimock-batch-ms", "100000"),
        ("x-oaimock-batch-window-ms", "200"),
    ];
    let id = create(&base, &file_id, &headers).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (expired, _) = poll(&base, &id, "", |b| b["status"] == "expired");
    assert_eq!(
        expired["request_counts"],
        json!({"total": 3, "completed": 0, "failed": 3})
    );
    let errors = content_lines(&base, &expired["error_file_id"], "");
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0]["error"]["code"], "batch_expired");
    assert_eq!(errors[0]["response"], Value::Null);
}

#[test]
fn create_errors_name_their_parameter_and_batches_are_listed_and_reset() {
    let server = start(|_| {});
    let base = server.url();
    let (line, _) = chat_line("a", "hi");
    let batch_file = upload_jsonl(&base, std::slice::from_ref(&line), "");
    let other = common::post_form(
        &format!("{base}/v1/files"),
        &[field("purpose", "assistants"), file("file", "a.txt", b"x")],
    )
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{base}/v1/batches");
    let cases = [
        (
            json!({"input_file_id": batch_file, "endpoint": "/v1/moderations", "completion_window": "24h"}),
            400,
            "endpoint",
        ),
        (
            json!({"input_file_id": batch_file, "endpoint": "/v1/chat/completions", "completion_window": "1h"}),
            400,
            "completion_window",
        ),
        (
            json!({"input_file_id": other, "endpoint": "/v1/chat/completions", "completion_window": "24h"}),
            400,
            "input_file_id",
        ),
        (
            json!({"input_file_id": "file-nope", "endpoint": "/v1/chat/completions", "completion_window": "24h"}),
            404,
            "input_file_id",
        ),
        (
            json!({"endpoint": "/v1/chat/completions", "completion_window": "24h"}),
            400,
            "input_file_id",
        ),
    ];
    for (body, status, param) in cases {
        let got = post(&url, &body.to_string());
        assert_eq!(
            (got.status, got.error()["param"].as_str()),
            (status, Some(param)),
            "{}",
            got.body
        );
    }
    let bad_header = create(&base, &batch_file, &[("x-oaimock-batch-ms", "0")]);
    assert_eq!(
        (bad_header.status, bad_header.error()["param"].as_str()),
        (400, Some("x-oaimock-batch-ms"))
    );
    let ids: Vec<String> = (0..3)
        .map(|_| {
            create(&base, &batch_file, &[]).json()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let page = get(&format!("{url}?limit=2")).json();
    let listed: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
    assert_eq!(page["has_more"], true);
    let rest = get(&format!("{url}?limit=2&after={}", ids[1])).json();
    assert_eq!(rest["data"][0]["id"], ids[0].as_str());
    assert_eq!(rest["has_more"], false);
    assert_eq!(get(&format!("{url}/batch_nope")).status, 404);
    assert_eq!(post(&format!("{base}/_oaimock/reset"), "{}").status, 200);
    assert_eq!(get(&format!("{url}/{}", ids[0])).status, 404);
    assert_eq!(get(&url).json()["data"], json!([]));
}

#[test]
fn a_streaming_line_is_an_error_line_and_other_endpoints_run_too() {
    let server = start(|_| {});
    let base = server.url();
    let line = |id: &str, stream: bool| {
        json!({"custom_id": id, "method": "POST", "url": "/v1/completions",
               "body": {"model": "gpt-3.5-turbo-instruct", "prompt": "say this", "stream": stream}})
        .to_string()
    };
    let file_id = upload_jsonl(&base, &[line("plain", false), line("streamed", true)], "");
    let body = json!({"input_file_id": file_id, "endpoint": "/v1/completions", "completion_window": "24h"});
    let created = post_with(
        &format!("{base}/v1/batches"),
        &body.to_string(),
        &[("x-oaimock-batch-ms", "100")],
    );
    let id = created.json()["id"].as_str().unwrap().to_string();
    let (done, _) = poll(&base, &id, "", |b| b["status"] == "completed");
    let output = content_lines(&base, &done["output_file_id"], "");
    assert_eq!(output[0]["response"]["body"]["object"], "text_completion");
    let errors = content_lines(&base, &done["error_file_id"], "");
    assert_eq!(errors[0]["custom_id"], "streamed");
    assert_eq!(
        errors[0]["response"]["body"]["error"]["param"],
        "body.stream"
    );
}
