//! `oaimock drift DIR`: each recorded exchange's request sent to oaimock's own built-in
//! behaviour (an in-process server without rules), and the two answers compared in shape, per
//! endpoint: the status, JSON fields present or missing and their types, the header names the
//! recording kept, and a stream's event names in order. A user runs it on fresh recordings to
//! see where the mock lags the API.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::conversation::Endpoint;
use crate::fixtures::{Kind, Rule};
use crate::recorded::{Recorded, RecordedBody};
use crate::server::Server;

/// The largest built-in answer drift reads (the largest reply oaimock builds).
const MAX_ANSWER: u64 = crate::text::MAX_RESPONSE_BYTES as u64;

/// The differences found, by endpoint (`chat`, `responses`, ...), each listed once.
pub(crate) type Report = BTreeMap<&'static str, BTreeSet<String>>;

/// Compares every recorded rule under `dir` with the built-in answer; `Err` when the
/// recordings cannot be loaded or the built-in server cannot start. Also returns how many
/// recorded exchanges were compared.
pub(crate) fn drift(dir: &Path) -> Result<(Report, usize), String> {
    let rules = crate::fixtures::load(dir).map_err(|e| e.problems.join("\n"))?;
    let server = Server::start(Config::for_tests()).map_err(|e| e.to_string())?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    let mut report = Report::new();
    let mut compared = 0;
    for rule in &rules.rules {
        let Some((endpoint, recorded)) = recording(rule) else {
            continue;
        };
        let (path, name) = route(endpoint);
        let body = request_body(rule);
        let url = format!("{}{path}", server.url());
        let answer = agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body.as_bytes());
        let mut response = match answer {
            Ok(response) => response,
            Err(e) => return Err(format!("the built-in server did not answer: {e}")),
        };
        let status = response.status().as_u16();
        let headers: BTreeSet<String> = response
            .headers()
            .keys()
            .map(|n| n.as_str().to_ascii_lowercase())
            .collect();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| format!("reading the built-in answer: {e}"))?;
        let found = report.entry(name).or_default();
        compare(recorded, status, &headers, &bytes, found);
        compared += 1;
    }
    report.retain(|_, found| !found.is_empty());
    Ok((report, compared))
}

/// The endpoint and the first recorded reply of a rule (a sequence's first recorded item).
fn recording(rule: &Rule) -> Option<(Endpoint, &Recorded)> {
    let endpoint = *rule.when.endpoints.as_ref()?.first()?;
    let recorded = match &rule.reply.kind {
        Kind::Recorded(recorded) => recorded,
        Kind::Sequence { items, .. } => items.iter().find_map(|item| match &item.kind {
            Kind::Recorded(recorded) => Some(recorded),
            _ => None,
        })?,
        _ => return None,
    };
    Some((endpoint, recorded))
}

fn route(endpoint: Endpoint) -> (&'static str, &'static str) {
    match endpoint {
        Endpoint::Chat => ("/v1/chat/completions", "chat"),
        Endpoint::Responses => ("/v1/responses", "responses"),
        Endpoint::Completions => ("/v1/completions", "completions"),
        Endpoint::Embeddings => ("/v1/embeddings", "embeddings"),
        Endpoint::Moderations => ("/v1/moderations", "moderations"),
        Endpoint::Speech => ("/v1/audio/speech", "speech"),
        Endpoint::Transcriptions => ("/v1/audio/transcriptions", "transcriptions"),
        Endpoint::Translations => ("/v1/audio/translations", "translations"),
        Endpoint::Images => ("/v1/images/generations", "images"),
    }
}

/// The request a recorded rule was written for: its `match.body` with its `match.model`.
fn request_body(rule: &Rule) -> String {
    let mut body: Map<String, Value> = rule.when.body.clone().unwrap_or_default();
    if let Some(model) = &rule.when.model {
        body.insert("model".into(), Value::String(model.clone()));
    }
    Value::Object(body).to_string()
}

/// Adds to `found` each way the built-in answer differs in shape from the recorded one.
fn compare(
    recorded: &Recorded,
    status: u16,
    headers: &BTreeSet<String>,
    bytes: &[u8],
    found: &mut BTreeSet<String>,
) {
    if recorded.status != status {
        found.insert(format!(
            "status: recorded {}, built-in {status}",
            recorded.status
        ));
    }
    for (name, _) in &recorded.headers {
        if !headers.contains(name) {
            found.insert(format!("header {name}: recorded, missing in built-in"));
        }
    }
    match &recorded.body {
        RecordedBody::Whole(recorded) => {
            let mut want = Shape::new();
            let mut have = Shape::new();
            if let Ok(value) = serde_json::from_slice::<Value>(recorded) {
                shape(&value, "body", &mut want);
            }
            if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
                shape(&value, "body", &mut have);
            }
            differ(&want, &have, found);
        }
        RecordedBody::Events(events) => {
            let recorded: Vec<(Option<&str>, &str)> = events
                .iter()
                .map(|e| (e.name.as_deref(), e.data.as_str()))
                .collect();
            let text = String::from_utf8_lossy(bytes);
            let built_in = parse_events(&text);
            let built_in: Vec<(Option<&str>, &str)> = built_in
                .iter()
                .map(|(n, d)| (n.as_deref(), d.as_str()))
                .collect();
            let (want_order, want) = stream_shape(&recorded);
            let (have_order, have) = stream_shape(&built_in);
            if want_order != have_order {
                found.insert(format!(
                    "stream events: recorded [{}], built-in [{}]",
                    want_order.join(", "),
                    have_order.join(", ")
                ));
            }
            differ(&want, &have, found);
        }
    }
}

/// Every JSON path with the types seen there (`body.choices[].index` → `number`).
type Shape = BTreeMap<String, BTreeSet<&'static str>>;

fn shape(value: &Value, path: &str, out: &mut Shape) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{path}[]"), out);
            }
            "array"
        }
        Value::Object(map) => {
            for (key, item) in map {
                shape(item, &format!("{path}.{key}"), out);
            }
            "object"
        }
    };
    out.entry(path.to_string()).or_default().insert(kind);
}

/// The fields only one side has (the outermost only: not every field inside a missing object),
/// and those whose types differ.
fn differ(want: &Shape, have: &Shape, found: &mut BTreeSet<String>) {
    let list = |kinds: &BTreeSet<&str>| kinds.iter().copied().collect::<Vec<_>>().join(" or ");
    let mut missing: Vec<&str> = Vec::new();
    for (path, kinds) in want {
        match have.get(path) {
            None if inside(&missing, path) => {}
            None => {
                missing.push(path);
                found.insert(format!("{path}: recorded, missing in built-in"));
            }
            Some(theirs) if theirs != kinds => {
                found.insert(format!(
                    "{path}: recorded {}, built-in {}",
                    list(kinds),
                    list(theirs)
                ));
            }
            Some(_) => {}
        }
    }
    let mut extra: Vec<&str> = Vec::new();
    for path in have.keys().filter(|p| !want.contains_key(*p)) {
        if !inside(&extra, path) {
            extra.push(path);
            found.insert(format!("{path}: built-in only, not in the recording"));
        }
    }
}

/// Whether `path` lies inside one of `roots` (`body.a.b` and `body.a[]` inside `body.a`).
fn inside(roots: &[&str], path: &str) -> bool {
    roots.iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

/// A stream's event names in order (repeats in a row once; `data` for unnamed events, `[DONE]`
/// for the end marker) and the shape of its JSON payloads by event name.
fn stream_shape(events: &[(Option<&str>, &str)]) -> (Vec<String>, Shape) {
    let mut order: Vec<String> = Vec::new();
    let mut out = Shape::new();
    for (name, data) in events {
        let label = match (name, *data) {
            (_, "[DONE]") => "[DONE]".to_string(),
            (Some(name), _) => name.to_string(),
            (None, _) => "data".to_string(),
        };
        if order.last() != Some(&label) {
            order.push(label.clone());
        }
        if let Ok(value) = serde_json::from_str::<Value>(data) {
            shape(&value, &format!("event {label}"), &mut out);
        }
    }
    (order, out)
}

/// The events of an SSE body: each one's `event:` name and `data:` text.
fn parse_events(text: &str) -> Vec<(Option<String>, String)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = Some(v.trim_start().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = Some(v.strip_prefix(' ').unwrap_or(v).to_string());
                }
            }
            Some((name, data?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_differ_by_missing_fields_and_types() {
        let (mut want, mut have) = (Shape::new(), Shape::new());
        shape(
            &json!({"a": 1, "b": [{"c": "x"}], "d": {"f": [1]}}),
            "body",
            &mut want,
        );
        shape(
            &json!({"a": "1", "b": [{"c": "y"}], "e": true}),
            "body",
            &mut have,
        );
        let mut found = BTreeSet::new();
        differ(&want, &have, &mut found);
        let found: Vec<String> = found.into_iter().collect();
        assert_eq!(
            found,
            [
                "body.a: recorded number, built-in string",
                "body.d: recorded, missing in built-in",
                "body.e: built-in only, not in the recording",
            ]
        );
    }

    #[test]
    fn stream_orders_collapse_repeats() {
        let events = [
            (Some("response.created"), "{}"),
            (Some("response.output_text.delta"), "{\"delta\":\"a\"}"),
            (Some("response.output_text.delta"), "{\"delta\":\"b\"}"),
            (Some("response.completed"), "{}"),
        ];
        let (order, _) = stream_shape(&events);
        assert_eq!(
            order,
            [
                "response.created",
                "response.output_text.delta",
                "response.completed"
            ]
        );
        assert_eq!(
            parse_events("event: x\ndata: 1\n\ndata: [DONE]\n\n").len(),
            2
        );
    }
}
