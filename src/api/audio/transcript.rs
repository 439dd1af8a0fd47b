//! A transcript as the API writes it: `json` (with `usage`, and `logprobs` when asked), `text`,
//! `srt`, `vtt`, `verbose_json` (segments and words), or `transcript.text.delta` / `.done`
//! events. Times are spread over the file's duration: each word gets an equal share, a segment
//! (a sentence) runs from its first word's start to its last word's end.

use serde::Serialize;
use serde_json::{Value, json};

use crate::conversation::UsageOverride;
use crate::http::Event;
use crate::text;

use super::transcribe::{ResponseFormat, Transcription};

/// Audio tokens a second of input counts as for the gpt-4o models' token usage.
const AUDIO_TOKENS_PER_SECOND: f64 = 10.0;
/// The log probability every token is given.
const LOGPROB: f64 = -0.0001;

/// What the handler turns into an answer.
pub(super) enum Output {
    Json(Value),
    Data(&'static str, Vec<u8>),
    Events(Vec<Event>),
}

/// Where each word and each sentence is in the audio.
pub(super) struct Timing<'t> {
    /// Each word (its whitespace-separated text) with its start and end in seconds.
    pub words: Vec<(&'t str, f64, f64)>,
    /// Each segment: its text and its first and last word.
    pub segments: Vec<(&'t str, usize, usize)>,
}

impl<'t> Timing<'t> {
    pub(super) fn new(text: &'t str, seconds: f64) -> Timing<'t> {
        let list: Vec<&str> = text.split_whitespace().collect();
        let share = seconds / list.len().max(1) as f64;
        let words: Vec<(&str, f64, f64)> = list
            .iter()
            .enumerate()
            .map(|(i, w)| (*w, i as f64 * share, (i + 1) as f64 * share))
            .collect();
        let mut segments = Vec::new();
        let mut first = 0;
        let mut start_byte = 0;
        let mut offset = 0;
        for (i, w) in list.iter().enumerate() {
            let at = offset + text[offset..].find(w).unwrap_or(0);
            offset = at + w.len();
            if i == first {
                start_byte = at;
            }
            if w.ends_with(['.', '!', '?']) || i + 1 == list.len() {
                segments.push((&text[start_byte..offset], first, i));
                first = i + 1;
            }
        }
        Timing { words, segments }
    }

    fn segment_times(&self, first: usize, last: usize) -> (f64, f64) {
        (self.words[first].1, self.words[last].2)
    }
}

/// `seconds` as `HH:MM:SS` and milliseconds after `separator` (`,` in SRT, `.` in WebVTT).
fn clock(seconds: f64, separator: char) -> String {
    let ms = (seconds * 1000.0).round() as u64;
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{ms:03}")
}

/// Subtitles: SRT cues numbered from 1, or WebVTT after its header. A transcript without words
/// has no cue.
fn subtitles(timing: &Timing, vtt: bool) -> String {
    let mut out = String::from(if vtt { "WEBVTT\n\n" } else { "" });
    let separator = if vtt { '.' } else { ',' };
    for (n, (segment, first, last)) in timing.segments.iter().enumerate() {
        let (start, end) = timing.segment_times(*first, *last);
        if !vtt {
            out.push_str(&format!("{}\n", n + 1));
        }
        let (start, end) = (clock(start, separator), clock(end, separator));
        out.push_str(&format!("{start} --> {end}\n{segment}\n\n"));
    }
    out
}

#[derive(Serialize)]
struct Logprob<'a> {
    token: &'a str,
    logprob: f64,
    bytes: &'a [u8],
}

/// The tokens of the text (words with the space before them), as deltas and logprobs use them.
fn tokens(text: &str) -> Vec<&str> {
    let mut start = 0;
    text::token_ends(text)
        .into_iter()
        .map(|end| {
            let token = &text[start..end];
            start = end;
            token
        })
        .collect()
}

fn logprobs<'a>(tokens: &[&'a str]) -> Vec<Logprob<'a>> {
    tokens
        .iter()
        .map(|t| Logprob {
            token: t,
            logprob: LOGPROB,
            bytes: t.as_bytes(),
        })
        .collect()
}

/// `usage` as the model bills: tokens for the gpt-4o models, whole seconds for whisper-1.
fn usage(rq: &Transcription, text: &str, usage: Option<UsageOverride>) -> Value {
    if !rq.gpt {
        return json!({"type": "duration", "seconds": rq.seconds.ceil()});
    }
    let audio = (rq.seconds * AUDIO_TOKENS_PER_SECOND).ceil() as u64;
    let prompt = text::count_words(rq.prompt);
    let (input, output, total) =
        UsageOverride::apply(usage, audio + prompt, text::count_words(text));
    json!({
        "type": "tokens",
        "input_tokens": input,
        "input_token_details": {"text_tokens": prompt, "audio_tokens": audio},
        "output_tokens": output,
        "total_tokens": total,
    })
}

/// The language verbose JSON names: the request's (as a name when it is a common code), or
/// English (always, for a translation).
fn language(rq: &Transcription) -> String {
    const NAMES: [(&str, &str); 12] = [
        ("en", "english"),
        ("de", "german"),
        ("fr", "french"),
        ("es", "spanish"),
        ("it", "italian"),
        ("pt", "portuguese"),
        ("nl", "dutch"),
        ("ja", "japanese"),
        ("zh", "chinese"),
        ("ko", "korean"),
        ("ru", "russian"),
        ("pl", "polish"),
    ];
    match rq.language {
        Some(code) if !rq.translate => NAMES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code.to_string(), |(_, name)| name.to_string()),
        _ => "english".to_string(),
    }
}

fn verbose(rq: &Transcription, text: &str, timing: &Timing) -> Value {
    let mut out = json!({
        "task": if rq.translate { "translate" } else { "transcribe" },
        "language": language(rq),
        "duration": rq.seconds,
        "text": text,
    });
    if rq.segments {
        let segments: Vec<Value> = timing
            .segments
            .iter()
            .enumerate()
            .map(|(id, (segment, first, last))| {
                let (start, end) = timing.segment_times(*first, *last);
                let tokens: Vec<u64> = (*first..=*last).map(|i| 1000 + i as u64).collect();
                json!({
                    "id": id, "seek": 0, "start": start, "end": end,
                    "text": format!(" {segment}"), "tokens": tokens,
                    "temperature": rq.temperature, "avg_logprob": LOGPROB,
                    "compression_ratio": 1.0, "no_speech_prob": 0.0,
                })
            })
            .collect();
        out["segments"] = Value::Array(segments);
    }
    if rq.words {
        let words: Vec<Value> = timing
            .words
            .iter()
            .map(|(word, start, end)| json!({"word": word, "start": start, "end": end}))
            .collect();
        out["words"] = Value::Array(words);
    }
    if !rq.translate {
        out["usage"] = json!({"type": "duration", "seconds": rq.seconds.ceil()});
    }
    out
}

/// The whole answer for `rq` saying `text`.
pub(super) fn render(
    rq: &Transcription,
    text: &str,
    timing: &Timing,
    usage_override: Option<UsageOverride>,
) -> Output {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if rq.stream {
        let pieces = tokens(text);
        let mut events: Vec<Event> = pieces
            .iter()
            .map(|piece| {
                let mut delta = json!({"type": "transcript.text.delta", "delta": piece});
                if rq.logprobs {
                    delta["logprobs"] = json!(logprobs(&[piece]));
                }
                Event::json(None, &delta, true)
            })
            .collect();
        let mut done = json!({"type": "transcript.text.done", "text": text});
        if rq.logprobs {
            done["logprobs"] = json!(logprobs(&pieces));
        }
        done["usage"] = usage(rq, text, usage_override);
        events.push(Event::json(None, &done, false));
        return Output::Events(events);
    }
    match rq.format {
        ResponseFormat::Json => {
            let mut out = json!({"text": text});
            if rq.logprobs {
                out["logprobs"] = json!(logprobs(&tokens(text)));
            }
            if !rq.translate {
                out["usage"] = usage(rq, text, usage_override);
            }
            Output::Json(out)
        }
        ResponseFormat::Text => Output::Data(PLAIN, format!("{text}\n").into_bytes()),
        ResponseFormat::Srt => Output::Data(PLAIN, subtitles(timing, false).into_bytes()),
        ResponseFormat::Vtt => Output::Data(
            "text/vtt; charset=utf-8",
            subtitles(timing, true).into_bytes(),
        ),
        ResponseFormat::VerboseJson => Output::Json(verbose(rq, text, timing)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_share_the_duration_and_sentences_make_segments() {
        let timing = Timing::new("Hello there.  How are you? Fine", 6.0);
        assert_eq!(timing.words.len(), 6);
        assert_eq!(timing.words[1], ("there.", 1.0, 2.0));
        let texts: Vec<&str> = timing.segments.iter().map(|s| s.0).collect();
        assert_eq!(texts, ["Hello there.", "How are you?", "Fine"]);
        let srt = subtitles(&timing, false);
        assert!(srt.starts_with("1\n00:00:00,000 --> 00:00:02,000\nHello there.\n\n2\n00:00:02,000 --> 00:00:05,000\n"), "{srt}");
        let vtt = subtitles(&timing, true);
        assert!(
            vtt.starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello there.\n\n"),
            "{vtt}"
        );
        assert_eq!(clock(3723.4567, ','), "01:02:03,457");
        assert!(Timing::new("", 1.0).segments.is_empty());
    }
}
