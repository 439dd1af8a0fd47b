//! `/v1/uploads`: create an Upload (`filename`, `purpose`, `bytes`, `mime_type`), add its parts
//! as forms (`data`), complete it with the parts in the order `part_ids` gives (the total checked
//! against `bytes`, and against `md5` when one is sent) into a File, or cancel it. An Upload not
//! completed within an hour is `expired`, as on the API.

use serde_json::{Value, json};

use crate::api::FileOp;
use crate::api::fields::{Fields, parse_object};
use crate::api::filestore::{self, StoredFile};
use crate::api::form::{self, FormFields};
use crate::api::stored::not_found;
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};
use crate::md5::Md5;
use crate::store::Kind;

const UPLOAD: Kind = "upload";
const PART: Kind = "upload.part";
/// An Upload expires this long after it is created, as on the API.
const UPLOAD_TTL: u64 = 3600;
/// The most parts one Upload may have (bounds `part_ids` and the part list).
const MAX_PARTS: usize = 1000;

#[derive(Clone, Debug)]
struct Upload {
    id: String,
    filename: String,
    purpose: String,
    bytes: u64,
    mime_type: String,
    created_at: u64,
    /// The file's own `expires_after`, applied when the Upload completes.
    file_expires: (Option<String>, Option<i64>),
    status: &'static str,
    /// The ids of its parts, in the order they were added.
    parts: Vec<String>,
    /// Bytes received in parts so far.
    received: u64,
    file: Option<Value>,
}

struct Part {
    upload_id: String,
    data: Vec<u8>,
}

impl Upload {
    fn size(&self) -> usize {
        256 + self.filename.len()
            + self.parts.iter().map(|p| p.len() + 8).sum::<usize>()
            + self.file.as_ref().map_or(0, crate::store::json_size)
    }

    /// `status` as of `now`: a pending Upload past its hour is `expired`.
    fn status(&self, now: u64) -> &'static str {
        if self.status == "pending" && now >= self.created_at + UPLOAD_TTL {
            "expired"
        } else {
            self.status
        }
    }

    fn resource(&self) -> Value {
        json!({
            "id": self.id,
            "object": "upload",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": self.status(crate::ids::unix_now()),
            "expires_at": self.created_at + UPLOAD_TTL,
            "file": self.file,
        })
    }
}

fn bad(param: Option<&str>, message: String) -> ApiError {
    let e = ApiError::new(400, "invalid_request_error", None, message);
    match param {
        Some(p) => e.with_param(p),
        None => e,
    }
}

pub(super) fn handle(
    app: &App,
    op: &FileOp,
    scope: &str,
    body: &[u8],
    info: &Head,
) -> Result<Answer, ApiError> {
    match op {
        FileOp::CreateUpload => create(app, scope, body),
        FileOp::AddPart(id) => add_part(app, scope, id, info, body),
        FileOp::CompleteUpload(id) => complete(app, scope, id, body),
        FileOp::CancelUpload(id) => {
            let cancelled = change(app, scope, id, |u| {
                u.status = "cancelled";
                Ok(std::mem::take(&mut u.parts))
            })?;
            for part in cancelled.1 {
                app.store.delete(scope, PART, &part);
            }
            Ok(Answer::json(&cancelled.0))
        }
        _ => unreachable!("files::handle routes only upload operations here"),
    }
}

/// Changes a pending Upload under the store's lock; its object after the change, and what
/// `f` returns. An Upload that is not pending is a 400 naming its status.
fn change<R>(
    app: &App,
    scope: &str,
    id: &str,
    mut f: impl FnMut(&mut Upload) -> Result<R, ApiError>,
) -> Result<(Value, R), ApiError> {
    let now = crate::ids::unix_now();
    let done = app
        .store
        .update::<Upload, (Value, R)>(scope, UPLOAD, id, Upload::size, |u| {
            let status = u.status(now);
            if status != "pending" {
                return Err(bad(
                    None,
                    format!("Cannot modify upload {id} because it is {status}."),
                ));
            }
            let out = f(u)?;
            Ok((u.resource(), out))
        })?;
    done.ok_or_else(|| not_found("Upload", id))
}

fn body_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    parse_object(body)
}

fn create(app: &App, scope: &str, body: &[u8]) -> Result<Answer, ApiError> {
    let obj = parse_object(body)?;
    let f = Fields::new(&obj, "");
    let filename = f.required_string("filename")?;
    let purpose = f.required_string("purpose")?;
    super::check_purpose(purpose)?;
    super::check_batch_name(purpose, filename)?;
    let bytes = f
        .integer("bytes", 0, i64::MAX)?
        .ok_or_else(|| f.missing("bytes"))?;
    let mime_type = f.required_string("mime_type")?;
    filestore::check_size(app, bytes as usize).map_err(|e| e.with_param("bytes"))?;
    let mut file_expires = (None, None);
    if let Some(after) = f.object("expires_after")? {
        file_expires = (
            after.string("anchor")?.map(str::to_string),
            after.integer("seconds", i64::MIN, i64::MAX)?,
        );
        super::expires_at(file_expires.0.as_deref(), file_expires.1, 0)?;
    }
    let upload = Upload {
        id: crate::ids::alnum("upload_", 24),
        filename: filename.to_string(),
        purpose: purpose.to_string(),
        bytes: bytes as u64,
        mime_type: mime_type.to_string(),
        created_at: crate::ids::unix_now(),
        file_expires,
        status: "pending",
        parts: Vec::new(),
        received: 0,
        file: None,
    };
    let resource = upload.resource();
    let size = upload.size();
    app.store
        .put(scope, UPLOAD, &upload.id.clone(), upload, size)?;
    Ok(Answer::json(&resource))
}

fn add_part(
    app: &App,
    scope: &str,
    id: &str,
    info: &Head,
    body: &[u8],
) -> Result<Answer, ApiError> {
    let form = form::parse(info, body)?;
    let data = FormFields::new(&form).required_file("data")?.data;
    let part_id = crate::ids::alnum("part_", 24);
    let len = data.len() as u64;
    change(app, scope, id, |u| {
        if u.parts.len() >= MAX_PARTS {
            return Err(bad(
                Some("data"),
                format!("Upload {id} already has {MAX_PARTS} parts, the most one Upload may have."),
            ));
        }
        if u.received + len > u.bytes {
            return Err(bad(
                Some("data"),
                format!(
                    "Adding {len} bytes would make upload {id} larger than the {} bytes it was created with.",
                    u.bytes
                ),
            ));
        }
        u.received += len;
        u.parts.push(part_id.clone());
        Ok(())
    })?;
    let part = Part {
        upload_id: id.to_string(),
        data: data.to_vec(),
    };
    app.store
        .put(scope, PART, &part_id, part, data.len() + 64)?;
    Ok(Answer::json(&json!({
        "id": part_id,
        "object": "upload.part",
        "created_at": crate::ids::unix_now(),
        "upload_id": id,
    })))
}

fn complete(app: &App, scope: &str, id: &str, body: &[u8]) -> Result<Answer, ApiError> {
    let obj = body_object(body)?;
    let f = Fields::new(&obj, "");
    let ids = f.array("part_ids")?.ok_or_else(|| f.missing("part_ids"))?;
    if ids.len() > MAX_PARTS {
        return Err(f.invalid_value(
            "part_ids",
            format!(
                "array too long. Expected at most {MAX_PARTS} part ids, but got {} instead.",
                ids.len()
            ),
        ));
    }
    let md5 = f.string("md5")?;
    let upload = app
        .store
        .get::<Upload>(scope, UPLOAD, id)
        .ok_or_else(|| not_found("Upload", id))?;
    let mut bytes = Vec::with_capacity(upload.received as usize);
    let mut digest = Md5::default();
    for (i, value) in ids.iter().enumerate() {
        let param = format!("part_ids[{i}]");
        let part_id = value
            .as_str()
            .ok_or_else(|| f.wrong_type(&param, "a string", value))?;
        let part = app
            .store
            .get::<Part>(scope, PART, part_id)
            .filter(|p| p.upload_id == id)
            .ok_or_else(|| {
                bad(
                    Some(&param),
                    format!("Part {part_id} is not a part of upload {id}."),
                )
            })?;
        digest.update(&part.data);
        bytes.extend_from_slice(&part.data);
    }
    if bytes.len() as u64 != upload.bytes {
        return Err(bad(
            Some("part_ids"),
            format!(
                "The parts add up to {} bytes, but upload {id} was created with bytes={}.",
                bytes.len(),
                upload.bytes
            ),
        ));
    }
    if let Some(expected) = md5 {
        let got = digest.hex();
        if !got.eq_ignore_ascii_case(expected.trim()) {
            return Err(bad(
                Some("md5"),
                format!("The md5 checksum of the parts is {got}, not the {expected} given."),
            ));
        }
    }
    let mut file = StoredFile::new(&upload.filename, &upload.purpose, &upload.mime_type, bytes);
    let (anchor, seconds) = &upload.file_expires;
    file.expires_at = super::expires_at(anchor.as_deref(), *seconds, file.created_at)?;
    let resource = filestore::put(app, scope, file)?;
    let (done, parts) = change(app, scope, id, |u| {
        u.status = "completed";
        u.file = Some(resource.clone());
        Ok(std::mem::take(&mut u.parts))
    })?;
    for part in parts {
        app.store.delete(scope, PART, &part);
    }
    Ok(Answer::json(&done))
}
