//! The server: our own listening socket handed to tiny_http, and an elastic set of worker threads
//! that each loop on tiny_http's `recv()`, answer the request they get, and start one more worker
//! whenever they take the last idle one — so workers are reused, yet hundreds of streams run at
//! once, up to `--max-connections`; beyond that a spare worker answers 503 at once.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, Weak};
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use crate::api::{self, App};
use crate::config::Config;
use crate::error::ApiError;
use crate::faults::RequestFaults;
use crate::http::{self, BodyError, Reply, RequestInfo};
use crate::journal::Record;

/// Workers that stay alive when idle; they also guarantee someone is free to answer 503.
const MIN_WORKERS: usize = 4;
/// An idle worker beyond `MIN_WORKERS` exits after this long without a request.
const IDLE_EXIT: Duration = Duration::from_secs(5);
/// How often an idle worker wakes to notice shutdown or a restarted accept loop.
const POLL: Duration = Duration::from_millis(500);
/// Worker stack. serde_json stops at 128 levels of nesting, but a debug build spends several KiB
/// of stack per level: 256 KiB overflowed (and a stack overflow aborts the process). Only the
/// pages a thread touches count towards RSS, so the size costs address space, not memory.
const WORKER_STACK: usize = 2 * 1024 * 1024;
/// A declared body over the limit but under this is drained by tiny_http after the 413; above it,
/// dropping the request would make tiny_http allocate the declared size and abort (see README).
const DRAIN_LIMIT: usize = 1 << 30;
/// tiny_http's connection pool keeps this many threads alive forever (its `MIN_THREADS`).
const POOL_PERMANENT_THREADS: usize = 4;
/// The most request headers, and header bytes, answered normally; beyond either, 431. tiny_http
/// has already read them into memory by then (it sets no limit), but the client learns why.
const MAX_HEADERS: usize = 200;
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The listen backlog: a burst of thousands of connections must not overflow the SYN queue.
const BACKLOG: i32 = 4096;

/// A running server. Dropping it (or `shutdown`) stops it.
pub struct Server {
    inner: Arc<Inner>,
    addr: SocketAddr,
}

struct Inner {
    app: App,
    /// Kept so a new accept loop can be started on a clone after tiny_http's gives up.
    listener: TcpListener,
    /// Every accept loop started so far; the last one is current. See `Generation`.
    generations: Mutex<Vec<Arc<Generation>>>,
    stop: AtomicBool,
    /// Worker threads of all generations, bounded by `--max-connections` + spares.
    workers: AtomicUsize,
    busy: AtomicUsize,
    /// When the last request arrived, in milliseconds since `started` plus one (0: none yet).
    last_request_ms: AtomicU64,
    started: Instant,
}

/// One tiny_http accept loop and the workers that receive from it. tiny_http's accept loop ends
/// for good on its first accept error (running out of file descriptors, say), or dies with a
/// panic when it cannot clone a socket. Then a new generation takes over new connections, while
/// the old one keeps a worker for the keep-alive connections it accepted before: their requests
/// still arrive in its queue.
struct Generation {
    http: tiny_http::Server,
    idle: AtomicUsize,
    workers: AtomicUsize,
    replaced: AtomicBool,
    /// `ACCEPT_PANICS` when this generation started: a later value means an accept thread died.
    panics_seen: usize,
    /// Idle connections of our own that keep tiny_http's permanent pool threads busy; see `occupy_pool`.
    occupiers: Mutex<Vec<TcpStream>>,
}

/// Requests that declared a body too large to drain (see `DRAIN_LIMIT`). A static, because a
/// static is never dropped: dropping one of these is exactly what aborts the process.
static PARKED: Mutex<Vec<tiny_http::Request>> = Mutex::new(Vec::new());

/// Panics raised where tiny_http's accept thread clones a new socket (`try_clone().unwrap()`
/// when out of descriptors). Such a panic ends the accept loop without a word to `recv()`.
static ACCEPT_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts accept-thread panics, then lets the previous hook report the panic as usual.
fn watch_accept_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().ends_with("refined_tcp_stream.rs"))
            {
                ACCEPT_PANICS.fetch_add(1, Ordering::AcqRel);
            }
            previous(info);
        }));
    });
}

impl Generation {
    fn start(listener: &TcpListener) -> io::Result<Arc<Generation>> {
        let panics_seen = ACCEPT_PANICS.load(Ordering::Acquire);
        let http = tiny_http::Server::from_listener(listener.try_clone()?, None)
            .map_err(io::Error::other)?;
        Ok(Arc::new(Generation {
            http,
            idle: AtomicUsize::new(0),
            workers: AtomicUsize::new(0),
            replaced: AtomicBool::new(false),
            panics_seen,
            occupiers: Mutex::new(Vec::new()),
        }))
    }

    fn accept_thread_panicked(&self) -> bool {
        ACCEPT_PANICS.load(Ordering::Acquire) != self.panics_seen
    }
}

/// Binds `host:port` with the socket options std cannot set, all inherited by accepted sockets:
/// TCP_NODELAY (each SSE event leaves at once), a write timeout (a client that stops reading ends
/// its worker), and a deep backlog.
fn bind(config: &Config) -> io::Result<TcpListener> {
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
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Where to reach the listener from this process (a wildcard bind is reached on loopback).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], a.port()))
        }
        SocketAddr::V6(a) if a.ip().is_unspecified() => {
            SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], a.port()))
        }
        other => other,
    }
}

/// The path of the requests `occupy_pool` sends; answered with 204 and left out of the log.
pub const OCCUPY_PATH: &str = "/_oaimock/occupy";

/// Works around tiny_http's burst starvation (defect 1 in the README). Its pool counts a thread it
/// has just woken as still idle, so during a burst new connections queue behind threads that are
/// already taken, and wait there until some other connection closes — a whole stream later. The
/// race needs idle pool threads, and a quiet pool always has its four permanent ones. So give each
/// of them a keep-alive connection of ours: one request, answered, then silence, which holds the
/// thread for good. A quiet pool then has no idle thread, and every connection of a burst gets a
/// thread of its own at once. One at a time, each answered before the next, so they cannot race.
fn occupy_pool(addr: SocketAddr) -> Vec<TcpStream> {
    let addr = reachable(addr);
    let request = format!("GET {OCCUPY_PATH} HTTP/1.1\r\nHost: oaimock\r\n\r\n");
    let occupy = || -> io::Result<TcpStream> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(request.as_bytes())?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte)?;
            head.push(byte[0]);
        }
        Ok(stream)
    };
    (0..POOL_PERMANENT_THREADS)
        .filter_map(|_| occupy().ok())
        .collect()
}

/// How often the janitor pokes while requests are flowing, and for how long after the last one
/// (tiny_http's idle pool threads, which the race needs, retire 5 s after their connection ends).
const POKE_EVERY: Duration = Duration::from_millis(20);
const POKE_FOR: Duration = Duration::from_secs(7);

/// The other half of the burst-starvation workaround (see `occupy_pool`): pool threads that a
/// burst leaves idle for their last 5 s let the race happen again, and the connections it strands
/// wait in tiny_http's queue until some connection closes. A connection opened and closed at once
/// ("a poke") is a task that ends at once: the thread that runs it then takes the oldest stranded
/// connection, or a woken idle thread takes it first. So while requests are flowing, and for a
/// while after, the janitor pokes 50 times a second — a few microseconds each, and nothing at all
/// on an idle server.
fn rescue_starved_connections(inner: Weak<Inner>, addr: SocketAddr) {
    let addr = reachable(addr);
    loop {
        thread::sleep(POKE_EVERY);
        let Some(inner) = inner.upgrade() else { return };
        if inner.stop.load(Ordering::Acquire) {
            return;
        }
        let since_start = inner.started.elapsed().as_millis() as u64;
        let last = inner.last_request_ms.load(Ordering::Relaxed);
        if last > 0 && since_start.saturating_sub(last) < POKE_FOR.as_millis() as u64 {
            drop(TcpStream::connect_timeout(&addr, POKE_EVERY));
        }
    }
}

/// Locks a mutex whatever a panicking holder left behind: every value behind one stays valid.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Server {
    /// Binds and starts serving; returns once the socket is listening.
    pub fn start(config: Config) -> io::Result<Server> {
        watch_accept_panics();
        let listener = bind(&config)?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            app: App::new(config).map_err(io::Error::other)?,
            listener,
            generations: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            workers: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            last_request_ms: AtomicU64::new(0),
            started: Instant::now(),
        });
        let generation = Generation::start(&inner.listener)?;
        if !inner.launch(&generation) {
            return Err(io::Error::other("could not start worker threads"));
        }
        let janitor = Arc::downgrade(&inner);
        thread::Builder::new()
            .name("oaimock-janitor".into())
            .stack_size(64 * 1024)
            .spawn(move || rescue_starved_connections(janitor, addr))?;
        Ok(Server { inner, addr })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT` with the real port.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests being answered right now.
    pub fn in_flight(&self) -> usize {
        self.inner.busy.load(Ordering::Acquire)
    }

    /// Worker threads alive right now.
    pub fn workers(&self) -> usize {
        self.inner.workers.load(Ordering::Acquire)
    }

    /// Blocks the calling thread for as long as the server runs.
    pub fn wait(&self) {
        while !self.inner.stop.load(Ordering::Acquire) {
            thread::sleep(POLL);
        }
    }

    /// Stops accepting, lets workers finish what they are writing, and ends tiny_http's accept threads.
    pub fn shutdown(&self) {
        if self.inner.stop.swap(true, Ordering::AcqRel) {
            return;
        }
        let generations = std::mem::take(&mut *lock(&self.inner.generations));
        for generation in &generations {
            for _ in 0..generation.workers.load(Ordering::Acquire) {
                generation.http.unblock();
            }
        }
        let deadline = Instant::now() + POLL * 4;
        while self.inner.workers.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        for generation in generations {
            lock(&generation.occupiers).clear();
            drop(generation);
            // tiny_http's accept thread checks its stop flag only after accept() returns: wake it.
            let _ = TcpStream::connect_timeout(&reachable(self.addr), Duration::from_millis(200));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Inner {
    /// Makes `generation` current: its first workers, then the connections that occupy its pool.
    fn launch(self: &Arc<Self>, generation: &Arc<Generation>) -> bool {
        lock(&self.generations).push(Arc::clone(generation));
        let started = (0..MIN_WORKERS)
            .filter(|_| self.spawn_worker(generation))
            .count();
        if let Ok(addr) = self.listener.local_addr() {
            *lock(&generation.occupiers) = occupy_pool(addr);
        }
        started > 0
    }

    fn is_current(&self, generation: &Arc<Generation>) -> bool {
        lock(&self.generations)
            .last()
            .is_some_and(|g| Arc::ptr_eq(g, generation))
    }

    /// Starts one worker unless that would pass the bound: `--max-connections` busy workers plus
    /// `MIN_WORKERS` spares, so a spare is always receiving when every other worker is busy.
    fn spawn_worker(self: &Arc<Self>, generation: &Arc<Generation>) -> bool {
        let cap = self.app.config.max_connections + MIN_WORKERS;
        if self.workers.fetch_add(1, Ordering::AcqRel) >= cap {
            self.workers.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        generation.workers.fetch_add(1, Ordering::AcqRel);
        let (inner, generation_) = (Arc::clone(self), Arc::clone(generation));
        let spawned = thread::Builder::new()
            .name("oaimock-worker".into())
            .stack_size(WORKER_STACK)
            .spawn(move || inner.work(generation_));
        if spawned.is_err() {
            self.workers.fetch_sub(1, Ordering::AcqRel);
            generation.workers.fetch_sub(1, Ordering::AcqRel);
        }
        spawned.is_ok()
    }

    /// A worker's life: receive, answer, repeat; retire when idle too long and not needed.
    fn work(self: Arc<Self>, generation: Arc<Generation>) {
        let mut idle_since = Instant::now();
        while !self.stop.load(Ordering::Acquire) {
            generation.idle.fetch_add(1, Ordering::AcqRel);
            let received = generation.http.recv_timeout(POLL);
            generation.idle.fetch_sub(1, Ordering::AcqRel);
            match received {
                Ok(Some(rq)) => {
                    // Before anything that may block (a stream, a delay, a slow body), make sure
                    // another worker is receiving; quick JSON replies need no new thread. Two, not
                    // one: in a burst each new worker then adds two, so the pool doubles instead
                    // of growing one thread at a time (2,000 streams at once: first byte p50
                    // 280 ms with one, 110-140 ms with two, no better with four).
                    let spare = || {
                        if generation.idle.load(Ordering::Acquire) == 0 {
                            self.spawn_worker(&generation);
                            self.spawn_worker(&generation);
                        }
                    };
                    // Nothing in `serve` should panic, but a worker must survive it if it does.
                    let _ = catch_unwind(AssertUnwindSafe(|| self.serve(rq, &spare)));
                    idle_since = Instant::now();
                }
                Ok(None) if generation.accept_thread_panicked() => {
                    self.replace(&generation, "the accept thread panicked")
                }
                Ok(None) => {
                    if idle_since.elapsed() >= IDLE_EXIT && self.retire(&generation) {
                        return;
                    }
                }
                Err(err) => self.replace(&generation, &err.to_string()),
            }
        }
        generation.workers.fetch_sub(1, Ordering::AcqRel);
        self.workers.fetch_sub(1, Ordering::AcqRel);
    }

    /// Leaves if the generation keeps enough workers: `MIN_WORKERS` for the current one, one for
    /// an old one. True when this worker should exit.
    fn retire(&self, generation: &Generation) -> bool {
        let keep = if lock(&self.generations)
            .last()
            .is_some_and(|g| std::ptr::eq(&**g, generation))
        {
            MIN_WORKERS
        } else {
            1
        };
        let left = generation
            .workers
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n > keep).then(|| n - 1)
            });
        if left.is_ok() {
            self.workers.fetch_sub(1, Ordering::AcqRel);
        }
        left.is_ok()
    }

    /// Starts a new accept loop on a clone of our listener when `dead`'s has ended. The calling
    /// worker goes on serving `dead`'s queue.
    fn replace(self: &Arc<Self>, dead: &Arc<Generation>, why: &str) {
        if dead.replaced.swap(true, Ordering::AcqRel) || !self.is_current(dead) {
            return;
        }
        eprintln!("oaimock: the accept loop stopped ({why}); starting a new one");
        while !self.stop.load(Ordering::Acquire) {
            match Generation::start(&self.listener) {
                Ok(fresh) => {
                    self.launch(&fresh);
                    return;
                }
                // Still out of descriptors, most likely: wait, holding no lock.
                Err(_) => thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn serve(&self, mut rq: tiny_http::Request, spare: &dyn Fn()) {
        let started = Instant::now();
        let mut info = RequestInfo::of(&rq);
        let request_id = crate::ids::hex("req_", 32);
        let max = self.app.config.max_connections;
        // Our own occupying connections are not client work: they never count against the bound.
        let counted = info.path != OCCUPY_PATH;
        if counted {
            // Plus one, so that 0 keeps meaning "no request yet".
            let since_start = started.duration_since(self.started).as_millis() as u64 + 1;
            self.last_request_ms.store(since_start, Ordering::Relaxed);
        }
        let admitted = !counted || self.busy.fetch_add(1, Ordering::AcqRel) < max;
        let mut exchange = Exchange::default();
        let outcome = if admitted {
            self.answer(&mut rq, &info, &mut exchange, spare)
        } else {
            Outcome::Reply(Reply::error(ApiError::overloaded(max)))
        };
        let (status, source) = match &outcome {
            Outcome::Reply(reply) | Outcome::Refuse(reply) => (reply.status, reply.source.clone()),
            Outcome::Park => (413, None),
        };
        let entry = exchange.journaled.then(|| {
            let answered_by = match source {
                Some(source) => Cow::Owned(source),
                None => Cow::Borrowed(if status < 400 { "built-in" } else { "error" }),
            };
            self.app.journal.record(Record {
                scope: exchange.scope,
                method: info.method.clone(),
                path: info.path.clone(),
                // Taken, not copied: nothing after this point reads the request's headers.
                headers: std::mem::take(&mut info.headers),
                body: exchange.body,
                answered_by,
                status,
            })
        });
        let mut first_byte = None;
        let written = match outcome {
            Outcome::Reply(reply) => {
                if reply.may_block() {
                    spare();
                }
                let mut writer = rq.into_writer();
                http::send(&mut *writer, &info, reply, &request_id, &mut first_byte)
            }
            Outcome::Refuse(reply) => http::refuse(rq, reply, &request_id),
            Outcome::Park => {
                lock(&PARKED).push(rq);
                Err(io::Error::other(
                    "declared body too large to drain; connection parked",
                ))
            }
        };
        if counted {
            self.busy.fetch_sub(1, Ordering::AcqRel);
        }
        if let Some(seq) = entry {
            let ttft = first_byte.map(|t| t.duration_since(started).as_millis() as u64);
            self.app
                .journal
                .finish(seq, ttft, started.elapsed().as_millis() as u64);
        }
        if !self.app.config.quiet && counted {
            let ms = started.elapsed().as_millis();
            let note = match written {
                Ok(()) => String::new(),
                Err(e) => format!(" (client gone: {e})"),
            };
            let line = format!("{} {} {status} {ms}ms{note}\n", info.method, info.path);
            let _ = io::stderr().lock().write_all(line.as_bytes());
        }
    }

    /// Routes, checks the key, applies faults and limits, reads the body, and runs the handler
    /// with panics turned into 500s.
    fn answer(
        &self,
        rq: &mut tiny_http::Request,
        info: &RequestInfo,
        exchange: &mut Exchange,
        spare: &dyn Fn(),
    ) -> Outcome {
        let limit = self.app.config.max_body_bytes;
        let declared = rq.body_length().unwrap_or(0);
        if declared > DRAIN_LIMIT {
            return Outcome::Park;
        }
        if declared > limit {
            return Outcome::Refuse(Reply::error(ApiError::body_too_large(limit)));
        }
        // tiny_http has read bodies up to 1 KiB already; a larger one that is not read before the
        // reply must be answered first and drained after, off this worker.
        let unread = declared > 1024;
        let early = |reply: Reply| {
            if unread {
                Outcome::Refuse(reply)
            } else {
                Outcome::Reply(reply)
            }
        };
        let header_bytes: usize = rq
            .headers()
            .iter()
            .map(|h| h.field.as_str().as_str().len() + h.value.len() + 4)
            .sum();
        if rq.headers().len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
            let message = format!(
                "Request header fields too large: {} headers, {header_bytes} bytes (at most {MAX_HEADERS} headers and {MAX_HEADER_BYTES} bytes).",
                rq.headers().len()
            );
            return early(closing(ApiError::new(
                431,
                "invalid_request_error",
                Some("request_header_fields_too_large"),
                message,
            )));
        }
        let route = match api::route(&info.method, &info.path) {
            Ok(route) => route,
            Err(e) => return early(Reply::error(e)),
        };
        if route.needs_key()
            && let Err(e) = api::authorize(&self.app, info)
        {
            return early(Reply::error(e));
        }
        let faults = match RequestFaults::from_headers(&info.headers) {
            Ok(faults) => faults,
            Err(e) => return early(Reply::error(e)),
        };
        exchange.journaled = route.is_api() && self.app.journal.enabled();
        exchange.scope = faults.scope.clone();
        let body = if route.has_body() {
            let chunked = info.headers.iter().any(|(n, _)| n == "transfer-encoding");
            if unread || chunked {
                spare();
            }
            match http::read_body(rq, limit) {
                Ok(body) => body,
                Err(BodyError::TooLarge { .. }) => {
                    return Outcome::Reply(closing(ApiError::body_too_large(limit)));
                }
                Err(BodyError::Io(e)) => {
                    let message = format!("Could not read the request body: {e}.");
                    return Outcome::Reply(closing(ApiError::new(
                        400,
                        "invalid_request_error",
                        Some("invalid_body"),
                        message,
                    )));
                }
            }
        } else if unread {
            return Outcome::Refuse(Reply::error(ApiError::new(
                400,
                "invalid_request_error",
                Some("unexpected_body"),
                format!("{} {} takes no request body.", info.method, info.path),
            )));
        } else {
            Vec::new()
        };
        let (chaos, seed) = if route.is_api() {
            self.app.chaos.draw()
        } else {
            (None, 0)
        };
        if let Some(error) = faults.error.or(chaos) {
            let mut reply = Reply::error(error);
            reply.source = Some("fault".into());
            exchange.body = body;
            return Outcome::Reply(reply);
        }
        let mut limit_headers = Vec::new();
        if route.is_api() && self.app.limits.enabled() {
            let scope = faults.scope.as_deref().unwrap_or("");
            match self.app.limits.admit(scope, prompt_tokens(&body)) {
                Ok(headers) => limit_headers = headers,
                Err(error) => {
                    exchange.body = body;
                    let mut reply = Reply::error(error);
                    reply.source = Some("rate limit".into());
                    return Outcome::Reply(reply);
                }
            }
        }
        let handled = catch_unwind(AssertUnwindSafe(|| {
            api::handle(&self.app, &route, info, &body)
        }));
        if exchange.journaled {
            exchange.body = body;
        }
        let mut reply = match handled {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => Reply::error(e),
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a handler panicked".to_string());
                Reply::error(ApiError::internal(&detail))
            }
        };
        faults.stream.apply(&mut reply, seed);
        reply.headers.extend(limit_headers);
        Outcome::Reply(reply)
    }
}

/// What `serve` keeps of a request for the journal.
#[derive(Default)]
struct Exchange {
    journaled: bool,
    scope: Option<String>,
    body: Vec<u8>,
}

/// What a rate limit counts for a request: the words in its JSON strings (the prompt, roughly).
fn prompt_tokens(body: &[u8]) -> u64 {
    fn words(value: &serde_json::Value) -> u64 {
        match value {
            serde_json::Value::String(s) => crate::reply::count_words(s),
            serde_json::Value::Array(items) => items.iter().map(words).sum(),
            serde_json::Value::Object(map) => map.values().map(words).sum(),
            _ => 0,
        }
    }
    serde_json::from_slice(body).map_or(0, |v| words(&v))
}

/// An error after which the connection is closed: the rest of the body was not read.
fn closing(error: ApiError) -> Reply {
    let mut reply = Reply::error(error);
    reply.close = true;
    reply
}

enum Outcome {
    Reply(Reply),
    /// Answer before reading the declared body, which tiny_http then drains: see `http::refuse`.
    Refuse(Reply),
    /// Keep the request forever rather than let tiny_http drop it: see `DRAIN_LIMIT`.
    Park,
}
