//! Q5 — the accept loop ends for good on its first error.
//!
//! Defect: any `accept()` error (out of file descriptors, say) ends tiny_http's accept loop
//! (`src/lib.rs:293-347`, the `Err` arm at 341-345): one `Err` reaches `recv()`, then `recv()` blocks forever while the
//! process lives on. Running out of descriptors can also panic the accept thread
//! (`try_clone().unwrap()` in `src/util/refined_tcp_stream.rs:18`), which ends the loop without a
//! word to `recv()`. So a panic hook counts those panics, and a worker that sees either sign
//! starts a new accept loop (a new `Generation`) on a clone of our listener.
//! Proof: `tests/hardening.rs` `running_out_of_file_descriptors_is_survived`.
//! Delete when tiny_http retries or reports accept errors.
//!
//! Process-wide state: the first `Server::start` installs a panic hook that counts panics located
//! in `refined_tcp_stream.rs` and then calls the hook that was installed before it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use crate::transport::{Generation, Transport};

/// Panics raised where tiny_http's accept thread clones a new socket.
static ACCEPT_PANICS: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn panics() -> usize {
    ACCEPT_PANICS.load(Ordering::Acquire)
}

/// Counts accept-thread panics, then lets the previous hook report the panic as usual.
pub(crate) fn watch_panics() {
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

/// Starts a new accept loop on a clone of our listener when `dead`'s has ended. The calling
/// worker goes on serving `dead`'s queue.
pub(crate) fn replace(transport: &Arc<Transport>, dead: &Arc<Generation>, why: &str) {
    if dead.replaced.swap(true, Ordering::AcqRel) || !transport.is_current(dead) {
        return;
    }
    eprintln!("oaimock: the accept loop stopped ({why}); starting a new one");
    while !transport.stopped() {
        match Generation::start(&transport.listener) {
            Ok(fresh) => {
                transport.launch(&fresh);
                return;
            }
            // Still out of descriptors, most likely: wait, holding no lock.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
