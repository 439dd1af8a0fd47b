//! `POST /v1/embeddings`: deterministic pseudo-embeddings (hashed words and character trigrams,
//! unit length) as float arrays or base64 little-endian float32, sized by model or `dimensions`.

use serde::Serialize;
use serde_json::Value;

use super::completions::token_text;
use super::fields::{Fields, parse_object};
use crate::app::App;
use crate::error::ApiError;
use crate::http::Answer;
use crate::script::{self, Content, Endpoint, Said, View};
use crate::text;

/// Size of an unknown model's vectors: the size of `text-embedding-3-small`.
pub const DEFAULT_DIMENSIONS: usize = 1536;
const MAX_INPUTS: usize = 2048;
const MAX_INPUT_TOKENS: u64 = 8192;
const MAX_REQUEST_TOKENS: u64 = 300_000;

/// A model's native vector size, and whether `dimensions` may shorten it (only
/// `text-embedding-ada-002` refuses; unknown models accept it as `text-embedding-3-*` do).
pub fn native_dimensions(model: &str) -> (usize, bool) {
    match model {
        "text-embedding-3-large" => (3072, true),
        "text-embedding-3-small" => (1536, true),
        "text-embedding-ada-002" => (1536, false),
        _ => (DEFAULT_DIMENSIONS, true),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Float,
    Base64,
}

/// A validated embeddings request.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingRequest {
    pub model: String,
    /// The inputs as text; a token array reads as its numbers joined by spaces, so its numbers
    /// are hashed as words.
    pub inputs: Vec<String>,
    pub dimensions: usize,
    pub encoding: Encoding,
}

impl EmbeddingRequest {
    pub fn from_object(obj: &serde_json::Map<String, Value>) -> Result<EmbeddingRequest, ApiError> {
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
    let not_token = |at: String, got: &Value| {
        invalid(format!(
            "expected a non-negative integer token at {at}, but got {}.",
            super::fields::describe(got)
        ))
    };
    match &items[0] {
        Value::Number(_) => {
            Ok(vec![token_text(items).map_err(|i| {
                not_token(format!("input[{i}]"), &items[i])
            })?])
        }
        Value::String(_) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) if s.is_empty() => Err(invalid(format!(
                    "input[{i}] is an empty string. Every input must be a non-empty string."
                ))),
                Value::String(s) => Ok(s.clone()),
                other => Err(invalid(format!(
                    "expected a string at input[{i}], but got {}.",
                    super::fields::describe(other)
                ))),
            })
            .collect(),
        Value::Array(_) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Array(tokens) if tokens.is_empty() => Err(invalid(format!(
                    "input[{i}] is an empty array. Every token array needs at least one token."
                ))),
                Value::Array(tokens) => token_text(tokens)
                    .map_err(|j| not_token(format!("input[{i}][{j}]"), &tokens[j])),
                other => Err(invalid(format!(
                    "expected an array of tokens at input[{i}], but got {}.",
                    super::fields::describe(other)
                ))),
            })
            .collect(),
        other => Err(invalid(format!(
            "expected strings, tokens or token arrays, but input[0] is {}.",
            super::fields::describe(other)
        ))),
    }
}

/// FNV-1a (64 bit) over a one-byte feature kind and the feature's bytes.
pub fn fnv1a(kind: u8, bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in std::iter::once(&kind).chain(bytes) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Adds `weight` to the feature's bucket with the feature's sign (the top bit of its hash).
fn add(vector: &mut [f64], hash: u64, weight: f64) {
    let bucket = (hash % vector.len() as u64) as usize;
    vector[bucket] += if hash >> 63 == 0 { weight } else { -weight };
}

/// The pseudo-embedding of `text`: lowercased words (weight 1) and character trigrams of the
/// whitespace-collapsed text (weight 0.5) hashed into `native` signed buckets; then cut to
/// `dimensions` and scaled to unit length. Texts sharing words and trigrams point the same way.
/// A text with no feature in the kept buckets gets a unit vector on one bucket chosen by its hash.
pub fn embed(text: &str, native: usize, dimensions: usize) -> Vec<f32> {
    let lower = text.to_lowercase();
    let mut vector = vec![0.0f64; native];
    for word in lower.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            add(&mut vector, fnv1a(b'w', word.as_bytes()), 1.0);
        }
    }
    let mut chars = vec![' '];
    for word in lower.split_whitespace() {
        chars.extend(word.chars());
        chars.push(' ');
    }
    let mut buf = [0u8; 12];
    for window in chars.windows(3) {
        let mut len = 0;
        for c in window {
            len += c.encode_utf8(&mut buf[len..]).len();
        }
        add(&mut vector, fnv1a(b't', &buf[..len]), 0.5);
    }
    vector.truncate(dimensions);
    let norm = vector.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm == 0.0 {
        let hash = fnv1a(b'f', text.as_bytes());
        add(&mut vector, hash, 1.0);
        return vector.iter().map(|&x| x as f32).collect();
    }
    vector.iter().map(|&x| (x / norm) as f32).collect()
}

/// Standard base64 (`+/` alphabet, `=` padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let at = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (at(0) << 16) | (at(1) << 8) | at(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The floats as the API's base64 form: little-endian float32 bytes, base64-encoded.
pub fn encode_f32(values: &[f32]) -> String {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    base64(&bytes)
}

#[derive(Serialize)]
struct EmbeddingList<'a> {
    object: &'static str,
    data: Vec<Embedding>,
    model: &'a str,
    usage: EmbeddingUsage,
}

#[derive(Serialize)]
struct Embedding {
    object: &'static str,
    index: usize,
    embedding: Vector,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Vector {
    Float(Vec<f32>),
    Base64(String),
}

#[derive(Serialize)]
struct EmbeddingUsage {
    prompt_tokens: u64,
    total_tokens: u64,
}

/// A fixture rule's error replaces the vectors; any other scripted reply only lends its
/// `ttft_ms` (a delay before the response) and its `usage.prompt_tokens`.
pub fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, ApiError> {
    let obj = parse_object(body)?;
    let rq = EmbeddingRequest::from_object(&obj)?;
    app.check_model(&rq.model)?;
    let mut view = View::new(Endpoint::Embeddings, &rq.model, &obj, headers);
    view.last = rq.inputs.last().map_or("", String::as_str);
    view.last_user = view.last;
    let said = match script::scripted(&app.script(), &view) {
        Some(said) => said?,
        None => Said::plain(Content::Text(String::new())),
    };
    let (native, _) = native_dimensions(&rq.model);
    let data = rq
        .inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let floats = embed(input, native, rq.dimensions);
            let embedding = match rq.encoding {
                Encoding::Float => Vector::Float(floats),
                Encoding::Base64 => Vector::Base64(encode_f32(&floats)),
            };
            Embedding {
                object: "embedding",
                index,
                embedding,
            }
        })
        .collect();
    let tokens = rq.inputs.iter().map(|i| text::count_words(i)).sum();
    let (tokens, _, _) = script::UsageOverride::apply(said.usage, tokens, 0);
    Ok(super::said_json(
        &said,
        &EmbeddingList {
            object: "list",
            data,
            model: &rq.model,
            usage: EmbeddingUsage {
                prompt_tokens: tokens,
                total_tokens: tokens,
            },
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    #[test]
    fn base64_matches_the_worked_example() {
        assert_eq!(
            encode_f32(&[0.0, 1.0, -2.0, 0.5]),
            "AAAAAAAAgD8AAADAAAAAPw=="
        );
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn fnv1a_is_the_standard_hash_after_the_kind_byte() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; here the kind byte comes first.
        assert_eq!(fnv1a(b'a', b""), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn embeddings_are_deterministic_unit_vectors_that_rank_similar_texts_closer() {
        let a = embed("The cat sat on the mat", 1536, 1536);
        let b = embed("A cat sat on a mat", 1536, 1536);
        let c = embed("Quantum chromodynamics binds quarks", 1536, 1536);
        assert_eq!(a.len(), 1536);
        assert_eq!(a, embed("The cat sat on the mat", 1536, 1536));
        assert_ne!(a, b);
        for v in [&a, &b, &c] {
            assert!((norm(v) - 1.0).abs() < 1e-5);
        }
        assert!(cosine(&a, &b) > 0.5);
        assert!(cosine(&a, &b) > cosine(&a, &c) + 0.3);
    }

    #[test]
    fn short_vectors_are_still_unit_length() {
        for text in ["x", "   ", "!!", "hello world"] {
            for dims in [1, 2, 8, 256] {
                let v = embed(text, 3072, dims);
                assert_eq!(v.len(), dims);
                assert!((norm(&v) - 1.0).abs() < 1e-5, "{text:?} {dims}");
            }
        }
    }

    #[test]
    fn model_sizes() {
        assert_eq!(native_dimensions("text-embedding-3-large"), (3072, true));
        assert_eq!(native_dimensions("text-embedding-ada-002"), (1536, false));
        assert_eq!(native_dimensions("my-model"), (DEFAULT_DIMENSIONS, true));
    }
}
