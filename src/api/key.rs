//! The API key check: `Authorization: Bearer KEY` against `--api-key`, in constant time.

use crate::app::App;
use crate::error::ApiError;
use crate::http::Head;

/// Checks `Authorization: Bearer KEY` against `--api-key`, comparing in constant time.
pub(crate) fn authorize(app: &App, info: &Head) -> Result<(), ApiError> {
    let Some(expected) = &app.config.api_key else {
        return Ok(());
    };
    let given = info.authorization.as_deref().and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    match given {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::unauthorized(true)),
        None => Err(ApiError::unauthorized(info.authorization.is_some())),
    }
}

/// Equal-length inputs take the same time whatever they hold; the length itself is not secret.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
