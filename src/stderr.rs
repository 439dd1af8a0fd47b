//! Lines for stderr that never block the thread that writes them: one thread writes them in
//! order; when a reader stops reading (a test harness with `stderr=PIPE` that never reads) and
//! the queue is full, new lines are dropped and counted, and the count is written once stderr
//! takes lines again.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};

/// Lines waiting for stderr; past this many, new lines are dropped.
const QUEUE: usize = 1024;

static DROPPED: AtomicU64 = AtomicU64::new(0);

fn queue() -> Option<&'static SyncSender<String>> {
    static QUEUE_SENDER: OnceLock<Option<SyncSender<String>>> = OnceLock::new();
    QUEUE_SENDER
        .get_or_init(|| {
            let (send, receive) = mpsc::sync_channel::<String>(QUEUE);
            let spawned = std::thread::Builder::new()
                .name("oaimock-stderr".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    for line in receive {
                        let mut stderr = std::io::stderr().lock();
                        let dropped = DROPPED.swap(0, Ordering::AcqRel);
                        if dropped > 0 {
                            let note = format!(
                                "oaimock: {dropped} log lines dropped (stderr was not read)\n"
                            );
                            let _ = stderr.write_all(note.as_bytes());
                        }
                        let _ = stderr.write_all(line.as_bytes());
                    }
                });
            spawned.ok().map(|_| send)
        })
        .as_ref()
}

/// Starts the writing thread now, so it is there from start-up rather than from the first line.
pub(crate) fn start() {
    let _ = queue();
}

/// Queues `line` (ending in a newline) for stderr, or drops and counts it when the queue is full.
pub(crate) fn line(line: String) {
    let Some(queue) = queue() else {
        DROPPED.fetch_add(1, Ordering::AcqRel);
        return;
    };
    if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = queue.try_send(line) {
        DROPPED.fetch_add(1, Ordering::AcqRel);
    }
}
