//! The stored objects of the stateful API (responses, conversations, chat completions, and any
//! later kind such as files): typed maps of id → object per `x-oaimock-scope`, each object with
//! its size in bytes, under a cap on objects and bytes per scope and in total. Past a cap the
//! oldest objects (by creation) are evicted first; `POST /_oaimock/reset` clears a scope or all.
//!
//! Objects are kept behind `Arc`s and handed out as clones of the `Arc`, so a caller serializes
//! or walks them after the lock is released: the lock is held only for map updates, never while
//! writing to a socket or sleeping.

#[cfg(test)]
mod tests;

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::error::ApiError;
use crate::sync::lock;

/// The caps, from `--store-objects`, `--store-bytes`, `--store-scope-objects`,
/// `--store-scope-bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub objects: usize,
    pub bytes: usize,
    pub scope_objects: usize,
    pub scope_bytes: usize,
}

/// Default caps: 10,000 objects and 64 MiB in total, 1,000 objects and 16 MiB per scope.
pub(crate) const DEFAULT_LIMITS: Limits = Limits {
    objects: 10_000,
    bytes: 64 * 1024 * 1024,
    scope_objects: 1_000,
    scope_bytes: 16 * 1024 * 1024,
};

/// The kind of a stored object: its own id space, and the type its objects have.
pub(crate) type Kind = &'static str;

type Object = Arc<dyn Any + Send + Sync>;

struct Entry {
    value: Object,
    bytes: usize,
    /// Creation order: what listings sort by and eviction takes from.
    seq: u64,
    /// Changes with every write of this id: an update copied outside the lock is stored only if
    /// no other write came in between.
    stamp: u64,
}

#[derive(Default)]
struct Scope {
    objects: HashMap<(Kind, String), Entry>,
    /// Creation order within the scope.
    order: BTreeMap<u64, (Kind, String)>,
    bytes: usize,
}

#[derive(Default)]
struct Inner {
    scopes: HashMap<String, Scope>,
    /// Creation order over every scope: seq → scope.
    order: BTreeMap<u64, String>,
    bytes: usize,
    next: u64,
}

/// Every stored object of every scope.
pub(crate) struct Store {
    limits: Limits,
    inner: Mutex<Inner>,
}

impl Inner {
    fn count(&self) -> usize {
        self.order.len()
    }

    /// Removes one object; empty scopes are forgotten.
    fn remove(&mut self, scope: &str, key: &(Kind, String)) -> Option<Entry> {
        let s = self.scopes.get_mut(scope)?;
        let entry = s.objects.remove(key)?;
        s.order.remove(&entry.seq);
        s.bytes -= entry.bytes;
        self.bytes -= entry.bytes;
        self.order.remove(&entry.seq);
        if s.objects.is_empty() {
            self.scopes.remove(scope);
        }
        Some(entry)
    }

    /// Evicts the oldest object of `scope`, or of all scopes when `scope` is `None`.
    fn evict_oldest(&mut self, scope: Option<&str>) -> bool {
        let found = match scope {
            Some(scope) => self
                .scopes
                .get(scope)
                .and_then(|s| s.order.first_key_value())
                .map(|(_, key)| (scope.to_string(), key.clone())),
            None => self.order.first_key_value().and_then(|(seq, scope)| {
                let key = self.scopes.get(scope)?.order.get(seq)?.clone();
                Some((scope.clone(), key))
            }),
        };
        match found {
            Some((scope, key)) => self.remove(&scope, &key).is_some(),
            None => false,
        }
    }
}

impl Store {
    pub(crate) fn new(limits: Limits) -> Store {
        Store {
            limits,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The 400 for an object of `bytes` bytes that no scope could hold.
    pub(crate) fn check_size(&self, kind: Kind, bytes: usize) -> Result<(), ApiError> {
        let most = self.limits.scope_bytes.min(self.limits.bytes);
        if bytes > most {
            return Err(ApiError::invalid(
                "store",
                "object_too_large",
                format!(
                    "This {kind} object would be {bytes} bytes, more than the limit of {most} bytes stored per scope (--store-scope-bytes, --store-bytes)."
                ),
            ));
        }
        Ok(())
    }

    /// Stores `value` as `kind`/`id` in `scope`, counted as `bytes`, replacing an object of the
    /// same id (which keeps its place in the creation order). Older objects are evicted until the
    /// caps hold; an object larger than a scope may hold is a 400 naming the limit.
    pub(crate) fn put<T: Any + Send + Sync>(
        &self,
        scope: &str,
        kind: Kind,
        id: &str,
        value: T,
        bytes: usize,
    ) -> Result<(), ApiError> {
        self.check_size(kind, bytes)?;
        let mut inner = lock(&self.inner);
        self.insert(
            &mut inner,
            scope,
            (kind, id.to_string()),
            Arc::new(value),
            bytes,
        );
        Ok(())
    }

    /// Puts an object whose size has been checked, under the lock.
    fn insert(
        &self,
        inner: &mut Inner,
        scope: &str,
        key: (Kind, String),
        value: Object,
        bytes: usize,
    ) {
        inner.next += 1;
        let stamp = inner.next;
        let seq = match inner.remove(scope, &key) {
            Some(old) => old.seq,
            None => stamp,
        };
        let limits = self.limits;
        loop {
            let s = inner.scopes.get(scope);
            let (count, used) = s.map_or((0, 0), |s| (s.objects.len(), s.bytes));
            if count < limits.scope_objects && used + bytes <= limits.scope_bytes {
                break;
            }
            if !inner.evict_oldest(Some(scope)) {
                break;
            }
        }
        while (inner.count() >= limits.objects || inner.bytes + bytes > limits.bytes)
            && inner.evict_oldest(None)
        {}
        let s = inner.scopes.entry(scope.to_string()).or_default();
        s.order.insert(seq, key.clone());
        s.bytes += bytes;
        s.objects.insert(
            key,
            Entry {
                value,
                bytes,
                seq,
                stamp,
            },
        );
        inner.bytes += bytes;
        inner.order.insert(seq, scope.to_string());
    }

    /// The object `kind`/`id` of `scope`, if it is stored and of type `T`.
    pub(crate) fn get<T: Any + Send + Sync>(
        &self,
        scope: &str,
        kind: Kind,
        id: &str,
    ) -> Option<Arc<T>> {
        let inner = lock(&self.inner);
        let entry = inner
            .scopes
            .get(scope)?
            .objects
            .get(&(kind, id.to_string()))?;
        entry.value.clone().downcast::<T>().ok()
    }

    /// Changes a copy of the object and stores it in its place, re-counted with `size`; returns
    /// what `change` returns, or `None` when it is not stored. The copy is made and changed
    /// outside the lock (a large conversation costs its own request the copy, not everyone the
    /// wait) and stored only if no other write of the object came in between; otherwise the
    /// change is made again on the newer object, so two changes never lose one another. A change
    /// that fails, or would outgrow a scope, leaves the object as it was.
    pub(crate) fn update<T: Any + Send + Sync + Clone, R>(
        &self,
        scope: &str,
        kind: Kind,
        id: &str,
        size: impl Fn(&T) -> usize,
        mut change: impl FnMut(&mut T) -> Result<R, ApiError>,
    ) -> Result<Option<R>, ApiError> {
        let key = (kind, id.to_string());
        loop {
            let (current, stamp) = {
                let inner = lock(&self.inner);
                let Some(entry) = inner.scopes.get(scope).and_then(|s| s.objects.get(&key)) else {
                    return Ok(None);
                };
                (entry.value.clone(), entry.stamp)
            };
            let Some(current) = current.downcast_ref::<T>() else {
                return Ok(None);
            };
            let mut value = current.clone();
            let out = change(&mut value)?;
            let bytes = size(&value);
            self.check_size(kind, bytes)?;
            let mut inner = lock(&self.inner);
            let now = inner.scopes.get(scope).and_then(|s| s.objects.get(&key));
            match now {
                None => return Ok(None),
                Some(entry) if entry.stamp == stamp => {
                    self.insert(&mut inner, scope, key, Arc::new(value), bytes);
                    return Ok(Some(out));
                }
                Some(_) => continue,
            }
        }
    }

    /// Removes `kind`/`id` from `scope`; whether it was stored.
    pub(crate) fn delete(&self, scope: &str, kind: Kind, id: &str) -> bool {
        lock(&self.inner)
            .remove(scope, &(kind, id.to_string()))
            .is_some()
    }

    /// Every object of `kind` in `scope` of type `T`, oldest first, with its id.
    pub(crate) fn list<T: Any + Send + Sync>(
        &self,
        scope: &str,
        kind: Kind,
    ) -> Vec<(String, Arc<T>)> {
        let inner = lock(&self.inner);
        let Some(s) = inner.scopes.get(scope) else {
            return Vec::new();
        };
        s.order
            .values()
            .filter(|(k, _)| *k == kind)
            .filter_map(|key| {
                let value = s.objects.get(key)?.value.clone().downcast::<T>().ok()?;
                Some((key.1.clone(), value))
            })
            .collect()
    }

    /// Forgets every object of one scope, or of all; returns how many there were.
    pub(crate) fn clear(&self, scope: Option<&str>) -> usize {
        let mut inner = lock(&self.inner);
        match scope {
            None => {
                let count = inner.count();
                *inner = Inner {
                    next: inner.next,
                    ..Inner::default()
                };
                count
            }
            Some(scope) => {
                let keys: Vec<(Kind, String)> = inner
                    .scopes
                    .get(scope)
                    .map(|s| s.order.values().cloned().collect())
                    .unwrap_or_default();
                keys.iter()
                    .filter(|key| inner.remove(scope, key).is_some())
                    .count()
            }
        }
    }

    /// Objects and bytes stored: in `scope`, and in total.
    #[cfg(test)]
    pub(crate) fn usage(&self, scope: &str) -> ((usize, usize), (usize, usize)) {
        let inner = lock(&self.inner);
        let own = inner
            .scopes
            .get(scope)
            .map_or((0, 0), |s| (s.objects.len(), s.bytes));
        (own, (inner.count(), inner.bytes))
    }
}

/// The size of `value` as compact JSON: what a stored object is counted as.
pub(crate) fn json_size<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}
