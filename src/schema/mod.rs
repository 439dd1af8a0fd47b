//! Deterministic JSON instances of a JSON Schema: the content of structured outputs and the
//! arguments of generated tool calls.
//!
//! The instance is the simplest value that validates: the first `enum` value, `const`, the first
//! `anyOf`/`oneOf` branch, merged `allOf` parts, lower bounds rounded up to `multipleOf`, one array
//! item unless `minItems` asks for more, every listed property (only the `required` ones deep in a
//! recursive schema). Object keys come out in alphabetical order (serde_json's map), and the first
//! free string in that order carries the caller's text, so a test still sees its input. Limits:
//! `pattern` is honoured for simple patterns only (see [`pattern`]), `oneOf` branches are not
//! checked for overlap, and `uniqueItems`, `minProperties` with `additionalProperties: false`,
//! `not`, `if`/`then` and `contains` are not considered.

mod numbers;
pub(crate) mod pattern;

use serde_json::{Map, Value};

use numbers::{integer, number};

/// Past this depth objects keep only required properties, arrays only `minItems` items, and
/// `anyOf` prefers a `null` branch: what lets recursive schemas end.
const SOFT_DEPTH: usize = 6;
/// Past this depth the generator gives up on following the schema (`null` or an empty value).
const HARD_DEPTH: usize = 32;

/// An instance of `schema` whose first free string is `text`.
pub(crate) fn instance(schema: &Value, text: &str) -> Value {
    let mut generator = Generator {
        root: schema,
        text: Some(text.to_string()),
    };
    generator.value(schema, 0, 0)
}

struct Generator<'a> {
    root: &'a Value,
    /// The caller's text, until a free string takes it.
    text: Option<String>,
}

/// `base` with `extra`'s keywords added: properties and required lists are united, other
/// keywords of `extra` win.
fn merge(base: &Map<String, Value>, extra: &Map<String, Value>) -> Map<String, Value> {
    let mut out = base.clone();
    for (key, value) in extra {
        match (key.as_str(), out.get_mut(key), value) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (k, v) in theirs {
                    mine.insert(k.clone(), v.clone());
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for name in theirs {
                    if !mine.contains(name) {
                        mine.push(name.clone());
                    }
                }
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

fn without(schema: &Map<String, Value>, key: &str) -> Map<String, Value> {
    let mut out = schema.clone();
    out.remove(key);
    out
}

fn count_of(schema: &Map<String, Value>, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .map(|n| n.min(1024) as usize)
}

/// The type to generate: the first non-null entry of `type`, else one inferred from keywords.
fn kind(schema: &Map<String, Value>) -> &str {
    match schema.get("type") {
        Some(Value::String(t)) => return t,
        Some(Value::Array(types)) => {
            let mut names = types.iter().filter_map(Value::as_str);
            if let Some(t) = names.clone().find(|t| *t != "null") {
                return t;
            }
            if names.next().is_some() {
                return "null";
            }
        }
        _ => {}
    }
    let has = |keys: &[&str]| keys.iter().any(|k| schema.contains_key(*k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
    ]) {
        "object"
    } else if has(&["items", "prefixItems", "minItems", "maxItems"]) {
        "array"
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        "number"
    } else {
        "string"
    }
}

fn allows_null(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => false,
    }
}

impl Generator<'_> {
    /// The schema a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer) names.
    fn resolve(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            return Some(self.root);
        }
        self.root.pointer(pointer)
    }

    fn value(&mut self, schema: &Value, depth: usize, variant: usize) -> Value {
        let s = match schema {
            Value::Object(s) => s,
            // `true` (anything) and `false` (nothing valid): a free string either way.
            _ => return Value::String(self.free_text(variant)),
        };
        if depth > HARD_DEPTH {
            return shallow(s);
        }
        if let Some(Value::String(reference)) = s.get("$ref")
            && let Some(Value::Object(target)) = self.resolve(reference)
        {
            let merged = merge(target, &without(s, "$ref"));
            return self.value(&Value::Object(merged), depth + 1, variant);
        }
        if let Some(value) = s.get("const") {
            return value.clone();
        }
        if let Some(Value::Array(values)) = s.get("enum")
            && !values.is_empty()
        {
            return values[variant % values.len()].clone();
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = s.get(key)
                && !branches.is_empty()
            {
                let deep = depth >= SOFT_DEPTH;
                let is_null = |b: &&Value| b.get("type").is_some_and(|t| t == "null");
                let branch = match branches.iter().find(is_null) {
                    Some(null) if deep => null,
                    _ => &branches[0],
                };
                let rest = without(s, key);
                let merged = match branch {
                    Value::Object(b) => merge(&rest, b),
                    _ => rest,
                };
                return self.value(&Value::Object(merged), depth + 1, variant);
            }
        }
        if let Some(Value::Array(parts)) = s.get("allOf") {
            let mut merged = without(s, "allOf");
            for part in parts {
                let mut part = part.as_object().cloned().unwrap_or_default();
                // Resolve a part's own reference so its properties take part in the merge.
                while let Some(Value::String(r)) = part.get("$ref").cloned() {
                    let Some(Value::Object(target)) = self.resolve(&r) else {
                        break;
                    };
                    part = merge(target, &without(&part, "$ref"));
                }
                merged = merge(&merged, &part);
            }
            return self.value(&Value::Object(merged), depth + 1, variant);
        }
        match kind(s) {
            "null" => Value::Null,
            "boolean" => Value::Bool(true),
            "integer" => integer(s, variant),
            "number" => number(s, variant),
            "array" => self.array(s, depth, variant),
            "object" => self.object(s, depth),
            _ => Value::String(self.string(s, variant)),
        }
    }

    /// The caller's text the first time, then `text`, `text 2`, ...
    fn free_text(&mut self, variant: usize) -> String {
        match self.text.take() {
            Some(text) => text,
            None if variant == 0 => "text".to_string(),
            None => format!("text {}", variant + 1),
        }
    }

    fn string(&mut self, s: &Map<String, Value>, variant: usize) -> String {
        if let Some(example) = s
            .get("format")
            .and_then(Value::as_str)
            .and_then(|f| format_example(f, variant))
        {
            return example;
        }
        // A pattern nested too deep or whose example would pass 1 MiB falls back to a plain
        // string, for now: generation has no budget yet to refuse it against.
        if let Some(example) = s
            .get("pattern")
            .and_then(Value::as_str)
            .and_then(|p| pattern::example(p, 1 << 20).ok().flatten())
        {
            return example;
        }
        let mut text = self.free_text(variant);
        if let Some(max) = count_of(s, "maxLength")
            && let Some((cut, _)) = text.char_indices().nth(max)
        {
            text.truncate(cut);
        }
        let min = count_of(s, "minLength").unwrap_or(0);
        let have = text.chars().count();
        text.extend(std::iter::repeat_n('x', min.saturating_sub(have)));
        text
    }

    fn array(&mut self, s: &Map<String, Value>, depth: usize, variant: usize) -> Value {
        let (prefix, rest): (&[Value], Option<&Value>) =
            match (s.get("prefixItems"), s.get("items")) {
                (Some(Value::Array(prefix)), items) => (prefix, items),
                // Draft 4-7 tuples: `items` as an array, `additionalItems` for the rest.
                (None, Some(Value::Array(prefix))) => (prefix, s.get("additionalItems")),
                (_, items) => (&[], items),
            };
        let min = count_of(s, "minItems").unwrap_or(0);
        let mut count = if depth >= SOFT_DEPTH {
            min
        } else {
            min.max(1).max(prefix.len())
        };
        if rest == Some(&Value::Bool(false)) {
            count = count.min(prefix.len());
        }
        if let Some(max) = count_of(s, "maxItems") {
            count = count.min(max);
        }
        let any = Value::Object(Map::new());
        let items = (0..count)
            .map(|i| {
                let item = prefix.get(i).or(rest).unwrap_or(&any);
                self.value(item, depth + 1, i + variant)
            })
            .collect();
        Value::Array(items)
    }

    fn object(&mut self, s: &Map<String, Value>, depth: usize) -> Value {
        let empty = Map::new();
        let properties = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        for (name, sub) in properties {
            if depth < SOFT_DEPTH || required.contains(&name.as_str()) {
                let value = self.value(sub, depth + 1, 0);
                out.insert(name.clone(), value);
            }
        }
        let any = Value::Object(Map::new());
        let extra = match s.get("additionalProperties") {
            Some(schema @ Value::Object(_)) => Some(schema),
            Some(Value::Bool(false)) => None,
            _ => Some(&any),
        };
        for name in required {
            if !out.contains_key(name) {
                let value = self.value(extra.unwrap_or(&any), depth + 1, 0);
                out.insert(name.to_string(), value);
            }
        }
        if let Some(extra) = extra {
            let min = count_of(s, "minProperties").unwrap_or(0);
            let mut i = 1;
            while out.len() < min {
                let value = self.value(extra, depth + 1, i);
                out.insert(format!("key{i}"), value);
                i += 1;
            }
        }
        Value::Object(out)
    }
}

/// What a schema gives when the generator is too deep to follow it.
fn shallow(s: &Map<String, Value>) -> Value {
    if allows_null(s) {
        return Value::Null;
    }
    match kind(s) {
        "object" => Value::Object(Map::new()),
        "array" => Value::Array(Vec::new()),
        "boolean" => Value::Bool(true),
        "integer" | "number" => Value::from(0),
        _ => Value::String(String::new()),
    }
}

/// A fixed example of a string `format`; `None` for formats the generator does not know.
fn format_example(format: &str, variant: usize) -> Option<String> {
    let v = variant;
    Some(match format {
        "date-time" => format!("2024-01-{:02}T00:00:00Z", 1 + v % 28),
        "date" => format!("2024-01-{:02}", 1 + v % 28),
        "time" => format!("00:00:{:02}Z", v % 60),
        "duration" => format!("P{}D", v + 1),
        "email" | "idn-email" if v == 0 => "user@example.com".to_string(),
        "email" | "idn-email" => format!("user{}@example.com", v + 1),
        "uuid" => format!("00000000-0000-4000-8000-{:012x}", v),
        "uri" | "iri" | "url" if v == 0 => "https://example.com/".to_string(),
        "uri" | "iri" | "url" => format!("https://example.com/{v}"),
        "uri-reference" | "iri-reference" => format!("/path/{v}"),
        "hostname" | "idn-hostname" if v == 0 => "example.com".to_string(),
        "hostname" | "idn-hostname" => format!("host{v}.example.com"),
        "ipv4" => format!("192.0.2.{}", 1 + v % 254),
        "ipv6" => format!("2001:db8::{:x}", v + 1),
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
