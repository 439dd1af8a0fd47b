//! oaimock: a tiny, synchronous mock of the OpenAI HTTP API. The official SDKs talk to it as they
//! would to the real API; instead of a model it answers with an echo of the last message, a fixed
//! reply, scripted rules, or injected faults — as one JSON body or streamed word by word over SSE.
//!
//! As a library it starts in-process on a free port, so a Rust test can point its client at it,
//! script the answers and then check what the client sent:
//!
//! ```
//! use oaimock::{Rule, Server};
//! use serde_json::{Value, json};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // 127.0.0.1, a free port, no access log, no pause between streamed words.
//! let server = Server::builder().start()?;
//! server.mount(Rule::new().user("*weather*").reply_text("Sunny, 21 °C"))?;
//!
//! // The code under test would use server.url() as its base URL; here ureq stands in for it.
//! let url = format!("{}/v1/chat/completions", server.url());
//! let question = json!({"model": "gpt-4o-mini",
//!                       "messages": [{"role": "user", "content": "What's the weather?"}]});
//! let answer: Value = ureq::post(&url).send_json(&question)?.body_mut().read_json()?;
//! assert_eq!(answer["choices"][0]["message"]["content"], "Sunny, 21 °C");
//!
//! let seen = server.requests();
//! assert_eq!(seen.len(), 1);
//! assert_eq!(seen[0].path, "/v1/chat/completions");
//! assert_eq!(seen[0].body["messages"][0]["content"], "What's the weather?");
//! assert_eq!(seen[0].answered_by, "rule 0");
//! # Ok(())
//! # }
//! ```
//!
//! The public surface: [`Server`] and its [`Builder`], [`Rule`] (fixture rules in Rust; fixture
//! JSON goes through [`Server::mount_json`]), [`RecordedRequest`] (the journal), [`Config`] (every
//! command-line setting) and the errors [`StartError`] and [`LoadError`]. How the code is laid out
//! and why is in [`architecture`].
#![forbid(unsafe_code)]

mod api;
mod app;
mod audio;
mod base64;
#[doc(hidden)]
pub mod cli;
mod config;
mod conversation;
mod drift;
mod error;
mod faults;
mod fixtures;
mod http;
mod ids;
mod imaging;
mod journal;
mod md5;
mod multipart;
mod pipeline;
mod recorded;
mod rule;
mod schema;
mod script;
mod server;
mod stderr;
mod store;
mod sync;
mod text;
mod transport;
mod upstream;

pub use config::Config;
pub use fixtures::LoadError;
pub use journal::RecordedRequest;
pub use rule::Rule;
pub use server::{Builder, Server, StartError};

#[doc = include_str!("architecture.md")]
pub mod architecture {}
