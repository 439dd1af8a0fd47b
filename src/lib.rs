//! oaimock: a tiny, synchronous mock of the OpenAI HTTP API.
//!
//! A tour, in the order a request meets the code:
//! - [`server`] binds the socket, runs tiny_http's accept loop and the worker threads, and owns
//!   the request lifecycle (admission, body limit, panics → 500, access log).
//! - [`api`] routes method + path (with or without `/v1`) to one module per endpoint family;
//!   [`api::fields`] validates request fields into OpenAI-style 400s.
//! - [`script`] decides what the "model" says to a request, over one view of it shared by every
//!   endpoint: a [`fixtures`] rule's reply, a tool call, structured output ([`schema`]), or the echo.
//! - [`reply`] holds the echo and `--reply` text, word tokens, `stop` and `max_tokens` cuts.
//! - [`http`] is the only code that writes to the socket: whole JSON responses, or SSE events
//!   flushed one by one with a sleep before each word.
//! - [`error`] is the one error type, rendered as OpenAI's error envelope.
//! - [`json`] writes every JSON body and event: serde_json's exact bytes, with less work.
//!
//! Start a server in-process on a free port:
//! ```no_run
//! let mut config = oaimock::Config::default();
//! config.port = 0;
//! let server = oaimock::Server::start(config).unwrap();
//! println!("{}", server.url());
//! ```
#![forbid(unsafe_code)]

mod api;
mod app;
#[doc(hidden)]
pub mod cli;
mod config;
mod error;
mod faults;
mod fixtures;
mod http;
mod ids;
mod journal;
mod pipeline;
mod schema;
mod script;
mod server;
mod sync;
mod text;
mod transport;

pub use config::Config;
pub use server::Server;
