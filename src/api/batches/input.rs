//! A batch's input file, read line by line when the batch is created: every line must be a JSON
//! object with a unique `custom_id`, `method` `POST`, the batch's endpoint as `url`, and a `body`
//! object naming the same `model` as the other lines. What is wrong becomes the API's `errors`
//! list (code, message, param, line number), and the batch fails.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

/// The most requests one batch may hold, as on the API.
pub(crate) const MAX_LINES: usize = 50_000;
/// The most errors a failed batch lists; the rest are counted in the last one.
const MAX_ERRORS: usize = 1000;

/// One request of a batch.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    pub custom_id: String,
    /// The body, as compact JSON: what the endpoint reads.
    pub body: Vec<u8>,
}

impl Line {
    pub(crate) fn size(&self) -> usize {
        self.custom_id.len() + self.body.len() + 48
    }
}

/// What the file holds.
pub(crate) struct Checked {
    pub lines: Vec<Line>,
    pub errors: Vec<Value>,
    pub model: Option<String>,
}

fn error(code: &str, message: String, param: Option<&str>, line: Option<usize>) -> Value {
    json!({"code": code, "message": message, "param": param, "line": line})
}

/// Reads every line of `bytes` as a request to `endpoint`.
pub(crate) fn read(bytes: &[u8], endpoint: &str) -> Checked {
    let mut out = Checked {
        lines: Vec::new(),
        errors: Vec::new(),
        model: None,
    };
    let mut seen = HashSet::new();
    let mut count = 0usize;
    let mut dropped = 0usize;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        count += 1;
        if count > MAX_LINES {
            continue;
        }
        match check(raw, endpoint, &mut seen, &mut out.model) {
            Ok(line) => out.lines.push(line),
            Err((code, message, param)) => {
                if out.errors.len() < MAX_ERRORS {
                    out.errors.push(error(code, message, param, Some(number)));
                } else {
                    dropped += 1;
                }
            }
        }
    }
    if count == 0 {
        out.errors.push(error(
            "empty_file",
            "The batch input file is empty.".into(),
            None,
            None,
        ));
    } else if count > MAX_LINES {
        out.errors.push(error(
            "too_many_tasks",
            format!("The batch input file has {count} requests, more than the limit of {MAX_LINES} requests in one batch."),
            None,
            None,
        ));
    }
    if dropped > 0 {
        out.errors.push(error(
            "too_many_errors",
            format!("{dropped} more lines have errors; only the first {MAX_ERRORS} are listed."),
            None,
            None,
        ));
    }
    out
}

type Problem = (&'static str, String, Option<&'static str>);

fn check(
    raw: &[u8],
    endpoint: &str,
    seen: &mut HashSet<String>,
    model: &mut Option<String>,
) -> Result<Line, Problem> {
    let not_json = || {
        (
            "invalid_json_line",
            "This line is not parseable as valid JSON.".to_string(),
            None,
        )
    };
    if crate::api::fields::check_budget(raw).is_err() {
        return Err(not_json());
    }
    let obj: Map<String, Value> = serde_json::from_slice(raw).map_err(|_| not_json())?;
    let missing = |name: &'static str| {
        (
            "missing_required_parameter",
            format!("Missing required parameter: '{name}'."),
            Some(name),
        )
    };
    let custom_id = match obj.get("custom_id") {
        Some(Value::String(id)) => id.clone(),
        Some(_) => {
            return Err((
                "invalid_type",
                "Invalid type for 'custom_id': expected a string.".into(),
                Some("custom_id"),
            ));
        }
        None => return Err(missing("custom_id")),
    };
    match obj.get("method").and_then(Value::as_str) {
        Some("POST") => {}
        Some(other) => {
            return Err((
                "invalid_value",
                format!("Invalid value for 'method': '{other}'. Only 'POST' is supported."),
                Some("method"),
            ));
        }
        None => return Err(missing("method")),
    }
    match obj.get("url").and_then(Value::as_str) {
        Some(url) if url == endpoint => {}
        Some(url) => {
            return Err((
                "url_mismatch",
                format!("The provided URL '{url}' does not match the batch endpoint '{endpoint}'."),
                Some("url"),
            ));
        }
        None => return Err(missing("url")),
    }
    let Some(Value::Object(body)) = obj.get("body") else {
        return Err(missing("body"));
    };
    if let Some(m) = body.get("model").and_then(Value::as_str) {
        match model {
            Some(first) if first != m => {
                return Err((
                    "model_mismatch",
                    format!(
                        "The provided model '{m}' does not match the model '{first}' of the batch's other requests."
                    ),
                    Some("body.model"),
                ));
            }
            Some(_) => {}
            None => *model = Some(m.to_string()),
        }
    }
    if !seen.insert(custom_id.clone()) {
        return Err((
            "duplicate_custom_id",
            format!(
                "The custom_id '{custom_id}' is a duplicate of another request's. The custom_id parameter must be unique for each request in a batch."
            ),
            Some("custom_id"),
        ));
    }
    Ok(Line {
        custom_id,
        body: serde_json::to_vec(body).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_checked_and_errors_carry_their_line_numbers() {
        let file =
            br#"{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}
not json

{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}
{"custom_id":"b","method":"GET","url":"/v1/chat/completions","body":{}}
{"custom_id":"c","method":"POST","url":"/v1/embeddings","body":{}}
{"custom_id":"d","method":"POST","url":"/v1/chat/completions","body":{"model":"n"}}
{"method":"POST","url":"/v1/chat/completions","body":{}}
{"custom_id":"e","method":"POST","url":"/v1/chat/completions"}
"#;
        let checked = read(file, "/v1/chat/completions");
        assert_eq!(checked.lines.len(), 1);
        assert_eq!(checked.model.as_deref(), Some("m"));
        let got: Vec<(String, u64)> = checked
            .errors
            .iter()
            .map(|e| {
                (
                    e["code"].as_str().unwrap().to_string(),
                    e["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let want = [
            ("invalid_json_line", 2),
            ("duplicate_custom_id", 4),
            ("invalid_value", 5),
            ("url_mismatch", 6),
            ("model_mismatch", 7),
            ("missing_required_parameter", 8),
            ("missing_required_parameter", 9),
        ];
        let want: Vec<(String, u64)> = want.iter().map(|(c, l)| (c.to_string(), *l)).collect();
        assert_eq!(got, want);
        assert_eq!(
            read(b"\n \n", "/v1/embeddings").errors[0]["code"],
            "empty_file"
        );
    }
}
