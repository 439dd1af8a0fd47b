//! The only code that names tiny_http. It owns the socket from `bind` to the last byte: the
//! listener, the elastic worker pool, reading a request's head and body, and writing the answer
//! ([`writer`]). Every workaround for a tiny_http 0.12 defect lives in [`quirks`], one file each,
//! numbered as in the architecture notes (`Q1`…`Q9`). Everything between the head and the answer
//! is [`crate::pipeline`], which knows nothing of tiny_http.

mod chunked;
mod pool;
mod quirks;
mod request;
mod writer;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::error::ApiError;
use crate::error::StartError;
use crate::http::Answer;
use crate::pipeline;

pub(crate) use crate::sync::lock;
pub(crate) use pool::POLL;

/// A running transport: the listener, its accept loops, and the workers answering requests.
pub(crate) struct Transport {
    app: Arc<App>,
    /// Kept so a new accept loop can be started on a clone after tiny_http's gives up (Q5).
    listener: TcpListener,
    /// A descriptor kept in reserve: out of descriptors, the stand-in for a dead accept loop
    /// closes it to accept a connection and answer it (Q5, `quirks/stand_in.rs`).
    spare: Mutex<Option<TcpListener>>,
    addr: SocketAddr,
    /// Every accept loop started so far; the last one is current. See [`Generation`].
    generations: Mutex<Vec<Arc<Generation>>>,
    stop: AtomicBool,
    /// Worker threads of all generations, bounded by `--max-connections` + spares.
    workers: AtomicUsize,
    busy: AtomicUsize,
    /// When the last request arrived, in milliseconds since `started` plus one (0: none yet).
    last_request_ms: AtomicU64,
    /// When an accept loop was last being replaced (Q5), in the same units (0: never). The
    /// janitor (Q1) stays quiet while this is recent.
    last_restart_ms: AtomicU64,
    /// When the OS last refused a worker thread, in the same units (0: never).
    refused_ms: AtomicU64,
    started: Instant,
}

/// One tiny_http accept loop and the workers that receive from it. tiny_http's accept loop ends
/// for good on its first accept error (Q5); then a new generation takes over new connections,
/// while the old one keeps a worker for the keep-alive connections it accepted before: their
/// requests still arrive in its queue.
struct Generation {
    http: tiny_http::Server,
    idle: AtomicUsize,
    workers: AtomicUsize,
    replaced: AtomicBool,
    /// Accept-thread panics counted when this generation started (Q5).
    panics_seen: usize,
    /// Connections of our own that occupy tiny_http's permanent pool threads (Q1).
    occupiers: Mutex<Vec<std::net::TcpStream>>,
    /// Someone is opening occupying connections for this loop (at its launch, or the janitor
    /// making up for ones that failed): nobody else does meanwhile.
    occupying: AtomicBool,
}

impl Generation {
    fn start(listener: &TcpListener) -> io::Result<Arc<Generation>> {
        let panics_seen = quirks::accept_loop::panics();
        let http = tiny_http::Server::from_listener(listener.try_clone()?, None)
            .map_err(io::Error::other)?;
        Ok(Arc::new(Generation {
            http,
            idle: AtomicUsize::new(0),
            workers: AtomicUsize::new(0),
            replaced: AtomicBool::new(false),
            panics_seen,
            occupiers: Mutex::new(Vec::new()),
            occupying: AtomicBool::new(false),
        }))
    }

    fn accept_thread_panicked(&self) -> bool {
        quirks::accept_loop::panics() != self.panics_seen
    }
}

impl Transport {
    /// Binds `host:port` and starts serving `app`; returns once the socket is listening.
    pub(crate) fn start(mut app: App) -> Result<Arc<Transport>, StartError> {
        quirks::accept_loop::watch_panics();
        quirks::accept_loop::quiet(app.config.quiet);
        crate::stderr::start();
        let listener = quirks::socket_options::bind(&app.config).map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        // `--port 0` picked a port: handlers that name this server (image URLs) use the real one.
        app.config.port = addr.port();
        let spare = Mutex::new(Some(listener.try_clone().map_err(StartError::Bind)?));
        let transport = Arc::new(Transport {
            app: Arc::new(app),
            listener,
            spare,
            addr,
            generations: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            workers: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            last_request_ms: AtomicU64::new(0),
            last_restart_ms: AtomicU64::new(0),
            refused_ms: AtomicU64::new(0),
            started: Instant::now(),
        });
        let generation = Generation::start(&transport.listener).map_err(StartError::Threads)?;
        if !transport.launch(&generation) {
            let error = io::Error::other("could not start worker threads");
            return Err(StartError::Threads(error));
        }
        quirks::burst_starvation::start_janitor(Arc::downgrade(&transport), addr)
            .map_err(StartError::Threads)?;
        Ok(transport)
    }

    pub(crate) fn app(&self) -> &App {
        &self.app
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.busy.load(Ordering::Acquire)
    }

    pub(crate) fn workers(&self) -> usize {
        self.workers.load(Ordering::Acquire)
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Stops accepting, lets workers finish what they are writing, and ends tiny_http's accept
    /// threads (Q6).
    pub(crate) fn shutdown(&self) {
        if self.stop.swap(true, Ordering::AcqRel) {
            return;
        }
        let generations = std::mem::take(&mut *lock(&self.generations));
        for generation in &generations {
            for _ in 0..generation.workers.load(Ordering::Acquire) {
                generation.http.unblock();
            }
        }
        let deadline = Instant::now() + POLL * 4;
        while self.workers.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        for generation in generations {
            lock(&generation.occupiers).clear();
            drop(generation);
            quirks::shutdown::wake_accept_thread(self.addr);
        }
    }

    /// Makes `generation` current: its first workers, then the connections that occupy its pool.
    fn launch(self: &Arc<Self>, generation: &Arc<Generation>) -> bool {
        lock(&self.generations).push(Arc::clone(generation));
        let started = (0..pool::MIN_WORKERS)
            .filter(|_| self.spawn_worker(generation))
            .count();
        quirks::burst_starvation::occupy_pool(generation, self.addr);
        started > 0
    }

    /// Milliseconds from start-up to `at`, plus one, so that 0 can mean "never".
    fn since_start(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_millis() as u64 + 1
    }

    fn is_current(&self, generation: &Generation) -> bool {
        lock(&self.generations)
            .last()
            .is_some_and(|g| std::ptr::eq(&**g, generation))
    }

    /// One request, from tiny_http's hands to the last byte written.
    /// `last`: the request came through a replaced accept loop, and its answer ends the connection.
    fn serve(&self, rq: tiny_http::Request, spare: &dyn Fn(), last: bool) {
        let started = Instant::now();
        let Some(rq) = quirks::burst_starvation::answer_occupier(rq) else {
            return;
        };
        let Some(rq) = quirks::closed_connections::unanswered(rq) else {
            return;
        };
        let head = request::head(&rq);
        let request_id = crate::ids::hex("req_", 32);
        self.last_request_ms
            .store(self.since_start(started), Ordering::Relaxed);
        let max = self.app.config.max_connections;
        let admitted = self.busy.fetch_add(1, Ordering::AcqRel) < max;
        let (mut delivery, exchange) = if admitted {
            self.answer(rq, &head, spare)
        } else {
            let answer = Answer::error(ApiError::overloaded(max));
            (Delivery::Write(rq, answer), pipeline::Exchange::default())
        };
        if let (true, Delivery::Write(_, answer)) = (last, &mut delivery) {
            answer.close = true;
        }
        let status = delivery.status();
        let entry = pipeline::journal(&self.app, &head, &exchange, status, delivery.source());
        let mut first_byte = None;
        let pause = |d: Duration| {
            spare();
            std::thread::sleep(d);
        };
        let written = match delivery {
            Delivery::Write(rq, answer) => {
                if answer.is_large() {
                    spare();
                }
                let peer = rq.remote_addr().copied();
                let raw = quirks::raw_writer::take(rq);
                let mut writer = writer::Deadline::new(raw, self.app.config.write_timeout);
                if quirks::closed_connections::after_close(&mut writer, peer) {
                    Ok(())
                } else {
                    if answer.close {
                        quirks::closed_connections::closing(peer);
                    }
                    writer::send(
                        &mut writer,
                        &head,
                        answer,
                        &request_id,
                        &pause,
                        &mut first_byte,
                    )
                }
            }
            Delivery::Refuse(rq, answer) => quirks::undrained_body::refuse(rq, answer, &request_id),
            Delivery::Close(rq, answer) => {
                quirks::undrained_body::close(rq, head.clone(), answer, request_id.clone())
            }
            Delivery::Park(rq) => quirks::oversized_body::park(rq),
            Delivery::TimedOut => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the body did not arrive in time",
            )),
        };
        self.busy.fetch_sub(1, Ordering::AcqRel);
        let done = pipeline::Done {
            started,
            first_byte,
            status,
            written: written.err(),
        };
        pipeline::finish(&self.app, &head, entry, done);
    }

    /// Admits the head, reads the body the route takes, and has the pipeline answer it.
    fn answer(
        &self,
        mut rq: tiny_http::Request,
        head: &crate::http::Head,
        spare: &dyn Fn(),
    ) -> (Delivery, pipeline::Exchange) {
        let none = pipeline::Exchange::default;
        let limit = self.app.config.max_body_bytes;
        let declared = rq.body_length().unwrap_or(0);
        if quirks::oversized_body::too_large_to_drop(declared) {
            return (Delivery::Park(rq), none());
        }
        if declared > limit {
            let answer = Answer::error(ApiError::body_too_large(limit));
            return (Delivery::Refuse(rq, answer), none());
        }
        let body = request::Body::of(head, declared);
        let admitted = match pipeline::admit(&self.app, head) {
            Ok(admitted) => admitted,
            Err(answer) if body.unread() && answer.close => {
                return (Delivery::Close(rq, *answer), none());
            }
            Err(answer) if body.unread() => return (Delivery::Refuse(rq, *answer), none()),
            Err(answer) => return (Delivery::Write(rq, *answer), none()),
        };
        if !admitted.route.has_body() {
            if body.unread() {
                let answer = quirks::undrained_body::unexpected(head);
                return (Delivery::Refuse(rq, answer), none());
            }
            return self.answer_read(rq, head, admitted, Vec::new(), body);
        }
        if body.waits() {
            spare();
        }
        let timeout = self.app.config.read_timeout;
        let read = match body.waits() {
            false => Some((request::read_body(&mut rq, limit, &body), rq)),
            true => request::read_body_within(rq, head, limit, body, timeout),
        };
        match read {
            None => (Delivery::TimedOut, admitted.exchange(Vec::new())),
            Some((Ok(bytes), rq)) => self.answer_read(rq, head, admitted, bytes, body),
            Some((Err(error), rq)) => {
                let answer = Answer::closing(error);
                (Delivery::Write(rq, answer), admitted.exchange(Vec::new()))
            }
        }
    }

    /// The pipeline's answer to a request whose body is read; an upgrade request's connection
    /// ends with it (tiny_http reads no further request on it).
    fn answer_read(
        &self,
        rq: tiny_http::Request,
        head: &crate::http::Head,
        admitted: pipeline::Admitted,
        bytes: Vec<u8>,
        body: request::Body,
    ) -> (Delivery, pipeline::Exchange) {
        let (mut answer, exchange) = pipeline::answer(&self.app, head, admitted, bytes);
        answer.close |= body.upgrade;
        (Delivery::Write(rq, answer), exchange)
    }
}

/// Writes an answer that ends its connection at once (no pauses), off the request's worker: the
/// peer is remembered as closed first (Q10), so nothing pipelined behind it is answered. Taking
/// the writer discards what is left of the body first (tiny_http does so).
pub(crate) fn write_closing(
    rq: tiny_http::Request,
    head: &crate::http::Head,
    mut answer: Answer,
    request_id: &str,
) -> io::Result<()> {
    answer.close = true;
    quirks::closed_connections::closing(rq.remote_addr().copied());
    let mut writer = quirks::raw_writer::take(rq);
    let no_pause = |_: Duration| {};
    writer::send(&mut *writer, head, answer, request_id, &no_pause, &mut None)
}

/// How an answer leaves: written by us, answered before an unread body that tiny_http then
/// drains (Q7), never (a body too large to drop, Q2), or not at all here: the body did not arrive
/// in time and its reader thread answers if it ever does.
enum Delivery {
    Write(tiny_http::Request, Answer),
    Refuse(tiny_http::Request, Answer),
    /// Like `Refuse`, for an answer that must end the connection (Q10).
    Close(tiny_http::Request, Answer),
    Park(tiny_http::Request),
    TimedOut,
}

impl Delivery {
    fn status(&self) -> u16 {
        match self {
            Delivery::Write(_, answer)
            | Delivery::Refuse(_, answer)
            | Delivery::Close(_, answer) => answer.status,
            Delivery::Park(_) => 413,
            Delivery::TimedOut => 408,
        }
    }

    fn source(&self) -> Option<&str> {
        match self {
            Delivery::Write(_, answer)
            | Delivery::Refuse(_, answer)
            | Delivery::Close(_, answer) => answer.source.as_deref(),
            Delivery::Park(_) | Delivery::TimedOut => None,
        }
    }
}
