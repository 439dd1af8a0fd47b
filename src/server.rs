//! The library handle: [`Server`] started from a [`Builder`] (test defaults) or a [`Config`] (the
//! binary's defaults), with fixture rules mounted and the journal read in-process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::config::Config;
pub use crate::error::StartError;
use crate::fixtures::LoadError;
use crate::journal::RecordedRequest;
use crate::rule::Rule;
use crate::transport::{POLL, Transport};

/// A running mock server. Dropping it (or [`Server::shutdown`]) stops it.
///
/// Process-wide state: the first server started in a process installs a panic hook that counts
/// panics of the HTTP library's accept thread (so a dead accept loop is replaced; it then calls
/// the hook that was there before), and a request that declares a body over 1 GiB is kept for the
/// life of the process rather than dropped (dropping it would allocate that size and abort).
/// Both are described in the architecture notes (quirks Q5 and Q2).
pub struct Server {
    transport: Arc<Transport>,
}

/// Settings for an in-process server, starting from test defaults: 127.0.0.1 on a free port, no
/// access log, no pause between streamed words. Everything else is as the binary's defaults.
#[derive(Debug, Clone)]
pub struct Builder {
    config: Config,
    rules: Vec<Rule>,
}

impl Builder {
    /// Changes any setting the command line has (see [`Config`]).
    pub fn config(mut self, change: impl FnOnce(&mut Config)) -> Builder {
        change(&mut self.config);
        self
    }

    /// Says this text instead of echoing the last message (`--reply`).
    pub fn reply(self, text: &str) -> Builder {
        self.config(|c| c.reply = Some(text.to_string()))
    }

    /// Pauses this long before each streamed word (`--token-delay-ms`).
    pub fn token_delay(self, delay: Duration) -> Builder {
        self.config(|c| c.token_delay = delay)
    }

    /// Requires `Authorization: Bearer KEY` (`--api-key`).
    pub fn api_key(self, key: &str) -> Builder {
        self.config(|c| c.api_key = Some(key.to_string()))
    }

    /// Loads a fixture file or directory at start (`--fixtures`).
    pub fn fixtures(self, path: impl Into<PathBuf>) -> Builder {
        let path = path.into();
        self.config(|c| c.fixtures = Some(path))
    }

    /// Mounts `rule` as soon as the server starts.
    pub fn rule(mut self, rule: Rule) -> Builder {
        self.rules.push(rule);
        self
    }

    /// Binds and starts serving; returns once the socket is listening.
    pub fn start(self) -> Result<Server, StartError> {
        let server = Server::start(self.config)?;
        for rule in self.rules {
            server.mount(rule).map_err(StartError::Fixtures)?;
        }
        Ok(server)
    }
}

impl Server {
    /// A [`Builder`] with test defaults.
    pub fn builder() -> Builder {
        Builder {
            config: Config::for_tests(),
            rules: Vec::new(),
        }
    }

    /// Binds and starts serving with exactly `config`; returns once the socket is listening.
    pub fn start(config: Config) -> Result<Server, StartError> {
        let app = App::new(config).map_err(StartError::Fixtures)?;
        let transport = Transport::start(app)?;
        Ok(Server { transport })
    }

    pub fn addr(&self) -> SocketAddr {
        self.transport.addr()
    }

    /// `http://HOST:PORT` with the real port: the base URL for a client (with or without `/v1`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Adds `rule` after the rules mounted before it; a problem with it is an error, and then
    /// nothing is mounted.
    pub fn mount(&self, rule: Rule) -> Result<(), LoadError> {
        let rules = serde_json::Value::Array(vec![rule.to_json()]);
        self.mount_json(&rules.to_string()).map(drop)
    }

    /// Adds the rules of a fixture file's text (`{"rules": [...]}` or a bare array), all or none;
    /// returns how many were added.
    pub fn mount_json(&self, text: &str) -> Result<usize, LoadError> {
        let rules = crate::fixtures::parse("mounted rules", text)?;
        Ok(self.transport.app().add_rules(rules).0)
    }

    /// Removes every mounted rule (and those added with `POST /_oaimock/fixtures`).
    pub fn clear_rules(&self) {
        self.transport.app().clear_rules();
    }

    /// The requests the journal holds, oldest first (the last `journal_size`, 1000 by default).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.transport.app().journal.list(None, None)
    }

    /// Starts sequences, rate-limit counters, random draws and the journal over.
    pub fn reset(&self) {
        self.transport.app().reset(None);
    }

    /// Requests being answered right now.
    pub fn in_flight(&self) -> usize {
        self.transport.in_flight()
    }

    /// Worker threads alive right now.
    pub fn workers(&self) -> usize {
        self.transport.workers()
    }

    /// Blocks the calling thread for as long as the server runs.
    pub fn wait(&self) {
        while !self.transport.stopped() {
            std::thread::sleep(POLL);
        }
    }

    /// Stops accepting, lets workers finish what they are writing, and ends the accept threads.
    pub fn shutdown(&self) {
        self.transport.shutdown();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}
