//! The elastic worker pool: each worker loops on tiny_http's `recv()`, answers the request it got,
//! and, right before anything in that answer blocks, starts spares when it took the last idle
//! worker — so workers are reused, yet hundreds of streams run at once, up to
//! `--max-connections`; beyond that a spare answers 503 at once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::{Generation, Transport, quirks};

/// Workers that stay alive when idle; they also guarantee someone is free to answer 503.
pub(super) const MIN_WORKERS: usize = 4;
/// An idle worker beyond `MIN_WORKERS` exits after this long without a request.
const IDLE_EXIT: Duration = Duration::from_secs(5);
/// The workers of a replaced accept loop (Q5) all exit after this long without a request, and
/// the loop's listener clone and threads go with them.
const OLD_IDLE_EXIT: Duration = Duration::from_secs(10);
/// How often an idle worker wakes to notice shutdown or a restarted accept loop.
pub(crate) const POLL: Duration = Duration::from_millis(500);
/// Worker stack. serde_json stops at 128 levels of nesting, but a debug build spends several KiB
/// of stack per level: 256 KiB overflowed (and a stack overflow aborts the process). Only the
/// pages a thread touches count towards RSS, so the size costs address space, not memory.
const WORKER_STACK: usize = 2 * 1024 * 1024;
/// Spares started when a worker about to block took the last idle one. Two, not one: in a burst
/// each new worker then adds two, so the pool doubles instead of growing one thread at a time
/// (2,000 streams at once: first byte p50 280 ms with one, 110-140 ms with two, none better with four).
const SPARES: usize = 2;

/// Counts one more worker unless that passes `cap`; true when counted.
fn reserve(count: &AtomicUsize, cap: usize) -> bool {
    count
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < cap).then(|| n + 1)
        })
        .is_ok()
}

/// Counts one worker fewer if more than `keep` remain; true when this one may leave.
fn release(count: &AtomicUsize, keep: usize) -> bool {
    count
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n > keep).then(|| n - 1)
        })
        .is_ok()
}

/// Whether a worker may leave while `idle` others are receiving and `keep` must be.
fn may_retire(idle: usize, keep: usize) -> bool {
    idle >= keep
}

/// How many spares a worker about to block starts: none while another worker is receiving.
fn spares_needed(idle: usize) -> usize {
    if idle == 0 { SPARES } else { 0 }
}

impl Transport {
    /// Starts one worker unless that would pass the bound: `--max-connections` busy workers plus
    /// `MIN_WORKERS` spares, so a spare is always receiving when every other worker is busy.
    pub(super) fn spawn_worker(self: &Arc<Self>, generation: &Arc<Generation>) -> bool {
        let cap = self.app.config.max_connections + MIN_WORKERS;
        if !reserve(&self.workers, cap) {
            return false;
        }
        generation.workers.fetch_add(1, Ordering::AcqRel);
        let (transport, generation_) = (Arc::clone(self), Arc::clone(generation));
        let spawned = thread::Builder::new()
            .name("oaimock-worker".into())
            .stack_size(WORKER_STACK)
            .spawn(move || transport.work(generation_));
        if spawned.is_err() {
            let now = self.since_start(Instant::now());
            self.refused_ms.store(now, Ordering::Release);
            self.workers.fetch_sub(1, Ordering::AcqRel);
            generation.workers.fetch_sub(1, Ordering::AcqRel);
        }
        spawned.is_ok()
    }

    /// A worker's life: receive, answer, repeat; retire when idle too long and not needed.
    fn work(self: Arc<Self>, mut generation: Arc<Generation>) {
        let mut idle_since = Instant::now();
        while !self.stopped() {
            generation.idle.fetch_add(1, Ordering::AcqRel);
            let received = generation.http.recv_timeout(POLL);
            generation.idle.fetch_sub(1, Ordering::AcqRel);
            match received {
                Ok(Some(rq)) => {
                    // Called right before the answer would block (a slow body, a delay, a
                    // paced stream); quick JSON answers start no thread.
                    let spared = std::cell::Cell::new(false);
                    let spare = || {
                        if !spared.replace(true) {
                            for _ in 0..spares_needed(generation.idle.load(Ordering::Acquire)) {
                                self.spawn_worker(&generation);
                            }
                        }
                    };
                    // Nothing in `serve` should panic, but a worker must survive it if it does.
                    // A replaced loop's keep-alive connections get one more answer, which ends them.
                    let last = generation.replaced.load(Ordering::Acquire);
                    let _ = catch_unwind(AssertUnwindSafe(|| self.serve(rq, &spare, last)));
                    idle_since = Instant::now();
                }
                Ok(None)
                    if !generation.replaced.load(Ordering::Acquire)
                        && generation.accept_thread_panicked() =>
                {
                    quirks::accept_loop::replace(&self, &generation, "the accept thread panicked")
                }
                Ok(None) => {
                    if let Some(current) = self.moves_to_current(&generation) {
                        generation = current;
                        idle_since = Instant::now();
                        continue;
                    }
                    if idle_since.elapsed() >= IDLE_EXIT && self.retire(&generation, idle_since) {
                        return;
                    }
                }
                Err(err) => quirks::accept_loop::replace(&self, &generation, &err.to_string()),
            }
        }
        generation.workers.fetch_sub(1, Ordering::AcqRel);
        self.workers.fetch_sub(1, Ordering::AcqRel);
    }

    /// Leaves if enough others are receiving: `MIN_WORKERS` idle ones for the current generation,
    /// one for an old one. Busy workers do not count — a worker streaming for minutes cannot
    /// answer the next request — so retirement never leaves fewer receivers than that. True when
    /// this worker should exit.
    fn retire(self: &Arc<Self>, generation: &Generation, idle_since: Instant) -> bool {
        if !self.is_current(generation) {
            let keep = if idle_since.elapsed() >= OLD_IDLE_EXIT {
                0
            } else {
                1
            };
            return self.leave_old(generation, keep);
        }
        if !may_retire(generation.idle.load(Ordering::Acquire), MIN_WORKERS) {
            return false;
        }
        let left = release(&generation.workers, MIN_WORKERS);
        if left {
            self.workers.fetch_sub(1, Ordering::AcqRel);
        }
        left
    }

    /// An idle worker of a replaced accept loop moves to the current one while that has fewer
    /// than `MIN_WORKERS` and no new thread can be started for it: the bound is reached (the old
    /// loops' workers count toward it until they retire) or the OS refuses threads. A new loop
    /// may start with no worker at all (two restarts within `IDLE_EXIT` under a small
    /// `--max-connections`), and nobody would ever receive its requests. The old loop keeps one
    /// worker for its keep-alive connections unless the current one has none. Some(current)
    /// when this worker moved.
    fn moves_to_current(self: &Arc<Self>, generation: &Arc<Generation>) -> Option<Arc<Generation>> {
        let current = super::lock(&self.generations).last().cloned()?;
        if Arc::ptr_eq(&current, generation)
            || current.workers.load(Ordering::Acquire) >= MIN_WORKERS
            || self.spawn_worker(&current)
        {
            return None;
        }
        let keep = usize::from(current.workers.load(Ordering::Acquire) > 0);
        if !release(&generation.workers, keep) {
            return None;
        }
        current.workers.fetch_add(1, Ordering::AcqRel);
        if generation.workers.load(Ordering::Acquire) == 0 {
            super::lock(&self.generations).retain(|g| !Arc::ptr_eq(g, generation));
        }
        Some(current)
    }

    /// A worker of a replaced accept loop leaves if more than `keep` remain (one stays for the
    /// loop's keep-alive connections until it has been idle `OLD_IDLE_EXIT`); the last one out
    /// drops the loop (its tiny_http server, listener clone and threads).
    fn leave_old(self: &Arc<Self>, generation: &Generation, keep: usize) -> bool {
        // The current loop may have started without workers (out of threads when it was made):
        // nobody leaves an old loop before the current one has its minimum.
        let current = super::lock(&self.generations).last().cloned();
        if let Some(current) = current {
            while current.workers.load(Ordering::Acquire) < MIN_WORKERS
                && self.spawn_worker(&current)
            {}
            if current.workers.load(Ordering::Acquire) == 0 {
                return false;
            }
        }
        if !release(&generation.workers, keep) {
            return false;
        }
        self.workers.fetch_sub(1, Ordering::AcqRel);
        if generation.workers.load(Ordering::Acquire) == 0 {
            super::lock(&self.generations).retain(|g| !std::ptr::eq(&**g, generation));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_counts_every_worker_and_never_passes_the_cap() {
        let count = AtomicUsize::new(0);
        assert_eq!((0..10).filter(|_| reserve(&count, 6)).count(), 6);
        assert_eq!(count.load(Ordering::Acquire), 6);
        assert!(!reserve(&count, 6));
        assert!(reserve(&count, 7));
    }

    #[test]
    fn retirement_keeps_the_minimum() {
        let count = AtomicUsize::new(MIN_WORKERS + 2);
        let left = (0..10).filter(|_| release(&count, MIN_WORKERS)).count();
        assert_eq!((left, count.load(Ordering::Acquire)), (2, MIN_WORKERS));
        // An old generation keeps one worker for its keep-alive connections.
        assert!(release(&count, 1));
        let count = AtomicUsize::new(1);
        assert!(!release(&count, 1));
    }

    #[test]
    fn busy_workers_do_not_count_toward_the_ones_retirement_keeps() {
        // Six long streams and five idle workers: one idle worker may go (four still receive)...
        assert!(may_retire(4, MIN_WORKERS));
        // ...but not when only three others are receiving, however many are busy streaming.
        assert!(!may_retire(3, MIN_WORKERS));
        assert!(!may_retire(0, 1));
    }

    #[test]
    fn spares_start_only_when_nobody_else_is_receiving() {
        assert_eq!(spares_needed(0), SPARES);
        assert_eq!(spares_needed(1), 0);
        assert_eq!(spares_needed(7), 0);
    }

    #[test]
    fn a_server_starts_its_minimum_and_grows_within_its_bound() {
        let mut config = crate::Config::for_tests();
        config.max_connections = 1;
        let app = crate::app::App::new(config).unwrap();
        let transport = Transport::start(app).unwrap();
        assert_eq!(transport.workers(), MIN_WORKERS);
        let generation = Arc::clone(super::super::lock(&transport.generations).last().unwrap());
        // The bound is max_connections + MIN_WORKERS: one more worker, then no more.
        assert!(transport.spawn_worker(&generation));
        assert!(!transport.spawn_worker(&generation));
        assert_eq!(transport.workers(), MIN_WORKERS + 1);
        transport.shutdown();
    }
}
