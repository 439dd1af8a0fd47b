//! Stored files, shared by the Files and Uploads endpoints (which create and read them) and
//! Batches (which read an input file and write output and error files): the file object, its
//! bytes, and the store's limits applied to them.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::error::ApiError;
use crate::store::Kind;

/// Files, with their bytes.
pub(crate) const FILE: Kind = "file";

/// What a stored file costs besides its bytes (its fields, as the store counts them).
const OVERHEAD: usize = 256;

/// One stored file.
#[derive(Debug)]
pub(crate) struct StoredFile {
    pub id: String,
    pub filename: String,
    pub purpose: String,
    pub created_at: u64,
    /// Unix seconds after which the file is gone (`expires_after`); `None` keeps it.
    pub expires_at: Option<u64>,
    /// The content type it was uploaded with, what `/content` answers with.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl StoredFile {
    /// A new file with a fresh id, created now.
    pub(crate) fn new(filename: &str, purpose: &str, content_type: &str, bytes: Vec<u8>) -> Self {
        StoredFile {
            id: crate::ids::alnum("file-", 22),
            filename: filename.to_string(),
            purpose: purpose.to_string(),
            created_at: crate::ids::unix_now(),
            expires_at: None,
            content_type: content_type.to_string(),
            bytes,
        }
    }

    /// The `file` object.
    pub(crate) fn resource(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "object": "file",
            "bytes": self.bytes.len(),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        });
        if let Some(at) = self.expires_at {
            v["expires_at"] = json!(at);
        }
        v
    }

    fn expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// The bytes the store counts a file of `len` bytes as.
pub(crate) fn size_of(len: usize) -> usize {
    len + OVERHEAD
}

/// The 400 for a file larger than one scope may keep, before it is copied or stored.
pub(crate) fn check_size(app: &App, len: usize) -> Result<(), ApiError> {
    app.store.check_size(FILE, size_of(len))
}

/// Stores `file` in `scope` (older objects of the scope go first when it is full); its object.
pub(crate) fn put(app: &App, scope: &str, file: StoredFile) -> Result<Value, ApiError> {
    let resource = file.resource();
    let size = size_of(file.bytes.len());
    let id = file.id.clone();
    app.store.put(scope, FILE, &id, file, size)?;
    Ok(resource)
}

/// The API's 404 for a file it does not have.
pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "invalid_request_error",
        None,
        format!("No such File object: {id}"),
    )
    .with_param("id")
}

/// The file `id` of `scope`; an expired one is deleted and answered as unknown.
pub(crate) fn get(app: &App, scope: &str, id: &str) -> Option<Arc<StoredFile>> {
    let file = app.store.get::<StoredFile>(scope, FILE, id)?;
    if file.expired(crate::ids::unix_now()) {
        app.store.delete(scope, FILE, id);
        return None;
    }
    Some(file)
}

/// Every live file of `scope`, oldest first.
pub(crate) fn list(app: &App, scope: &str) -> Vec<(String, Arc<StoredFile>)> {
    let now = crate::ids::unix_now();
    let mut files = app.store.list::<StoredFile>(scope, FILE);
    files.retain(|(id, f)| {
        let gone = f.expired(now);
        if gone {
            app.store.delete(scope, FILE, id);
        }
        !gone
    });
    files
}
