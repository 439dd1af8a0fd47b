//! The real rate limit of `--rpm` and `--tpm`: fixed one-minute windows per scope, and the
//! `x-ratelimit-*` headers and 429 the API sends.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Scoped;
use crate::error::ApiError;
use crate::sync::lock;

/// A real rate limit: requests and tokens per minute, counted in fixed one-minute windows per
/// scope. Over either limit: 429 with `Retry-After` and the `x-ratelimit-*` headers. The windows
/// of at most `--max-scopes` scopes are kept; the least recently used start over.
pub(crate) struct RateLimit {
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    windows: Mutex<Scoped<String, Window>>,
}

struct Window {
    started: Instant,
    requests: u64,
    tokens: u64,
}

const MINUTE: Duration = Duration::from_secs(60);

impl RateLimit {
    pub(crate) fn new(rpm: Option<u64>, tpm: Option<u64>, max_scopes: usize) -> RateLimit {
        RateLimit {
            rpm,
            tpm,
            windows: Mutex::new(Scoped::with_capacity(max_scopes)),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.rpm.is_some() || self.tpm.is_some()
    }

    /// Counts one request of `tokens` tokens in `scope`. `Ok` carries the `x-ratelimit-*` headers
    /// for the response; `Err` is the 429.
    pub(crate) fn admit(
        &self,
        scope: &str,
        tokens: u64,
    ) -> Result<Vec<(String, String)>, ApiError> {
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let window = windows.get_or_insert_with(scope.to_string(), || Window {
            started: now,
            requests: 0,
            tokens: 0,
        });
        if now.duration_since(window.started) >= MINUTE {
            *window = Window {
                started: now,
                requests: 0,
                tokens: 0,
            };
        }
        let reset = MINUTE.saturating_sub(now.duration_since(window.started));
        let over_requests = self
            .rpm
            .is_some_and(|limit| window.requests.saturating_add(1) > limit);
        let over_tokens = self
            .tpm
            .is_some_and(|limit| window.tokens.saturating_add(tokens) > limit);
        if !over_requests && !over_tokens {
            window.requests += 1;
            window.tokens += tokens;
        }
        let mut headers = Vec::new();
        let reset_text = format!("{:.3}s", reset.as_secs_f64());
        if let Some(limit) = self.rpm {
            headers.push(("x-ratelimit-limit-requests".into(), limit.to_string()));
            headers.push((
                "x-ratelimit-remaining-requests".into(),
                limit.saturating_sub(window.requests).to_string(),
            ));
            headers.push(("x-ratelimit-reset-requests".into(), reset_text.clone()));
        }
        if let Some(limit) = self.tpm {
            headers.push(("x-ratelimit-limit-tokens".into(), limit.to_string()));
            headers.push((
                "x-ratelimit-remaining-tokens".into(),
                limit.saturating_sub(window.tokens).to_string(),
            ));
            headers.push(("x-ratelimit-reset-tokens".into(), reset_text));
        }
        if !over_requests && !over_tokens {
            return Ok(headers);
        }
        let (kind, limit, used, unit) = if over_requests {
            (
                "requests",
                self.rpm.unwrap_or(0),
                window.requests,
                "requests per min (RPM)",
            )
        } else {
            (
                "tokens",
                self.tpm.unwrap_or(0),
                window.tokens,
                "tokens per min (TPM)",
            )
        };
        let wait = reset.as_secs_f64();
        let message = format!(
            "Rate limit reached for {scope_name} on {unit}: Limit {limit}, Used {used}, Requested {asked}. Please try again in {wait:.3}s.",
            scope_name = if scope.is_empty() { "oaimock" } else { scope },
            asked = if over_requests { 1 } else { tokens },
        );
        let mut error = ApiError::new(429, kind, Some("rate_limit_exceeded"), message)
            .with_header("Retry-After", (reset.as_secs() + 1).to_string())
            .with_header("retry-after-ms", reset.as_millis().max(1).to_string());
        error.headers.extend(headers);
        Err(error)
    }

    pub(crate) fn reset(&self, scope: Option<&str>) {
        let mut windows = lock(&self.windows);
        match scope {
            Some(scope) => windows.retain(|s| s != scope),
            None => windows.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_counts_per_scope() {
        let limit = RateLimit::new(Some(2), None, 10);
        assert!(limit.admit("a", 0).is_ok());
        assert!(limit.admit("a", 0).is_ok());
        let e = limit.admit("a", 0).unwrap_err();
        assert_eq!((e.status, e.kind.as_str()), (429, "requests"));
        assert!(
            e.headers
                .iter()
                .any(|(n, v)| n == "x-ratelimit-remaining-requests" && v == "0")
        );
        assert!(limit.admit("b", 0).is_ok());
        limit.reset(Some("a"));
        assert!(limit.admit("a", 0).is_ok());
    }
}
