//! `POST /v1/audio/speech`: silence in the asked format whose duration follows the words of
//! `input` and `speed` ([`SECONDS_PER_WORD`] at speed 1), written a word at a time as it is made
//! (chunked, paced as a stream's words are) or, with `stream_format: "sse"` (gpt-4o-mini-tts),
//! as base64 `speech.audio.delta` events and a `speech.audio.done` with usage.

use serde_json::{Map, Value, json};

use crate::api::fields::Fields;
use crate::api::{self, Request};
use crate::app::App;
use crate::audio::{self, Format};
use crate::conversation::{Content, Endpoint, Said, View};
use crate::error::{ApiError, Exit};
use crate::http::{Answer, Event};
use crate::script;
use crate::text;

/// How long a word takes at speed 1: 150 words a minute.
pub(crate) const SECONDS_PER_WORD: f64 = 0.4;
/// The longest speech answered, in seconds (ten minutes: 28.8 MB as WAV, the largest format).
pub(crate) const MAX_SPEECH_SECONDS: f64 = 600.0;
/// The longest `input` and `instructions`, in characters, as the API allows.
const MAX_CHARS: usize = 4096;
/// Audio bytes per `speech.audio.delta` event at least; larger files are cut in 100 events.
const DELTA_BYTES: usize = 12 * 1024;
/// Output tokens a second of speech counts as.
const AUDIO_TOKENS_PER_SECOND: f64 = 10.0;

const VOICES: [&str; 13] = [
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
    "marin", "cedar",
];

/// A validated speech request.
pub(super) struct SpeechRequest {
    model: String,
    input: String,
    instructions: String,
    format: Format,
    speed: f64,
    sse: bool,
}

impl Request for SpeechRequest {
    fn model(&self) -> &str {
        &self.model
    }

    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let f = Fields::new(obj, "");
        let model = f.required_string("model")?.to_string();
        let tts1 = model.starts_with("tts-1");
        let long = |name: &str, n: usize| {
            f.invalid_value(name, format!("string too long. Expected a string with maximum length {MAX_CHARS}, but got a string with length {n} instead."))
        };
        let input = f.required_string("input")?.to_string();
        let chars = input.chars().count();
        if chars > MAX_CHARS {
            return Err(long("input", chars));
        }
        // Instructions do not work with tts-1 and tts-1-hd: accepted and ignored.
        let instructions = f.string("instructions")?.unwrap_or("").to_string();
        let chars = instructions.chars().count();
        if chars > MAX_CHARS {
            return Err(long("instructions", chars));
        }
        match f.get("voice") {
            None => return Err(f.missing("voice")),
            Some(Value::String(v)) if VOICES.contains(&v.as_str()) => {}
            Some(Value::String(v)) => {
                return Err(f.invalid_value(
                    "voice",
                    format!(
                        "'{v}' is not a supported voice. Supported values are: {}.",
                        VOICES.join(", ")
                    ),
                ));
            }
            Some(Value::Object(voice)) => {
                Fields::new(voice, "voice.").required_string("id")?;
            }
            Some(other) => return Err(f.wrong_type("voice", "a string or an object", other)),
        }
        let format = match f.string("response_format")? {
            None => Format::Mp3,
            Some(name) => {
                match Format::ALL.iter().find(|(n, _)| *n == name) {
                    Some(&(_, format)) => format,
                    None => {
                        return Err(f.invalid_value("response_format", format!("'{name}' is not one of 'mp3', 'opus', 'aac', 'flac', 'wav' or 'pcm'.")));
                    }
                }
            }
        };
        let speed = f.number("speed", 0.25, 4.0)?.unwrap_or(1.0);
        let sse = match f.string("stream_format")? {
            None | Some("audio") => false,
            Some("sse") if tts1 => {
                return Err(f.invalid_value(
                    "stream_format",
                    format!("'sse' is not supported for the model '{model}'; use 'audio'."),
                ));
            }
            Some("sse") => true,
            Some(other) => {
                return Err(f.invalid_value(
                    "stream_format",
                    format!("'{other}' is not one of 'sse' or 'audio'."),
                ));
            }
        };
        Ok(SpeechRequest {
            model,
            input,
            instructions,
            format,
            speed,
            sse,
        })
    }
}

/// How long `input` takes to say at `speed`, in seconds (one word at least).
pub(crate) fn duration(input: &str, speed: f64) -> f64 {
    text::count_words(input).max(1) as f64 * SECONDS_PER_WORD / speed
}

pub(crate) fn speech(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, Exit> {
    let (obj, rq) = api::read::<SpeechRequest>(app, body)?;
    let seconds = duration(&rq.input, rq.speed);
    if seconds > MAX_SPEECH_SECONDS {
        return Err(ApiError::invalid(
            "input",
            "invalid_value",
            format!(
                "Invalid 'input': {} words at speed {} are {seconds:.0} seconds of speech, more than the limit of {MAX_SPEECH_SECONDS} seconds (MAX_SPEECH_SECONDS).",
                text::count_words(&rq.input),
                rq.speed
            ),
        ).into());
    }
    // What the answer will weigh, checked before any byte is made: base64 adds a third.
    let raw = rq.format.size_of(seconds);
    let cost = if rq.sse {
        raw.div_ceil(3) * 4 + raw / 64
    } else {
        raw
    };
    if cost > text::MAX_RESPONSE_BYTES {
        return Err(ApiError::invalid(
            "input",
            "invalid_value",
            format!(
                "Invalid 'input': {seconds:.0} seconds of speech would be about {cost} bytes, more than the response limit of {} bytes (MAX_RESPONSE_BYTES).",
                text::MAX_RESPONSE_BYTES
            ),
        ).into());
    }
    // A fixture rule may answer with an error, a delay or faults; the audio is always silence.
    let view = View::prompt(Endpoint::Speech, &rq.model, &rq.input, &obj, headers);
    let said = match script::scripted(&app.script(), &view) {
        Some(said) => said?,
        None => Said::plain(Content::Text(String::new())),
    };
    if !rq.sse {
        // Made a word at a time as it is written: one chunk per word's share of the file.
        let words = text::count_words(&rq.input).max(1) as usize;
        let pieces = audio::Encoder::new(rq.format, seconds).pieces(words);
        let chunks = Box::new(pieces.map(Ok));
        return Ok(api::said_relay(
            app,
            &said,
            rq.format.content_type(),
            chunks,
        ));
    }
    let bytes = audio::silence(rq.format, seconds);
    let size = DELTA_BYTES.max(bytes.len().div_ceil(100));
    let mut events: Vec<Event> = bytes
        .chunks(size)
        .map(|chunk| {
            let delta =
                json!({"type": "speech.audio.delta", "audio": crate::base64::encode(chunk)});
            Event::json(None, &delta, true)
        })
        .collect();
    let input_tokens = text::count_words(&rq.input) + text::count_words(&rq.instructions);
    let output_tokens = (seconds * AUDIO_TOKENS_PER_SECOND).ceil() as u64;
    let (input_tokens, output_tokens, total_tokens) =
        crate::conversation::UsageOverride::apply(said.usage, input_tokens, output_tokens);
    let done = json!({
        "type": "speech.audio.done",
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": total_tokens},
    });
    events.push(Event::json(None, &done, false));
    Ok(api::said_stream(app, &said, events))
}
