//! A decided reply cut to one choice: text at `stop` and the token limit, a refusal at the token
//! limit, or calls refused whole when every choice's copy would pass the response budget.

use crate::conversation::{Call, Content};
use crate::error::ApiError;
use crate::text::{self, MAX_RESPONSE_BYTES};

/// What a reply says once cut: a message's text or refusal (to `stop` and the token limit), or
/// the calls as decided.
pub(crate) enum Plan<'a> {
    Text(text::Text),
    Refusal(text::Text),
    Calls(&'a [Call]),
}

impl<'a> Plan<'a> {
    /// Cuts `content` for one of `choices` choices: text at `stop` and `max_tokens`, a refusal at
    /// `max_tokens`; both within the choice's share of the response budget. Calls cannot be cut
    /// (their arguments are JSON): when every choice's copy of them would pass
    /// `MAX_RESPONSE_BYTES` the reply is refused. Generated arguments never are (they are made
    /// within the share); scripted ones (a fixture rule's) can be.
    pub(crate) fn new(
        content: &'a Content,
        stop: &[String],
        max_tokens: Option<u64>,
        choices: u64,
    ) -> Result<Plan<'a>, ApiError> {
        Ok(match content {
            Content::Text(full) => {
                Plan::Text(text::Text::plan_shared(full, stop, max_tokens, choices))
            }
            Content::Refusal(full) => {
                Plan::Refusal(text::Text::plan_shared(full, &[], max_tokens, choices))
            }
            Content::Calls(calls) => {
                let bytes: usize = calls.iter().map(|c| c.arguments.len()).sum();
                let total = (bytes as u64).saturating_mul(choices.max(1));
                if total > MAX_RESPONSE_BYTES as u64 {
                    return Err(calls_too_large(bytes, choices));
                }
                Plan::Calls(calls)
            }
        })
    }

    /// The output tokens of one choice: a word each, or per call its name and argument pieces.
    pub(crate) fn tokens(&self) -> u64 {
        match self {
            Plan::Text(t) | Plan::Refusal(t) => t.count(),
            Plan::Calls(calls) => calls
                .iter()
                .map(|c| argument_pieces(&c.arguments).len() as u64 + 1)
                .sum(),
        }
    }

    /// Whether the token limit cut the text.
    pub(crate) fn cut(&self) -> bool {
        matches!(self, Plan::Text(t) | Plan::Refusal(t) if t.finish == text::Finish::Length)
    }

    /// The finish reason as chat and completions spell it.
    pub(crate) fn finish(&self) -> &'static str {
        match self {
            Plan::Text(t) | Plan::Refusal(t) => t.finish.as_str(),
            Plan::Calls(_) => "tool_calls",
        }
    }
}

/// The 400 for scripted calls whose arguments, once per choice, pass the response limit.
fn calls_too_large(bytes: usize, choices: u64) -> ApiError {
    let message = format!(
        "the reply's tool-call arguments are {bytes} bytes, and {choices} choices carrying them \
         would pass the response limit of {MAX_RESPONSE_BYTES} bytes (MAX_RESPONSE_BYTES)."
    );
    let error = ApiError::new(400, "invalid_request_error", Some("invalid_value"), message);
    if choices > 1 {
        error.with_param("n")
    } else {
        error
    }
}

/// The pieces a streamed argument string is sent in: up to four, split on character boundaries.
pub(crate) fn argument_pieces(arguments: &str) -> Vec<&str> {
    let chars = arguments.chars().count();
    if chars == 0 {
        return Vec::new();
    }
    let size = chars.div_ceil(4).max(1);
    let mut pieces = Vec::with_capacity(4);
    let mut start = 0;
    for (n, (i, _)) in arguments.char_indices().enumerate() {
        if n > 0 && n % size == 0 {
            pieces.push(&arguments[start..i]);
            start = i;
        }
    }
    pieces.push(&arguments[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_into_at_most_four_pieces_that_join_back() {
        for args in [
            "",
            "{}",
            r#"{"city":"Paris"}"#,
            r#"{"q":"héllo wörld, ünïcode"}"#,
        ] {
            let pieces = argument_pieces(args);
            assert!(pieces.len() <= 4, "{pieces:?}");
            assert_eq!(pieces.concat(), args);
            assert!(pieces.iter().all(|p| !p.is_empty()));
        }
        assert_eq!(argument_pieces("abcdefgh"), ["ab", "cd", "ef", "gh"]);
    }

    #[test]
    fn calls_are_refused_when_every_choice_s_copy_would_pass_the_response_budget() {
        let calls = Content::Calls(vec![Call {
            name: "f".into(),
            arguments: "x".repeat(300_000),
        }]);
        // 111 copies are 33,300,000 bytes, 112 are 33,600,000: past 32 MiB.
        assert!(Plan::new(&calls, &[], None, 111).is_ok());
        let refused = Plan::new(&calls, &[], None, 112).err().expect("refused");
        assert_eq!((refused.status, refused.param.as_deref()), (400, Some("n")));
        assert!(
            refused.message.contains("MAX_RESPONSE_BYTES"),
            "{}",
            refused.message
        );
    }
}
