//! What the Azure tests share: a URL on the server, the api-version they send, and the
//! content-filter results Azure's bodies carry.

use serde_json::{Value, json};

pub(crate) const VERSION: &str = "api-version=2024-10-21";

pub(crate) fn url(server: &oaimock::Server, path: &str) -> String {
    format!("{}{path}", server.url())
}

pub(crate) fn safe_prompt() -> Value {
    json!({"hate": {"filtered": false, "severity": "safe"},
           "jailbreak": {"filtered": false, "detected": false},
           "self_harm": {"filtered": false, "severity": "safe"},
           "sexual": {"filtered": false, "severity": "safe"},
           "violence": {"filtered": false, "severity": "safe"}})
}

pub(crate) fn completion_results(filtered: bool) -> Value {
    let violence = if filtered {
        json!({"filtered": true, "severity": "medium"})
    } else {
        json!({"filtered": false, "severity": "safe"})
    };
    json!({"hate": {"filtered": false, "severity": "safe"},
           "protected_material_code": {"filtered": false, "detected": false},
           "protected_material_text": {"filtered": false, "detected": false},
           "self_harm": {"filtered": false, "severity": "safe"},
           "sexual": {"filtered": false, "severity": "safe"},
           "violence": violence})
}
