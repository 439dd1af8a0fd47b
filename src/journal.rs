//! The request journal: the last `--journal-size` requests, oldest first, for tests to check what
//! their client really sent. Recording is one push under a lock; reading copies under it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::Value;

use crate::sync::lock;

/// Bodies longer than this are kept cut, with `body_truncated: true`: the journal stays small.
pub(crate) const MAX_BODY: usize = 256 * 1024;

/// A slot's body buffer above this size is given back when the next body to use the slot needs
/// under a quarter of it: a burst of large requests does not pin their memory for good.
const SHRINK_ABOVE: usize = 16 * 1024;

/// Headers whose values are secrets, besides those of `--redact-header`.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "x-goog-api-key",
    "cookie",
    "set-cookie",
];

/// Secret headers whose scheme (`Bearer`, `Basic`) is kept before `[redacted]`.
const SCHEMED_HEADERS: &[&str] = &["authorization", "proxy-authorization"];

/// The most entries one `GET /_oaimock/requests` lists, and its default `?limit=`: the rest are
/// on the next page (`?after=` the last `seq`).
pub(crate) const MAX_LIST_ENTRIES: usize = 1000;

/// The most body bytes one page lists (it ends early, with at least one entry, past them): a
/// listing of 1,000 bodies of 256 KiB was 250 MB copied and 4.6 GiB parsed.
pub(crate) const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;

/// One exchange as recorded, borrowed from the worker that answered it: the journal copies what
/// it keeps into buffers of its own.
#[derive(Clone)]
pub(crate) struct Record<'a> {
    pub scope: Option<&'a str>,
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub answered_by: &'a str,
    pub status: u16,
}

/// One exchange as kept, in a slot whose buffers the exchange that evicts it reuses: once the
/// journal is full, recording allocates only where a request needs more room than the slot had.
/// Freeing each evicted request and allocating the next on another thread fragmented glibc's
/// per-thread heaps, and the soak's RSS kept growing (README, "Performance").
#[derive(Default)]
struct Kept {
    seq: u64,
    scope: Option<String>,
    method: String,
    path: String,
    /// The first `header_count` pairs are this exchange's; the rest are spare buffers.
    headers: Vec<(String, String)>,
    header_count: usize,
    body: Vec<u8>,
    body_truncated: bool,
    answered_by: String,
    status: u16,
    ttft_ms: Option<u64>,
    total_ms: Option<u64>,
}

/// One request as the journal kept it: what [`Server::requests`](crate::Server::requests) returns
/// and `GET /_oaimock/requests` lists. Secret headers (`authorization`, `api-key`, …) are redacted.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Its place in the journal: requests are numbered from 0 in arrival order.
    pub seq: u64,
    /// The `x-oaimock-scope` it was sent with.
    pub scope: Option<String>,
    pub method: String,
    /// The path as sent (with or without `/v1`), without the query string.
    pub path: String,
    /// Header names lowercased.
    pub headers: BTreeMap<String, String>,
    /// The parsed JSON body, the body as text when it is not JSON, or null when empty.
    pub body: Value,
    /// The body was longer than the journal keeps (256 KiB) and is cut.
    pub body_truncated: bool,
    /// What answered: `built-in`, `rule N` or `rule N (name)`, `store` (the stateful endpoints),
    /// `fault`, `rate limit`, `error`.
    pub answered_by: String,
    pub status: u16,
    /// Milliseconds to the first byte and to the last; `null` while the response is being written.
    pub ttft_ms: Option<u64>,
    pub total_ms: Option<u64>,
}

pub(crate) struct Journal {
    capacity: usize,
    /// Lowercased names of the headers whose values are redacted.
    secret: Vec<String>,
    seq: AtomicU64,
    entries: Mutex<VecDeque<Kept>>,
}

/// `buf` now holds `text`, in the allocation it already had when that is large enough.
fn refill(buf: &mut String, text: &str) {
    buf.clear();
    buf.push_str(text);
}

impl Kept {
    /// Copies `record` in, redacting the values of `secret` headers on the way.
    fn fill(&mut self, seq: u64, record: &Record, secret: &[String]) {
        self.seq = seq;
        match (record.scope, &mut self.scope) {
            (Some(scope), Some(kept)) => refill(kept, scope),
            (scope, kept) => *kept = scope.map(String::from),
        }
        refill(&mut self.method, record.method);
        refill(&mut self.path, record.path);
        for (i, (name, value)) in record.headers.iter().enumerate() {
            if i == self.headers.len() {
                self.headers.push(Default::default());
            }
            let (kept_name, kept_value) = &mut self.headers[i];
            refill(kept_name, name);
            if secret.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                kept_value.clear();
                redact(name, value, kept_value);
            } else {
                refill(kept_value, value);
            }
        }
        self.header_count = record.headers.len();
        let kept = record.body.len().min(MAX_BODY);
        self.body_truncated = kept < record.body.len();
        if self.body.capacity() > SHRINK_ABOVE && kept < self.body.capacity() / 4 {
            self.body = Vec::new();
        }
        self.body.clear();
        self.body.extend_from_slice(&record.body[..kept]);
        refill(&mut self.answered_by, record.answered_by);
        self.status = record.status;
        self.ttft_ms = None;
        self.total_ms = None;
    }

    /// The entry with its body still to be parsed (`null`), copying only what this exchange uses.
    fn entry(&self) -> RecordedRequest {
        RecordedRequest {
            seq: self.seq,
            scope: self.scope.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            headers: self.headers[..self.header_count].iter().cloned().collect(),
            body: Value::Null,
            body_truncated: self.body_truncated,
            answered_by: self.answered_by.clone(),
            status: self.status,
            ttft_ms: self.ttft_ms,
            total_ms: self.total_ms,
        }
    }

    fn matches(&self, path: Option<&str>, scope: Option<&str>) -> bool {
        path.is_none_or(|p| without_v1(&self.path) == without_v1(p))
            && scope.is_none_or(|s| self.scope.as_deref() == Some(s))
    }
}

impl Journal {
    /// A journal of `capacity` entries that redacts the values of [`SECRET_HEADERS`] and `redact`.
    pub(crate) fn new(capacity: usize, redact: &[String]) -> Journal {
        let mut secret: Vec<String> = SECRET_HEADERS.iter().map(|s| s.to_string()).collect();
        secret.extend(redact.iter().map(|name| name.to_ascii_lowercase()));
        Journal {
            capacity,
            secret,
            seq: AtomicU64::new(0),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Keeps `record` in the oldest entry's slot when full, and returns its number for `finish`.
    /// Called before the response is written, so a client that has its answer finds its entry.
    pub(crate) fn record(&self, record: Record) -> u64 {
        if !self.enabled() {
            return 0;
        }
        let mut entries = lock(&self.entries);
        let mut slot = if entries.len() >= self.capacity {
            entries.pop_front().unwrap_or_default()
        } else {
            Kept::default()
        };
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        slot.fill(seq, &record, &self.secret);
        entries.push_back(slot);
        seq
    }

    /// Adds the timings of entry `seq` once its response is written (if it is still kept).
    pub(crate) fn finish(&self, seq: u64, ttft_ms: Option<u64>, total_ms: u64) {
        let mut entries = lock(&self.entries);
        if let Some(kept) = entries.iter_mut().rev().find(|k| k.seq == seq) {
            kept.ttft_ms = ttft_ms;
            kept.total_ms = Some(total_ms);
        }
    }

    /// Entries oldest first, keeping those whose path (without `/v1`) and scope match when given.
    pub(crate) fn list(&self, path: Option<&str>, scope: Option<&str>) -> Vec<RecordedRequest> {
        let copies: Vec<(RecordedRequest, Vec<u8>)> = {
            let entries = lock(&self.entries);
            entries
                .iter()
                .filter(|k| k.matches(path, scope))
                .map(|k| (k.entry(), k.body.clone()))
                .collect()
        };
        // Parsed outside the lock: recording never waits for a listing's JSON work.
        copies
            .into_iter()
            .map(|(entry, body)| RecordedRequest {
                body: parse(&body),
                ..entry
            })
            .collect()
    }

    /// One page of entries, oldest first: those after `after` whose path and scope match, at most
    /// `limit` of them and [`MAX_LIST_BYTES`] of bodies. The bodies are copied out as bytes, to be
    /// listed as they are: no JSON tree is built.
    pub(crate) fn page(&self, filter: &Filter, after: Option<u64>, limit: usize) -> Page {
        let mut page = Page::default();
        let mut bytes = 0;
        let entries = lock(&self.entries);
        let matching = entries
            .iter()
            .filter(|k| after.is_none_or(|a| k.seq > a))
            .filter(|k| k.matches(filter.path, filter.scope));
        for kept in matching {
            if page.entries.len() == limit.min(MAX_LIST_ENTRIES)
                || (!page.entries.is_empty() && bytes + kept.body.len() > MAX_LIST_BYTES)
            {
                page.has_more = true;
                break;
            }
            bytes += kept.body.len();
            page.entries.push((kept.entry(), kept.body.clone()));
        }
        page
    }

    /// Removes the entries of `scope` (all of them without one); returns how many.
    pub(crate) fn clear(&self, scope: Option<&str>) -> usize {
        let mut entries = lock(&self.entries);
        let before = entries.len();
        entries.retain(|k| !k.matches(None, scope));
        before - entries.len()
    }
}

/// The parsed JSON body, the body as text when it is not JSON, or null when empty.
fn parse(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

fn without_v1(path: &str) -> &str {
    path.strip_prefix("/v1")
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path)
}

/// `[redacted]`; for `authorization`, `Bearer sk-…` → `Bearer [redacted]`: the scheme stays, the
/// secret goes. A cookie's first name and value would be a secret, so nothing else keeps a part.
fn redact(name: &str, value: &str, out: &mut String) {
    if SCHEMED_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name))
        && let Some((scheme, _)) = value.split_once(' ')
    {
        out.push_str(scheme);
        out.push(' ');
    }
    out.push_str("[redacted]");
}

/// Which entries a listing wants: a path (without `/v1`) and a scope, when given.
#[derive(Default)]
pub(crate) struct Filter<'a> {
    pub path: Option<&'a str>,
    pub scope: Option<&'a str>,
}

/// One page of a listing: each entry with its body bytes, and whether more entries match.
#[derive(Default)]
pub(crate) struct Page {
    pub entries: Vec<(RecordedRequest, Vec<u8>)>,
    pub has_more: bool,
}

/// A listed body: the JSON as it was sent when it is JSON, else its text, or null when empty.
pub(crate) enum Listed<'a> {
    Raw(&'a serde_json::value::RawValue),
    Text(String),
    Null,
}

impl Listed<'_> {
    pub(crate) fn of(bytes: &[u8]) -> Listed<'_> {
        if bytes.is_empty() {
            return Listed::Null;
        }
        match serde_json::from_slice(bytes) {
            Ok(raw) => Listed::Raw(raw),
            Err(_) => Listed::Text(String::from_utf8_lossy(bytes).into_owned()),
        }
    }
}

/// An entry as `GET /_oaimock/requests` lists it: the fields of [`RecordedRequest`], in its order,
/// with the body as [`Listed`].
pub(crate) struct ListedEntry<'a> {
    pub entry: &'a RecordedRequest,
    pub body: Listed<'a>,
}

impl Serialize for ListedEntry<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let e = self.entry;
        let mut out = s.serialize_struct("RecordedRequest", 11)?;
        out.serialize_field("seq", &e.seq)?;
        out.serialize_field("scope", &e.scope)?;
        out.serialize_field("method", &e.method)?;
        out.serialize_field("path", &e.path)?;
        out.serialize_field("headers", &e.headers)?;
        out.serialize_field("body", &self.body)?;
        out.serialize_field("body_truncated", &e.body_truncated)?;
        out.serialize_field("answered_by", &e.answered_by)?;
        out.serialize_field("status", &e.status)?;
        out.serialize_field("ttft_ms", &e.ttft_ms)?;
        out.serialize_field("total_ms", &e.total_ms)?;
        out.end()
    }
}

impl Serialize for Listed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Listed::Raw(raw) => raw.serialize(s),
            Listed::Text(text) => s.serialize_str(text),
            Listed::Null => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests;
