//! Reading a request from tiny_http: its head as a [`Head`], and its body under a size limit.

use std::borrow::Cow;
use std::io::{self, Read};

use crate::error::ApiError;
use crate::http::Head;

pub(crate) fn head(rq: &tiny_http::Request) -> Head {
    let header = |name: &'static str| {
        rq.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
    };
    let http10 = *rq.http_version() == (1, 0);
    let connection = header("Connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let close = connection.contains("close") || (http10 && !connection.contains("keep-alive"));
    let url = rq.url();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    Head {
        method: method(rq.method()),
        path: path.to_string(),
        query: query.to_string(),
        http10,
        close,
        authorization: header("Authorization"),
        headers: rq
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.to_string(),
                )
            })
            .collect(),
    }
}

fn method(method: &tiny_http::Method) -> Cow<'static, str> {
    use tiny_http::Method::*;
    Cow::Borrowed(match method {
        Get => "GET",
        Head => "HEAD",
        Post => "POST",
        Put => "PUT",
        Delete => "DELETE",
        Connect => "CONNECT",
        Options => "OPTIONS",
        Trace => "TRACE",
        Patch => "PATCH",
        NonStandard(other) => return Cow::Owned(other.as_str().to_ascii_uppercase()),
    })
}

/// Reads the whole body, refusing more than `limit` bytes. After a failure the connection closes:
/// the rest of the body was not read.
pub(crate) fn read_body(rq: &mut tiny_http::Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    let declared = rq.body_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::body_too_large(limit));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    let read = rq.as_reader().take(limit as u64 + 1).read_to_end(&mut body);
    let failed = |e: io::Error| {
        let message = format!("Could not read the request body: {e}.");
        ApiError::new(400, "invalid_request_error", Some("invalid_body"), message)
    };
    match read {
        Ok(_) if body.len() > limit => Err(ApiError::body_too_large(limit)),
        Ok(n) if declared.is_some_and(|d| n < d) => Err(failed(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed before the whole body arrived",
        ))),
        Ok(_) => Ok(body),
        Err(e) => Err(failed(e)),
    }
}
