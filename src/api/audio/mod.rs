//! `POST /v1/audio/transcriptions` and `/translations` (multipart forms): a deterministic
//! transcript as JSON, text, SRT, WebVTT or verbose JSON, or streamed for the gpt-4o models.

mod transcribe;
mod transcript;

pub(crate) use transcribe::transcribe;
