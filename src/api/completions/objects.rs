//! The `text_completion` object, its choices and their logprobs; a stream's chunks are the same
//! object with one choice each.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::plan::Piece;
use crate::api::logprobs::{self, TopMap};
use crate::api::usage::Usage;

#[derive(Serialize)]
pub(super) struct Completion<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub system_fingerprint: &'a str,
    pub choices: Vec<Choice<'a>>,
    /// Always set on the whole object; on chunks absent unless `include_usage`, then `null` on
    /// every chunk but the usage one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Option<Usage>>,
}

#[derive(Serialize)]
pub(super) struct Choice<'a> {
    pub text: &'a str,
    pub index: u32,
    pub logprobs: Option<Logprobs<'a>>,
    pub finish_reason: Option<&'static str>,
}

/// A plausible logprobs object for the tokens of some pieces: each token's logprob and its
/// `top` most likely tokens (the chosen one among them, at least one) from the values chat and
/// the Responses API give (`api::logprobs`), a token's position being its `text_offset`, which
/// counts characters from the start of the prompt, as if it were echoed. Written straight from
/// the pieces: a map per token would cost 500 bytes before a byte was sent.
#[derive(Clone, Copy, Default)]
pub(super) struct Logprobs<'a> {
    pub pieces: &'a [Piece],
    pub top: usize,
}

impl<'a> Logprobs<'a> {
    /// The logprobs of `pieces`, listing `logprobs` (the request's, 0 to 5) tokens a position.
    pub(super) fn of(pieces: &'a [Piece], logprobs: u8) -> Logprobs<'a> {
        Logprobs {
            pieces,
            top: usize::from(logprobs.max(1)),
        }
    }

    fn tokens(&self) -> impl Iterator<Item = &'a (String, usize)> + use<'a> {
        self.pieces.iter().flat_map(|piece| piece.tokens.iter())
    }
}

/// A list written from an iterator, made again for each serialization.
struct List<F>(F);

impl<I, F> Serialize for List<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

impl Serialize for Logprobs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let top = self.top;
        let mut out = s.serialize_struct("Logprobs", 4)?;
        out.serialize_field("tokens", &List(|| self.tokens().map(|(t, _)| t)))?;
        let values = || self.tokens().map(|(t, at)| logprobs::logprob(t, *at));
        out.serialize_field("token_logprobs", &List(values))?;
        let tops = || {
            self.tokens().map(move |(token, position)| TopMap {
                token,
                position: *position,
                top,
            })
        };
        out.serialize_field("top_logprobs", &List(tops))?;
        out.serialize_field("text_offset", &List(|| self.tokens().map(|(_, o)| o)))?;
        out.end()
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
    pub(super) fn object<'a>(
        &'a self,
        choices: Vec<Choice<'a>>,
        usage: Option<Option<Usage>>,
    ) -> Completion<'a> {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The logprobs object as it would be built with a map per token.
    #[derive(Serialize, Default)]
    struct Built {
        tokens: Vec<String>,
        token_logprobs: Vec<f64>,
        top_logprobs: Vec<BTreeMap<String, f64>>,
        text_offset: Vec<usize>,
    }

    #[test]
    fn logprobs_are_written_as_a_built_object_would_be() {
        let pieces = [
            Piece {
                text: "Hé \"x\"".into(),
                tokens: vec![("Hé".into(), 0), (" \"x\"".into(), 2)],
                paced: false,
            },
            Piece {
                text: " a".into(),
                tokens: vec![(" a".into(), 6)],
                paced: true,
            },
        ];
        let mut built = Built::default();
        for (token, offset) in pieces.iter().flat_map(|p| &p.tokens) {
            built.tokens.push(token.clone());
            built.token_logprobs.push(logprobs::logprob(token, *offset));
            let top = TopMap {
                token,
                position: *offset,
                top: 3,
            };
            let top: BTreeMap<String, f64> =
                serde_json::from_value(serde_json::to_value(top).unwrap()).unwrap();
            assert_eq!(top.len(), 3);
            assert_eq!(top[token], logprobs::logprob(token, *offset));
            built.top_logprobs.push(top);
            built.text_offset.push(*offset);
        }
        let written: serde_json::Value = serde_json::to_value(Logprobs::of(&pieces, 3)).unwrap();
        assert_eq!(written, serde_json::to_value(&built).unwrap());
        assert_eq!(
            serde_json::to_string(&Logprobs::default()).unwrap(),
            serde_json::to_string(&Built::default()).unwrap()
        );
    }
}
