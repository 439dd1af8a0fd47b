//! `/v1/conversations`: conversations and their items.

use crate::api::State;
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};

pub(crate) fn handle(
    _app: &App,
    _op: &State,
    info: &Head,
    _body: &[u8],
) -> Result<Answer, ApiError> {
    Err(ApiError::unknown_url(&info.method, &info.path))
}
