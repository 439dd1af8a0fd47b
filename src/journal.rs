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

/// Headers whose values are secrets.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
];

/// One exchange as recorded, borrowed from the worker that answered it: the journal copies what
/// it keeps into buffers of its own.
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
    /// What answered: `built-in`, `rule N` or `rule N (name)`, `fault`, `rate limit`, `error`.
    pub answered_by: String,
    pub status: u16,
    /// Milliseconds to the first byte and to the last; `null` while the response is being written.
    pub ttft_ms: Option<u64>,
    pub total_ms: Option<u64>,
}

pub(crate) struct Journal {
    capacity: usize,
    seq: AtomicU64,
    entries: Mutex<VecDeque<Kept>>,
}

/// `buf` now holds `text`, in the allocation it already had when that is large enough.
fn refill(buf: &mut String, text: &str) {
    buf.clear();
    buf.push_str(text);
}

impl Kept {
    /// Copies `record` in, redacting secrets on the way.
    fn fill(&mut self, seq: u64, record: &Record) {
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
            if SECRET_HEADERS.contains(&name.as_str()) {
                kept_value.clear();
                redact(value, kept_value);
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
    pub(crate) fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
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
        slot.fill(seq, &record);
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

/// `Bearer sk-…` → `Bearer [redacted]`: the scheme stays, the secret goes.
fn redact(value: &str, out: &mut String) {
    if let Some((scheme, _)) = value.split_once(' ') {
        out.push_str(scheme);
        out.push(' ');
    }
    out.push_str("[redacted]");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> Vec<(String, String)> {
        vec![
            ("authorization".into(), "Bearer sk-secret".into()),
            ("x-a".into(), "1".into()),
        ]
    }

    fn record<'a>(
        path: &'a str,
        scope: Option<&'a str>,
        headers: &'a [(String, String)],
    ) -> Record<'a> {
        Record {
            scope,
            method: "POST",
            path,
            headers,
            body: b"{\"model\":\"m\"}",
            answered_by: "built-in",
            status: 200,
        }
    }

    #[test]
    fn keeps_the_last_n_redacted_and_filters_by_path_and_scope() {
        let journal = Journal::new(2);
        let h = headers();
        journal.record(record("/v1/chat/completions", None, &h));
        journal.record(record("/chat/completions", Some("t1"), &h));
        journal.record(record("/v1/models", Some("t1"), &h));
        let all = journal.list(None, None);
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(all[0].headers["authorization"], "Bearer [redacted]");
        assert_eq!(all[0].body["model"], "m");
        assert_eq!(journal.list(Some("/v1/chat/completions"), None).len(), 1);
        assert_eq!(journal.list(None, Some("t1")).len(), 2);
        assert_eq!(journal.clear(Some("t1")), 2);
        assert!(journal.list(None, None).is_empty());
    }

    #[test]
    fn a_reused_slot_holds_only_its_own_exchange() {
        let journal = Journal::new(1);
        let h = headers();
        journal.record(record("/v1/chat/completions", Some("t1"), &h));
        let big = vec![b'x'; MAX_BODY + 10];
        let mut long = record("/v1/embeddings", None, &h[1..]);
        long.body = &big;
        long.status = 400;
        journal.record(long);
        let e = &journal.list(None, None)[0];
        assert_eq!((e.seq, e.scope.as_deref(), e.status), (1, None, 400));
        assert_eq!(e.headers.len(), 1);
        assert_eq!(e.body.as_str().map(str::len), Some(MAX_BODY));
        assert!(e.body_truncated);
        journal.record(record("/v1/models", Some("t2"), &h));
        let e = &journal.list(None, None)[0];
        assert_eq!(
            (e.path.as_str(), e.scope.as_deref()),
            ("/v1/models", Some("t2"))
        );
        assert_eq!(e.headers["authorization"], "Bearer [redacted]");
        assert_eq!(
            (e.body["model"].as_str(), e.body_truncated),
            (Some("m"), false)
        );
        let slot_body = journal.entries.lock().unwrap()[0].body.capacity();
        assert!(slot_body < SHRINK_ABOVE, "large buffer kept: {slot_body}");
    }
}
