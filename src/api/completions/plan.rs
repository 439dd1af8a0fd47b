//! What each prompt's choices say, decided before anything is written: the echoed prompt and the
//! generated tokens as pieces, with their character offsets for logprobs, cut to what a choice
//! may cost on the wire.

use super::request::CompletionRequest;
use crate::api::logprobs::json_len;
use crate::app::App;
use crate::text::{self, Text};

/// One streamed piece of a choice: the echoed prompt, or one completion token.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    pub text: String,
    /// The tokens in `text` with their character offsets from the start of the prompt.
    pub tokens: Vec<(String, usize)>,
    /// Generated tokens are paced; the echoed prompt is not.
    pub paced: bool,
}

/// What one prompt's choices say: the pieces in order and why they end.
pub(super) struct Planned {
    pub pieces: Vec<Piece>,
    /// The pieces joined: the text of each of the prompt's choices.
    pub text: String,
    pub finish: &'static str,
    /// Generated tokens, for `usage`.
    pub generated: u64,
}

/// What all the choices of one response may cost as sent, chunks, logprobs and escapes included:
/// half the response budget (`text::MAX_RESPONSE_BYTES`), as a body is held at up to twice its
/// size while it is serialized; a stream half of that again, as its events are held whole until
/// written, and the writer batches the unpaced ones. Counting text alone was not enough: a
/// streamed token is a chunk of 200 bytes or more, a logprobs entry 80 more, whatever its size.
pub(super) fn budget(stream: bool) -> usize {
    if stream {
        text::MAX_RESPONSE_BYTES / 4
    } else {
        text::MAX_RESPONSE_BYTES / 2
    }
}

/// What a choice costs in the response, in bytes, besides its text: each choice has an equal
/// share of [`budget`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Costs {
    /// A choice with no text: its finish chunk (streamed) or its object.
    pub choice: usize,
    /// Each piece: a chunk of its own when streamed, nothing more in one object.
    pub piece: usize,
    /// Each token besides its bytes: its logprobs entry, when asked for.
    pub token: usize,
    /// How many times a token's (JSON-escaped) bytes are sent: the text, and with logprobs the
    /// token and its `top_logprobs` key.
    pub copies: usize,
}

impl Costs {
    /// What `token` costs with its piece when it is one.
    fn of(&self, token: &str, own_piece: bool) -> usize {
        let piece = if own_piece { self.piece } else { 0 };
        piece + self.token + self.copies * json_len(token)
    }
}

/// One prompt's choices: the scripted text when a fixture rule answered, else `--reply` or the
/// echo of this prompt, in at most `budget(stream) / choices` bytes a choice, counted with
/// `costs`; what does not fit is cut with `finish_reason: "length"`.
pub(super) fn plan(
    app: &App,
    rq: &CompletionRequest,
    prompt: &str,
    scripted: Option<&str>,
    costs: Costs,
) -> Planned {
    let full = match (scripted, &app.config.reply) {
        (Some(text), _) => text.to_string(),
        (None, Some(fixed)) => fixed.clone(),
        (None, None) => text::echo(prompt),
    };
    let choices = rq.prompts.len() as u64 * u64::from(rq.n);
    let text = Text::plan_shared(&full, &rq.stop, Some(rq.max_tokens), choices);
    let share = budget(rq.stream) / choices.max(1) as usize;
    let mut left = share.saturating_sub(costs.choice);
    let mut pieces = Vec::with_capacity(text.count() as usize + 1);
    let mut offset = 0;
    if rq.echo && !prompt.is_empty() {
        // The echoed prompt shares the budget too: n copies of an 8 MB prompt would not fit.
        let affordable = left.saturating_sub(costs.piece) / costs.copies.max(1);
        let mut echoed = &prompt[..text::floor_char_boundary(prompt, prompt.len().min(affordable))];
        let mut tokens = Vec::new();
        let mut spent = costs.piece;
        for token in Text::plan(echoed, &[], None).tokens() {
            let cost = costs.of(token, false);
            if spent + cost > left {
                echoed = &echoed[..tokens.iter().map(|(t, _): &(String, usize)| t.len()).sum()];
                break;
            }
            spent += cost;
            tokens.push((token.to_string(), 0));
        }
        for (token, at) in &mut tokens {
            *at = offset;
            offset += token.chars().count();
        }
        left = left.saturating_sub(spent.max(costs.piece + json_len(echoed)));
        pieces.push(Piece {
            text: echoed.to_string(),
            tokens,
            paced: false,
        });
    }
    offset = prompt.chars().count();
    let mut finish = text.finish.as_str();
    let mut generated = 0;
    for token in text.tokens() {
        let cost = costs.of(token, true);
        if cost > left {
            finish = "length";
            break;
        }
        left -= cost;
        pieces.push(Piece {
            text: token.to_string(),
            tokens: vec![(token.to_string(), offset)],
            paced: true,
        });
        offset += token.chars().count();
        generated += 1;
    }
    Planned {
        text: pieces.iter().map(|piece| piece.text.as_str()).collect(),
        pieces,
        finish,
        generated,
    }
}
