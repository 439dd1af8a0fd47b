//! The one poison-tolerant lock: every value behind a mutex in oaimock stays valid after a panic.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex whatever a panicking holder left behind: every value behind one stays valid.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
