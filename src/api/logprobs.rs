//! Per-token log probabilities, shared by chat, the Responses API and legacy completions:
//! deterministic, plausible values for the reply's own tokens (the words `text` cuts and `usage`
//! counts), each with its most likely alternatives, written straight from the tokens without a
//! map per token, and what they cost in a response, so the budget counts them before they are made.
//!
//! A token's logprob depends on its text and its position only: the same reply gets the same
//! values, streamed or not. It is at most -0.000001, mostly near 0 (the "model" is sure of its
//! echo). Alternatives are common words with the token's leading space, ranked below the
//! probability mass the chosen token leaves, so all of a position's probabilities sum to at most 1.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

/// The most `top_logprobs` entries a position lists (the API's range is 0 to 20).
pub(crate) const MAX_TOP: usize = 20;

/// The words alternatives are drawn from, each with a leading space (cut off for a token that
/// has none). More than `MAX_TOP`, so the chosen token can be skipped and 20 still remain.
const WORDS: [&str; 24] = [
    " the", " a", " and", " to", " of", " it", " is", " in", " that", " you", " this", " for",
    " on", " with", " as", " I", " be", " at", " we", " can", " so", " not", " or", " an",
];

/// What one entry can cost as sent besides its token: `{"token":"","logprob":N,"bytes":[],
/// "top_logprobs":[]},` with a number of up to 24 characters.
const ENTRY_BYTES: usize = 80;
/// A `top_logprobs` entry besides its token: `{"token":"","logprob":N,"bytes":[]},`.
const TOP_BYTES: usize = 64;
/// An alternative's entry: its word is at most five ASCII bytes, four characters each as bytes.
const ALTERNATIVE_BYTES: usize = TOP_BYTES + 5 + 5 * 4;

/// The length of `s` as a JSON string's contents: quotes, backslashes and control characters
/// are escaped.
pub(crate) fn json_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..0x20 => 6,
            _ => 1,
        })
        .sum()
}

/// The length of `s`'s UTF-8 bytes written as a JSON array of integers, commas included.
fn bytes_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            0..10 => 2,
            10..100 => 3,
            _ => 4,
        })
        .sum()
}

/// The most an entry for `token` with `top` alternatives (the chosen token among them) costs.
pub(crate) fn entry_cost(token: &str, top: usize) -> usize {
    let own = json_len(token) + bytes_len(token);
    let listed = match top {
        0 => 0,
        n => TOP_BYTES + own + (n - 1) * ALTERNATIVE_BYTES,
    };
    ENTRY_BYTES + own + listed
}

/// How many of `tokens` fit in `budget` bytes when each costs `per_token` bytes, its text once,
/// and `copies` entries with `top` alternatives.
pub(crate) fn affordable<'t>(
    tokens: impl Iterator<Item = &'t str>,
    top: usize,
    copies: usize,
    per_token: usize,
    budget: usize,
) -> usize {
    let mut spent = 0usize;
    let mut count = 0;
    for token in tokens {
        let cost = per_token + json_len(token) + copies * entry_cost(token, top);
        spent = spent.saturating_add(cost);
        if spent > budget {
            break;
        }
        count += 1;
    }
    count
}

/// A hash of a token at a position: FNV-1a over its bytes, mixed with the position.
fn hash(token: &str, position: usize) -> u64 {
    let fnv = crate::ids::fnv1a(crate::ids::FNV_OFFSET, token.bytes());
    crate::ids::splitmix64(fnv, position as u64)
}

/// `x` rounded to eight decimals, as the API's values read.
fn round(x: f64) -> f64 {
    (x * 1e8).round() / 1e8
}

/// The logprob of `token` at `position`: in [-2.5, -0.000001], most of them near 0.
pub(crate) fn logprob(token: &str, position: usize) -> f64 {
    let u = (hash(token, position) >> 11) as f64 / (1u64 << 53) as f64;
    round(-(1e-6 + 2.5 * u * u * u))
}

/// The `top` most likely tokens at a position, the chosen one among them, most likely first.
/// The alternatives share what the chosen token leaves: 60 % of it, then 40 % of each previous.
fn ranked(token: &str, position: usize, top: usize) -> ([(&str, f64); MAX_TOP], usize) {
    let mut out = [("", 0.0); MAX_TOP];
    let top = top.min(MAX_TOP);
    if top == 0 {
        return (out, 0);
    }
    let chosen = logprob(token, position);
    let left = 1.0 - chosen.exp();
    let spaced = token.starts_with(char::is_whitespace);
    let start = (hash(token, position) % WORDS.len() as u64) as usize;
    let words = (0..WORDS.len())
        .map(|i| WORDS[(start + i) % WORDS.len()])
        .map(|w| if spaced { w } else { &w[1..] })
        .filter(|w| *w != token);
    let mut share = left * 0.6;
    let mut n = 0;
    let mut placed = false;
    for word in words.take(top - 1) {
        let lp = round(share.ln().max(-99.0));
        if !placed && chosen >= lp {
            out[n] = (token, chosen);
            n += 1;
            placed = true;
        }
        out[n] = (word, lp);
        n += 1;
        share *= 0.4;
    }
    if !placed {
        out[n] = (token, chosen);
        n += 1;
    }
    (out, n)
}

/// The logprobs of consecutive tokens of a reply: the API's entry list (`token`, `logprob`,
/// `bytes` unless left out, `top_logprobs`), computed as it is written.
#[derive(Clone, Copy)]
pub(crate) struct Entries<'a> {
    tokens: &'a [&'a str],
    /// The position of `tokens[0]` in the reply.
    first: usize,
    top: usize,
    bytes: bool,
}

impl<'a> Entries<'a> {
    /// Entries with `bytes` (chat, Responses output parts); `top` alternatives each.
    pub(crate) fn new(tokens: &'a [&'a str], first: usize, top: usize) -> Entries<'a> {
        Entries {
            tokens,
            first,
            top,
            bytes: true,
        }
    }

    /// Entries for `tokens` at `first` with the same settings (the tokens of one chunk).
    pub(crate) fn part(self, tokens: &'a [&'a str], first: usize) -> Entries<'a> {
        Entries {
            tokens,
            first,
            ..self
        }
    }

    /// Entries without `bytes`, as the Responses stream's text events carry them.
    pub(crate) fn without_bytes(self) -> Entries<'a> {
        Entries {
            bytes: false,
            ..self
        }
    }
}

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.tokens.len()))?;
        for (i, token) in self.tokens.iter().enumerate() {
            seq.serialize_element(&Entry {
                token,
                position: self.first + i,
                top: self.top,
                bytes: self.bytes,
            })?;
        }
        seq.end()
    }
}

struct Entry<'a> {
    token: &'a str,
    position: usize,
    top: usize,
    bytes: bool,
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(if self.bytes { 4 } else { 3 }))?;
        map.serialize_entry("token", self.token)?;
        map.serialize_entry("logprob", &logprob(self.token, self.position))?;
        if self.bytes {
            map.serialize_entry("bytes", self.token.as_bytes())?;
        }
        let (ranked, n) = ranked(self.token, self.position, self.top);
        let tops = Tops {
            ranked: &ranked[..n],
            bytes: self.bytes,
        };
        map.serialize_entry("top_logprobs", &tops)?;
        map.end()
    }
}

/// A position's `top_logprobs` list.
struct Tops<'a> {
    ranked: &'a [(&'a str, f64)],
    bytes: bool,
}

impl Serialize for Tops<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.ranked.iter().map(|&(token, logprob)| Top {
            token,
            logprob,
            bytes: self.bytes,
        }))
    }
}

/// One `top_logprobs` entry.
struct Top<'a> {
    token: &'a str,
    logprob: f64,
    bytes: bool,
}

impl Serialize for Top<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(if self.bytes { 3 } else { 2 }))?;
        map.serialize_entry("token", self.token)?;
        map.serialize_entry("logprob", &self.logprob)?;
        if self.bytes {
            map.serialize_entry("bytes", self.token.as_bytes())?;
        }
        map.end()
    }
}

/// The `{token: logprob}` maps legacy completions list per position: the `top` most likely.
pub(crate) struct TopMap<'a> {
    pub token: &'a str,
    pub position: usize,
    pub top: usize,
}

impl Serialize for TopMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ranked, n) = ranked(self.token, self.position, self.top);
        s.collect_map(ranked[..n].iter().copied())
    }
}

#[cfg(test)]
mod tests;
