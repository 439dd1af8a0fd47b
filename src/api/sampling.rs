//! Request fields that chat and legacy completions share and the mock only validates: the
//! sampling parameters, and `stream_options`.

use serde_json::Value;

use super::fields::Fields;
use crate::error::ApiError;

/// `temperature`, `top_p`, the penalties, `seed` and `logit_bias`: checked against the API's
/// ranges, then ignored (the echo has nothing to sample).
pub(crate) fn check(f: &Fields) -> Result<(), ApiError> {
    f.number("temperature", 0.0, 2.0)?;
    f.number("top_p", 0.0, 1.0)?;
    f.number("presence_penalty", -2.0, 2.0)?;
    f.number("frequency_penalty", -2.0, 2.0)?;
    f.integer("seed", i64::MIN, i64::MAX)?;
    if let Some(bias) = f.object("logit_bias")? {
        let keys = f.get("logit_bias").and_then(Value::as_object);
        for key in keys.into_iter().flat_map(|m| m.keys()) {
            bias.number(key, -100.0, 100.0)?;
        }
    }
    Ok(())
}

/// `stream_options` (only with `stream: true`): whether a last chunk carries `usage`.
pub(crate) fn include_usage(f: &Fields, stream: bool) -> Result<bool, ApiError> {
    let options = f.object("stream_options")?;
    if options.is_some() && !stream {
        return Err(f.invalid_value(
            "stream_options",
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        ));
    }
    match &options {
        Some(o) => Ok(o.boolean("include_usage")?.unwrap_or(false)),
        None => Ok(false),
    }
}
