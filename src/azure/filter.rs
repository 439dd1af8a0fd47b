//! Azure's content filter, added in one place to every chat and legacy-completions answer on an
//! Azure route: `prompt_filter_results` beside the choices, `content_filter_results` in each
//! choice, and in a stream a first chunk that carries only the prompt's results (empty
//! `choices`), as Azure sends it. `x-oaimock-azure-filter: prompt` refuses the prompt (Azure's
//! 400); `completion` ends each choice with `finish_reason: "content_filter"`. A fixture does
//! the same with an `error` of code `content_filter` or a `finish_reason` of `content_filter`.

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::http::{Answer, Body, Event, to_json};

/// What the request asks the content filter to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    /// Refuse the prompt: a 400 with code `content_filter`.
    Prompt,
    /// Filter the completion: every choice ends with `finish_reason: "content_filter"`.
    Completion,
}

pub(crate) const HEADER: &str = "x-oaimock-azure-filter";

/// The request's `x-oaimock-azure-filter`, if any; another value than `prompt` or `completion`
/// is a 400.
pub(crate) fn requested(headers: &[(String, String)]) -> Result<Option<Filter>, ApiError> {
    let Some((_, value)) = headers.iter().find(|(n, _)| n == HEADER) else {
        return Ok(None);
    };
    match value.trim() {
        "prompt" => Ok(Some(Filter::Prompt)),
        "completion" => Ok(Some(Filter::Completion)),
        other => Err(ApiError::invalid(
            HEADER,
            "invalid_value",
            format!(
                "Invalid '{HEADER}' header: expected prompt or completion, but got '{other}' instead."
            ),
        )),
    }
}

fn safe() -> Value {
    json!({"filtered": false, "severity": "safe"})
}

fn undetected() -> Value {
    json!({"filtered": false, "detected": false})
}

/// The four severity categories; `violence` filtered at `medium` when `filtered`.
fn categories(filtered: bool) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("hate".into(), safe());
    map.insert("self_harm".into(), safe());
    map.insert("sexual".into(), safe());
    let violence = if filtered {
        json!({"filtered": true, "severity": "medium"})
    } else {
        safe()
    };
    map.insert("violence".into(), violence);
    map
}

/// A prompt's results: the categories and the jailbreak check.
pub(crate) fn prompt_results(filtered: bool) -> Value {
    let mut map = categories(filtered);
    map.insert("jailbreak".into(), undetected());
    Value::Object(map)
}

/// A completion's results: the categories and the protected-material checks.
fn completion_results(filtered: bool) -> Value {
    let mut map = categories(filtered);
    map.insert("protected_material_code".into(), undetected());
    map.insert("protected_material_text".into(), undetected());
    Value::Object(map)
}

fn prompt_filter_results() -> Value {
    json!([{"prompt_index": 0, "content_filter_results": prompt_results(false)}])
}

/// Whether a JSON object is a chat completion, a chat chunk or a legacy completion (plain or
/// chunk): the objects Azure adds filter results to.
fn filtered_kind(object: &Map<String, Value>) -> bool {
    matches!(
        object.get("object").and_then(Value::as_str),
        Some("chat.completion" | "chat.completion.chunk" | "text_completion")
    )
}

/// Adds the filter results to a successful answer; for [`Filter::Completion`], ends its choices
/// as filtered. An answer that is neither chat nor legacy completions is left alone.
pub(crate) fn apply(filter: Option<Filter>, answer: &mut Answer) {
    if answer.status != 200 {
        return;
    }
    let completion = filter == Some(Filter::Completion);
    match &mut answer.body {
        Body::Json(bytes) => {
            let Ok(Value::Object(mut object)) = serde_json::from_slice(bytes) else {
                return;
            };
            if !filtered_kind(&object) {
                return;
            }
            object.insert("prompt_filter_results".into(), prompt_filter_results());
            mark_choices(&mut object, completion, false);
            *bytes = to_json(&object, bytes.len() + 1024);
        }
        Body::Events(stream) => {
            let mut first = true;
            for event in stream.events.iter_mut() {
                if event.name.is_some() {
                    return;
                }
                let Ok(Value::Object(mut object)) = serde_json::from_slice(&event.data) else {
                    continue;
                };
                if !filtered_kind(&object) {
                    return;
                }
                first = false;
                mark_choices(&mut object, completion, true);
                event.data = to_json(&object, event.data.len() + 512);
            }
            if !first {
                let lead = json!({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                                  "prompt_filter_results": prompt_filter_results()});
                stream.events.insert(0, Event::json(None, &lead, false));
            }
        }
        Body::Data(..) | Body::Empty | Body::Relay(_) => {}
    }
}

/// Gives each choice its `content_filter_results`. A choice that ends with `content_filter` (a
/// fixture's, or every ending under [`Filter::Completion`]) shows the filtered category. In a
/// stream, a chunk without text carries empty results, as Azure's do.
fn mark_choices(object: &mut Map<String, Value>, completion: bool, chunk: bool) {
    let Some(Value::Array(choices)) = object.get_mut("choices") else {
        return;
    };
    for choice in choices.iter_mut().filter_map(Value::as_object_mut) {
        if completion && choice.get("finish_reason").is_some_and(|f| !f.is_null()) {
            choice.insert("finish_reason".into(), json!("content_filter"));
        }
        let filtered = choice.get("finish_reason") == Some(&json!("content_filter"));
        let has_text = |c: &Map<String, Value>| {
            let text = c.get("text").or_else(|| c.get("delta")?.get("content"));
            text.and_then(Value::as_str).is_some_and(|t| !t.is_empty())
        };
        let results = if filtered || !chunk || has_text(choice) {
            completion_results(filtered)
        } else {
            json!({})
        };
        choice.insert("content_filter_results".into(), results);
    }
}
