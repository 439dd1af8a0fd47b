//! JSON mode without a schema: clients that ask for `json_object` put the shape they want in the
//! prompt (instructor's and pydantic-ai's prompted output paste a JSON Schema, LangChain's format
//! instructions fence one, dspy's JSON adapter shows an object whose values describe each field).
//! [`scan`] finds it: a JSON Schema in any message, newest first, else an example object, whose
//! shape [`Found::schema`] turns into a schema for the generator.
//!
//! The scan is bounded before it starts: at most [`MAX_SCANNED_BYTES`] of message text in all
//! (newest message first, each from its start), objects nested at most [`MAX_JSON_DEPTH`] deep,
//! and at most [`MAX_SCAN_STEPS`] bytes examined (a brace that never closes is looked past and
//! the text after it examined again), so no prompt makes it slow.

use std::ops::Range;

use serde_json::{Map, Value, json};

/// Most bytes of message text scanned for a schema or an example, over all messages.
pub(crate) const MAX_SCANNED_BYTES: usize = 256 * 1024;
/// Most bytes examined while scanning, rescans and JSON parses included.
pub(crate) const MAX_SCAN_STEPS: usize = 4 * MAX_SCANNED_BYTES;
/// Objects nested deeper than this are not taken as a schema or an example.
pub(crate) const MAX_JSON_DEPTH: usize = 64;

/// What a prompt shows of the answer it wants.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Found {
    /// A JSON Schema: the answer is an instance of it.
    Schema(Value),
    /// An example object: the answer has its keys, with values of the same types.
    Example(Value),
}

/// A schema or example, and where it was: the message's text and the bytes it took there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scan<'t> {
    pub found: Found,
    pub text: &'t str,
    pub span: Range<usize>,
}

impl Scan<'_> {
    /// The message without the schema or example, trimmed: what is left of the caller's text.
    pub(crate) fn rest(&self) -> String {
        let before = self.text[..self.span.start].trim();
        let after = self.text[self.span.end..].trim();
        match (before.is_empty(), after.is_empty()) {
            (false, false) => format!("{before}\n{after}"),
            (false, true) => before.to_string(),
            _ => after.to_string(),
        }
    }
}

impl Found {
    /// The schema to generate from: the one found, or one inferred from the example.
    pub(crate) fn schema(&self) -> Value {
        match self {
            Found::Schema(schema) => schema.clone(),
            Found::Example(example) => infer(example, 0),
        }
    }
}

/// The schema (in any message) or else the example the prompt shows, `texts` newest first.
/// Within a message a fenced block wins over inline JSON, and the last one over earlier ones
/// (LangChain's instructions show an inline example schema before the fenced real one).
pub(crate) fn scan<'t>(texts: &[&'t str]) -> Option<Scan<'t>> {
    let mut bytes = MAX_SCANNED_BYTES;
    let mut steps = MAX_SCAN_STEPS;
    let mut example = None;
    for text in texts {
        let mut take = bytes.min(text.len());
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        bytes -= take;
        let mut found = candidates(&text[..take], &mut steps);
        // Fenced ones last, so the last of them is looked at first.
        found.sort_by_key(|c| c.fenced);
        if let Some(c) = found.iter().rev().find(|c| is_schema(&c.value)) {
            return Some(Scan {
                found: Found::Schema(c.value.clone()),
                text,
                span: c.span.clone(),
            });
        }
        if example.is_none()
            && let Some(c) = found.pop()
        {
            example = Some(Scan {
                found: Found::Example(c.value),
                text,
                span: c.span,
            });
        }
        if bytes == 0 || steps == 0 {
            break;
        }
    }
    example
}

struct Candidate {
    value: Value,
    span: Range<usize>,
    fenced: bool,
}

/// Charges `n` steps; false once they run out.
fn charge(steps: &mut usize, n: usize) -> bool {
    match steps.checked_sub(n) {
        Some(left) => {
            *steps = left;
            true
        }
        None => {
            *steps = 0;
            false
        }
    }
}

/// The JSON objects of `text`: the contents of its ``` fences, and objects written inline.
fn candidates(text: &str, steps: &mut usize) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut fences = text.match_indices("```").map(|(i, _)| i);
    if !charge(steps, text.len()) {
        return out;
    }
    while let (Some(open), Some(close)) = (fences.next(), fences.next()) {
        // The fence's first line is its language (```json), if any.
        let inner = &text[open + 3..close];
        let body = inner.split_once('\n').map_or(inner, |(_, body)| body);
        if let Some(value) = object(body.trim(), steps) {
            out.push(Candidate {
                value,
                span: open..close + 3,
                fenced: true,
            });
        }
    }
    let mut at = 0;
    while let Some(offset) = text[at..].find('{') {
        let start = at + offset;
        if !charge(steps, offset) {
            break;
        }
        at = start + 1;
        let Some(end) = closing(text.as_bytes(), start, steps) else {
            continue;
        };
        if let Some(value) = object(&text[start..end], steps) {
            out.push(Candidate {
                value,
                span: start..end,
                fenced: false,
            });
            at = end;
        }
    }
    out
}

/// `text` parsed as a JSON object, if it is one (its bytes charged first).
fn object(text: &str, steps: &mut usize) -> Option<Value> {
    if !text.starts_with('{') || !charge(steps, text.len()) {
        return None;
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_object)
        .filter(|v| depth(v) <= MAX_JSON_DEPTH)
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Where the object opened at `start` closes (past its `}`), reading strings as JSON does;
/// `None` when it does not close, nests past [`MAX_JSON_DEPTH`] or the steps run out.
fn closing(bytes: &[u8], start: usize, steps: &mut usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if !charge(steps, 1) {
            return None;
        }
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return None;
                }
            }
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// JSON Schema keywords: an object made only of them (with a `type` naming a JSON type) is a
/// schema, not an example.
const SCHEMA_KEYWORDS: [&str; 36] = [
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "definitions",
    "type",
    "title",
    "description",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "default",
    "examples",
    "nullable",
    "strict",
];

const TYPES: [&str; 7] = [
    "object", "array", "string", "number", "integer", "boolean", "null",
];

/// Whether `value` is a JSON Schema rather than an example of the answer: it names `$schema`,
/// or its `properties` are all schemas, or it is made of schema keywords only and its `type`
/// (or `anyOf`/`oneOf`/`allOf`) says what it describes.
fn is_schema(value: &Value) -> bool {
    let Value::Object(map) = value else {
        return false;
    };
    if map.get("$schema").is_some_and(Value::is_string) {
        return true;
    }
    let typed = match map.get("type") {
        Some(Value::String(t)) => TYPES.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))),
        _ => ["anyOf", "oneOf", "allOf", "$ref"]
            .iter()
            .any(|k| map.contains_key(*k)),
    };
    let keywords_only = map.keys().all(|k| SCHEMA_KEYWORDS.contains(&k.as_str()));
    let schemas = |props: &Map<String, Value>| {
        !props.is_empty() && props.values().all(|p| p.is_object() || p.is_boolean())
    };
    match map.get("properties") {
        Some(Value::Object(props)) => schemas(props) && (keywords_only || typed),
        Some(_) => false,
        None => keywords_only && typed,
    }
}

/// A schema every value shaped like `example` validates against: the same keys (all
/// required, no others), values of the same types, strings of the format they look like.
fn infer(example: &Value, level: usize) -> Value {
    if level > MAX_JSON_DEPTH {
        return json!({});
    }
    match example {
        Value::Null => json!({"type": "null"}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_f64() => json!({"type": "number"}),
        Value::Number(_) => json!({"type": "integer"}),
        Value::String(s) => described(s).unwrap_or_else(|| match format_of(s) {
            Some(format) => json!({"type": "string", "format": format}),
            None => json!({"type": "string"}),
        }),
        Value::Array(items) => {
            let items_schema = items.first().map_or(json!({}), |i| infer(i, level + 1));
            let count = items.len().min(3);
            json!({"type": "array", "items": items_schema, "minItems": count, "maxItems": count})
        }
        Value::Object(map) => {
            let properties: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), infer(v, level + 1)))
                .collect();
            let required: Vec<&String> = map.keys().collect();
            json!({"type": "object", "properties": properties, "required": required,
                   "additionalProperties": false})
        }
    }
}

/// A field described in words, as dspy's JSON adapter writes its output fields:
/// `"{answer}        # note: the value you produce must be a single int value"`.
fn described(s: &str) -> Option<Value> {
    let (_, note) = s.split_once("# note: the value you produce ")?;
    if note.starts_with("must be True or False") {
        return Some(json!({"type": "boolean"}));
    }
    if note.starts_with("must be a single int value") {
        return Some(json!({"type": "integer"}));
    }
    if note.starts_with("must be a single float value") {
        return Some(json!({"type": "number"}));
    }
    let one_of = note
        .strip_prefix("must exactly match (no extra characters) one of: ")
        .or_else(|| note.strip_prefix("must be one of: "));
    if let Some(list) = one_of {
        let values: Vec<&str> = list.trim().split("; ").collect();
        return Some(json!({"type": "string", "enum": values}));
    }
    let schema = note.strip_prefix("must adhere to the JSON schema: ")?;
    serde_json::Deserializer::from_str(schema.trim())
        .into_iter::<Value>()
        .next()?
        .ok()
        .filter(Value::is_object)
}

/// The string `format` an example string looks like, for the few the generator writes.
fn format_of(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let digits = |r: Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-';
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    let email = s.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !s.contains(char::is_whitespace)
    });
    Some(if date && b.len() == 10 && digits(8..10) {
        "date"
    } else if date && b.get(10) == Some(&b'T') {
        "date-time"
    } else if uuid {
        "uuid"
    } else if s.starts_with("https://") || s.starts_with("http://") {
        "uri"
    } else if email {
        "email"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests;
