//! The `text_completion` object, its choices and their logprobs; a stream's chunks are the same
//! object with one choice each.

use std::collections::BTreeMap;

use serde::Serialize;

use super::plan::Piece;
use crate::api::usage::Usage;

#[derive(Serialize)]
pub(super) struct Completion<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub system_fingerprint: &'a str,
    pub choices: Vec<Choice>,
    /// Always set on the whole object; on chunks absent unless `include_usage`, then `null` on
    /// every chunk but the usage one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Option<Usage>>,
}

#[derive(Serialize)]
pub(super) struct Choice {
    pub text: String,
    pub index: u32,
    pub logprobs: Option<Logprobs>,
    pub finish_reason: Option<&'static str>,
}

/// A plausible logprobs object for the tokens of a text: the mock is certain of every word, so
/// each logprob is `0.0` and each `top_logprobs` entry holds only the chosen token. `text_offset`
/// counts characters from the start of the prompt, as if it were echoed.
#[derive(Serialize, Debug, Default, PartialEq)]
pub(super) struct Logprobs {
    pub tokens: Vec<String>,
    pub token_logprobs: Vec<f64>,
    pub top_logprobs: Vec<BTreeMap<String, f64>>,
    pub text_offset: Vec<usize>,
}

impl Logprobs {
    pub(super) fn push(&mut self, piece: &Piece) {
        for (token, offset) in &piece.tokens {
            self.tokens.push(token.clone());
            self.token_logprobs.push(0.0);
            self.top_logprobs
                .push(BTreeMap::from([(token.clone(), 0.0)]));
            self.text_offset.push(*offset);
        }
    }
}

/// What the whole object and every chunk of one stream share.
pub(super) struct Frame<'a> {
    pub id: String,
    pub created: u64,
    pub model: &'a str,
    pub fingerprint: &'a str,
}

impl Frame<'_> {
    pub(super) fn object(
        &self,
        choices: Vec<Choice>,
        usage: Option<Option<Usage>>,
    ) -> Completion<'_> {
        Completion {
            id: &self.id,
            object: "text_completion",
            created: self.created,
            model: self.model,
            system_fingerprint: self.fingerprint,
            choices,
            usage,
        }
    }
}
