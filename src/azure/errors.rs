//! Azure's own error bodies: `{"error": {"code", "message"}}` for a path, version or key it
//! refuses and for a rate limit, and the content filter's 400 with its `innererror`. Where each
//! shape was seen is in `tests/docs/azure.md`.

use serde_json::{Value, json};

use super::Call;
use super::filter;
use crate::http::{Answer, Body, to_json};

fn azure(status: u16, code: &str, message: &str) -> Box<Answer> {
    let body = json!({"error": {"code": code, "message": message}});
    Box::new(Answer::new(status, Body::Json(to_json(&body, 128))))
}

/// An unknown path, or a classic route without `api-version`.
pub(super) fn not_found() -> Box<Answer> {
    azure(404, "404", "Resource not found")
}

pub(super) fn version_not_supported() -> Box<Answer> {
    azure(400, "BadRequest", "API version not supported")
}

pub(super) fn bad_key() -> Box<Answer> {
    azure(
        401,
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    )
}

pub(super) fn missing_key() -> Box<Answer> {
    azure(
        401,
        "401",
        "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
    )
}

pub(super) fn bad_token() -> Box<Answer> {
    azure(
        401,
        "401",
        "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.",
    )
}

/// The prompt filter's 400, as Azure sends it for a filtered prompt.
pub(crate) fn prompt_filtered() -> Value {
    json!({"error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
        "type": null,
        "param": "prompt",
        "code": "content_filter",
        "status": 400,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": filter::prompt_results(true),
        },
    }})
}

/// Azure's body for an OpenAI error body the family or the pipeline produced, when Azure's differs:
/// a 400 `content_filter` (a fixture's), a 429 (the rate limit or an injected one), a 404
/// `model_not_found` on a deployment route.
pub(super) fn azure_body(call: &Call, answer: &Answer) -> Option<Vec<u8>> {
    let Body::Json(bytes) = &answer.body else {
        return None;
    };
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let code = value["error"]["code"].as_str();
    let body = match (answer.status, code) {
        (400, Some("content_filter")) => prompt_filtered(),
        (429, _) => {
            let wait = answer
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
                .map_or("1", |(_, v)| v.as_str());
            let scope = call
                .deployment
                .as_ref()
                .map_or_else(String::new, |d| format!(" for deployment {d}"));
            json!({"error": {"code": "429", "message": format!(
                "Requests to the Azure OpenAI API{scope} have exceeded the rate limit of your current OpenAI S0 pricing tier. Please retry after {wait} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."
            )}})
        }
        (404, Some("model_not_found")) if call.deployment.is_some() => {
            json!({"error": {"code": "DeploymentNotFound", "message": "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}})
        }
        _ => return None,
    };
    Some(to_json(&body, 256))
}
