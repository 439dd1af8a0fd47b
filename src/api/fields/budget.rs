//! What a JSON body may cost to parse, counted before the tree is built: a parsed value takes 30
//! to 60 bytes, a non-empty object's map about 650, so 7 bytes of `{"":0}` became 670 bytes of
//! tree and an 8 MiB body several hundred MiB. One linear pass outside strings counts the values;
//! a body over the budget is a 400 naming it, and its tree is never built.

use crate::error::ApiError;

/// The most JSON values one body may hold, weighted by what they cost parsed: every value
/// (object keys included) counts 1, an array with items [`ARRAY_WEIGHT`], an object with members
/// [`OBJECT_WEIGHT`]. At about 60 bytes a unit at worst (`[0,0,…]`), an accepted body's tree
/// stays near 30 MiB; a request with 300,000 embedding tokens or 20,000 chat messages fits.
pub(crate) const MAX_JSON_VALUES: u64 = 500_000;

/// What an array with items counts as: its own slot and the first block of its buffer.
pub(crate) const ARRAY_WEIGHT: u64 = 4;

/// What an object with members counts as: its map's first node holds room for eleven entries.
pub(crate) const OBJECT_WEIGHT: u64 = 20;

/// Whether `body` holds at most [`MAX_JSON_VALUES`] weighted values. Not a validation: a body that
/// is not JSON is left for the parser to describe. Linear in the body, and stops at the limit.
pub(crate) fn check(body: &[u8]) -> Result<(), ApiError> {
    // A byte adds at most one value of the heaviest weight, so a body this short cannot pass the
    // limit and is not scanned (a typical request: this runs on every one).
    if (body.len() as u64).saturating_mul(OBJECT_WEIGHT) <= MAX_JSON_VALUES
        || weighted_values(body, MAX_JSON_VALUES) <= MAX_JSON_VALUES
    {
        Ok(())
    } else {
        Err(too_many(MAX_JSON_VALUES))
    }
}

/// The 400 past the budget.
pub(crate) fn too_many(limit: u64) -> ApiError {
    ApiError::new(
        400,
        "invalid_request_error",
        Some("too_many_json_values"),
        format!(
            "The request body holds more than {limit} JSON values (the limit on JSON values per \
             body; an array with items counts as {ARRAY_WEIGHT}, an object with members as \
             {OBJECT_WEIGHT}). Send a smaller body."
        ),
    )
}

/// The weighted count of values in `body`, or the first count past `stop`.
pub(crate) fn weighted_values(body: &[u8], stop: u64) -> u64 {
    let mut count = 0u64;
    let mut i = 0;
    let n = body.len();
    // Whether the next byte that is not whitespace closes the container opened at `i`.
    let empty_after = |i: usize, close: u8| {
        body[i + 1..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == close)
    };
    while i < n {
        match body[i] {
            b'"' => {
                count += 1;
                i += 1;
                while i < n && body[i] != b'"' {
                    // An escape is two bytes whatever the second is (`\"` does not end the string).
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' => {
                count += if empty_after(i, b']') {
                    1
                } else {
                    ARRAY_WEIGHT
                }
            }
            b'{' => {
                count += if empty_after(i, b'}') {
                    1
                } else {
                    OBJECT_WEIGHT
                }
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                count += 1;
                while i + 1 < n
                    && matches!(body[i + 1], b'0'..=b'9' | b'a'..=b'z' | b'.' | b'+' | b'-' | b'E')
                {
                    i += 1;
                }
            }
            _ => {}
        }
        if count > stop {
            return count;
        }
        i += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_byte_weighs_more_than_an_object() {
        // What lets check() skip short bodies: the densest bodies stay at or under the weight
        // of an object per byte.
        for dense in [
            "{{{{{{",
            "{\"\":{}}",
            "[[[[[[",
            "[{\"\":0}]",
            "00000",
            "\"\"\"\"",
        ] {
            assert!(
                count(dense) <= OBJECT_WEIGHT * dense.len() as u64,
                "{dense}"
            );
        }
        let short = "{\"\":0}".repeat((MAX_JSON_VALUES / OBJECT_WEIGHT / 6) as usize);
        assert!(check(short.as_bytes()).is_ok());
    }

    fn count(text: &str) -> u64 {
        weighted_values(text.as_bytes(), u64::MAX)
    }

    #[test]
    fn values_are_counted_outside_strings_with_containers_weighted() {
        assert_eq!(count(""), 0);
        assert_eq!(count("0"), 1);
        assert_eq!(count("[]"), 1);
        assert_eq!(count("{ }"), 1);
        assert_eq!(count("[0, -1.5e+3, true, null]"), ARRAY_WEIGHT + 4);
        assert_eq!(count(r#"{"a": "x,[{1"}"#), OBJECT_WEIGHT + 2);
        assert_eq!(count(r#"["\"[", "\\", 2]"#), ARRAY_WEIGHT + 3);
        assert_eq!(
            count(r#"[{"":0},{"":0}]"#),
            ARRAY_WEIGHT + 2 * (OBJECT_WEIGHT + 2)
        );
        assert_eq!(count("[[ ],[1]]"), 2 * ARRAY_WEIGHT + 2);
        assert_eq!(
            weighted_values(b"[0,0,0,0,0]", 2),
            ARRAY_WEIGHT,
            "stops past the limit"
        );
    }

    #[test]
    fn a_body_over_the_budget_is_refused_naming_the_limit() {
        let ok = format!("[{}0]", "0,".repeat(400_000));
        assert!(check(ok.as_bytes()).is_ok());
        let over = format!("[{}0]", "0,".repeat(MAX_JSON_VALUES as usize));
        let e = check(over.as_bytes()).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_deref()),
            (400, Some("too_many_json_values"))
        );
        assert!(e.message.contains("500000 JSON values"), "{}", e.message);
    }
}
