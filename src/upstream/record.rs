//! `--record DIR`: each forwarded exchange of an endpoint family becomes a fixture rule whose
//! `match` holds the request's non-volatile fields and whose reply is `recorded` (the status,
//! the headers clients read, the body or the events). Identical requests become one rule with a
//! `sequence` of replies. One file per rule, written whole to a temporary file and renamed, so a
//! crash never leaves half a file. No secret is written: request headers are not recorded at
//! all, and of the response only the [`KEPT_HEADERS`] (less any `--redact-header`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::conversation::Endpoint;
use crate::fixtures::format::MAX_SEQUENCE_ITEMS;
use crate::sync::lock;

/// The response headers a recording keeps: what clients read. Everything else (cookies, an
/// organization or project id, whatever a gateway adds) is left out.
pub(crate) const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "x-request-id",
    "openai-processing-ms",
    "openai-version",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
];

/// Response headers starting so are kept too (`x-ratelimit-remaining-requests`, ...).
const KEPT_PREFIXES: &[&str] = &["x-ratelimit-"];

/// The most rules one recording run writes; later new requests are relayed, not recorded.
pub(crate) const MAX_RECORDED_RULES: usize = 10_000;

/// The most reply text one recording run holds (each rule's replies are kept to rewrite its file
/// when a repeat adds one); past it, exchanges are relayed, not recorded.
pub(crate) const MAX_RECORDED_BYTES: usize = 256 * 1024 * 1024;

/// The request fields each endpoint's matcher holds (when the request has them): what decides
/// the answer, never ids, timestamps, `user` or `metadata`.
fn matched_fields(endpoint: Endpoint) -> &'static [&'static str] {
    match endpoint {
        Endpoint::Chat => &[
            "messages",
            "tools",
            "tool_choice",
            "response_format",
            "stream",
            "n",
        ],
        Endpoint::Responses => &[
            "input",
            "instructions",
            "tools",
            "tool_choice",
            "text",
            "stream",
        ],
        Endpoint::Completions => &["prompt", "suffix", "stream", "n"],
        Endpoint::Embeddings => &["input", "dimensions", "encoding_format"],
        Endpoint::Moderations => &["input"],
        Endpoint::Speech => &["input", "voice", "instructions", "speed", "response_format"],
        // Forms, not JSON: nothing of theirs is matched (they are relayed, not recorded).
        Endpoint::Transcriptions | Endpoint::Translations => &[],
        Endpoint::Images => &[
            "prompt",
            "n",
            "size",
            "quality",
            "response_format",
            "stream",
        ],
    }
}

fn endpoint_name(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Chat => "chat",
        Endpoint::Responses => "responses",
        Endpoint::Completions => "completions",
        Endpoint::Embeddings => "embeddings",
        Endpoint::Moderations => "moderations",
        Endpoint::Speech => "speech",
        Endpoint::Transcriptions => "transcriptions",
        Endpoint::Translations => "translations",
        Endpoint::Images => "images",
    }
}

/// One rule being recorded: its file, its name and `match`, its replies so far.
struct Entry {
    file: PathBuf,
    head: Map<String, Value>,
    replies: Vec<Value>,
}

/// The rules of this run, by matcher, and the reply bytes they hold.
#[derive(Default)]
struct Table {
    rules: HashMap<String, Entry>,
    bytes: usize,
}

/// Where recordings go and what they keep; the rules of this run.
pub(crate) struct Recorder {
    dir: PathBuf,
    timing: bool,
    redact: Vec<String>,
    table: Mutex<Table>,
}

impl Recorder {
    pub(crate) fn new(dir: &Path, config: &Config) -> Result<Recorder, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("--record {}: {e}", dir.display()))?;
        Ok(Recorder {
            dir: dir.to_path_buf(),
            timing: config.record_timing,
            redact: config.redact_headers.clone(),
            table: Mutex::new(Table::default()),
        })
    }

    fn kept(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        (KEPT_HEADERS.contains(&name.as_str()) || KEPT_PREFIXES.iter().any(|p| name.starts_with(p)))
            && !self.redact.contains(&name)
    }

    /// Adds a reply to the rule of `matcher` and rewrites its file. The table's lock is held
    /// while the file is written, so two replies to one rule are never written out of order.
    fn add(&self, endpoint: Endpoint, matcher: Value, reply: Value) {
        let key = matcher.to_string();
        let size = key.len() + reply.to_string().len();
        let mut table = lock(&self.table);
        let full = if !table.rules.contains_key(&key) && table.rules.len() >= MAX_RECORDED_RULES {
            Some(format!("{MAX_RECORDED_RULES} rules (MAX_RECORDED_RULES)"))
        } else if table.bytes + size > MAX_RECORDED_BYTES {
            Some(format!("{MAX_RECORDED_BYTES} bytes (MAX_RECORDED_BYTES)"))
        } else {
            None
        };
        if let Some(full) = full {
            crate::stderr::line(format!(
                "oaimock: --record: an exchange was relayed but not recorded: this run holds {full} already\n"
            ));
            return;
        }
        table.bytes += size;
        let rules = &mut table.rules;
        let streamed = matcher["body"]["stream"] == Value::Bool(true);
        let hash = fnv(key.as_bytes());
        let entry = rules.entry(key).or_insert_with(|| {
            let name = endpoint_name(endpoint);
            let kind = if streamed { "stream" } else { "whole" };
            let mut head = Map::new();
            head.insert("name".into(), json!(format!("recorded {name} {hash:016x}")));
            head.insert("match".into(), matcher);
            Entry {
                file: self.dir.join(format!("{name}-{kind}-{hash:016x}.json")),
                head,
                replies: Vec::new(),
            }
        });
        if entry.replies.len() >= MAX_SEQUENCE_ITEMS {
            crate::stderr::line(format!(
                "oaimock: --record: a repeat was relayed but not recorded: its rule holds \
                 {MAX_SEQUENCE_ITEMS} replies (MAX_SEQUENCE_ITEMS)\n"
            ));
            return;
        }
        entry.replies.push(reply);
        let mut rule = entry.head.clone();
        let reply = match entry.replies.as_slice() {
            [one] => one.clone(),
            many => json!({"sequence": many, "after": "repeat_last"}),
        };
        rule.insert("reply".into(), reply);
        let text = serde_json::to_string_pretty(&json!({"rules": [rule]})).expect("serializes");
        if let Err(e) = write_atomically(&entry.file, text.as_bytes()) {
            crate::stderr::line(format!(
                "oaimock: --record: cannot write {}: {e}\n",
                entry.file.display()
            ));
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader (or
/// a crash) sees the old file or the new one, never part of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("rule");
    let temp = path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// FNV-1a over `bytes`: a stable file name for a matcher.
fn fnv(bytes: &[u8]) -> u64 {
    crate::ids::fnv1a(crate::ids::FNV_OFFSET, bytes.iter().copied())
}

/// The `match` of a request body, or `None` when the body is not a JSON object.
fn matcher(endpoint: Endpoint, body: &[u8]) -> Option<Value> {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let mut fields = Map::new();
    let mut matcher = Map::new();
    matcher.insert("endpoint".into(), json!(endpoint_name(endpoint)));
    match obj.get("model") {
        // A model id with a glob character is matched exactly through the body instead.
        Some(Value::String(model)) if !model.contains(['*', '?']) => {
            matcher.insert("model".into(), json!(model));
        }
        Some(model) => {
            fields.insert("model".into(), model.clone());
        }
        None => {}
    }
    for key in matched_fields(endpoint) {
        if let Some(value) = obj.get(*key) {
            fields.insert(key.to_string(), value.clone());
        }
    }
    if !fields.is_empty() {
        matcher.insert("body".into(), Value::Object(fields));
    }
    Some(Value::Object(matcher))
}

/// One exchange being recorded: what the upstream said so far.
pub(crate) struct Exchange {
    recorder: Arc<Recorder>,
    endpoint: Endpoint,
    matcher: Value,
    status: u16,
    headers: Map<String, Value>,
    /// Bytes of the stream not yet cut into events.
    pending: Vec<u8>,
    events: Vec<Value>,
    last: Instant,
    /// An event the format cannot hold (several `data:` lines): the stream is not recorded.
    unrecordable: bool,
}

impl Exchange {
    /// Starts recording an exchange whose answer's head has arrived; `None` when the request
    /// body is not a JSON object (no rule could match it).
    pub(crate) fn start(
        recorder: Arc<Recorder>,
        endpoint: Endpoint,
        body: &[u8],
        started: Instant,
        status: u16,
        content_type: &str,
        headers: &[(String, String)],
    ) -> Option<Exchange> {
        let matcher = matcher(endpoint, body)?;
        let mut kept = Map::new();
        if !content_type.is_empty() && recorder.kept("content-type") {
            kept.insert("content-type".into(), json!(content_type));
        }
        for (name, value) in headers {
            if recorder.kept(name) {
                kept.insert(name.to_ascii_lowercase(), json!(value));
            }
        }
        Some(Exchange {
            recorder,
            endpoint,
            matcher,
            status,
            headers: kept,
            pending: Vec::new(),
            events: Vec::new(),
            last: started,
            unrecordable: false,
        })
    }

    /// Records a whole body as its exact text (`body_text`): read back through a JSON tree, a
    /// `body` object would come out with its keys sorted, and a replay would not be the bytes
    /// the upstream sent.
    pub(crate) fn whole(self, bytes: &[u8]) {
        let mut recorded = self.head();
        recorded.insert("body_text".into(), json!(String::from_utf8_lossy(bytes)));
        let reply = json!({"recorded": recorded});
        self.recorder.add(self.endpoint, self.matcher, reply);
    }

    fn head(&self) -> Map<String, Value> {
        let mut recorded = Map::new();
        recorded.insert("status".into(), json!(self.status));
        recorded.insert("headers".into(), Value::Object(self.headers.clone()));
        recorded
    }

    /// Takes in streamed bytes that arrived at `now`, and cuts off the events they complete.
    pub(crate) fn feed(&mut self, bytes: &[u8], now: Instant) {
        self.pending.extend_from_slice(bytes);
        while let Some((end, skip)) = event_end(&self.pending) {
            let block: Vec<u8> = self.pending.drain(..end + skip).take(end).collect();
            let text = String::from_utf8_lossy(&block);
            let mut name = None;
            let mut data: Option<String> = None;
            for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
                if let Some(value) = line.strip_prefix("event:") {
                    name = Some(value.trim_start().to_string());
                } else if let Some(value) = line.strip_prefix("data:") {
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    if data.is_some() {
                        self.unrecordable = true;
                    }
                    data = Some(value.to_string());
                }
            }
            let Some(data) = data else { continue };
            let mut event = Map::new();
            if let Some(name) = name {
                event.insert("event".into(), json!(name));
            }
            event.insert("data".into(), json!(data));
            if self.recorder.timing {
                let ms = now.saturating_duration_since(self.last).as_millis() as u64;
                event.insert("ms".into(), json!(ms.min(crate::faults::MAX_DELAY_MS)));
            }
            self.last = now;
            self.events.push(Value::Object(event));
        }
    }

    /// The stream ended cleanly: record its events.
    pub(crate) fn finish(self) {
        if self.unrecordable {
            crate::stderr::line(
                "oaimock: --record: a stream event with several data lines was not recorded\n"
                    .to_string(),
            );
            return;
        }
        let mut recorded = self.head();
        recorded.insert("events".into(), Value::Array(self.events.clone()));
        let reply = json!({"recorded": recorded});
        self.recorder.add(self.endpoint, self.matcher, reply);
    }
}

/// Where the first event of `bytes` ends (a blank line), and how long its end marker is.
fn event_end(bytes: &[u8]) -> Option<(usize, usize)> {
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}
