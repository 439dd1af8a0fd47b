//! Helpers shared by the fault test files: the chat URL, a streamed chat body and a stream's
//! `data:` payloads.

use super::{Got, chat_body};

pub(crate) fn chat_url(server: &oaimock::Server) -> String {
    format!("{}/v1/chat/completions", server.url())
}

pub(crate) fn stream_body() -> String {
    chat_body("x", r#""stream":true"#)
}

pub(crate) fn data(got: &Got) -> Vec<String> {
    got.events()
}
