//! What each prompt's choices say, decided before anything is written: the echoed prompt and the
//! generated tokens as pieces, with their character offsets for logprobs.

use super::request::CompletionRequest;
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
    pub finish: &'static str,
    /// Generated tokens, for `usage`.
    pub generated: u64,
}

/// One prompt's choices: the scripted text when a fixture rule answered, else `--reply` or the
/// echo of this prompt.
pub(super) fn plan(
    app: &App,
    rq: &CompletionRequest,
    prompt: &str,
    scripted: Option<&str>,
) -> Planned {
    let full = match (scripted, &app.config.reply) {
        (Some(text), _) => text.to_string(),
        (None, Some(fixed)) => fixed.clone(),
        (None, None) => text::echo(prompt),
    };
    let choices = rq.prompts.len() as u64 * u64::from(rq.n);
    let text = Text::plan_shared(&full, &rq.stop, Some(rq.max_tokens), choices);
    let prompt_chars = prompt.chars().count();
    let mut pieces = Vec::with_capacity(text.count() as usize + 1);
    if rq.echo && !prompt.is_empty() {
        // The echoed prompt shares the response budget too: n copies of an 8 MB prompt would not fit.
        let share = text::MAX_RESPONSE_BYTES / choices as usize;
        let prompt = &prompt[..text::floor_char_boundary(prompt, prompt.len().min(share))];
        pieces.push(Piece {
            text: prompt.to_string(),
            tokens: with_offsets(Text::plan(prompt, &[], None).tokens(), 0),
            paced: false,
        });
    }
    let mut offset = prompt_chars;
    for token in text.tokens() {
        pieces.push(Piece {
            text: token.to_string(),
            tokens: vec![(token.to_string(), offset)],
            paced: true,
        });
        offset += token.chars().count();
    }
    Planned {
        pieces,
        finish: text.finish.as_str(),
        generated: text.count(),
    }
}

fn with_offsets<'a>(tokens: impl Iterator<Item = &'a str>, start: usize) -> Vec<(String, usize)> {
    let mut offset = start;
    tokens
        .map(|t| {
            let at = offset;
            offset += t.chars().count();
            (t.to_string(), at)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters() {
        let t = with_offsets(["hé", " llo"].into_iter(), 3);
        assert_eq!(t, [("hé".to_string(), 3), (" llo".to_string(), 5)]);
    }
}
