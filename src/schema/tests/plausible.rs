//! Plausible values: inside their bounds and off them, fitting formats and lengths, chosen by the
//! property name, over zod 4's safe-integer bounds and a few thousand generated schemas.

use serde_json::{Map, Value, json};

use super::{instance, invalid};
use crate::ids::splitmix64;

const SAFE: i64 = 9_007_199_254_740_991;

fn as_i128(v: &Value) -> i128 {
    v.as_i64()
        .map(i128::from)
        .or(v.as_u64().map(i128::from))
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

#[test]
fn zod_safe_integer_bounds_give_small_values_not_the_bound() {
    // What zod 4 writes for z.number().int(), z.number().int().positive() and .nonnegative().
    let int = json!({"type": "integer", "minimum": -SAFE, "maximum": SAFE});
    let positive = json!({"type": "integer", "exclusiveMinimum": 0, "maximum": SAFE});
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "age": int, "count": int, "id": int, "year": int, "quantity": positive,
            "scores": {"type": "array", "items": int, "minItems": 3},
            "stock": {"type": "integer", "minimum": 0, "maximum": SAFE}
        },
        "required": ["age", "count", "id", "year", "quantity", "scores", "stock"],
        "additionalProperties": false
    });
    let value = instance(&schema, "hello");
    assert_eq!(invalid(&schema, &schema, &value, 0), None);
    let mut seen = Vec::new();
    for (name, v) in value.as_object().unwrap() {
        let items = match v {
            Value::Array(items) => items.clone(),
            v => vec![v.clone()],
        };
        for v in items {
            let i = as_i128(&v);
            assert!(i.abs() != i128::from(SAFE), "{name}: {i} is the bound");
            assert!(
                (0..=2100).contains(&i),
                "{name}: {i} is not a plausible number"
            );
            seen.push(i);
        }
    }
    let age = as_i128(&value["age"]);
    assert!((18..68).contains(&age), "age {age}");
    let year = as_i128(&value["year"]);
    assert!((2000..2026).contains(&year), "year {year}");
    seen.sort_unstable();
    seen.dedup();
    assert!(seen.len() >= 5, "values vary by name and position: {value}");
}

#[test]
fn property_names_choose_plausible_words() {
    let string = json!({"type": "string"});
    let names = [
        "city",
        "email",
        "first_name",
        "homepage",
        "name",
        "phoneNumber",
        "zip",
    ];
    let properties: Map<String, Value> = names
        .iter()
        .map(|n| (n.to_string(), string.clone()))
        .collect();
    let schema = json!({"type": "object", "properties": properties, "required": names});
    let v = instance(&schema, "Extract Jason is 25 years old");
    // `city` is the first free string: it carries the text; the rest look like their names.
    assert_eq!(v["city"], "Extract Jason is 25 years old");
    let email = v["email"].as_str().unwrap();
    assert!(
        email.ends_with("@example.com") && email.contains('.'),
        "{email}"
    );
    assert!(
        v["homepage"]
            .as_str()
            .unwrap()
            .starts_with("https://example.com/")
    );
    assert!(v["phoneNumber"].as_str().unwrap().starts_with("+1-555-01"));
    let name = v["name"].as_str().unwrap();
    assert_eq!(name.split(' ').count(), 2, "{name}");
    assert!(name.starts_with(char::is_uppercase), "{name}");
    assert_eq!(v["zip"].as_str().unwrap().len(), 5);
    assert!(
        v["first_name"]
            .as_str()
            .unwrap()
            .chars()
            .all(char::is_alphabetic)
    );
    // Without the caller's text every free string is a word.
    let v = super::super::instance(&schema, None, 1 << 20).unwrap();
    assert!(
        crate::schema::values::CITIES.contains(&v["city"].as_str().unwrap()),
        "{v}"
    );
}

/// Checks a string of `format` more closely than the table's validator: real months and days,
/// hex digits, one `@`.
fn well_formed(format: &str, s: &str) -> bool {
    let num = |t: &str, lo: u32, hi: u32| t.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n));
    let date = |d: &str| {
        let p: Vec<&str> = d.split('-').collect();
        p.len() == 3 && p[0].len() == 4 && num(p[1], 1, 12) && num(p[2], 1, 28)
    };
    let time = |t: &str| {
        let Some(t) = t.strip_suffix('Z') else {
            return false;
        };
        let p: Vec<&str> = t.split(':').collect();
        p.len() == 3 && num(p[0], 0, 23) && num(p[1], 0, 59) && num(p[2], 0, 59)
    };
    match format {
        "date" => date(s),
        "time" => time(s),
        "date-time" => s.split_once('T').is_some_and(|(d, t)| date(d) && time(t)),
        "email" => s.matches('@').count() == 1 && s.ends_with("@example.com"),
        "uuid" => {
            s.len() == 36
                && s.chars().enumerate().all(|(i, c)| match i {
                    8 | 13 | 18 | 23 => c == '-',
                    _ => c.is_ascii_hexdigit(),
                })
        }
        "uri" | "url" => s.starts_with("https://example.com/"),
        "hostname" => s.ends_with(".example.com") && !s.contains('/'),
        "ipv4" => s.split('.').filter(|p| p.parse::<u8>().is_ok()).count() == 4,
        "ipv6" => s.starts_with("2001:db8::"),
        "duration" => s.starts_with('P') && s.len() >= 3,
        _ => true,
    }
}

/// A random schema of depth at most `depth`, from the seed `r`.
fn random_schema(r: &mut u64, depth: usize) -> Value {
    let names = [
        "age", "name", "city", "price", "count", "x", "email", "tags", "score", "id",
    ];
    let formats = [
        "date",
        "time",
        "date-time",
        "email",
        "uuid",
        "uri",
        "hostname",
        "ipv4",
        "ipv6",
        "duration",
    ];
    let choice = if depth == 0 {
        random(r, 5)
    } else {
        random(r, 7)
    };
    match choice {
        0 => {
            let lo = random(r, 200) as i64 - 100;
            let mut s = json!({"type": "integer"});
            match random(r, 5) {
                0 => s["minimum"] = json!(lo),
                1 => s["maximum"] = json!(lo),
                2 => {
                    s["minimum"] = json!(lo);
                    s["maximum"] = json!(lo + random(r, 50) as i64);
                }
                3 => {
                    s["exclusiveMinimum"] = json!(lo);
                    s["exclusiveMaximum"] = json!(lo + 2 + random(r, 50) as i64);
                }
                _ => {
                    s["minimum"] = json!(-SAFE);
                    s["maximum"] = json!(SAFE);
                }
            }
            if random(r, 3) == 0 {
                let step = 1 + random(r, 4);
                s = json!({"type": "integer", "multipleOf": step, "minimum": -1000, "maximum": 1000});
            }
            s
        }
        1 => {
            let lo = random(r, 100) as f64 / 4.0 - 10.0;
            match random(r, 4) {
                0 => json!({"type": "number", "minimum": lo, "maximum": lo + 0.5}),
                1 => json!({"type": "number", "exclusiveMinimum": lo}),
                2 => json!({"type": "number", "minimum": 0, "maximum": 1}),
                _ => {
                    json!({"type": "number", "multipleOf": 0.5, "minimum": lo, "maximum": lo + 3.0})
                }
            }
        }
        2 => match random(r, 3) {
            0 => json!({"type": "string", "format": formats[random(r, 10) as usize]}),
            1 => {
                json!({"type": "string", "minLength": random(r, 30), "maxLength": 30 + random(r, 10)})
            }
            _ => json!({"type": "string", "maxLength": 1 + random(r, 6)}),
        },
        3 => json!({"enum": ["a", "b", "c"]}),
        4 => json!({"type": ["boolean", "null"]}),
        5 => {
            let min = random(r, 4);
            let items = random_schema(r, depth - 1);
            json!({"type": "array", "items": items, "minItems": min, "maxItems": min + 2})
        }
        _ => {
            let mut properties = Map::new();
            let count = 1 + random(r, 5);
            for i in 0..count {
                let name = format!(
                    "{}{}",
                    names[random(r, 10) as usize],
                    ["", "_2"][i as usize % 2]
                );
                properties.insert(name, random_schema(r, depth - 1));
            }
            let required: Vec<&String> = properties.keys().collect();
            json!({"type": "object", "properties": properties, "required": required,
                   "additionalProperties": false})
        }
    }
}

fn random(r: &mut u64, n: u64) -> u64 {
    *r = splitmix64(*r, 1);
    *r % n
}

/// Every leaf of `value` against its schema: numbers off their bounds when the range holds
/// more, strings of a format well formed.
fn check_leaves(schema: &Value, value: &Value) {
    match (schema.get("type").and_then(Value::as_str), value) {
        (Some("object"), Value::Object(map)) => {
            for (k, v) in map {
                check_leaves(&schema["properties"][k], v);
            }
        }
        (Some("array"), Value::Array(items)) => {
            items.iter().for_each(|v| check_leaves(&schema["items"], v));
        }
        (Some("integer"), v) if schema.get("multipleOf").is_none() => {
            let i = as_i128(v);
            let bound = |k: &str| schema.get(k).and_then(Value::as_i64).map(i128::from);
            if let (Some(lo), Some(hi)) = (bound("minimum"), bound("maximum"))
                && hi - lo >= 2
            {
                assert!(lo < i && i < hi, "{schema}: {i}");
            }
        }
        (Some("string"), Value::String(s)) => {
            if let Some(f) = schema.get("format").and_then(Value::as_str) {
                assert!(well_formed(f, s), "{f}: {s:?}");
            }
        }
        _ => {}
    }
}

#[test]
fn thousands_of_generated_schemas_get_valid_plausible_deterministic_instances() {
    let mut r = 7;
    for _ in 0..3000 {
        let schema = random_schema(&mut r, 3);
        let value = instance(&schema, "the caller's text");
        if let Some(why) = invalid(&schema, &schema, &value, 0) {
            panic!("schema {schema}: {why}");
        }
        check_leaves(&schema, &value);
        assert_eq!(
            instance(&schema, "the caller's text"),
            value,
            "deterministic"
        );
    }
}

#[test]
fn a_value_depends_on_its_own_name_and_position_only() {
    let schema = json!({"type": "object", "properties": {
        "note": {"type": "string"}, "price": {"type": "number"}, "city": {"type": "string"},
        "when": {"type": "string", "format": "date"}}});
    let before = instance(&schema, "text one");
    let mut more = schema.clone();
    more["properties"]["added"] = json!({"type": "integer"});
    let after = instance(&more, "text two");
    for key in ["note", "price", "when"] {
        assert_eq!(before[key], after[key], "{key}");
    }
    // `city` held the text; `added` sorts first but is not a string, so it still does.
    assert_eq!(
        (&before["city"], &after["city"]),
        (&json!("text one"), &json!("text two"))
    );
}

#[test]
fn schemas_as_pydantic_zod_and_the_ai_sdk_write_them_get_valid_off_bound_values() {
    let int = json!({"type": "integer", "minimum": -SAFE, "maximum": SAFE});
    let schemas = [
        // pydantic v2: $defs, nullable anyOf with a default, constrained ints.
        json!({
            "$defs": {"Item": {"properties": {
                "sku": {"title": "Sku", "type": "string"},
                "qty": {"exclusiveMinimum": 0, "maximum": 99, "title": "Qty", "type": "integer"}},
                "required": ["sku", "qty"], "title": "Item", "type": "object"}},
            "properties": {
                "customer": {"title": "Customer", "type": "string"},
                "items": {"items": {"$ref": "#/$defs/Item"}, "minItems": 2, "title": "Items", "type": "array"},
                "discount": {"anyOf": [{"maximum": 50, "minimum": 0, "type": "number"}, {"type": "null"}],
                    "default": null, "title": "Discount"}},
            "required": ["customer", "items"], "title": "Order", "type": "object"}),
        // zod 4 (draft 2020-12): safe-integer bounds, formats with their patterns.
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid",
                    "pattern": "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000)$"},
                "age": int, "stars": {"type": "integer", "minimum": 1, "maximum": 5},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                "kind": {"type": "string", "enum": ["a", "b"]}},
            "required": ["id", "age", "stars", "tags", "kind"], "additionalProperties": false}),
        // The Vercel AI SDK's zod 3 path (draft-07).
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"recipe": {"type": "object", "properties": {
                "name": {"type": "string"},
                "servings": {"type": "integer", "minimum": -SAFE, "maximum": SAFE},
                "steps": {"type": "array", "items": {"type": "string"}}},
                "required": ["name", "servings", "steps"], "additionalProperties": false}},
            "required": ["recipe"], "additionalProperties": false}),
    ];
    for schema in &schemas {
        let value = instance(schema, "the caller's text");
        if let Some(why) = invalid(schema, schema, &value, 0) {
            panic!("schema {schema}: {why}");
        }
        check_leaves(schema, &value);
    }
    let order = instance(&schemas[0], "x");
    for item in order["items"].as_array().unwrap() {
        assert!((1..99).contains(&as_i128(&item["qty"])), "{order}");
    }
    let servings = as_i128(&instance(&schemas[2], "x")["recipe"]["servings"]);
    assert!((1..=100).contains(&servings), "{servings}");
}

#[test]
fn a_format_whose_example_breaks_the_lengths_gives_words_of_those_lengths() {
    let schema = json!({"type": "object", "properties": {
        "a_day": {"type": "string", "format": "date", "maxLength": 4},
        "b_note": {"type": "string"}}, "required": ["a_day", "b_note"]});
    let v = instance(&schema, "the caller's text");
    assert_eq!(v["b_note"], "the caller's text", "{v}");
    assert!(v["a_day"].as_str().unwrap().chars().count() <= 4, "{v}");
}
