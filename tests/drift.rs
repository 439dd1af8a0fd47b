//! `oaimock drift DIR` (the real binary) over recordings of a second oaimock: none when the
//! recording is of the built-in behaviour itself, and a difference planted in a recording found.

mod common;

use std::path::{Path, PathBuf};

use common::dirs::{oaimock_on, temp_dir};
use common::{chat_body, post, start};

/// The recorded file whose name starts with `prefix`, as JSON.
fn file(dir: &Path, prefix: &str) -> (PathBuf, serde_json::Value) {
    let path = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} recording"));
    let text = std::fs::read_to_string(&path).unwrap();
    (path, serde_json::from_str(&text).unwrap())
}

#[test]
fn drift_finds_a_difference_planted_in_a_recording_and_none_otherwise() {
    let scratch = temp_dir("drift");
    let dir: PathBuf = scratch.to_path_buf();
    {
        let upstream = start(|_| {});
        let base = upstream.url();
        let record = dir.clone();
        let proxy = start(move |c| {
            c.upstream = Some(base);
            c.record = Some(record);
        });
        let url = |path: &str| format!("{}{path}", proxy.url());
        for (path, body) in [
            ("/v1/chat/completions", chat_body("hello", "")),
            (
                "/v1/chat/completions",
                chat_body("hello", r#""stream":true"#),
            ),
            (
                "/v1/responses",
                r#"{"model":"gpt-4o","input":"hi"}"#.to_string(),
            ),
            (
                "/v1/responses",
                r#"{"model":"gpt-4o","input":"hi","stream":true}"#.to_string(),
            ),
            (
                "/v1/embeddings",
                r#"{"model":"text-embedding-3-small","input":"hi"}"#.to_string(),
            ),
            (
                "/v1/completions",
                r#"{"model":"gpt-3.5-turbo-instruct","prompt":"hi"}"#.to_string(),
            ),
        ] {
            assert_eq!(post(&url(path), &body).status, 200);
        }
    }
    let (ok, text) = oaimock_on("drift", &dir);
    assert!(ok, "{text}");
    assert!(text.contains("no drift in 6 recorded exchanges"), "{text}");

    // Plant a field the built-in chat completion lacks, and rename a Responses stream event.
    let (path, mut rule) = file(&dir, "chat-whole-");
    let recorded = &mut rule["rules"][0]["reply"]["recorded"];
    let mut body: serde_json::Value =
        serde_json::from_str(recorded["body_text"].as_str().unwrap()).unwrap();
    body["planted"] = serde_json::json!({"deep": 1});
    recorded["body_text"] = body.to_string().into();
    std::fs::write(&path, rule.to_string()).unwrap();
    let (path, mut rule) = file(&dir, "responses-stream-");
    let events = &mut rule["rules"][0]["reply"]["recorded"]["events"];
    assert_eq!(events[0]["event"], "response.created");
    events[0]["event"] = "response.begun".into();
    std::fs::write(&path, rule.to_string()).unwrap();

    let (ok, text) = oaimock_on("drift", &dir);
    assert!(!ok, "{text}");
    assert!(
        text.contains("chat:\n  body.planted: recorded, missing in built-in\n"),
        "{text}"
    );
    // Only the outermost missing field is listed, not each one inside it.
    assert!(!text.contains("body.planted.deep"), "{text}");
    assert!(
        text.contains("responses:\n  event response.begun: recorded, missing in built-in\n"),
        "{text}"
    );
    assert!(
        text.contains("  event response.created: built-in only, not in the recording\n"),
        "{text}"
    );
    assert!(
        text.contains("stream events: recorded [response.begun, "),
        "{text}"
    );
    assert!(!text.contains("embeddings:"), "{text}");
}
