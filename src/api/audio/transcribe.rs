//! A transcription or translation request: the form's fields validated by each model's rules,
//! the uploaded file's duration, and the transcript decided (a fixture rule, `--reply`, or
//! [`DEFAULT_TRANSCRIPT`]), rendered by [`super::transcript`].

use crate::api::form::{self, FormFields};
use crate::api::{self};
use crate::app::App;
use crate::audio::{self, Kind};
use crate::conversation::{Content, Endpoint, View};
use crate::error::{ApiError, Exit};
use crate::http::Answer;
use crate::multipart::Form;
use crate::script;

use super::transcript::{self, Output, Timing};

/// What is heard in a file when no fixture rule and no `--reply` says otherwise.
pub(crate) const DEFAULT_TRANSCRIPT: &str =
    "Hello from oaimock. This is a transcript of your audio.";
/// The shortest audio the API transcribes, in seconds.
const MIN_SECONDS: f64 = 0.1;
/// File extensions the API accepts.
const EXTENSIONS: [&str; 10] = [
    "flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm",
];

/// How the answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ResponseFormat {
    Json,
    Text,
    Srt,
    VerboseJson,
    Vtt,
}

const FORMATS: [(&str, ResponseFormat); 5] = [
    ("json", ResponseFormat::Json),
    ("text", ResponseFormat::Text),
    ("srt", ResponseFormat::Srt),
    ("verbose_json", ResponseFormat::VerboseJson),
    ("vtt", ResponseFormat::Vtt),
];

/// A validated request.
pub(super) struct Transcription<'a> {
    pub model: &'a str,
    /// The gpt-4o transcription models (token usage, logprobs, streaming, `json` or `text`).
    pub gpt: bool,
    pub translate: bool,
    pub language: Option<&'a str>,
    pub prompt: &'a str,
    pub format: ResponseFormat,
    pub temperature: f64,
    pub words: bool,
    pub segments: bool,
    pub logprobs: bool,
    pub stream: bool,
    pub seconds: f64,
}

/// Whether `model` follows the gpt-4o transcription models' rules (`gpt-4o-transcribe`,
/// `gpt-4o-mini-transcribe`, their snapshots); every other model follows whisper-1's.
fn is_gpt(model: &str) -> bool {
    model.starts_with("gpt-") && model.contains("transcribe")
}

fn read<'a>(f: &FormFields<'_, 'a>, translate: bool) -> Result<Transcription<'a>, ApiError> {
    let file = f.required_file("file")?;
    let model = f.required_string("model")?;
    let gpt = is_gpt(model);
    if translate && gpt {
        return Err(f.invalid_value(
            "model",
            format!("the model '{model}' cannot translate; translations support whisper-1 only."),
        ));
    }
    let probed = audio::probe(file.data);
    let extension = file
        .filename
        .as_deref()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let known_extension = extension
        .as_deref()
        .is_some_and(|e| EXTENSIONS.contains(&e));
    if probed.kind == Kind::Unknown && !known_extension {
        return Err(f.invalid_value(
            "file",
            format!("Invalid file format. Supported formats: {EXTENSIONS:?}"),
        ));
    }
    if probed.seconds < MIN_SECONDS {
        return Err(ApiError::invalid(
            "file",
            "audio_too_short",
            format!(
                "Audio file is too short. Minimum audio length is {MIN_SECONDS} seconds (this file: {:.3} seconds).",
                probed.seconds
            ),
        ));
    }
    let language = match f.string("language")? {
        Some(code) if translate => Some(code),
        Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) => Some(code),
        Some(code) => {
            return Err(f.invalid_value(
                "language",
                format!("Invalid language '{code}'. Language parameter must be specified in ISO-639-1 format."),
            ));
        }
        None => None,
    };
    let format = match f.string("response_format")? {
        None => ResponseFormat::Json,
        Some(name) => match FORMATS.iter().find(|(n, _)| *n == name) {
            Some(&(_, format)) => format,
            None => {
                return Err(f.invalid_value(
                    "response_format",
                    format!(
                        "'{name}' is not one of 'json', 'text', 'srt', 'verbose_json' or 'vtt'."
                    ),
                ));
            }
        },
    };
    // The live API's rule and words (the spec says `json` only; the API takes `text` too).
    if gpt && !matches!(format, ResponseFormat::Json | ResponseFormat::Text) {
        let name = FORMATS
            .iter()
            .find(|(_, v)| *v == format)
            .map_or("", |(n, _)| n);
        return Err(ApiError::invalid(
            "response_format",
            "unsupported_value",
            format!(
                "response_format '{name}' is not compatible with model '{model}'. Use 'json' or 'text' instead."
            ),
        ));
    }
    let temperature = f.number("temperature", 0.0, 1.0)?.unwrap_or(0.0);
    let (mut words, mut segments) = (false, false);
    let granularities = if translate {
        Vec::new()
    } else {
        f.list("timestamp_granularities")?
    };
    for g in &granularities {
        match *g {
            "word" => words = true,
            "segment" => segments = true,
            other => {
                return Err(f.invalid_value(
                    "timestamp_granularities",
                    format!("'{other}' is not one of 'word' or 'segment'."),
                ));
            }
        }
    }
    if !granularities.is_empty() && format != ResponseFormat::VerboseJson {
        return Err(f.invalid_value(
            "timestamp_granularities",
            "timestamp_granularities requires response_format 'verbose_json'.",
        ));
    }
    if granularities.is_empty() {
        segments = true;
    }
    let mut logprobs = false;
    for item in if translate {
        Vec::new()
    } else {
        f.list("include")?
    } {
        if item != "logprobs" {
            return Err(f.invalid_value("include", format!("'{item}' is not one of 'logprobs'.")));
        }
        if !gpt {
            return Err(f.invalid_value(
                "include",
                format!("logprobs are not supported with the model '{model}'; use gpt-4o-transcribe or gpt-4o-mini-transcribe."),
            ));
        }
        logprobs = true;
    }
    // whisper-1 ignores `stream`, as the API does.
    let stream = f.boolean("stream")?.unwrap_or(false) && gpt && !translate;
    Ok(Transcription {
        model,
        gpt,
        translate,
        language,
        prompt: f.string("prompt")?.unwrap_or(""),
        format,
        temperature,
        words,
        segments,
        logprobs,
        stream,
        seconds: probed.seconds,
    })
}

/// Answers a transcription (`translate`: a translation) of the uploaded file.
pub(crate) fn transcribe(
    app: &App,
    form: &Form,
    translate: bool,
    headers: &[(String, String)],
) -> Result<Answer, Exit> {
    let f = FormFields::new(form);
    let rq = read(&f, translate)?;
    app.check_model(rq.model)?;
    let body = form::to_json(form);
    let endpoint = if translate {
        Endpoint::Translations
    } else {
        Endpoint::Transcriptions
    };
    let view = View::prompt(endpoint, rq.model, rq.prompt, &body, headers);
    let said = match script::scripted(&app.script(), &view) {
        Some(said) => said?,
        None => {
            let text = app.config.reply.as_deref().unwrap_or(DEFAULT_TRANSCRIPT);
            crate::conversation::Said::plain(Content::Text(text.to_string()))
        }
    };
    let text = script::as_text(&said.content);
    let timing = Timing::new(&text, rq.seconds);
    Ok(match transcript::render(&rq, &text, &timing, said.usage) {
        Output::Json(value) => api::said_json(&said, &value),
        Output::Data(content_type, bytes) => api::said_data(&said, content_type, bytes),
        Output::Events(events) => api::said_stream(app, &said, events),
    })
}
