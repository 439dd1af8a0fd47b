//! Examples of simple patterns, unsupported constructs, and the two bounds: group depth and the
//! bytes an example takes to build.

use super::{MAX_PATTERN_DEPTH, TooBig, example};

fn example_of(pattern: &str) -> Option<String> {
    example(pattern, usize::MAX).expect("within the limits")
}

#[test]
fn simple_patterns_give_a_matching_example() {
    for (pattern, expected) in [
        ("^[a-z]+$", "a"),
        (r"^\d{3}-\d{4}$", "000-0000"),
        ("^[A-Z]{2}[0-9]{4}$", "AA0000"),
        (r"^(foo|bar)_\w*$", "foo_"),
        (r"^(?:\+1)?[0-9]{3,}$", "000"),
        ("^[^0-9]{2}$", "aa"),
        ("^[^a-z]$", "A"),
        (r"^v\d+\.\d+\.\d+$", "v0.0.0"),
        (r"^[\w.-]+@example\.com$", "a@example.com"),
        ("abc", "abc"),
        ("^a.c$", "aac"),
        ("^x{2,5}?$", "xx"),
    ] {
        assert_eq!(example_of(pattern).as_deref(), Some(expected), "{pattern}");
    }
}

#[test]
fn unsupported_constructs_give_none() {
    for pattern in [
        r"^(?=a)a$",
        r"(a)\1",
        r"\bword\b",
        "a{x}",
        "[a-z",
        "(ab",
        r"[\D]",
    ] {
        assert_eq!(example_of(pattern), None, "{pattern}");
    }
}

#[test]
fn groups_nest_up_to_the_depth_limit() {
    let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(
        example(&nested(MAX_PATTERN_DEPTH), 10),
        Ok(Some("a".to_string()))
    );
    assert_eq!(
        example(&nested(MAX_PATTERN_DEPTH + 1), 10),
        Err(TooBig::Deep)
    );
    // Far past the limit the parser stops at the limit: no stack overflow.
    assert_eq!(example(&nested(100_000), 10), Err(TooBig::Deep));
}

#[test]
fn repetitions_multiply_and_are_checked_before_building() {
    assert_eq!(
        example("^(((a{1000}){1000}){1000}){1000}$", 1 << 20),
        Err(TooBig::Long(1_000_000_000_000))
    );
    assert_eq!(example("(ab{2}){3}", 9), Ok(Some("abbabbabb".to_string())));
    assert_eq!(example("(ab{2}){3}", 8), Err(TooBig::Long(9)));
    // Products past u64 saturate instead of wrapping to a small length.
    let huge = format!("{}a{}", "(".repeat(10), "){1000}".repeat(10));
    assert_eq!(example(&huge, usize::MAX >> 1), Err(TooBig::Long(u64::MAX)));
    // A group built once and then dropped (`{0}`) still takes its bytes while it is built.
    let dropped = "((a{1000}){1000}){0}b";
    assert_eq!(example(dropped, 1000), Err(TooBig::Long(1_000_000)));
    assert_eq!(example(dropped, 1_000_000), Ok(Some("b".to_string())));
    // Unsupported patterns are not sized: the caller falls back to a plain string.
    assert_eq!(example("(a{1000}){1000}\\1", 10), Ok(None));
}

#[test]
fn long_patterns_are_read_without_keeping_them() {
    let class = format!("[^{}]", "a".repeat(200_000));
    assert_eq!(example(&class, 10), Ok(Some("A".to_string())));
    let optional = "a?".repeat(100_000);
    assert_eq!(example(&optional, 1), Ok(Some(String::new())));
    assert_eq!(example(&format!("{optional}\\1"), 10), Ok(None));
}
