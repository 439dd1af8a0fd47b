//! The `x-oaimock-*` headers read into faults, and stream faults applied to answers.

use super::*;

fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_scope_is_the_first_scope_header() {
    let two = headers(&[
        ("x-oaimock-scope", "a"),
        ("accept", "x"),
        ("x-oaimock-scope", "b"),
    ]);
    assert_eq!(scope_of(&two), Some("a"));
    let faults = RequestFaults::from_headers(&two).unwrap();
    assert_eq!(faults.scope.as_deref(), Some("a"));
    assert_eq!(scope_of(&headers(&[("accept", "x")])), None);
}

#[test]
fn headers_ask_for_errors_with_retry_hints_and_unknown_ones_are_refused() {
    let f = RequestFaults::from_headers(&headers(&[
        ("x-oaimock-error", "429"),
        ("x-oaimock-retry-after-ms", "10"),
        ("x-oaimock-should-retry", "false"),
        ("accept", "x"),
    ]))
    .unwrap();
    let e = f.error.unwrap();
    assert_eq!(e.status, 429);
    assert!(e.headers.contains(&("retry-after-ms".into(), "10".into())));
    assert!(
        e.headers
            .contains(&("x-should-retry".into(), "false".into()))
    );
    let e = RequestFaults::from_headers(&headers(&[("x-oaimock-truncat-after", "2")])).unwrap_err();
    assert_eq!(e.param.as_deref(), Some("x-oaimock-truncat-after"));
    assert!(RequestFaults::from_headers(&headers(&[("x-oaimock-stall-ms", "soon")])).is_err());
}

#[test]
fn delays_and_scopes_past_their_limits_are_refused() {
    for name in ["ttft-ms", "token-delay-ms", "jitter-ms", "stall-ms"] {
        let name = format!("x-oaimock-{name}");
        assert!(RequestFaults::from_headers(&headers(&[(&name, "60000")])).is_ok());
        let e = RequestFaults::from_headers(&headers(&[(&name, "60001")])).unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "Invalid '{name}' header: 60001 ms, more than the limit of 60000 ms on a delay."
            )
        );
    }
    let scope = "s".repeat(MAX_SCOPE_BYTES + 1);
    let e = RequestFaults::from_headers(&headers(&[("x-oaimock-scope", &scope)])).unwrap_err();
    assert!(
        e.message.contains("limit of 256 bytes in a scope"),
        "{}",
        e.message
    );
}
