//! The library handle: a running server, started from a [`Config`].

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::app::App;
use crate::config::Config;
use crate::transport::{POLL, Transport};

/// A running server. Dropping it (or `shutdown`) stops it.
pub struct Server {
    transport: Arc<Transport>,
}

impl Server {
    /// Binds and starts serving; returns once the socket is listening.
    pub fn start(config: Config) -> io::Result<Server> {
        let app = App::new(config).map_err(io::Error::other)?;
        let transport = Transport::start(app)?;
        Ok(Server { transport })
    }

    pub fn addr(&self) -> SocketAddr {
        self.transport.addr()
    }

    /// `http://HOST:PORT` with the real port.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
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
