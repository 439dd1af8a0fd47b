//! A table of schemas, each instance checked by a small validator written for these keywords.

use serde_json::{Value, json};

use super::{Limit, MAX_INSTANCE_BYTES};

mod limits;
mod plausible;

/// The instance within the usual budget, for schemas that are within every limit.
fn instance(schema: &Value, text: &str) -> Value {
    super::instance(schema, Some(text), MAX_INSTANCE_BYTES).expect("within the limits")
}

/// Why `value` fails `schema` (resolved against `root`), or `None` when it validates.
fn invalid(root: &Value, schema: &Value, value: &Value, depth: usize) -> Option<String> {
    let fail = |why: String| Some(format!("{why} (value {value})"));
    if depth > 64 {
        return fail("too deep".into());
    }
    let Value::Object(s) = schema else {
        return (schema == &Value::Bool(false)).then(|| "false schema".into());
    };
    if let Some(Value::String(r)) = s.get("$ref") {
        let target = if r == "#" {
            root
        } else {
            root.pointer(r.strip_prefix('#').unwrap())
                .expect("ref resolves")
        };
        if let Some(why) = invalid(root, target, value, depth + 1) {
            return Some(why);
        }
    }
    if let Some(c) = s.get("const")
        && c != value
    {
        return fail(format!("not const {c}"));
    }
    if let Some(Value::Array(e)) = s.get("enum")
        && !e.contains(value)
    {
        return fail("not in enum".into());
    }
    if let Some(Value::Array(branches)) = s.get("anyOf")
        && branches
            .iter()
            .all(|b| invalid(root, b, value, depth + 1).is_some())
    {
        return fail("no anyOf branch".into());
    }
    if let Some(Value::Array(branches)) = s.get("oneOf")
        && branches
            .iter()
            .filter(|b| invalid(root, b, value, depth + 1).is_none())
            .count()
            != 1
    {
        return fail("not exactly one oneOf branch".into());
    }
    if let Some(Value::Array(parts)) = s.get("allOf") {
        for part in parts {
            if let Some(why) = invalid(root, part, value, depth + 1) {
                return Some(why);
            }
        }
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let is = |t: &str| match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.as_f64().is_some_and(|f| f.fract() == 0.0),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| is(t)) {
            return fail(format!("not of type {t}"));
        }
    }
    let num = |k: &str| s.get(k).and_then(Value::as_f64);
    if let Some(x) = value.as_f64() {
        let ex = |k: &str| s.get(k) == Some(&Value::Bool(true));
        if let Some(m) = num("minimum")
            && (x < m || (ex("exclusiveMinimum") && x <= m))
        {
            return fail("below minimum".into());
        }
        if let Some(m) = num("maximum")
            && (x > m || (ex("exclusiveMaximum") && x >= m))
        {
            return fail("above maximum".into());
        }
        if num("exclusiveMinimum").is_some_and(|m| x <= m) {
            return fail("not above exclusiveMinimum".into());
        }
        if num("exclusiveMaximum").is_some_and(|m| x >= m) {
            return fail("not below exclusiveMaximum".into());
        }
        if let Some(m) = num("multipleOf")
            && ((x / m).round() * m - x).abs() > 1e-9
        {
            return fail("not a multiple".into());
        }
    }
    if let Value::String(text) = value {
        let n = text.chars().count() as f64;
        if num("minLength").is_some_and(|m| n < m) || num("maxLength").is_some_and(|m| n > m) {
            return fail("bad length".into());
        }
        if let Some(Value::String(f)) = s.get("format") {
            let ok = match f.as_str() {
                "date-time" => text.len() == 20 && text.ends_with('Z') && &text[10..11] == "T",
                "date" => text.len() == 10 && text.as_bytes()[4] == b'-',
                "time" => text.len() == 9 && text.ends_with('Z'),
                "email" => text.contains('@') && text.contains('.'),
                "uuid" => text.len() == 36 && text.matches('-').count() == 4,
                "uri" => text.starts_with("https://"),
                "hostname" => text.contains('.') && !text.contains('/'),
                "ipv4" => {
                    text.split('.').count() == 4 && text.split('.').all(|p| p.parse::<u8>().is_ok())
                }
                _ => true,
            };
            if !ok {
                return fail(format!("not a {f}"));
            }
        }
    }
    if let Value::Array(items) = value {
        let n = items.len() as f64;
        if num("minItems").is_some_and(|m| n < m) || num("maxItems").is_some_and(|m| n > m) {
            return fail("bad item count".into());
        }
        let prefix = s.get("prefixItems").and_then(Value::as_array);
        for (i, item) in items.iter().enumerate() {
            let sub = match prefix.and_then(|p| p.get(i)) {
                Some(p) => Some(p),
                None => s.get("items"),
            };
            if let Some(sub) = sub
                && let Some(why) = invalid(root, sub, item, depth + 1)
            {
                return Some(why);
            }
        }
    }
    if let Value::Object(map) = value {
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !map.contains_key(name.as_str().unwrap()) {
                return fail(format!("lacks required {name}"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, v) in map {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => {
                    if let Some(why) = invalid(root, sub, v, depth + 1) {
                        return Some(why);
                    }
                }
                None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return fail(format!("extra property {k}"));
                }
                None => {
                    if let Some(sub) = s.get("additionalProperties")
                        && let Some(why) = invalid(root, sub, v, depth + 1)
                    {
                        return Some(why);
                    }
                }
            }
        }
    }
    None
}

#[test]
fn every_schema_in_the_table_gets_a_valid_instance() {
    let table = [
        json!({"type": "string"}),
        json!({"type": "integer", "minimum": 5, "maximum": 9, "multipleOf": 3}),
        json!({"type": "integer", "exclusiveMinimum": 5, "exclusiveMaximum": 7}),
        json!({"type": "integer", "minimum": 5, "exclusiveMinimum": true}),
        json!({"type": "integer", "maximum": -10}),
        json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5}),
        json!({"type": "number", "minimum": 1.5, "multipleOf": 0.5}),
        json!({"type": "number", "maximum": 0}),
        json!({"type": "boolean"}),
        json!({"type": "null"}),
        json!({"type": ["string", "null"], "minLength": 3}),
        json!({"type": "string", "minLength": 40, "maxLength": 50}),
        json!({"type": "string", "maxLength": 4}),
        json!({"enum": ["red", "green"]}),
        json!({"type": "string", "enum": ["a", "b"], "description": "x"}),
        json!({"const": {"k": [1, 2]}}),
        json!({"type": "string", "format": "date-time"}),
        json!({"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 3, "maxItems": 3}),
        json!({"type": "array", "items": {"enum": [1, 2, 3]}, "maxItems": 0}),
        json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}], "items": false}),
        json!({"type": "object", "properties": {
            "when": {"type": "string", "format": "date"},
            "at": {"type": "string", "format": "time"},
            "id": {"type": "string", "format": "uuid"},
            "site": {"type": "string", "format": "uri"},
            "host": {"type": "string", "format": "hostname"},
            "ip": {"type": "string", "format": "ipv4"}
        }, "required": ["when", "at", "id", "site", "host", "ip"], "additionalProperties": false}),
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer", "minimum": 0, "maximum": 150},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                "address": {"type": "object", "properties": {
                    "city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}
                }, "required": ["city", "zip"], "additionalProperties": false},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
            },
            "required": ["name", "age", "tags", "address", "unit"],
            "additionalProperties": false
        }),
        json!({"anyOf": [{"type": "integer", "minimum": 3}, {"type": "string"}]}),
        json!({"oneOf": [{"type": "string", "format": "ipv4"}, {"type": "integer"}]}),
        json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer", "minimum": 2}}, "required": ["b"]}
        ]}),
        json!({
            "$defs": {"step": {"type": "object", "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}}, "required": ["explanation", "output"], "additionalProperties": false}},
            "type": "object",
            "properties": {"steps": {"type": "array", "items": {"$ref": "#/$defs/step"}}, "final_answer": {"type": "string"}},
            "required": ["steps", "final_answer"],
            "additionalProperties": false
        }),
        // Recursion: a tree whose children are trees, and a list whose tail is nullable.
        json!({
            "definitions": {"node": {"type": "object", "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/definitions/node"}}
            }, "required": ["value", "children"], "additionalProperties": false}},
            "$ref": "#/definitions/node"
        }),
        json!({
            "type": "object",
            "properties": {"head": {"type": "string"}, "tail": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}},
            "required": ["head", "tail"],
            "additionalProperties": false
        }),
        json!({"type": "object", "required": ["x"], "additionalProperties": {"type": "integer"}}),
        json!({"type": "object", "minProperties": 2, "additionalProperties": {"type": "boolean"}}),
        json!({"type": ["null", "object"], "properties": {"k": {"type": "string"}}, "required": ["k"]}),
        json!(true),
        json!({}),
    ];
    for schema in &table {
        let value = instance(schema, "hello world");
        if let Some(why) = invalid(schema, schema, &value, 0) {
            panic!("schema {schema}: {why}");
        }
        assert_eq!(
            instance(schema, "hello world"),
            value,
            "instances are deterministic"
        );
    }
}

#[test]
fn the_first_free_string_carries_the_text() {
    let schema = json!({"type": "object", "properties": {
        "b_note": {"type": "string"},
        "a_date": {"type": "string", "format": "date"},
        "c_more": {"type": "string"},
        "kind": {"enum": ["x"]}
    }, "required": ["a_date", "b_note", "c_more", "kind"]});
    assert_eq!(
        instance(&schema, "Say hi"),
        json!({"a_date": "2024-12-24", "b_note": "Say hi", "c_more": "gentle canyon", "kind": "x"})
    );
    assert_eq!(
        instance(&json!({"type": "string", "maxLength": 3}), "Say hi"),
        json!("Say")
    );
}

#[test]
fn bounds_and_multiples_keep_numbers_inside() {
    let i = |s: Value| instance(&s, "");
    assert_eq!(
        i(json!({"type": "integer", "minimum": 5, "multipleOf": 4})),
        json!(84)
    );
    assert_eq!(
        i(json!({"type": "integer", "minimum": 1000, "multipleOf": 7})),
        json!(1029)
    );
    assert_eq!(
        i(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5})),
        json!(0.25)
    );
    assert_eq!(
        i(json!({"type": "integer", "maximum": 100, "minimum": 91, "multipleOf": 10})),
        json!(100)
    );
}

#[test]
fn arrays_of_enums_and_strings_vary_their_items() {
    let v = instance(
        &json!({"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3}),
        "",
    );
    assert_eq!(v, json!(["a", "b", "c"]));
    let v = instance(
        &json!({"type": "array", "items": {"type": "string"}, "minItems": 3}),
        "first",
    );
    assert_eq!(v, json!(["first", "amber garden", "clever valley"]));
}
