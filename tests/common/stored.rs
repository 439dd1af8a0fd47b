//! Helpers shared by the stored-responses test files: creating a response and reading it back.

use serde_json::Value;

use super::post;

pub(crate) fn create(base: &str, body: Value) -> Value {
    let got = post(&format!("{base}/v1/responses"), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}
