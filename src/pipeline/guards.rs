//! Checks on a request head before any handler runs: framing that could hide a second request
//! behind the first, and the admin boundary — the `/_oaimock/*` paths are for the local user, so
//! a web page must not reach them through the developer's browser (no CORS, no foreign `Host` or
//! `Origin`, JSON-only writes).

use crate::api::Route;
use crate::error::ApiError;
use crate::http::Head;

fn bad_framing(message: String) -> ApiError {
    ApiError::new(
        400,
        "invalid_request_error",
        Some("invalid_framing"),
        message,
    )
}

/// Refuses a head whose body length is ambiguous: more than one `Content-Length`, one that is not
/// plain digits, both `Content-Length` and `Transfer-Encoding`, or a transfer coding other than
/// `chunked`. Two readers of such a request can disagree on where it ends.
pub(crate) fn framing(head: &Head) -> Result<(), ApiError> {
    // The values of one header: counted, and the first kept, without collecting them (this runs
    // on every request).
    let values = |name: &str| {
        let mut all = head.headers.iter().filter(|(n, _)| n == name);
        let first = all.next().map(|(_, v)| v.trim());
        (first.map_or(0, |_| 1 + all.count()), first)
    };
    let (lengths, length) = values("content-length");
    let (codings, coding) = values("transfer-encoding");
    if lengths > 1 {
        return Err(bad_framing(format!(
            "The request has {lengths} Content-Length headers; send exactly one."
        )));
    }
    if let Some(length) = length
        && (length.is_empty() || !length.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad_framing(format!(
            "Invalid Content-Length '{length}': expected a decimal number of bytes."
        )));
    }
    if lengths > 0 && codings > 0 {
        return Err(bad_framing(
            "The request has both Content-Length and Transfer-Encoding; send one of them.".into(),
        ));
    }
    if codings > 1 || coding.is_some_and(|c| !c.eq_ignore_ascii_case("chunked")) {
        let all: Vec<&str> = head
            .headers
            .iter()
            .filter(|(n, _)| n == "transfer-encoding")
            .map(|(_, v)| v.trim())
            .collect();
        return Err(bad_framing(format!(
            "Unsupported Transfer-Encoding '{}': only 'chunked' is understood.",
            all.join(", ")
        )));
    }
    Ok(())
}

/// Whether the request is for an admin path (`/_oaimock/*`, with or without `/v1`), whatever
/// its method.
pub(crate) fn is_admin(route: &Route, head: &Head) -> bool {
    match route {
        Route::Admin(_) | Route::Panic => true,
        Route::Preflight => {
            let bare = head.path.strip_prefix("/v1").unwrap_or(&head.path);
            bare.starts_with("/_oaimock/")
        }
        _ => false,
    }
}

/// The host part of a `Host` or an `Origin`'s authority, lowercased, without port or brackets.
fn host_of(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_string();
    }
    authority.split(':').next().unwrap_or("").to_string()
}

/// Whether a host names this machine's loopback or the address the server was bound to: what a
/// DNS-rebinding page (its own name in `Host`) or another site (its `Origin`) cannot claim.
fn local(host: &str, bound: &str) -> bool {
    let ip = host.parse::<std::net::IpAddr>();
    host == "localhost"
        || host.ends_with(".localhost")
        || ip.as_ref().is_ok_and(|ip| ip.is_loopback())
        || host == host_of(bound)
        || (bound_to_any(bound) && ip.is_ok())
}

/// A wildcard bind (reached through any address of the machine, so by IP literal).
fn bound_to_any(bound: &str) -> bool {
    bound
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_unspecified())
}

fn forbidden(message: String) -> ApiError {
    ApiError::new(403, "invalid_request_error", Some("forbidden"), message)
}

/// The admin boundary, for a server bound to `bound` (its `--host`).
pub(crate) fn admin(head: &Head, bound: &str) -> Result<(), ApiError> {
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let host = header("host").map(host_of).unwrap_or_default();
    if !local(&host, bound) {
        return Err(forbidden(format!(
            "The admin paths answer only requests addressed to this machine (Host '{host}' is not a loopback name or the bound address)."
        )));
    }
    if let Some(origin) = header("origin") {
        let authority = origin.split("://").nth(1).unwrap_or("");
        let from = host_of(authority.split('/').next().unwrap_or(""));
        if origin == "null" || !local(&from, bound) {
            return Err(forbidden(format!(
                "The admin paths do not answer web pages from other origins (Origin '{origin}')."
            )));
        }
    }
    let writes = head.method == "POST";
    let json = header("content-type").is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if writes && !json {
        return Err(ApiError::new(
            415,
            "invalid_request_error",
            Some("unsupported_media_type"),
            format!(
                "{} {} takes a JSON body: send Content-Type: application/json.",
                head.method, head.path
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: &'static str, headers: &[(&str, &str)]) -> Head {
        Head {
            method: method.into(),
            path: "/_oaimock/requests".into(),
            query: String::new(),
            http10: false,
            close: false,
            authorization: None,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn ambiguous_lengths_and_codings_are_refused() {
        let ok = [
            vec![("content-length", "12")],
            vec![("transfer-encoding", "Chunked")],
            vec![],
        ];
        for headers in ok {
            assert!(framing(&head("POST", &headers)).is_ok(), "{headers:?}");
        }
        let bad = [
            vec![("content-length", "12"), ("content-length", "12")],
            vec![("content-length", "+12")],
            vec![("content-length", "-1")],
            vec![("content-length", "1 2")],
            vec![("content-length", "")],
            vec![("content-length", "5"), ("transfer-encoding", "chunked")],
            vec![("transfer-encoding", "gzip, chunked")],
            vec![("transfer-encoding", "identity")],
        ];
        for headers in bad {
            let e = framing(&head("POST", &headers)).unwrap_err();
            assert_eq!(
                (e.status, e.code.as_deref()),
                (400, Some("invalid_framing"))
            );
        }
    }

    #[test]
    fn the_admin_paths_answer_the_local_user_only() {
        let local_get = head("GET", &[("host", "127.0.0.1:8000")]);
        assert!(admin(&local_get, "127.0.0.1").is_ok());
        assert!(admin(&head("GET", &[("host", "localhost")]), "127.0.0.1").is_ok());
        assert!(admin(&head("GET", &[("host", "[::1]:9")]), "::1").is_ok());
        // DNS rebinding: the attacker's name in Host.
        let rebound = head("GET", &[("host", "evil.example:8000")]);
        assert_eq!(admin(&rebound, "127.0.0.1").unwrap_err().status, 403);
        let page = head(
            "GET",
            &[
                ("host", "127.0.0.1:8000"),
                ("origin", "https://evil.example"),
            ],
        );
        assert_eq!(admin(&page, "127.0.0.1").unwrap_err().status, 403);
        let same = head(
            "GET",
            &[
                ("host", "127.0.0.1:8000"),
                ("origin", "http://localhost:8000"),
            ],
        );
        assert!(admin(&same, "127.0.0.1").is_ok());
        // A text/plain POST (no preflight in a browser) is refused.
        let plain = head(
            "POST",
            &[("host", "127.0.0.1"), ("content-type", "text/plain")],
        );
        assert_eq!(admin(&plain, "127.0.0.1").unwrap_err().status, 415);
        let json = head(
            "POST",
            &[
                ("host", "127.0.0.1"),
                ("content-type", "application/json; charset=utf-8"),
            ],
        );
        assert!(admin(&json, "127.0.0.1").is_ok());
        // Bound to every address: IP literals pass, names other than loopback ones do not.
        assert!(admin(&head("GET", &[("host", "10.1.2.3:8000")]), "0.0.0.0").is_ok());
        assert!(admin(&head("GET", &[("host", "box.lan")]), "0.0.0.0").is_err());
    }
}
