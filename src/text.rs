//! What the "model" says, decided before anything is written: the reply text, its word tokens, and
//! where `stop` and the token limit cut it.
//!
//! Tokens are words, as in the FastAPI article oaimock grew from (Saar Berkovich, "How to build an
//! OpenAI-compatible API"). Each token carries the whitespace in front of it (the
//! way OpenAI's tokens do: `"Hello"`, `" there!"`), so the streamed deltas joined equal the
//! non-streamed content byte for byte.

/// The echo sentence of that article; the last message's text follows it.
pub(crate) const ECHO_PREFIX: &str = "As a mock AI Assistant, I can only echo your last message: ";

/// The default reply: the echo sentence followed by `last`.
pub(crate) fn echo(last: &str) -> String {
    let mut text = String::with_capacity(ECHO_PREFIX.len() + last.len());
    text.push_str(ECHO_PREFIX);
    text.push_str(last);
    text
}

/// The most tokens one choice says, whatever `max_tokens` asks — as a model's output limit, and so
/// that echoing a huge message into 128 choices cannot exhaust memory. Past it: `finish_reason: "length"`.
pub(crate) const MAX_OUTPUT_TOKENS: u64 = 16_384;

/// What all the choices of one response may say together, in tokens and in bytes: n = 128 echoes
/// of an 8 MB message would otherwise take a gigabyte. Each choice gets an equal share.
pub(crate) const MAX_RESPONSE_TOKENS: u64 = 262_144;
pub(crate) const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// The largest char boundary of `s` at or below `i`.
pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Words in `text`: what `usage` counts as tokens on the prompt side.
pub(crate) fn count_words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// Byte offsets where each token of `text` ends. A token is a word with the whitespace before it;
/// leading whitespace joins the first word and trailing whitespace the last one.
pub(crate) fn token_ends(text: &str) -> Vec<usize> {
    // A token is a word and the space before it: about five bytes in English, four for short
    // words ("Say this is a test"). Reserving a slot per four bytes saves the regrowth.
    let mut ends = Vec::with_capacity(text.len() / 4 + 1);
    let mut seen_word = false;
    let mut gap_start = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII is decided from the byte; anything else is decoded as a char.
        let (whitespace, width) = if bytes[i].is_ascii() {
            (bytes[i].is_ascii_whitespace() || bytes[i] == 0x0b, 1)
        } else {
            let c = text[i..].chars().next().expect("i is a char boundary");
            (c.is_whitespace(), c.len_utf8())
        };
        let at = i;
        i += width;
        if whitespace {
            if seen_word && gap_start.is_none() {
                gap_start = Some(at);
            }
        } else {
            if let Some(start) = gap_start.take() {
                ends.push(start);
            }
            seen_word = true;
        }
    }
    if !text.is_empty() {
        ends.push(text.len());
    }
    ends
}

/// Why a choice ended, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    Stop,
    Length,
}

impl Finish {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Finish::Stop => "stop",
            Finish::Length => "length",
        }
    }
}

/// One choice's text after `stop` and the token limit, with its token boundaries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text {
    pub text: String,
    ends: Vec<usize>,
    pub finish: Finish,
}

impl Text {
    /// Cuts `full` before the first match of any `stop` string, then after `max_tokens` tokens.
    pub(crate) fn plan(full: &str, stop: &[String], max_tokens: Option<u64>) -> Text {
        Text::plan_shared(full, stop, max_tokens, 1)
    }

    /// Like `plan`, for one of `choices` choices of a response: each gets an equal share of
    /// `MAX_RESPONSE_TOKENS` and `MAX_RESPONSE_BYTES`, cut with `finish_reason: "length"`.
    pub(crate) fn plan_shared(
        full: &str,
        stop: &[String],
        max_tokens: Option<u64>,
        choices: u64,
    ) -> Text {
        let choices = choices.max(1);
        let token_share = MAX_RESPONSE_TOKENS / choices;
        let max_tokens = Some(max_tokens.map_or(token_share, |m| m.min(token_share)));
        let byte_share = MAX_RESPONSE_BYTES / choices as usize;
        let mut full = full;
        let mut cut_for_size = false;
        if full.len() > byte_share {
            full = &full[..floor_char_boundary(full, byte_share)];
            cut_for_size = true;
        }
        let mut text = Text::cut(full, stop, max_tokens);
        if cut_for_size && full.len() == text.text.len() {
            text.finish = Finish::Length;
        }
        text
    }

    fn cut(full: &str, stop: &[String], max_tokens: Option<u64>) -> Text {
        let cut = stop
            .iter()
            .filter(|s| !s.is_empty())
            .filter_map(|s| full.find(s.as_str()))
            .min()
            .unwrap_or(full.len());
        let mut text = full[..cut].to_string();
        let mut ends = token_ends(&text);
        let mut finish = Finish::Stop;
        let max = max_tokens.map_or(MAX_OUTPUT_TOKENS, |m| m.min(MAX_OUTPUT_TOKENS)) as usize;
        if ends.len() > max {
            ends.truncate(max);
            text.truncate(ends.last().copied().unwrap_or(0));
            finish = Finish::Length;
        }
        Text { text, ends, finish }
    }

    /// The tokens in order; joined they are exactly `self.text`.
    pub(crate) fn tokens(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(a, b)| &self.text[a..b])
    }

    /// Keeps the first `count` tokens; cutting any is a cut for length (a budget ran out).
    pub(crate) fn keep(&mut self, count: usize) {
        if count < self.ends.len() {
            self.ends.truncate(count);
            self.text.truncate(self.ends.last().copied().unwrap_or(0));
            self.finish = Finish::Length;
        }
    }

    /// How many tokens `usage` reports for this text.
    pub(crate) fn count(&self) -> u64 {
        self.ends.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        Text::plan(text, &[], None)
            .tokens()
            .map(String::from)
            .collect()
    }

    #[test]
    fn tokens_keep_every_byte_of_whitespace() {
        assert_eq!(tokens("Hello  big world "), ["Hello", "  big", " world "]);
        assert_eq!(tokens("  lead\ttab\nline"), ["  lead", "\ttab", "\nline"]);
        assert_eq!(tokens(""), Vec::<String>::new());
        assert_eq!(tokens("   "), ["   "]);
        assert_eq!(tokens("héllo wörld"), ["héllo", " wörld"]);
    }

    #[test]
    fn whitespace_is_unicode_whitespace_whatever_the_width() {
        let text = "a\u{b}b\u{a0}c\u{3000}d\u{1c}e\u{85}f é\tg";
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(token_ends(text).len(), words.len());
        let joined: String = tokens(text).concat();
        assert_eq!(joined, text);
    }

    #[test]
    fn stop_cuts_before_the_first_match_and_length_after_max_tokens() {
        let t = Text::plan("one two three four", &["three".into(), "two".into()], None);
        assert_eq!(
            (t.text.as_str(), t.finish, t.count()),
            ("one ", Finish::Stop, 1)
        );
        let t = Text::plan("one two three four", &[], Some(2));
        assert_eq!(
            (t.text.as_str(), t.finish, t.count()),
            ("one two", Finish::Length, 2)
        );
        let t = Text::plan("one two three four", &["four".into()], Some(2));
        assert_eq!(t.finish, Finish::Length);
        let t = Text::plan("one two", &[], Some(2));
        assert_eq!((t.text.as_str(), t.finish), ("one two", Finish::Stop));
    }

    #[test]
    fn keep_cuts_at_a_token_for_length() {
        let mut t = Text::plan("one two three", &[], None);
        t.keep(3);
        assert_eq!((t.text.as_str(), t.finish), ("one two three", Finish::Stop));
        t.keep(2);
        assert_eq!(
            (t.text.as_str(), t.finish, t.count()),
            ("one two", Finish::Length, 2)
        );
        t.keep(0);
        assert_eq!((t.text.as_str(), t.count()), ("", 0));
    }

    #[test]
    fn no_choice_says_more_than_the_output_limit() {
        let long = "w ".repeat(20_000);
        let t = Text::plan(&long, &[], None);
        assert_eq!((t.count(), t.finish), (MAX_OUTPUT_TOKENS, Finish::Length));
        assert_eq!(
            Text::plan(&long, &[], Some(u64::MAX)).count(),
            MAX_OUTPUT_TOKENS
        );
    }

    #[test]
    fn choices_share_the_response_budget() {
        let t = Text::plan_shared(&"w ".repeat(5000), &[], None, 128);
        assert_eq!(
            (t.count(), t.finish),
            (MAX_RESPONSE_TOKENS / 128, Finish::Length)
        );
        let huge = "é".repeat(MAX_RESPONSE_BYTES);
        let t = Text::plan_shared(&huge, &[], None, 128);
        assert!(t.text.len() <= MAX_RESPONSE_BYTES / 128);
        assert_eq!(t.finish, Finish::Length);
        assert_eq!(
            Text::plan_shared("a b", &[], None, 128).finish,
            Finish::Stop
        );
    }

    #[test]
    fn echo_prefixes_the_last_message() {
        assert_eq!(
            echo("hi"),
            "As a mock AI Assistant, I can only echo your last message: hi"
        );
        assert_eq!(count_words(" a  b\nc "), 3);
    }
}
