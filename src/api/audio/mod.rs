//! `POST /v1/audio/speech` (JSON in, audio out) and `POST /v1/audio/transcriptions` and
//! `/translations` (multipart forms): silence of the right length in the asked format, and a
//! deterministic transcript as JSON, text, SRT, WebVTT or verbose JSON, or streamed for the
//! gpt-4o models.

mod speech;
mod transcribe;
mod transcript;

pub(crate) use speech::speech;
pub(crate) use transcribe::transcribe;
