//! Helpers shared by the error test files: the check that a reply is a 400 in OpenAI's envelope.

use serde_json::json;

use super::Got;

/// Asserts a 400 whose envelope names `param` and carries `code`.
pub(crate) fn assert_400(got: &Got, param: Option<&str>, code: &str, message_part: &str) {
    assert_eq!(got.status, 400, "{}", got.body);
    assert_eq!(got.header("content-type"), Some("application/json"));
    let e = got.error();
    assert_eq!(e["type"], "invalid_request_error");
    assert_eq!(e["param"], json!(param), "{}", got.body);
    assert_eq!(e["code"], code, "{}", got.body);
    assert!(
        e["message"].as_str().unwrap().contains(message_part),
        "{}",
        got.body
    );
}
