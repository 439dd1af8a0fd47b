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

/// Default caps: 10,000 objects and 64 MiB in total, 100 objects and 16 MiB per scope. 100 a
/// scope, not 1,000: the soak (1,200,000 mixed requests, a sixth of them stored responses in one
/// scope) measured 1.3 to 1.9 MiB of RSS growth with 1,000 kept, 0.9 with 100, 0.5 without the
/// store, against its limit of 1 MiB: objects that live long among short-lived ones fragment
/// the heaps.
pub(crate) const DEFAULT_LIMITS: Limits = Limits {
    objects: 10_000,
    bytes: 64 * 1024 * 1024,
    scope_objects: 100,
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

/// One scope's objects. Names are `Arc<str>`s shared by the maps that hold them: storing an
/// object allocates its id once, whatever indexes it.
struct Scope {
    name: Arc<str>,
    objects: HashMap<Kind, HashMap<Arc<str>, Entry>>,
    /// Creation order within the scope.
    order: BTreeMap<u64, (Kind, Arc<str>)>,
    bytes: usize,
}

#[derive(Default)]
struct Inner {
    scopes: HashMap<Arc<str>, Scope>,
    /// Creation order over every scope: seq → scope.
    order: BTreeMap<u64, Arc<str>>,
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

    fn entry(&self, scope: &str, kind: Kind, id: &str) -> Option<&Entry> {
        self.scopes.get(scope)?.objects.get(kind)?.get(id)
    }

    /// Removes one object; empty scopes are forgotten.
    fn remove(&mut self, scope: &str, kind: Kind, id: &str) -> Option<Entry> {
        let s = self.scopes.get_mut(scope)?;
        let entry = s.objects.get_mut(kind)?.remove(id)?;
        s.order.remove(&entry.seq);
        s.bytes -= entry.bytes;
        self.bytes -= entry.bytes;
        self.order.remove(&entry.seq);
        if s.order.is_empty() {
            self.scopes.remove(scope);
        }
        Some(entry)
    }

    /// Evicts the oldest object of `scope`, or of all scopes when `scope` is `None`.
    fn evict_oldest(&mut self, scope: Option<&str>) -> bool {
        let found = match scope {
            Some(scope) => self.scopes.get(scope).and_then(|s| {
                let (_, (kind, id)) = s.order.first_key_value()?;
                Some((s.name.clone(), *kind, id.clone()))
            }),
            None => self.order.first_key_value().and_then(|(seq, scope)| {
                let (kind, id) = self.scopes.get(scope)?.order.get(seq)?;
                Some((scope.clone(), *kind, id.clone()))
            }),
        };
        match found {
            Some((scope, kind, id)) => self.remove(&scope, kind, &id).is_some(),
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
        self.insert(&mut inner, scope, kind, id, Arc::new(value), bytes);
        Ok(())
    }

    /// Puts an object whose size has been checked, under the lock.
    fn insert(
        &self,
        inner: &mut Inner,
        scope: &str,
        kind: Kind,
        id: &str,
        value: Object,
        bytes: usize,
    ) {
        inner.next += 1;
        let stamp = inner.next;
        let seq = match inner.remove(scope, kind, id) {
            Some(old) => old.seq,
            None => stamp,
        };
        let limits = self.limits;
        loop {
            let s = inner.scopes.get(scope);
            let (count, used) = s.map_or((0, 0), |s| (s.order.len(), s.bytes));
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
        if !inner.scopes.contains_key(scope) {
            let name: Arc<str> = Arc::from(scope);
            let fresh = Scope {
                name: name.clone(),
                objects: HashMap::new(),
                order: BTreeMap::new(),
                bytes: 0,
            };
            inner.scopes.insert(name, fresh);
        }
        let s = inner
            .scopes
            .get_mut(scope)
            .expect("the scope was just made");
        let name = s.name.clone();
        let id: Arc<str> = Arc::from(id);
        s.order.insert(seq, (kind, id.clone()));
        s.bytes += bytes;
        let entry = Entry {
            value,
            bytes,
            seq,
            stamp,
        };
        s.objects.entry(kind).or_default().insert(id, entry);
        inner.bytes += bytes;
        inner.order.insert(seq, name);
    }

    /// The object `kind`/`id` of `scope`, if it is stored and of type `T`.
    pub(crate) fn get<T: Any + Send + Sync>(
        &self,
        scope: &str,
        kind: Kind,
        id: &str,
    ) -> Option<Arc<T>> {
        let inner = lock(&self.inner);
        let entry = inner.entry(scope, kind, id)?;
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
        loop {
            let (current, stamp) = {
                let inner = lock(&self.inner);
                let Some(entry) = inner.entry(scope, kind, id) else {
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
            match inner.entry(scope, kind, id) {
                None => return Ok(None),
                Some(entry) if entry.stamp == stamp => {
                    self.insert(&mut inner, scope, kind, id, Arc::new(value), bytes);
                    return Ok(Some(out));
                }
                Some(_) => continue,
            }
        }
    }

    /// Removes `kind`/`id` from `scope`; whether it was stored.
    pub(crate) fn delete(&self, scope: &str, kind: Kind, id: &str) -> bool {
        lock(&self.inner).remove(scope, kind, id).is_some()
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
            .filter_map(|(k, id)| {
                let entry = s.objects.get(k)?.get(id)?;
                let value = entry.value.clone().downcast::<T>().ok()?;
                Some((id.to_string(), value))
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
                let Some(gone) = inner.scopes.remove(scope) else {
                    return 0;
                };
                for seq in gone.order.keys() {
                    inner.order.remove(seq);
                }
                inner.bytes -= gone.bytes;
                gone.order.len()
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
            .map_or((0, 0), |s| (s.order.len(), s.bytes));
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
