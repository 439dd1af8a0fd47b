//! `POST /v1/embeddings`: deterministic pseudo-embeddings ([`vectors`]) as float arrays or base64
//! little-endian float32, sized by model or `dimensions`.

mod request;
mod vectors;

use serde::Serialize;

use crate::api;
use crate::app::App;
use crate::conversation::{Content, Endpoint, Said, View};
use crate::error::Exit;
use crate::http::Answer;
use crate::script;
use crate::text;
use request::{EmbeddingRequest, Encoding, native_dimensions};
use vectors::{embed, encode_f32};

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
pub(crate) fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, Exit> {
    let (obj, rq) = api::read::<EmbeddingRequest>(app, body)?;
    let last = rq.inputs.last().map_or("", String::as_str);
    let view = View::prompt(Endpoint::Embeddings, &rq.model, last, &obj, headers);
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
    let (tokens, _, _) = crate::conversation::UsageOverride::apply(said.usage, tokens, 0);
    Ok(api::said_json(
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
    use super::request::DEFAULT_DIMENSIONS;
    use super::*;

    #[test]
    fn model_sizes() {
        assert_eq!(native_dimensions("text-embedding-3-large"), (3072, true));
        assert_eq!(native_dimensions("text-embedding-ada-002"), (1536, false));
        assert_eq!(native_dimensions("my-model"), (DEFAULT_DIMENSIONS, true));
    }
}
