//! Helpers shared by the hostile budget test files: repeated items and the check that a
//! reply is a 400 naming a limit.

use super::Got;

/// `n` copies of `item` joined by commas.
pub(crate) fn repeat(item: &str, n: usize) -> String {
    let mut out = String::with_capacity((item.len() + 1) * n);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out
}

/// Asserts a 400 whose message contains `names` (the limit and its value).
pub(crate) fn refused(got: &Got, names: &str) {
    assert_eq!(got.status, 400, "{}", got.body);
    let message = got.error()["message"].as_str().unwrap_or("").to_string();
    assert!(message.contains(names), "{message}");
}
