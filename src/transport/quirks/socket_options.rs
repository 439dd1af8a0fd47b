//! Q9 — socket options only the listener can carry.
//!
//! Defect: tiny_http never sets `TCP_NODELAY` or a write timeout on the sockets it accepts
//! (`Server::from_listener`, `src/lib.rs:242`, and its accept loop at 293); on Linux an
//! accepted socket inherits them from the listener, so they are set there. A *read* timeout must
//! never be set on the listener: `accept()` then fails with `EAGAIN` and the accept loop ends (Q5).
//! Proof: `tests/streaming.rs` `events_are_flushed_one_by_one_as_the_words_are_produced`
//! (`TCP_NODELAY`) and `tests/hardening_sockets.rs`
//! `a_client_that_stops_reading_is_dropped_after_the_write_timeout` (the write timeout).
//! Delete when tiny_http sets per-connection options itself.

use std::io;
use std::net::{TcpListener, ToSocketAddrs};

use socket2::{Domain, Protocol, Socket, Type};

use crate::config::Config;

/// The listen backlog: a burst of thousands of connections must not overflow the SYN queue.
const BACKLOG: i32 = 4096;
/// The send buffer of every accepted socket (the kernel doubles it for its own bookkeeping).
const SEND_BUFFER: usize = 256 * 1024;

/// Binds `host:port` with TCP_NODELAY (each SSE event leaves at once), a write timeout (a client
/// that stops reading ends its worker) and a deep backlog.
pub(crate) fn bind(config: &Config) -> io::Result<TcpListener> {
    let addr = (config.host.as_str(), config.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot resolve '{}'", config.host),
            )
        })?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.set_write_timeout(Some(config.write_timeout))?;
    // A fixed send buffer: the kernel would otherwise keep growing it for a client that reads a
    // little at a time, and each growth restarts the write timeout.
    socket.set_send_buffer_size(SEND_BUFFER)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}
