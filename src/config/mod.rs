//! Settings: what the server runs with ([`Config`] and its defaults). The command-line flags that
//! fill it, each also readable from an `OAIMOCK_*` variable, are parsed by hand in [`flags`].

mod flags;

use std::path::PathBuf;
use std::time::Duration;

pub use flags::{Command, help, parse};

/// Everything the server needs to know; `Config::default()` is what `oaimock` runs with no flags.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub token_delay: Duration,
    pub reply: Option<String>,
    pub api_key: Option<String>,
    pub max_body_bytes: usize,
    pub max_connections: usize,
    pub write_timeout: Duration,
    /// `--read-timeout-ms`: how long a request body not yet received may take to arrive.
    pub read_timeout: Duration,
    pub models: Vec<String>,
    pub strict_models: bool,
    pub quiet: bool,
    /// `--fixtures`: a JSON file or a directory of them, with scripted reply rules.
    pub fixtures: Option<PathBuf>,
    /// `--auto-tool-calls`: with `tool_choice: "auto"`, call a tool instead of answering in text.
    pub auto_tool_calls: bool,
    /// `--fault-rate`: the share of API requests (0..1) that fail with one of `fault_statuses`.
    pub fault_rate: f64,
    pub fault_statuses: Vec<u16>,
    /// `--seed`: makes random faults and jitter repeat; random per process when absent.
    pub seed: Option<u64>,
    /// `--rpm` / `--tpm`: a real rate limit, per scope, per minute.
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    /// `--journal-size`: requests kept for `GET /_oaimock/requests` (0 turns the journal off).
    pub journal_size: usize,
    /// `--no-admin`: no `/_oaimock/*` admin paths.
    pub no_admin: bool,
    /// `--redact-header` (repeatable): more headers whose values the journal redacts (and that
    /// `--record` never writes, though it keeps only a fixed list of names anyway), besides
    /// `authorization`, `proxy-authorization`, `api-key`, `x-api-key`, `x-goog-api-key`,
    /// `cookie` and `set-cookie`.
    pub redact_headers: Vec<String>,
    /// `--max-scopes`: the most scopes each per-scope table (rate-limit windows, sequence
    /// counters) remembers; the least recently used are forgotten and start over.
    pub max_scopes: usize,
    /// `--store-objects` / `--store-bytes`: the most objects and bytes the stateful API keeps
    /// (stored responses, conversations, chat completions) over all scopes; the oldest go first.
    pub store_objects: usize,
    pub store_bytes: usize,
    /// `--store-scope-objects` / `--store-scope-bytes`: the same caps for one scope.
    pub store_scope_objects: usize,
    pub store_scope_bytes: usize,
    /// `--batch-ms`: how long a batch takes from `validating` to `completed`, in milliseconds
    /// (`x-oaimock-batch-ms` sets it per batch).
    pub batch_ms: u64,
    /// `--upstream`: the base URL (`http://` or, with the `tls` feature, `https://`) a request no
    /// fixture rule answers is forwarded to.
    pub upstream: Option<String>,
    /// `--upstream-key`: sent as `Authorization: Bearer KEY` instead of the client's own.
    pub upstream_key: Option<String>,
    /// `--upstream-ca`: a PEM file whose certificates are the roots HTTPS upstreams are checked against.
    pub upstream_ca: Option<PathBuf>,
    /// `--upstream-connect-timeout-ms`: the longest a connection to the upstream may take (504).
    pub upstream_connect_timeout: Duration,
    /// `--upstream-timeout-ms`: the longest the upstream may stay silent, before its answer's
    /// head or between two reads of its body (504 before the head; a broken stream after).
    pub upstream_timeout: Duration,
    /// `--record`: write each forwarded exchange as a fixture rule in this directory.
    pub record: Option<PathBuf>,
    /// `--record-timing`: recorded streams keep the pause before each event.
    pub record_timing: bool,
    /// `--strict`: a request no fixture rule matches is an error naming the closest rules,
    /// instead of the built-in reply (unless `--upstream` forwards it).
    pub strict: bool,
}

/// The longest `--upstream-connect-timeout-ms` and `--upstream-timeout-ms` may be.
pub(crate) const MAX_UPSTREAM_TIMEOUT_MS: u64 = 600_000;

/// Chat and embedding ids that `GET /v1/models` lists unless `--models` says otherwise.
pub(crate) const DEFAULT_MODELS: &[&str] = &[
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-5",
    "gpt-5-mini",
    "o3-mini",
    "gpt-3.5-turbo",
    "gpt-3.5-turbo-instruct",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
];

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".to_string(),
            port: 8000,
            token_delay: Duration::from_millis(30),
            reply: None,
            api_key: None,
            max_body_bytes: 8 * 1024 * 1024,
            max_connections: 4096,
            write_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            models: DEFAULT_MODELS.iter().map(|m| m.to_string()).collect(),
            strict_models: false,
            quiet: false,
            fixtures: None,
            auto_tool_calls: false,
            fault_rate: 0.0,
            fault_statuses: vec![429, 500, 503],
            seed: None,
            rpm: None,
            tpm: None,
            journal_size: 1000,
            no_admin: false,
            redact_headers: Vec::new(),
            max_scopes: crate::faults::scopes::MAX_SCOPES,
            store_objects: crate::store::DEFAULT_LIMITS.objects,
            store_bytes: crate::store::DEFAULT_LIMITS.bytes,
            store_scope_objects: crate::store::DEFAULT_LIMITS.scope_objects,
            store_scope_bytes: crate::store::DEFAULT_LIMITS.scope_bytes,
            batch_ms: 1000,
            upstream: None,
            upstream_key: None,
            upstream_ca: None,
            upstream_connect_timeout: Duration::from_secs(10),
            upstream_timeout: Duration::from_secs(60),
            record: None,
            record_timing: false,
            strict: false,
        }
    }
}

impl Config {
    /// The defaults a test wants: a free port on loopback, no access log, no pause between words.
    pub fn for_tests() -> Config {
        Config {
            port: 0,
            quiet: true,
            token_delay: Duration::ZERO,
            ..Config::default()
        }
    }
}
