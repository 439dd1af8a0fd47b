//! Files over HTTP: a binary round trip with its exact bytes, listing by purpose a page at a
//! time, deletion, the API's errors, hostile forms on `/v1/files`, files larger than the body
//! limit or the store, eviction by the store's caps, and reset by scope.

mod common;

use common::{BOUNDARY, Got, agent, field, file, get, get_with, post_bytes, start};
use serde_json::json;

fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn upload(base: &str, name: &str, purpose: &str, data: &[u8], headers: &[(&str, &str)]) -> Got {
    let body = common::form(&[field("purpose", purpose), file("file", name, data)]);
    let mut rq = agent()
        .post(format!("{base}/v1/files"))
        .header("Content-Type", form_type());
    for (n, v) in headers {
        rq = rq.header(*n, *v);
    }
    let resp = rq.send(&body[..]).expect("sent");
    common::got_of(resp)
}

fn delete(url: &str) -> Got {
    common::got_of(agent().delete(url).call().expect("sent"))
}

fn binary() -> Vec<u8> {
    (0..=255u8)
        .cycle()
        .take(70_000)
        .chain([0, 13, 10, 45, 45])
        .collect()
}

#[test]
fn a_binary_file_round_trips_byte_for_byte() {
    let server = start(|_| {});
    let base = server.url();
    let data = binary();
    let got = upload(&base, "blob.bin", "user_data", &data, &[]);
    assert_eq!(got.status, 200, "{}", got.body);
    let f = got.json();
    let id = f["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("file-"), "{id}");
    assert_eq!(f["object"], "file");
    assert_eq!(f["bytes"], data.len());
    assert_eq!(f["filename"], "blob.bin");
    assert_eq!(f["purpose"], "user_data");
    assert_eq!(f["status"], "processed");
    assert!(f.get("expires_at").is_none());
    assert_eq!(get(&format!("{base}/v1/files/{id}")).json(), f);
    let content = get(&format!("{base}/v1/files/{id}/content"));
    assert_eq!(content.status, 200);
    assert_eq!(
        content.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(content.bytes == data, "the bytes differ");
    let gone = delete(&format!("{base}/v1/files/{id}"));
    assert_eq!(
        gone.json(),
        json!({"id": id, "object": "file", "deleted": true})
    );
    for url in [
        format!("{base}/v1/files/{id}"),
        format!("{base}/v1/files/{id}/content"),
    ] {
        let got = get(&url);
        assert_eq!(got.status, 404);
        assert_eq!(got.error()["message"], format!("No such File object: {id}"));
    }
    assert_eq!(delete(&format!("{base}/v1/files/{id}")).status, 404);
}

#[test]
fn expires_after_sets_expires_at_within_the_api_s_range() {
    let server = start(|_| {});
    let url = format!("{}/v1/files", server.url());
    let send = |seconds: &str| {
        let parts = [
            field("purpose", "batch"),
            field("expires_after[anchor]", "created_at"),
            field("expires_after[seconds]", seconds),
            file("file", "a.jsonl", b"{}\n"),
        ];
        common::post_form(&url, &parts)
    };
    let f = send("3600").json();
    assert_eq!(
        f["expires_at"].as_u64().unwrap(),
        f["created_at"].as_u64().unwrap() + 3600
    );
    let plain = common::post_form(
        &url,
        &[field("purpose", "batch"), file("file", "b.jsonl", b"{}\n")],
    )
    .json();
    assert_eq!(
        plain["expires_at"].as_u64().unwrap(),
        plain["created_at"].as_u64().unwrap() + 2_592_000,
        "a batch file expires after 30 days by default"
    );
    let named = common::post_form(
        &url,
        &[field("purpose", "batch"), file("file", "b.csv", b"x")],
    );
    assert_eq!(named.status, 400);
    assert_eq!(
        named.error()["message"],
        "Invalid file format for Batch API. Must be .jsonl"
    );
    let e = send("60");
    assert_eq!(e.status, 400);
    assert_eq!(e.error()["param"], "expires_after.seconds");
}

#[test]
fn files_are_listed_newest_first_by_purpose_a_page_at_a_time() {
    let server = start(|_| {});
    let base = server.url();
    let mut ids = Vec::new();
    for i in 0..5 {
        let purpose = if i == 2 { "assistants" } else { "batch" };
        let f = upload(&base, &format!("f{i}.jsonl"), purpose, b"{}", &[]).json();
        ids.push(f["id"].as_str().unwrap().to_string());
    }
    let batch: Vec<&str> = [4, 3, 1, 0].iter().map(|&i| ids[i].as_str()).collect();
    let page = get(&format!("{base}/v1/files?purpose=batch&limit=3")).json();
    let listed: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, batch[..3]);
    assert_eq!(
        (page["has_more"].clone(), page["object"].clone()),
        (json!(true), json!("list"))
    );
    assert_eq!(page["last_id"], batch[2]);
    let next = get(&format!(
        "{base}/v1/files?purpose=batch&limit=3&after={}",
        batch[2]
    ))
    .json();
    assert_eq!(next["data"][0]["id"], batch[3]);
    assert_eq!(next["has_more"], false);
    let asc = get(&format!("{base}/v1/files?order=asc")).json();
    assert_eq!(asc["data"].as_array().unwrap().len(), 5);
    assert_eq!(asc["first_id"], ids[0]);
    let e = get(&format!("{base}/v1/files?limit=0"));
    assert_eq!(
        (e.status, e.error()["param"].clone()),
        (400, json!("limit"))
    );
}

#[test]
fn bad_forms_get_the_api_s_errors_naming_the_parameter() {
    let server = start(|_| {});
    let url = format!("{}/v1/files", server.url());
    let cases: Vec<(Vec<common::FormPart>, &str, &str)> = vec![
        (
            vec![file("file", "a.txt", b"x")],
            "purpose",
            "Missing required parameter: 'purpose'.",
        ),
        (
            vec![field("purpose", "batch")],
            "file",
            "Missing required parameter: 'file'.",
        ),
        (
            vec![field("purpose", "fun"), file("file", "a.txt", b"x")],
            "purpose",
            "Invalid value for 'purpose': 'fun'.",
        ),
        (
            vec![field("purpose", "batch"), field("file", "just text")],
            "file",
            "expected a file, but got a string",
        ),
    ];
    for (parts, param, message) in cases {
        let got = common::post_form(&url, &parts);
        got.assert_invalid(param, message);
    }
}

#[test]
fn hostile_forms_on_files_are_400s_and_the_server_keeps_serving() {
    let server = start(|_| {});
    let base = server.url();
    let url = format!("{base}/v1/files");
    let good = common::form(&[field("purpose", "batch"), file("file", "a.jsonl", b"{}")]);
    let mut many = Vec::new();
    for i in 0..10_000 {
        many.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n")
                .as_bytes(),
        );
    }
    many.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let mut huge = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"").into_bytes();
    huge.extend(std::iter::repeat_n(b'a', 1_000_000));
    let cases: Vec<(String, Vec<u8>, &str)> = vec![
        (
            "multipart/form-data".into(),
            good.clone(),
            "no boundary parameter",
        ),
        (
            form_type(),
            good[..good.len() - 20].to_vec(),
            "not terminated",
        ),
        (form_type(), huge, "longer than 4096 bytes"),
        (form_type(), many, "more than 100 parts"),
    ];
    for (content_type, body, message) in cases {
        let got = post_bytes(&url, &content_type, &body);
        let e = got.error();
        assert_eq!(
            (got.status, e["code"].as_str()),
            (400, Some("invalid_multipart")),
            "{}",
            got.body
        );
        assert!(
            e["message"].as_str().unwrap().contains(message),
            "{message}: {}",
            got.body
        );
    }
    assert_eq!(get(&format!("{base}/v1/files")).json()["data"], json!([]));
    assert_eq!(upload(&base, "a.jsonl", "batch", b"{}", &[]).status, 200);
}

#[test]
fn files_over_the_body_limit_or_the_store_are_refused_naming_the_limit() {
    let server = start(|c| {
        c.max_body_bytes = 200_000;
        c.store_scope_bytes = 100_000;
    });
    let base = server.url();
    let big = upload(&base, "big.bin", "user_data", &vec![7u8; 300_000], &[]);
    assert_eq!(big.status, 413, "{}", big.body);
    let over = upload(&base, "over.bin", "user_data", &vec![7u8; 150_000], &[]);
    let e = over.error();
    assert_eq!(
        (over.status, e["code"].as_str()),
        (400, Some("object_too_large")),
        "{}",
        over.body
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("--store-scope-bytes"),
        "{}",
        over.body
    );
    assert_eq!(get(&format!("{base}/v1/files")).json()["data"], json!([]));
}

#[test]
fn a_full_scope_evicts_its_oldest_files_and_reset_clears_only_its_scope() {
    let server = start(|c| c.store_scope_bytes = 100_000);
    let base = server.url();
    let a = [("x-oaimock-scope", "a")];
    let b = [("x-oaimock-scope", "b")];
    let id = |g: Got| g.json()["id"].as_str().unwrap().to_string();
    let first = id(upload(&base, "1.bin", "user_data", &[1u8; 40_000], &a));
    let second = id(upload(&base, "2.bin", "user_data", &[2u8; 40_000], &a));
    let other = id(upload(&base, "3.bin", "user_data", &[3u8; 40_000], &b));
    let third = id(upload(&base, "4.bin", "user_data", &[4u8; 40_000], &a));
    let got = |id: &str, h: &[(&str, &str)]| get_with(&format!("{base}/v1/files/{id}"), h).status;
    assert_eq!(
        got(&first, &a),
        404,
        "the oldest file of scope a is evicted"
    );
    assert_eq!(
        (got(&second, &a), got(&third, &a), got(&other, &b)),
        (200, 200, 200)
    );
    assert_eq!(got(&other, &a), 404, "scopes do not see each other's files");
    let reset = common::post_with(&format!("{base}/_oaimock/reset"), "{}", &a);
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!((got(&second, &a), got(&other, &b)), (404, 200));
}
