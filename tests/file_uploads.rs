//! Uploads over HTTP: a File completed from parts in the order `part_ids` gives (the byte count
//! and an md5 checked), parts past the declared size refused, and a cancelled Upload closed.

mod common;

use common::{Got, file, get, post, start};
use serde_json::{Value, json};

fn create_upload(base: &str, bytes: usize) -> String {
    let body = json!({"filename": "big.jsonl", "purpose": "batch", "bytes": bytes, "mime_type": "text/jsonl"});
    let got = post(&format!("{base}/v1/uploads"), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    let u = got.json();
    assert_eq!(
        (
            u["object"].as_str(),
            u["status"].as_str(),
            u["file"].clone()
        ),
        (Some("upload"), Some("pending"), Value::Null)
    );
    u["id"].as_str().unwrap().to_string()
}

fn add_part(base: &str, upload: &str, data: &[u8]) -> Got {
    common::post_form(
        &format!("{base}/v1/uploads/{upload}/parts"),
        &[file("data", "blob", data)],
    )
}

#[test]
fn an_upload_completes_from_its_parts_in_the_given_order() {
    let server = start(|_| {});
    let base = server.url();
    let id = create_upload(&base, 9);
    let p1 = add_part(&base, &id, b"abc").json();
    assert_eq!(
        (p1["object"].as_str(), p1["upload_id"].as_str()),
        (Some("upload.part"), Some(id.as_str()))
    );
    let p2 = add_part(&base, &id, b"defghi").json();
    let over = add_part(&base, &id, b"j");
    assert_eq!(
        (over.status, over.error()["param"].as_str()),
        (400, Some("data"))
    );
    let complete = |ids: Value, md5: Option<&str>| {
        let mut body = json!({"part_ids": ids});
        if let Some(m) = md5 {
            body["md5"] = json!(m);
        }
        post(
            &format!("{base}/v1/uploads/{id}/complete"),
            &body.to_string(),
        )
    };
    let short = complete(json!([p1["id"]]), None);
    assert_eq!(
        (short.status, short.error()["param"].as_str()),
        (400, Some("part_ids"))
    );
    let wrong = complete(
        json!([p2["id"], p1["id"]]),
        Some("d41d8cd98f00b204e9800998ecf8427e"),
    );
    assert_eq!(
        (wrong.status, wrong.error()["param"].as_str()),
        (400, Some("md5")),
        "{}",
        wrong.body
    );
    // MD5 of "defghiabc".
    let done = complete(
        json!([p2["id"], p1["id"]]),
        Some("e60d672d4f973bc23a5aa5a04d7f018c"),
    );
    assert_eq!(done.status, 200, "{}", done.body);
    let u = done.json();
    assert_eq!(u["status"], "completed");
    let file_id = u["file"]["id"].as_str().unwrap();
    assert_eq!(
        (u["file"]["bytes"].as_u64(), u["file"]["purpose"].as_str()),
        (Some(9), Some("batch"))
    );
    let content = get(&format!("{base}/v1/files/{file_id}/content"));
    assert_eq!(
        (content.body.as_str(), content.header("content-type")),
        ("defghiabc", Some("text/jsonl"))
    );
    let again = add_part(&base, &id, b"x");
    assert!(
        again.error()["message"]
            .as_str()
            .unwrap()
            .contains("completed"),
        "{}",
        again.body
    );
}

#[test]
fn a_cancelled_upload_takes_no_more_parts_and_unknown_ones_are_404s() {
    let server = start(|_| {});
    let base = server.url();
    let id = create_upload(&base, 3);
    add_part(&base, &id, b"ab");
    let cancelled = post(&format!("{base}/v1/uploads/{id}/cancel"), "");
    assert_eq!(
        cancelled.json()["status"],
        "cancelled",
        "{}",
        cancelled.body
    );
    assert_eq!(add_part(&base, &id, b"c").status, 400);
    assert_eq!(
        post(&format!("{base}/v1/uploads/upload_nope/cancel"), "").status,
        404
    );
    let csv = post(
        &format!("{base}/v1/uploads"),
        &json!({"filename": "x.csv", "purpose": "batch", "bytes": 1, "mime_type": "text/csv"})
            .to_string(),
    );
    assert_eq!(
        csv.error()["message"],
        "Invalid file format for Batch API. Must be .jsonl"
    );
    let too_big = post(
        &format!("{base}/v1/uploads"),
        &json!({"filename": "x.jsonl", "purpose": "batch", "bytes": 1u64 << 40, "mime_type": "text/plain"}).to_string(),
    );
    assert_eq!(
        (too_big.status, too_big.error()["param"].as_str()),
        (400, Some("bytes")),
        "{}",
        too_big.body
    );
}
