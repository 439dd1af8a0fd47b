//! Q5 — the accept loop ends for good on its first error.
//!
//! Defect: any `accept()` error (out of file descriptors, say) ends tiny_http's accept loop
//! (`src/lib.rs:293-347`, the `Err` arm at 341-345): one `Err` reaches `recv()`, then `recv()` blocks forever while the
//! process lives on. Running out of descriptors can also panic the accept thread
//! (`try_clone().unwrap()` in `src/util/refined_tcp_stream.rs:18`), which ends the loop without a
//! word to `recv()`. So a panic hook counts those panics, and a worker that sees either sign
//! starts a new accept loop (a new `Generation`) on a clone of our listener.
//! A new loop first accepts every connection queued while none ran — closed ones too, each
//! holding two descriptors and a thread until its pool thread sees the close — so one started at
//! once fails again. The worker replacing a loop therefore first stands in for it
//! (`stand_in.rs`: 503s on the listener, no thread per connection) until the OS has room and the
//! queue is answered. Nothing of ours may add to that queue meanwhile, so the Q1 janitor keeps
//! quiet during restarts. Out of threads, a new loop may get no worker of its own; idle workers
//! of old loops then move to it (`pool.rs`).
//! Proof: `tests/hardening_sockets.rs` `running_out_of_file_descriptors_is_survived`;
//! `tests/hostile_exhaustion.rs` (descriptors, threads, two exhaustions in a row).
//! Delete when tiny_http retries or reports accept errors.
//!
//! Process-wide state: the first `Server::start` installs a panic hook that counts tiny_http's
//! panics (keeping their messages off stderr under `--quiet`) and passes every other panic to the
//! hook that was installed before it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use crate::transport::{Generation, Transport};

/// Panics of tiny_http's accept thread: where it clones a new socket, anywhere in its accept
/// loop, or when its task pool cannot start a thread (out of threads).
static ACCEPT_PANICS: AtomicUsize = AtomicUsize::new(0);
/// Every panic raised in tiny_http's code (a client that resets its connection mid-request
/// makes a connection thread panic), counted whether printed or not.
static TINY_HTTP_PANICS: AtomicUsize = AtomicUsize::new(0);
/// `--quiet` on the last server started: tiny_http's panic messages are counted, not printed.
static QUIET: AtomicBool = AtomicBool::new(false);

pub(crate) fn panics() -> usize {
    ACCEPT_PANICS.load(Ordering::Acquire)
}

/// Keeps tiny_http's panic messages off stderr (they are still counted).
pub(crate) fn quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Release);
}

/// Whether a panic is tiny_http's, and whether it ended the accept thread.
fn classify(file: &str, thread: Option<&str>, message: &str) -> (bool, bool) {
    let in_tiny_http = file.contains("tiny_http");
    // Only tiny_http starts threads with `thread::spawn`, which panics when the OS refuses one;
    // oaimock's own threads are started with `Builder::spawn`, which returns an error.
    let out_of_threads = message.contains("failed to spawn thread");
    let accept = file.ends_with("refined_tcp_stream.rs")
        || (in_tiny_http && file.ends_with("lib.rs"))
        || (out_of_threads && thread.is_none());
    (in_tiny_http || out_of_threads, accept)
}

/// Counts tiny_http's panics (and its accept thread's), prints them unless `--quiet`, and lets
/// the previous hook report every other panic as usual.
pub(crate) fn watch_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map_or("", |l| l.file());
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
                .unwrap_or("");
            let (tiny_http, accept) = classify(file, std::thread::current().name(), message);
            if accept {
                ACCEPT_PANICS.fetch_add(1, Ordering::AcqRel);
            }
            if tiny_http {
                TINY_HTTP_PANICS.fetch_add(1, Ordering::AcqRel);
                if QUIET.load(Ordering::Acquire) {
                    return;
                }
            }
            previous(info);
        }));
    });
}

#[cfg(test)]
#[test]
fn tiny_http_panics_are_told_apart_from_others() {
    let pool = "/root/.cargo/registry/src/x/tiny_http-0.12.0/src/util/refined_tcp_stream.rs";
    assert_eq!(classify(pool, None, "called unwrap"), (true, true));
    let client = "/root/.cargo/registry/src/x/tiny_http-0.12.0/src/client.rs";
    assert_eq!(classify(client, None, "oops"), (true, false));
    let spawn = "/rustc/abc/library/std/src/thread/mod.rs";
    assert_eq!(
        classify(spawn, None, "failed to spawn thread: EAGAIN"),
        (true, true)
    );
    assert_eq!(
        classify("src/api/mod.rs", Some("oaimock-worker"), "boom"),
        (false, false)
    );
    // tiny_http starting its accept thread from a worker that replaces a dead loop.
    assert_eq!(
        classify(spawn, Some("oaimock-worker"), "failed to spawn thread"),
        (true, false)
    );
}

/// Starts a new accept loop on a clone of our listener when `dead`'s has ended. The calling
/// worker first stands in for the loop (`stand_in.rs`) until the OS has room for a new one and
/// what queued meanwhile is answered, then goes on serving `dead`'s queue.
pub(crate) fn replace(transport: &Arc<Transport>, dead: &Arc<Generation>, why: &str) {
    if dead.replaced.swap(true, Ordering::AcqRel) || !transport.is_current(dead) {
        return;
    }
    // The janitor (Q1) keeps quiet from now until `QUIET_AFTER_RESTART` after the new loop runs.
    restarting(transport);
    // The dead loop's own connections to its pool threads (Q1) are of no use any more.
    crate::sync::lock(&dead.occupiers).clear();
    crate::stderr::line(format!(
        "oaimock: the accept loop stopped ({why}); starting a new one\n"
    ));
    let stopped = || transport.stopped();
    let mark = || restarting(transport);
    while !transport.stopped() {
        super::stand_in::stand_in(&transport.listener, &transport.spare, &stopped, &mark);
        // Out of threads, tiny_http panics where it starts its accept thread: caught here, or
        // this worker would die with the replacement half made and nobody left to retry it.
        let started = std::panic::catch_unwind(|| Generation::start(&transport.listener));
        restarting(transport);
        if let Ok(Ok(fresh)) = started {
            transport.launch(&fresh);
            restarting(transport);
            return;
        }
    }
}

/// How long after the OS refused a worker thread the janitor answers for missing workers.
const REFUSED_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// The janitor's look at the current accept loop, on every tick: workers notice a dead accept
/// thread only when one of them is idle, and out of threads every worker may be busy (streams)
/// with no spare to start. So the janitor replaces a loop whose accept thread panicked (standing
/// in for it itself), and while the OS refuses worker threads and no worker is receiving, it
/// answers what is queued with the stand-in's 503, closing the connection (a body over 1 KiB
/// still on its way is discarded first, by tiny_http, on the janitor).
pub(crate) fn watch(transport: &Arc<Transport>) {
    let current = crate::sync::lock(&transport.generations).last().cloned();
    let Some(current) = current else {
        return;
    };
    if current.replaced.load(Ordering::Acquire) {
        return;
    }
    if current.accept_thread_panicked() {
        replace(transport, &current, "the accept thread panicked");
        return;
    }
    let refused = transport.refused_ms.load(Ordering::Acquire);
    let now = transport.since_start(std::time::Instant::now());
    let recently = refused > 0 && now.saturating_sub(refused) < REFUSED_FOR.as_millis() as u64;
    if !recently || current.idle.load(Ordering::Acquire) > 0 {
        return;
    }
    while let Ok(Some(rq)) = current.http.try_recv() {
        let head = crate::transport::request::head(&rq);
        let answer = crate::http::Answer::error(crate::error::ApiError::out_of_resources());
        let _ = crate::transport::write_closing(rq, &head, answer, &crate::ids::hex("req_", 32));
    }
}

/// Marks an accept loop as being replaced now, for the janitor (Q1).
fn restarting(transport: &Transport) {
    let now = transport.since_start(std::time::Instant::now());
    transport.last_restart_ms.store(now, Ordering::Release);
}
