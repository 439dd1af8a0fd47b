//! The paths of Files, Uploads and Batches (`/files`, `/files/{id}/content`,
//! `/uploads/{id}/parts`, `/batches/{id}/cancel`, ...), each matched to one [`FileOp`], and the
//! dispatch of an operation to its family.

use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};

/// One operation on files, uploads or batches; ids are percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileOp {
    CreateFile,
    ListFiles,
    GetFile(String),
    DeleteFile(String),
    FileContent(String),
    CreateUpload,
    AddPart(String),
    CompleteUpload(String),
    CancelUpload(String),
    CreateBatch,
    ListBatches,
    GetBatch(String),
    CancelBatch(String),
}

impl FileOp {
    /// Whether the operation reads a `multipart/form-data` body.
    pub(crate) fn is_form(&self) -> bool {
        matches!(self, FileOp::CreateFile | FileOp::AddPart(_))
    }

    /// Whether the operation reads a JSON body (every `POST` that is not a form may send one).
    pub(crate) fn is_json(&self) -> bool {
        matches!(
            self,
            FileOp::CreateUpload
                | FileOp::CompleteUpload(_)
                | FileOp::CancelUpload(_)
                | FileOp::CreateBatch
                | FileOp::CancelBatch(_)
        )
    }
}

/// The operation for `method` (already `GET` for `HEAD`) on `bare` (the path without `/v1`):
/// `None` when the path is not one of these, a 405 with the methods it answers otherwise.
pub(crate) fn match_path(method: &str, bare: &str) -> Option<Result<FileOp, &'static str>> {
    let parts: Vec<&str> = bare.trim_start_matches('/').split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let id = |s: &str| crate::api::percent_decode(s);
    let post = |op: FileOp| {
        Some(if method == "POST" {
            Ok(op)
        } else {
            Err("POST")
        })
    };
    let get = |op: FileOp| Some(if method == "GET" { Ok(op) } else { Err("GET") });
    match parts.as_slice() {
        ["files"] => Some(match method {
            "GET" => Ok(FileOp::ListFiles),
            "POST" => Ok(FileOp::CreateFile),
            _ => Err("GET, POST"),
        }),
        ["files", f] => Some(match method {
            "GET" => Ok(FileOp::GetFile(id(f))),
            "DELETE" => Ok(FileOp::DeleteFile(id(f))),
            _ => Err("GET, DELETE"),
        }),
        ["files", f, "content"] => get(FileOp::FileContent(id(f))),
        ["uploads"] => post(FileOp::CreateUpload),
        ["uploads", u, "parts"] => post(FileOp::AddPart(id(u))),
        ["uploads", u, "complete"] => post(FileOp::CompleteUpload(id(u))),
        ["uploads", u, "cancel"] => post(FileOp::CancelUpload(id(u))),
        ["batches"] => Some(match method {
            "GET" => Ok(FileOp::ListBatches),
            "POST" => Ok(FileOp::CreateBatch),
            _ => Err("GET, POST"),
        }),
        ["batches", b] => get(FileOp::GetBatch(id(b))),
        ["batches", b, "cancel"] => post(FileOp::CancelBatch(id(b))),
        _ => None,
    }
}

/// Answers one operation: batches in `batches`, files and uploads in `files`; the journal says
/// the store answered.
pub(crate) fn handle(app: &App, op: &FileOp, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    use crate::api::{batches, files};
    let mut answer = match op {
        FileOp::CreateBatch
        | FileOp::ListBatches
        | FileOp::GetBatch(_)
        | FileOp::CancelBatch(_) => batches::handle(app, op, info, body),
        _ => files::handle(app, op, info, body),
    }?;
    answer.source = Some("store".into());
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_operations_and_other_methods_to_405s() {
        assert_eq!(match_path("POST", "/files"), Some(Ok(FileOp::CreateFile)));
        assert_eq!(
            match_path("GET", "/files/file-a%2Fb/content"),
            Some(Ok(FileOp::FileContent("file-a/b".into())))
        );
        assert_eq!(match_path("PUT", "/files/x"), Some(Err("GET, DELETE")));
        assert_eq!(
            match_path("POST", "/uploads/u/parts"),
            Some(Ok(FileOp::AddPart("u".into())))
        );
        assert_eq!(match_path("GET", "/batches/b/cancel"), Some(Err("POST")));
        assert_eq!(match_path("GET", "/batches//x"), None);
        assert_eq!(match_path("GET", "/filesx"), None);
    }
}
