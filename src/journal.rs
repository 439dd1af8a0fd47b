//! The request journal: the last `--journal-size` requests, oldest first, for tests to check what
//! their client really sent. Recording is one push under a lock; reading copies under it.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::Value;

/// Bodies longer than this are kept cut, with `body_truncated: true`: the journal stays small.
pub const MAX_BODY: usize = 256 * 1024;

/// Headers whose values are secrets.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
];

/// One exchange as recorded.
pub struct Record {
    pub scope: Option<String>,
    pub method: Cow<'static, str>,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `built-in` and `error` are static; a rule's or a fault's name is not.
    pub answered_by: Cow<'static, str>,
    pub status: u16,
}

/// One exchange as kept: headers and body stay as they came until someone asks for them.
#[derive(Clone)]
struct Kept {
    entry: Entry,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// One exchange as `GET /_oaimock/requests` shows it.
#[derive(Serialize, Clone)]
pub struct Entry {
    pub seq: u64,
    pub scope: Option<String>,
    pub method: Cow<'static, str>,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    /// The parsed JSON body, the body as text when it is not JSON, or null when empty.
    pub body: Value,
    pub body_truncated: bool,
    pub answered_by: Cow<'static, str>,
    pub status: u16,
    /// Milliseconds to the first byte and to the last; `null` while the response is being written.
    pub ttft_ms: Option<u64>,
    pub total_ms: Option<u64>,
}

pub struct Journal {
    capacity: usize,
    seq: AtomicU64,
    entries: Mutex<VecDeque<Kept>>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            seq: AtomicU64::new(0),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Keeps `record`, dropping the oldest entry when full, and returns its number for `finish`.
    /// Called before the response is written, so a client that has its answer finds its entry.
    /// The secrets are redacted here, once.
    pub fn record(&self, record: Record) -> u64 {
        if !self.enabled() {
            return 0;
        }
        let mut headers = record.headers;
        for (name, value) in &mut headers {
            if SECRET_HEADERS.contains(&name.as_str()) {
                *value = redact(value);
            }
        }
        let truncated = record.body.len() > MAX_BODY;
        let mut body = record.body;
        body.truncate(MAX_BODY);
        let entry = Entry {
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            scope: record.scope,
            method: record.method,
            path: record.path,
            headers: BTreeMap::new(),
            body: Value::Null,
            body_truncated: truncated,
            answered_by: record.answered_by,
            status: record.status,
            ttft_ms: None,
            total_ms: None,
        };
        let seq = entry.seq;
        let kept = Kept {
            entry,
            headers,
            body,
        };
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let evicted = if entries.len() == self.capacity {
            entries.pop_front()
        } else {
            None
        };
        entries.push_back(kept);
        drop(entries);
        // Freed outside the lock.
        drop(evicted);
        seq
    }

    /// Adds the timings of entry `seq` once its response is written (if it is still kept).
    pub fn finish(&self, seq: u64, ttft_ms: Option<u64>, total_ms: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kept) = entries.iter_mut().rev().find(|k| k.entry.seq == seq) {
            kept.entry.ttft_ms = ttft_ms;
            kept.entry.total_ms = Some(total_ms);
        }
    }

    /// Entries oldest first, keeping those whose path (without `/v1`) and scope match when given.
    pub fn list(&self, path: Option<&str>, scope: Option<&str>) -> Vec<Entry> {
        let kept: Vec<Kept> = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries
                .iter()
                .filter(|k| keep(&k.entry, path, scope))
                .cloned()
                .collect()
        };
        // Parsed outside the lock: recording never waits for a listing's JSON work.
        kept.into_iter()
            .map(|k| Entry {
                headers: k.headers.into_iter().collect(),
                body: parse(&k.body),
                ..k.entry
            })
            .collect()
    }

    /// Removes the entries of `scope` (all of them without one); returns how many.
    pub fn clear(&self, scope: Option<&str>) -> usize {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let before = entries.len();
        entries.retain(|k| !keep(&k.entry, None, scope));
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

fn keep(entry: &Entry, path: Option<&str>, scope: Option<&str>) -> bool {
    path.is_none_or(|p| without_v1(&entry.path) == without_v1(p))
        && scope.is_none_or(|s| entry.scope.as_deref() == Some(s))
}

/// `Bearer sk-…` → `Bearer [redacted]`: the scheme stays, the secret goes.
fn redact(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} [redacted]"),
        None => "[redacted]".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str, scope: Option<&str>) -> Record {
        Record {
            scope: scope.map(String::from),
            method: "POST".into(),
            path: path.into(),
            headers: vec![
                ("authorization".into(), "Bearer sk-secret".into()),
                ("x-a".into(), "1".into()),
            ],
            body: b"{\"model\":\"m\"}".to_vec(),
            answered_by: "built-in".into(),
            status: 200,
        }
    }

    #[test]
    fn keeps_the_last_n_redacted_and_filters_by_path_and_scope() {
        let journal = Journal::new(2);
        journal.record(record("/v1/chat/completions", None));
        journal.record(record("/chat/completions", Some("t1")));
        journal.record(record("/v1/models", Some("t1")));
        let all = journal.list(None, None);
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(all[0].headers["authorization"], "Bearer [redacted]");
        assert_eq!(all[0].body["model"], "m");
        assert_eq!(journal.list(Some("/v1/chat/completions"), None).len(), 1);
        assert_eq!(journal.list(None, Some("t1")).len(), 2);
        assert_eq!(journal.clear(Some("t1")), 2);
        assert!(journal.list(None, None).is_empty());
    }
}
