//! The `text_completion` object, its choices and their logprobs; a stream's chunks are the same
//! object with one choice each.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::plan::Piece;
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

/// A plausible logprobs object for the tokens of some pieces: the mock is certain of every word,
/// so each logprob is `0.0` and each `top_logprobs` entry holds only the chosen token.
/// `text_offset` counts characters from the start of the prompt, as if it were echoed. Written
/// straight from the pieces: a map per token would cost 500 bytes before a byte was sent.
#[derive(Clone, Copy, Default)]
pub(super) struct Logprobs<'a> {
    pub pieces: &'a [Piece],
}

impl<'a> Logprobs<'a> {
    pub(super) fn of(pieces: &'a [Piece]) -> Logprobs<'a> {
        Logprobs { pieces }
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

/// `{token: 0.0}`, one `top_logprobs` entry.
struct Top<'a>(&'a str);

impl Serialize for Top<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(std::iter::once((self.0, 0.0)))
    }
}

impl Serialize for Logprobs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Logprobs", 4)?;
        out.serialize_field("tokens", &List(|| self.tokens().map(|(t, _)| t)))?;
        out.serialize_field("token_logprobs", &List(|| self.tokens().map(|_| 0.0)))?;
        out.serialize_field("top_logprobs", &List(|| self.tokens().map(|(t, _)| Top(t))))?;
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

    /// The logprobs object as it was built before it was written straight from the pieces.
    #[derive(Serialize, Default)]
    struct Built {
        tokens: Vec<String>,
        token_logprobs: Vec<f64>,
        top_logprobs: Vec<BTreeMap<String, f64>>,
        text_offset: Vec<usize>,
    }

    #[test]
    fn logprobs_are_written_byte_for_byte_as_the_built_object_was() {
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
            built.token_logprobs.push(0.0);
            built
                .top_logprobs
                .push(BTreeMap::from([(token.clone(), 0.0)]));
            built.text_offset.push(*offset);
        }
        assert_eq!(
            serde_json::to_string(&Logprobs::of(&pieces)).unwrap(),
            serde_json::to_string(&built).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&Logprobs::default()).unwrap(),
            serde_json::to_string(&Built::default()).unwrap()
        );
    }
}
