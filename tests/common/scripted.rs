//! Helpers shared by the scripted-fixture test files: a server loaded with
//! tests/fixtures/scripted.json, chat requests, and reading replies and named events.

use oaimock::Server;
use serde_json::{Value, json};

use super::{Got, post, start};

pub(crate) fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn server() -> Server {
    start(|c| c.fixtures = Some(fixture("scripted.json").into()))
}

pub(crate) fn chat(server: &Server, body: Value) -> Got {
    post(
        &format!("{}/v1/chat/completions", server.url()),
        &body.to_string(),
    )
}

pub(crate) fn user(text: &str) -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "user", "content": text}]})
}

pub(crate) fn content(got: &Got) -> Value {
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()["choices"][0]["message"]["content"].clone()
}

pub(crate) fn is_call_id(id: &Value) -> bool {
    let id = id.as_str().unwrap();
    id.len() == 29 && id.starts_with("call_") && id[5..].bytes().all(|b| b.is_ascii_alphanumeric())
}
