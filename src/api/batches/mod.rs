//! `/v1/batches` (stub).
use crate::api::FileOp;
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};
pub(crate) fn handle(app: &App, op: &FileOp, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let _ = (app, op, info, body);
    Err(ApiError::unknown_url(&info.method, &info.path))
}
