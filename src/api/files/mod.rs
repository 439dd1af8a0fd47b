//! `/v1/files`: upload a file as a form (`file`, `purpose`, `expires_after`), list them (by
//! `purpose`, a page at a time), retrieve one, read its exact bytes, delete it; and
//! `/v1/uploads` ([`uploads`]), which builds a file from parts. Files live in the scope's store
//! through the shared [`crate::api::filestore`] module, which Batches reads too.

mod uploads;

use serde_json::{Value, json};

use crate::api::FileOp;
use crate::api::filestore::{self, FILE, StoredFile};
use crate::api::form::{self, FormFields};
use crate::api::pages::{page, page_query_within, query};
use crate::api::stored::scope;
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Body, Head};

/// The purposes a file may be uploaded with.
pub(crate) const PURPOSES: &[&str] = &[
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "evals",
];

/// The most files one page of `GET /v1/files` lists (its default, as on the API).
const MAX_FILES_PAGE: usize = 10_000;

/// `expires_after` bounds, in seconds (1 hour to 30 days), as on the API.
const EXPIRES_MIN: i64 = 3600;
const EXPIRES_MAX: i64 = 2_592_000;

/// A file of purpose `batch` without `expires_after` expires after 30 days, as on the API.
const BATCH_FILE_TTL: u64 = 2_592_000;

/// The API's 400 for a batch input that is not named `.jsonl`.
pub(crate) fn check_batch_name(purpose: &str, filename: &str) -> Result<(), ApiError> {
    if purpose == "batch" && !filename.ends_with(".jsonl") {
        return Err(ApiError::new(
            400,
            "invalid_request_error",
            None,
            "Invalid file format for Batch API. Must be .jsonl",
        ));
    }
    Ok(())
}

pub(crate) fn handle(app: &App, op: &FileOp, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let scope = scope(info);
    let get = |id: &str| filestore::get(app, scope, id).ok_or_else(|| filestore::not_found(id));
    match op {
        FileOp::CreateFile => create(app, scope, info, body),
        FileOp::ListFiles => {
            let q = page_query_within(info, true, MAX_FILES_PAGE, MAX_FILES_PAGE)?;
            let purpose = query(info, "purpose").filter(|p| !p.is_empty());
            let files: Vec<(String, Value)> = filestore::list(app, scope)
                .into_iter()
                .filter(|(_, f)| purpose.as_deref().is_none_or(|p| f.purpose == p))
                .map(|(id, f)| (id, f.resource()))
                .collect();
            Ok(Answer::json(&page(files, &q)?))
        }
        FileOp::GetFile(id) => Ok(Answer::json(&get(id)?.resource())),
        FileOp::FileContent(id) => {
            let file = get(id)?;
            let bytes = file.bytes.clone();
            Ok(Answer::new(
                200,
                Body::Data(file.content_type.clone().into(), bytes),
            ))
        }
        FileOp::DeleteFile(id) => {
            get(id)?;
            app.store.delete(scope, FILE, id);
            Ok(Answer::json(
                &json!({"id": id, "object": "file", "deleted": true}),
            ))
        }
        _ => uploads::handle(app, op, scope, body, info),
    }
}

/// Checks a purpose against [`PURPOSES`].
pub(crate) fn check_purpose(purpose: &str) -> Result<(), ApiError> {
    if PURPOSES.contains(&purpose) {
        return Ok(());
    }
    let shown: String = purpose.chars().take(64).collect();
    Err(ApiError::invalid(
        "purpose",
        "invalid_value",
        format!(
            "Invalid value for 'purpose': '{shown}'. Supported values are: 'assistants', 'batch', 'fine-tune', 'vision', 'user_data' and 'evals'."
        ),
    ))
}

/// The unix time a file given `expires_after` (`anchor` `created_at`, `seconds`) expires at.
pub(crate) fn expires_at(
    anchor: Option<&str>,
    seconds: Option<i64>,
    created_at: u64,
) -> Result<Option<u64>, ApiError> {
    match (anchor, seconds) {
        (None, None) => Ok(None),
        (Some("created_at"), Some(s)) if (EXPIRES_MIN..=EXPIRES_MAX).contains(&s) => {
            Ok(Some(created_at + s as u64))
        }
        (Some("created_at"), Some(s)) => Err(ApiError::invalid(
            "expires_after.seconds",
            "invalid_value",
            format!(
                "Invalid 'expires_after.seconds': expected a value from {EXPIRES_MIN} to {EXPIRES_MAX}, but got {s} instead."
            ),
        )),
        (Some("created_at"), None) => Err(missing("expires_after.seconds")),
        (Some(other), _) => Err(ApiError::invalid(
            "expires_after.anchor",
            "invalid_value",
            format!(
                "Invalid value for 'expires_after.anchor': '{other}'. Supported values are: 'created_at'."
            ),
        )),
        (None, Some(_)) => Err(missing("expires_after.anchor")),
    }
}

fn missing(name: &str) -> ApiError {
    ApiError::invalid(
        name,
        "missing_required_parameter",
        format!("Missing required parameter: '{name}'."),
    )
}

/// `POST /v1/files`: the form's `file` stored with its `purpose`, the file object back.
fn create(app: &App, scope: &str, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let form = form::parse(info, body)?;
    let f = FormFields::new(&form);
    let purpose = f.required_string("purpose")?;
    check_purpose(purpose)?;
    let part = f.required_file("file")?;
    let anchor = f.string("expires_after[anchor]")?;
    let seconds = f.integer("expires_after[seconds]", i64::MIN, i64::MAX)?;
    filestore::check_size(app, part.data.len())?;
    let filename = part.filename.as_deref().unwrap_or("");
    check_batch_name(purpose, filename)?;
    let content_type = part
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    let mut file = StoredFile::new(filename, purpose, content_type, part.data.to_vec());
    file.expires_at = expires_at(anchor, seconds, file.created_at)?;
    if purpose == "batch" {
        file.expires_at
            .get_or_insert(file.created_at + BATCH_FILE_TTL);
    }
    Ok(Answer::json(&filestore::put(app, scope, file)?))
}
