//! An embeddings request: validation of the inputs (in any of the four prompt shapes), the
//! model's vector size and `dimensions`, and the encoding.

use serde_json::{Map, Value};

use crate::api::Request;
use crate::api::fields::Fields;
use crate::api::prompts::{self, ShapeError};
use crate::error::ApiError;
use crate::text;

/// Size of an unknown model's vectors: the size of `text-embedding-3-small`.
pub(super) const DEFAULT_DIMENSIONS: usize = 1536;
const MAX_INPUTS: usize = 2048;
const MAX_INPUT_TOKENS: u64 = 8192;
const MAX_REQUEST_TOKENS: u64 = 300_000;

/// A model's native vector size, and whether `dimensions` may shorten it (only
/// `text-embedding-ada-002` refuses; unknown models accept it as `text-embedding-3-*` do).
pub(super) fn native_dimensions(model: &str) -> (usize, bool) {
    match model {
        "text-embedding-3-large" => (3072, true),
        "text-embedding-3-small" => (1536, true),
        "text-embedding-ada-002" => (1536, false),
        _ => (DEFAULT_DIMENSIONS, true),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Float,
    Base64,
}

/// A validated embeddings request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EmbeddingRequest {
    pub model: String,
    /// The inputs as text; a token array reads as its numbers joined by spaces, so its numbers
    /// are hashed as words.
    pub inputs: Vec<String>,
    pub dimensions: usize,
    pub encoding: Encoding,
}

impl Request for EmbeddingRequest {
    fn model(&self) -> &str {
        &self.model
    }

    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let f = Fields::new(obj, "");
        let model = f.required_string("model")?.to_string();
        let inputs = parse_inputs(&f)?;
        let mut total = 0;
        for (i, input) in inputs.iter().enumerate() {
            let tokens = text::count_words(input);
            if tokens > MAX_INPUT_TOKENS {
                return Err(f.invalid_value("input", format!("input[{i}] has {tokens} tokens, but this model's maximum input length is {MAX_INPUT_TOKENS} tokens.")));
            }
            total += tokens;
        }
        if total > MAX_REQUEST_TOKENS {
            return Err(f.invalid_value("input", format!("the inputs have {total} tokens in all, but a request may have at most {MAX_REQUEST_TOKENS}.")));
        }
        let (native, shortens) = native_dimensions(&model);
        let dimensions = match f.integer("dimensions", 1, i64::MAX)? {
            None => native,
            Some(_) if !shortens => {
                return Err(f.invalid_value(
                    "dimensions",
                    format!("the model '{model}' does not support specifying dimensions."),
                ));
            }
            Some(d) if d as u64 > native as u64 => {
                return Err(f.invalid_value(
                    "dimensions",
                    format!("the model '{model}' has {native} dimensions; 'dimensions' must be at most {native}, but got {d}."),
                ));
            }
            Some(d) => d as usize,
        };
        let encoding = match f.string("encoding_format")? {
            None | Some("float") => Encoding::Float,
            Some("base64") => Encoding::Base64,
            Some(other) => {
                return Err(f.invalid_value(
                    "encoding_format",
                    format!(
                        "Invalid value: '{other}'. Supported values are: 'float' and 'base64'."
                    ),
                ));
            }
        };
        f.string("user")?;
        Ok(EmbeddingRequest {
            model,
            inputs,
            dimensions,
            encoding,
        })
    }
}

/// `input`: a non-empty string, or 1..=2048 non-empty strings, one token array, or 1..=2048
/// non-empty token arrays. Every refusal names `input`.
fn parse_inputs(f: &Fields) -> Result<Vec<String>, ApiError> {
    let invalid = |message: String| f.invalid_value("input", message);
    let items = match f.get("input") {
        None => return Err(f.missing("input")),
        Some(Value::String(s)) if s.is_empty() => {
            return Err(invalid("empty string. Expected a string with minimum length 1, but got an empty string instead.".into()));
        }
        Some(Value::String(s)) => return Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(f.wrong_type("input", "a string or an array", other)),
    };
    if items.is_empty() {
        return Err(invalid(
            "empty array. Expected an array with minimum length 1, but got an empty array instead."
                .into(),
        ));
    }
    if items.len() > MAX_INPUTS {
        return Err(invalid(format!(
            "array too long. Expected an array with maximum length {MAX_INPUTS}, but got an array with length {} instead.",
            items.len()
        )));
    }
    let describe = crate::api::fields::describe;
    prompts::read(items, false).map_err(|e| {
        invalid(match e {
            ShapeError::First(got) => format!(
                "expected strings, tokens or token arrays, but input[0] is {}.",
                describe(got)
            ),
            ShapeError::NotString { at, got } => {
                format!(
                    "expected a string at input[{at}], but got {}.",
                    describe(got)
                )
            }
            ShapeError::EmptyString { at } => {
                format!("input[{at}] is an empty string. Every input must be a non-empty string.")
            }
            ShapeError::NotTokens { at, got } => format!(
                "expected an array of tokens at input[{at}], but got {}.",
                describe(got)
            ),
            ShapeError::EmptyTokens { at } => format!(
                "input[{at}] is an empty array. Every token array needs at least one token."
            ),
            ShapeError::BadToken { at, index, got } => {
                let at = match at {
                    Some(at) => format!("input[{at}][{index}]"),
                    None => format!("input[{index}]"),
                };
                format!(
                    "expected a non-negative integer token at {at}, but got {}.",
                    describe(got)
                )
            }
        })
    })
}
