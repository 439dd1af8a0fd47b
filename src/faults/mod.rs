//! Faults and latency on demand: per request from `x-oaimock-*` headers or a fixture reply's
//! `fault`, at random from `--fault-rate` under `--seed`, and a real rate limit (`--rpm`, `--tpm`).
//! A fault changes the reply or how its stream is walked; no endpoint knows about faults.
//! This file reads the headers and applies stream faults; [`chaos`] draws the random faults and
//! [`rate_limit`] counts the limit.

mod chaos;
mod rate_limit;
pub(crate) mod scopes;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorObject};
use crate::http::{Answer, Body, Clock, Event, Pace, Relay};

pub(crate) use chaos::Chaos;
pub(crate) use rate_limit::RateLimit;
pub(crate) use scopes::{MAX_SCOPE_BYTES, Scoped};

/// The longest stall a request may ask for: a stall is bounded, never a hung worker.
pub(crate) const MAX_STALL: Duration = Duration::from_secs(60);

/// The longest time to first token, pause per word and jitter, as the stall: a header asking for
/// more is a 400, a fixture a problem, `--token-delay-ms` a usage error. Unbounded, a
/// `token_delay_ms` near `u64::MAX` overflowed the stream's arithmetic (a 500).
pub(crate) const MAX_DELAY_MS: u64 = 60_000;

/// Whether `ms` is within [`MAX_DELAY_MS`]; the problem names the limit.
pub(crate) fn check_delay(ms: u64) -> Result<u64, String> {
    if ms <= MAX_DELAY_MS {
        Ok(ms)
    } else {
        Err(format!(
            "{ms} ms, more than the limit of {MAX_DELAY_MS} ms on a delay"
        ))
    }
}

/// The longest a batch may take, or be given before it expires (`x-oaimock-batch-ms`,
/// `x-oaimock-batch-window-ms`, `--batch-ms`): its completion window, 24 hours.
pub(crate) const MAX_BATCH_MS: u64 = 86_400_000;

/// The value of a batch timing header (`batch-ms` or `batch-window-ms`), checked by
/// [`RequestFaults::from_headers`] before any handler reads it.
pub(crate) fn batch_header(headers: &[(String, String)], key: &str) -> Option<u64> {
    let name = format!("x-oaimock-{key}");
    headers
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// Latency and stream breakage for one reply. The same names serve as fixture `fault` keys and,
/// with `x-oaimock-` in front and `-` for `_`, as request headers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StreamFaults {
    pub ttft_ms: Option<u64>,
    pub token_delay_ms: Option<u64>,
    pub jitter_ms: Option<u64>,
    /// Send `data: {"error": ...}` after this many events, then end the stream.
    pub stream_error_after: Option<usize>,
    /// End the stream cleanly after this many events: no finish chunk, no `[DONE]`.
    pub truncate_after: Option<usize>,
    /// Break the connection after this many events (the chunked framing is cut mid-way).
    pub disconnect_after: Option<usize>,
    /// Send one event whose data is not JSON after this many events.
    pub malformed_after: Option<usize>,
    /// Send nothing for this long, after `stall_after` events (default 0).
    pub stall_ms: Option<u64>,
    pub stall_after: Option<usize>,
}

const STREAM_KEYS: &[&str] = &[
    "ttft-ms",
    "token-delay-ms",
    "jitter-ms",
    "stream-error-after",
    "truncate-after",
    "disconnect-after",
    "malformed-after",
    "stall-ms",
    "stall-after",
];

/// Everything the `x-oaimock-*` headers of one request ask for.
#[derive(Debug, Default)]
pub(crate) struct RequestFaults {
    /// Answer with this error instead of the reply.
    pub error: Option<ApiError>,
    pub stream: StreamFaults,
    /// `x-oaimock-scope`: keeps sequences, rate-limit counters and journal entries apart.
    pub scope: Option<String>,
}

/// The request's `x-oaimock-scope` (names lowercased); the first one if it is sent twice. The one
/// lookup of that header, for fixture sequences, rate limits and the journal alike.
pub(crate) fn scope_of(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .find(|(n, _)| n == "x-oaimock-scope")
        .map(|(_, v)| v.as_str())
}

fn bad_header(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::invalid(
        name,
        "invalid_value",
        format!("Invalid '{name}' header: expected {expected}, but got '{value}' instead."),
    )
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ApiError> {
    value
        .trim()
        .parse()
        .map_err(|_| bad_header(name, value, "a whole number"))
}

/// A delay in milliseconds, at most [`MAX_DELAY_MS`].
fn delay(name: &str, value: &str) -> Result<u64, ApiError> {
    check_delay(number(name, value)?).map_err(|problem| {
        ApiError::invalid(
            name,
            "invalid_value",
            format!("Invalid '{name}' header: {problem}."),
        )
    })
}

impl RequestFaults {
    /// Reads the `x-oaimock-*` headers (names lowercased). An unknown one is a 400, so a typo in a
    /// test does not pass silently.
    pub(crate) fn from_headers(headers: &[(String, String)]) -> Result<RequestFaults, ApiError> {
        let mut faults = RequestFaults::default();
        let mut status = None;
        let mut retry: Vec<(String, String)> = Vec::new();
        for (name, value) in headers {
            let Some(key) = name.strip_prefix("x-oaimock-") else {
                continue;
            };
            let s = &mut faults.stream;
            match key {
                "error" => match value.trim().parse::<u16>() {
                    Ok(code @ 400..=599) => status = Some(code),
                    _ => return Err(bad_header(name, value, "a status from 400 to 599")),
                },
                "retry-after" => retry.push((
                    "Retry-After".into(),
                    number::<u64>(name, value)?.to_string(),
                )),
                "retry-after-ms" => retry.push((
                    "retry-after-ms".into(),
                    number::<u64>(name, value)?.to_string(),
                )),
                "should-retry" => match value.trim() {
                    "true" | "false" => {
                        retry.push(("x-should-retry".into(), value.trim().to_string()))
                    }
                    _ => return Err(bad_header(name, value, "true or false")),
                },
                // Read by `scope_of` below, as every other reader of the scope does.
                "scope" if value.len() > MAX_SCOPE_BYTES => {
                    return Err(ApiError::invalid(
                        name,
                        "invalid_value",
                        format!(
                            "Invalid '{name}' header: {} bytes, more than the limit of {MAX_SCOPE_BYTES} bytes in a scope.",
                            value.len()
                        ),
                    ));
                }
                "scope" => {}
                // Read and checked by `azure::filter`, on Azure routes only.
                "azure-filter" => {}
                "batch-ms" | "batch-window-ms" => {
                    let ms: u64 = number(name, value)?;
                    if !(1..=MAX_BATCH_MS).contains(&ms) {
                        return Err(bad_header(
                            name,
                            value,
                            &format!("milliseconds from 1 to {MAX_BATCH_MS} (24 hours)"),
                        ));
                    }
                }
                "ttft-ms" => s.ttft_ms = Some(delay(name, value)?),
                "token-delay-ms" => s.token_delay_ms = Some(delay(name, value)?),
                "jitter-ms" => s.jitter_ms = Some(delay(name, value)?),
                "stream-error-after" => s.stream_error_after = Some(number(name, value)?),
                "truncate-after" => s.truncate_after = Some(number(name, value)?),
                "disconnect-after" => s.disconnect_after = Some(number(name, value)?),
                "malformed-after" => s.malformed_after = Some(number(name, value)?),
                "stall-ms" => s.stall_ms = Some(delay(name, value)?),
                "stall-after" => s.stall_after = Some(number(name, value)?),
                _ => {
                    let known = format!(
                        "one of x-oaimock-error, -retry-after, -retry-after-ms, -should-retry, -scope, -azure-filter, -batch-ms, -batch-window-ms, -{}",
                        STREAM_KEYS.join(", -")
                    );
                    return Err(ApiError::invalid(
                        name,
                        "unknown_header",
                        format!("Unknown header '{name}': expected {known}."),
                    ));
                }
            }
        }
        faults.scope = scope_of(headers).map(str::to_string);
        if let Some(code) = status {
            let mut error = ApiError::for_status(code);
            if retry.iter().any(|(n, _)| n == "Retry-After") {
                error.headers.retain(|(n, _)| n != "Retry-After");
            }
            error.headers.extend(retry);
            faults.error = Some(error);
        }
        Ok(faults)
    }
}

#[derive(Serialize)]
struct ErrorEvent<'a> {
    error: ErrorObject<'a>,
}

/// The Responses API's stream error event in both its shapes at once: the documented
/// `ResponseErrorEvent` (`code`, `message`, `param` at the top level, which clients typed on the
/// spec require) and the live API's nested `error` object (which the official SDKs read).
#[derive(Serialize)]
struct NamedErrorEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    code: Option<&'a str>,
    message: &'a str,
    param: Option<&'a str>,
    error: ErrorObject<'a>,
    sequence_number: usize,
}

/// A delay as a duration, never over the limit (headers and fixtures were checked already).
fn ms(value: Option<u64>) -> Option<Duration> {
    value.map(|ms| Duration::from_millis(ms.min(MAX_DELAY_MS)))
}

impl StreamFaults {
    /// The first delay over [`MAX_DELAY_MS`], as `(key, problem)`: for a fixture's `fault`.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        for (key, value) in [
            ("ttft_ms", self.ttft_ms),
            ("token_delay_ms", self.token_delay_ms),
            ("jitter_ms", self.jitter_ms),
            ("stall_ms", self.stall_ms),
        ] {
            if let Some(ms) = value {
                check_delay(ms).map_err(|problem| (key, problem))?;
            }
        }
        Ok(())
    }

    /// The faults on a body of chunks that are not events (audio): pacing and stalls as a
    /// stream's, `truncate-after` ends it cleanly after that many chunks, `disconnect-after`
    /// breaks it there, and so does `stream-error-after`, since raw bytes cannot carry an error
    /// event; `malformed-after` has no event to spoil and changes nothing.
    fn pace(&self, pace: &mut Pace, seed: u64) {
        self.clock(&mut pace.clock, seed);
        let cuts = [
            (self.truncate_after, false),
            (self.disconnect_after, true),
            (self.stream_error_after, true),
        ];
        let cuts = cuts.iter().filter_map(|(n, abort)| n.map(|n| (n, *abort)));
        if let Some(cut) = cuts.clone().map(|(n, _)| n).min() {
            pace.cut = Some(cut);
            pace.abort = cuts.clone().any(|(n, abort)| abort && n == cut);
        }
    }

    /// A paced body's clock as asked: the pause per piece, the jitter (drawn from `seed`), the stall.
    fn clock(&self, clock: &mut Clock, seed: u64) {
        if let Some(delay) = ms(self.token_delay_ms) {
            clock.token_delay = delay;
        }
        if let Some(jitter) = ms(self.jitter_ms) {
            clock.jitter = jitter;
            clock.seed = seed;
        }
        if let Some(stall) = ms(self.stall_ms) {
            clock.stall = Some((self.stall_after.unwrap_or(0), stall.min(MAX_STALL)));
        }
    }

    /// Changes `reply` as asked. A whole reply (and an upstream's relayed body) only takes the
    /// time to first token; a stream takes every setting, and `seed` drives its jitter; a body
    /// made while it is written (speech audio) takes them on its chunks ([`Self::pace`]).
    pub(crate) fn apply(&self, reply: &mut Answer, seed: u64) {
        let stream = match &mut reply.body {
            Body::Events(stream) => stream,
            body => {
                if let Body::Relay(Relay {
                    pace: Some(pace), ..
                }) = body
                {
                    self.pace(pace, seed);
                }
                if let Some(ttft) = ms(self.ttft_ms) {
                    reply.delay = ttft;
                }
                return;
            }
        };
        if let Some(ttft) = ms(self.ttft_ms) {
            stream.ttft = ttft;
        }
        self.clock(&mut stream.clock, seed);
        let events = &mut stream.events;
        let named = events.first().is_some_and(|e| e.name.is_some());
        if let Some(n) = self.malformed_after.filter(|n| *n <= events.len()) {
            let name = named.then_some("response.output_text.delta");
            events.insert(
                n,
                Event {
                    name: name.map(Into::into),
                    data: b"{\"oaimock\": malformed".to_vec(),
                    paced: false,
                    after: Duration::ZERO,
                },
            );
        }
        if let Some(n) = self.stream_error_after {
            events.truncate(n);
            let error = ApiError::for_status(500);
            let fields = error.object();
            events.push(if named {
                let event = NamedErrorEvent {
                    kind: "error",
                    code: error.code.as_deref(),
                    message: &error.message,
                    param: error.param.as_deref(),
                    error: fields,
                    sequence_number: n,
                };
                Event::json(Some("error"), &event, false)
            } else {
                Event::json(None, &ErrorEvent { error: fields }, false)
            });
        }
        if let Some(n) = self.truncate_after {
            events.truncate(n);
        }
        if let Some(n) = self.disconnect_after {
            events.truncate(n);
            stream.abort = true;
        }
    }
}

#[cfg(test)]
mod tests;
