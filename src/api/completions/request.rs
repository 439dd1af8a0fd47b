//! A legacy completions request: validation, with prompts in any of the four shapes.

use serde_json::{Map, Value};

use crate::api::Request;
use crate::api::fields::Fields;
use crate::api::prompts::{self, ShapeError};
use crate::api::sampling;
use crate::error::ApiError;

/// A validated legacy completions request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CompletionRequest {
    pub model: String,
    /// One entry per prompt; a token-array prompt is already turned into text (see `prompts::token_text`).
    pub prompts: Vec<String>,
    pub n: u32,
    pub max_tokens: u64,
    pub echo: bool,
    pub stop: Vec<String>,
    pub stream: bool,
    pub include_usage: bool,
    /// `logprobs` (0..=5): when set, each choice carries a logprobs object (see [`Logprobs`](super::objects::Logprobs)).
    pub logprobs: Option<u8>,
}

/// The most choices one request may ask for: one per prompt and `n` (1..128). Every choice costs
/// its object, or a chunk per step, whatever its text: 200,000 empty prompts with `n: 128` (a
/// 781 KiB body) were 25.6 million choices and 5.1 GiB. Past it, a 400 on `n`.
pub(crate) const MAX_CHOICES: usize = 2048;

const EMPTY_ARRAY: &str =
    "empty array. Expected an array with minimum length 1, but got an empty array instead.";

impl Request for CompletionRequest {
    fn model(&self) -> &str {
        &self.model
    }

    /// Validates the body. `suffix` is checked to be a string and otherwise ignored: as on the
    /// API, the returned text is only what goes between the prompt and the suffix, never the
    /// suffix itself.
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let f = Fields::new(obj, "");
        let model = f.required_string("model")?.to_string();
        let prompts = parse_prompts(&f)?;
        sampling::check(&f)?;
        f.string("suffix")?;
        f.string("user")?;
        let echo = f.boolean("echo")?.unwrap_or(false);
        let logprobs = f.integer("logprobs", 0, 5)?.map(|l| l as u8);
        let n = f.integer("n", 1, 128)?.unwrap_or(1) as u32;
        let choices = prompts.len().saturating_mul(n as usize);
        if choices > MAX_CHOICES {
            return Err(f.invalid_value(
                "n",
                format!(
                    "{} prompts × n = {n} is {choices} choices, more than the limit of {MAX_CHOICES} choices per request.",
                    prompts.len()
                ),
            ));
        }
        let max_tokens = f.integer("max_tokens", 0, i64::MAX)?.unwrap_or(16) as u64;
        let stop = f.stop("stop", 4)?;
        let stream = f.boolean("stream")?.unwrap_or(false);
        if let Some(best_of) = f.integer("best_of", 0, 20)? {
            if best_of < i64::from(n) {
                return Err(f.invalid_value(
                    "best_of",
                    format!("best_of must be greater than or equal to n, but got best_of={best_of} and n={n}."),
                ));
            }
            if stream && best_of > 1 {
                return Err(f.invalid_value(
                    "best_of",
                    "best_of > 1 cannot be used with stream: results cannot be streamed.",
                ));
            }
        }
        let include_usage = sampling::include_usage(&f, stream)?;
        Ok(CompletionRequest {
            model,
            prompts,
            n,
            max_tokens,
            echo,
            stop,
            stream,
            include_usage,
            logprobs,
        })
    }
}

/// `prompt`: a string, an array of strings, an array of tokens or an array of token arrays.
/// Absent or `null` is a 400: the mock has no use for the `<|endoftext|>` default.
fn parse_prompts(f: &Fields) -> Result<Vec<String>, ApiError> {
    let items = match f.get("prompt") {
        None => return Err(f.missing("prompt")),
        Some(Value::String(s)) => return Ok(vec![s.clone()]),
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(f.invalid_value("prompt", EMPTY_ARRAY));
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(f.wrong_type("prompt", "a string or an array", other));
        }
    };
    prompts::read(items, true).map_err(|e| match e {
        ShapeError::First(got) => f.wrong_type(
            "prompt[0]",
            "a string, an integer or an array of integers",
            got,
        ),
        ShapeError::NotString { at, got } => {
            f.wrong_type(&format!("prompt[{at}]"), "a string", got)
        }
        ShapeError::EmptyString { at } => f.invalid_value(&format!("prompt[{at}]"), EMPTY_ARRAY),
        ShapeError::NotTokens { at, got } => {
            f.wrong_type(&format!("prompt[{at}]"), "an array of integers", got)
        }
        ShapeError::EmptyTokens { at } => f.invalid_value(&format!("prompt[{at}]"), EMPTY_ARRAY),
        ShapeError::BadToken { at, index, got } => {
            let name = match at {
                Some(at) => format!("prompt[{at}][{index}]"),
                None => format!("prompt[{index}]"),
            };
            f.wrong_type(&name, "a non-negative integer", got)
        }
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<CompletionRequest, ApiError> {
        crate::api::parse::<CompletionRequest>(v.to_string().as_bytes())
    }

    #[test]
    fn all_four_prompt_shapes_parse() {
        let prompts = |p: Value| parse(json!({"model": "m", "prompt": p})).map(|r| r.prompts);
        assert_eq!(prompts(json!("hi")).unwrap(), ["hi"]);
        assert_eq!(prompts(json!(["a", "b"])).unwrap(), ["a", "b"]);
        assert_eq!(prompts(json!([1, 2])).unwrap(), ["1 2"]);
        assert_eq!(prompts(json!([[1], [2, 3]])).unwrap(), ["1", "2 3"]);
        let param = |p: Value| prompts(p).unwrap_err().param.clone().unwrap();
        assert_eq!(param(json!([])), "prompt");
        assert_eq!(param(json!(["a", 1])), "prompt[1]");
        assert_eq!(param(json!([1, "a"])), "prompt[1]");
        assert_eq!(param(json!([[1], []])), "prompt[1]");
        assert_eq!(param(json!([[1], [2, 0.5]])), "prompt[1][1]");
        assert_eq!(param(json!([true])), "prompt[0]");
        assert_eq!(param(json!(3)), "prompt");
    }

    #[test]
    fn defaults_follow_the_spec() {
        let rq = parse(json!({"model": "m", "prompt": "x"})).unwrap();
        assert_eq!(
            (rq.n, rq.max_tokens, rq.echo, rq.logprobs),
            (1, 16, false, None)
        );
    }
}
