//! `/v1/batches`: create a batch over a JSONL file of purpose `batch` (every line read and
//! checked at once, [`input`]), retrieve, list and cancel it. Its status is computed from
//! timestamps over `--batch-ms` (or `x-oaimock-batch-ms`), and its lines run lazily, on the reads
//! that find them due, through the same dispatch as a live request ([`run`]). No thread waits for
//! a batch.

mod input;
mod run;

use serde_json::{Map, Value, json};

use crate::api::FileOp;
use crate::api::fields::{Fields, parse_object};
use crate::api::filestore;
use crate::api::items;
use crate::api::pages::{page, page_query};
use crate::api::stored::{not_found, scope};
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};
use crate::store::Kind;

pub(crate) use input::Line;

const BATCH: Kind = "batch";

/// The endpoints a batch may run: those oaimock serves that the Batch API accepts.
const ENDPOINTS: &[&str] = &[
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
];

/// A batch as stored: what it was asked, its lines, and what has run so far.
#[derive(Clone, Debug)]
pub(crate) struct Batch {
    pub id: String,
    pub endpoint: String,
    pub input_file_id: String,
    pub metadata: Option<Map<String, Value>>,
    pub model: Option<String>,
    /// Creation, in unix milliseconds, and the times the timeline is laid out over.
    pub created_ms: u64,
    pub duration_ms: u64,
    pub window_ms: u64,
    /// The create request's headers (without credentials): what fixture rules match on.
    pub headers: Vec<(String, String)>,
    pub lines: std::sync::Arc<Vec<Line>>,
    /// Validation errors: the batch fails when it leaves `validating`.
    pub errors: Vec<Value>,
    /// `(line index, succeeded, output line)` of the lines run so far.
    pub results: Vec<(usize, bool, String)>,
    /// Lines handed to a reader to run (`next`), and how many of those are still running.
    pub next: usize,
    pub running: usize,
    pub cancel_ms: Option<u64>,
    /// Set once a reader has taken on writing the output files.
    pub finalizing: bool,
    pub done: Option<Done>,
}

/// How a batch ended, once its output files are written.
#[derive(Clone, Debug)]
pub(crate) struct Done {
    pub status: &'static str,
    pub at_ms: u64,
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
}

impl Batch {
    /// The bytes the store counts it as.
    fn size(&self) -> usize {
        512 + self.lines.iter().map(Line::size).sum::<usize>()
            + self.results.iter().map(|r| r.2.len() + 16).sum::<usize>()
            + self
                .errors
                .iter()
                .map(crate::store::json_size)
                .sum::<usize>()
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
    }
}

pub(crate) fn handle(app: &App, op: &FileOp, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let scope = scope(info);
    match op {
        FileOp::CreateBatch => create(app, scope, info, body),
        FileOp::GetBatch(id) => {
            run::advance(app, scope, id, run::MAX_LINES_PER_READ)?;
            Ok(Answer::json(&run::resource(&*get(app, scope, id)?, now())))
        }
        FileOp::ListBatches => {
            let q = page_query(info, true)?;
            // The batches on the page first do the work a retrieve of each would (the lines due
            // and the output files), sharing one read's line budget, so that the list shows what
            // a retrieve shows.
            let ids: Vec<(String, String)> = app
                .store
                .list::<Batch>(scope, BATCH)
                .into_iter()
                .map(|(id, _)| (id.clone(), id))
                .collect();
            let mut budget = run::MAX_LINES_PER_READ;
            for id in page(ids, &q)?.data {
                budget -= run::advance(app, scope, &id, budget)?;
            }
            let t = now();
            let batches: Vec<(String, Value)> = app
                .store
                .list::<Batch>(scope, BATCH)
                .into_iter()
                .map(|(id, b)| (id, run::resource(&b, t)))
                .collect();
            Ok(Answer::json(&page(batches, &q)?))
        }
        FileOp::CancelBatch(id) => {
            run::advance(app, scope, id, run::MAX_LINES_PER_READ)?;
            let t = now();
            let changed = app
                .store
                .update::<Batch, ()>(scope, BATCH, id, Batch::size, |b| {
                    let status = run::status(b, t);
                    if !matches!(status, "validating" | "in_progress" | "finalizing") {
                        return Err(ApiError::new(
                            409,
                            "invalid_request_error",
                            None,
                            format!("Cannot cancel a batch with status '{status}'."),
                        ));
                    }
                    b.cancel_ms.get_or_insert(t);
                    Ok(())
                })?;
            changed.ok_or_else(|| not_found("Batch", id))?;
            Ok(Answer::json(&run::resource(&*get(app, scope, id)?, t)))
        }
        _ => unreachable!("api::handle routes only batch operations here"),
    }
}

fn now() -> u64 {
    crate::ids::unix_millis()
}

fn get(app: &App, scope: &str, id: &str) -> Result<std::sync::Arc<Batch>, ApiError> {
    app.store
        .get::<Batch>(scope, BATCH, id)
        .ok_or_else(|| not_found("Batch", id))
}

fn create(app: &App, scope: &str, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let obj = parse_object(body)?;
    let f = Fields::new(&obj, "");
    let input_file_id = f.required_string("input_file_id")?;
    let endpoint = f.required_string("endpoint")?;
    if !ENDPOINTS.contains(&endpoint) {
        let shown: String = endpoint.chars().take(64).collect();
        return Err(f.invalid_value(
            "endpoint",
            format!(
                "'{shown}' is not one of the endpoints oaimock runs in a batch: '{}'.",
                ENDPOINTS.join("', '")
            ),
        ));
    }
    let window = f.required_string("completion_window")?;
    if window != "24h" {
        let shown: String = window.chars().take(64).collect();
        return Err(f.invalid_value(
            "completion_window",
            format!("'{shown}' is not supported. Supported values are: '24h'."),
        ));
    }
    let metadata = items::metadata(&f)?;
    let file = filestore::get(app, scope, input_file_id).ok_or_else(|| {
        ApiError::new(
            404,
            "invalid_request_error",
            None,
            format!("No such File object: {input_file_id}"),
        )
        .with_param("input_file_id")
    })?;
    if file.purpose != "batch" {
        return Err(f.invalid_value(
            "input_file_id",
            format!(
                "the file {input_file_id} has purpose '{}', but a batch reads only files of purpose 'batch'.",
                file.purpose
            ),
        ));
    }
    let checked = input::read(&file.bytes, endpoint);
    let headers: Vec<(String, String)> = info
        .headers
        .iter()
        .filter(|(n, _)| !is_secret(n) && !n.starts_with("x-oaimock-batch-"))
        .cloned()
        .collect();
    let created_ms = now();
    let duration_ms =
        crate::faults::batch_header(&info.headers, "batch-ms").unwrap_or(app.config.batch_ms);
    let window_ms = crate::faults::batch_header(&info.headers, "batch-window-ms")
        .unwrap_or(crate::faults::MAX_BATCH_MS);
    let batch = Batch {
        id: crate::ids::alnum("batch_", 24),
        endpoint: endpoint.to_string(),
        input_file_id: input_file_id.to_string(),
        metadata,
        model: checked.model,
        created_ms,
        duration_ms,
        window_ms,
        headers,
        lines: std::sync::Arc::new(checked.lines),
        errors: checked.errors,
        results: Vec::new(),
        next: 0,
        running: 0,
        cancel_ms: None,
        finalizing: false,
        done: None,
    };
    let resource = run::resource(&batch, created_ms);
    let size = batch.size();
    app.store
        .put(scope, BATCH, &batch.id.clone(), batch, size)?;
    Ok(Answer::json(&resource))
}

/// Headers a batch does not keep: credentials.
fn is_secret(name: &str) -> bool {
    matches!(
        name,
        "authorization" | "proxy-authorization" | "api-key" | "x-api-key" | "cookie"
    )
}

/// The `errors` object of a failed batch.
fn errors_object(errors: &[Value]) -> Value {
    json!({"object": "list", "data": errors})
}
