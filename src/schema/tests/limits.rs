//! The generator's limits: pattern depth and repetitions, reference cycles, the one budget for
//! a whole instance, and integers at the ends of the 64-bit range.

use super::*;

/// The outcome with a budget of `max_bytes`.
fn within(schema: &Value, max_bytes: usize) -> Result<Value, Limit> {
    crate::schema::instance(schema, Some("hello world"), max_bytes)
}

#[test]
fn a_pattern_nested_past_the_depth_limit_is_refused_without_recursing_into_it() {
    let nested = |n: usize| json!({"type": "string", "pattern": format!("{}a{}", "(".repeat(n), ")".repeat(n))});
    assert_eq!(within(&nested(64), MAX_INSTANCE_BYTES), Ok(json!("a")));
    assert_eq!(
        within(&nested(10_000), MAX_INSTANCE_BYTES),
        Err(Limit::PatternDepth)
    );
}

#[test]
fn pattern_repetitions_multiply_within_the_instance_budget() {
    let schema = json!({"type": "string", "pattern": "^(((a{1000}){1000}){1000}){1000}$"});
    assert_eq!(
        within(&schema, MAX_INSTANCE_BYTES),
        Err(Limit::PatternExample(1_000_000_000_000))
    );
    let million = json!({"type": "string", "pattern": "^(a{1000}){1000}$"});
    let value = within(&million, MAX_INSTANCE_BYTES).unwrap();
    assert_eq!(value.as_str().map(str::len), Some(1_000_000));
    // The budget is what is left of the whole instance, not per string.
    let two = json!({"type": "array", "minItems": 2, "items": million});
    assert_eq!(
        within(&two, 1_500_000),
        Err(Limit::PatternExample(1_000_000))
    );
}

#[test]
fn reference_cycles_are_refused_and_recursion_through_values_still_ends() {
    for (schema, reference) in [
        (json!({"allOf": [{"$ref": "#/allOf/0"}]}), "#/allOf/0"),
        (
            json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
                   "allOf": [{"$ref": "#/$defs/a"}]}),
            "#/$defs/a",
        ),
    ] {
        assert_eq!(
            within(&schema, MAX_INSTANCE_BYTES),
            Err(Limit::RefCycle(reference.to_string())),
            "{schema}"
        );
    }
    // A reference to itself outside `allOf` ends at the depth limit, as it always did.
    assert_eq!(within(&json!({"$ref": "#"}), 100), Ok(json!("")));
    assert_eq!(
        within(&json!({"anyOf": [{"$ref": "#"}, {"type": "null"}]}), 100),
        Ok(Value::Null)
    );
}

#[test]
fn one_budget_bounds_the_whole_instance() {
    // 1024 items of 1024 items of ...: refused at the value count, long before memory runs out.
    let recursive = json!({"type": "array", "minItems": 1024, "items": {"$ref": "#"}});
    assert_eq!(within(&recursive, MAX_INSTANCE_BYTES), Err(Limit::Values));
    // A million nulls fit in 8 MiB of text but not in the value count.
    let nulls = json!({"type": "array", "minItems": 1024, "items":
        {"type": "array", "minItems": 1024, "items": {"type": "null"}}});
    assert_eq!(within(&nulls, MAX_INSTANCE_BYTES), Err(Limit::Values));
    // Merging long `required` lists is work even when it makes no value.
    let names: Vec<String> = (0..1000).map(|i| format!("n{i}")).collect();
    let merged = json!({"allOf": [{"required": names}, {"required": names}]});
    assert_eq!(within(&merged, MAX_INSTANCE_BYTES), Err(Limit::Steps));
    // The caller's text counts too.
    let text = json!({"type": "string"});
    assert_eq!(
        crate::schema::instance(&text, Some(&"x".repeat(100)), 101),
        Err(Limit::Bytes)
    );
    assert_eq!(
        crate::schema::instance(&text, Some(&"x".repeat(100)), 102),
        Ok(json!("x".repeat(100)))
    );
}

#[test]
fn an_instance_that_fits_is_never_longer_than_its_budget() {
    let schemas = [
        json!({"type": "object", "properties": {"a\"b": {"type": "string", "minLength": 5},
            "n": {"type": "integer", "minimum": -123456}, "x": {"type": "number", "maximum": 0.5},
            "l": {"type": "array", "items": {"enum": [null, true, false, "q"]}, "minItems": 4},
            "c": {"const": {"k": ["\n", 1.5, {}]}}}, "required": ["z"]}),
        json!({"type": "string", "pattern": "^[\"\\\\]{3}\\n$"}),
        json!({"type": "array", "prefixItems": [{"type": "null"}, {"format": "email"}]}),
    ];
    for schema in &schemas {
        let full = within(schema, MAX_INSTANCE_BYTES)
            .unwrap()
            .to_string()
            .len();
        for max in 0..full + 16 {
            if let Ok(value) = within(schema, max) {
                assert!(value.to_string().len() <= max, "{schema} in {max} bytes");
            }
        }
        assert!(within(schema, full + 16).is_ok(), "{schema}");
    }
}

#[test]
fn integers_stay_within_bounds_at_the_ends_of_the_64_bit_range() {
    let as_i128 = |v: &Value| {
        v.as_i64()
            .map(i128::from)
            .or(v.as_u64().map(i128::from))
            .unwrap_or_else(|| panic!("not an integer: {v}"))
    };
    for (schema, lo, hi, step) in [
        (
            json!({"type": "integer", "maximum": -9_223_372_036_854_775_800_i64, "multipleOf": 7}),
            i128::from(i64::MIN),
            -9_223_372_036_854_775_800,
            7,
        ),
        (
            json!({"type": "integer", "minimum": u64::MAX - 10, "multipleOf": 5}),
            i128::from(u64::MAX - 10),
            i128::from(u64::MAX),
            5,
        ),
        (
            json!({"type": "integer", "exclusiveMaximum": i64::MIN + 2}),
            i128::from(i64::MIN),
            i128::from(i64::MIN) + 1,
            1,
        ),
        (
            json!({"type": "integer", "minimum": -1e300}),
            i128::from(i64::MIN),
            i128::MAX,
            1,
        ),
    ] {
        let items = json!({"type": "array", "minItems": 5, "items": schema});
        for value in within(&items, MAX_INSTANCE_BYTES)
            .unwrap()
            .as_array()
            .unwrap()
        {
            let v = as_i128(value);
            assert!(lo <= v && v <= hi && v % step == 0, "{schema}: {v}");
        }
    }
    for schema in [
        json!({"type": "integer", "maximum": i64::MIN, "multipleOf": 7}),
        json!({"type": "integer", "minimum": 5, "maximum": 6, "multipleOf": 10}),
        json!({"type": "integer", "exclusiveMinimum": 5, "exclusiveMaximum": 6}),
        json!({"type": "integer", "minimum": 1e30}),
        json!({"type": "integer", "maximum": -1e30}),
    ] {
        assert!(
            matches!(
                within(&schema, MAX_INSTANCE_BYTES),
                Err(Limit::NoInteger(_))
            ),
            "{schema}"
        );
    }
}
