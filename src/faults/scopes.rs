//! A table of per-scope state (rate-limit windows, sequence counters) that remembers a bounded
//! number of keys: every distinct `x-oaimock-scope` used to be kept for good, and 3,000 scopes of
//! 60 KB grew the process from 2.8 MB to 180 MB.

use std::collections::HashMap;
use std::hash::Hash;

/// The most keys one table remembers (a scope, or a scope and a sequence) unless `--max-scopes`
/// says otherwise. Past it, the least recently used eighth is forgotten: their rate-limit
/// windows and sequences start over.
pub(crate) const MAX_SCOPES: usize = 10_000;

/// The longest `x-oaimock-scope`, in bytes; a longer one is a 400 naming the limit.
pub(crate) const MAX_SCOPE_BYTES: usize = 256;

/// Values by key, each with the tick it was last used at.
#[derive(Debug)]
pub(crate) struct Scoped<K, V> {
    map: HashMap<K, (V, u64)>,
    clock: u64,
    capacity: usize,
}

impl<K: Hash + Eq, V> Default for Scoped<K, V> {
    fn default() -> Self {
        Scoped::with_capacity(MAX_SCOPES)
    }
}

impl<K: Hash + Eq, V> Scoped<K, V> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Scoped {
            map: HashMap::new(),
            clock: 0,
            capacity: capacity.max(1),
        }
    }

    /// The value of `key`, made with `new` when it is not remembered, marked as used now.
    pub(crate) fn get_or_insert_with(&mut self, key: K, new: impl FnOnce() -> V) -> &mut V {
        self.clock += 1;
        if self.map.len() >= self.capacity && !self.map.contains_key(&key) {
            self.forget_least_recent();
        }
        let clock = self.clock;
        let entry = self.map.entry(key).or_insert_with(|| (new(), clock));
        entry.1 = clock;
        &mut entry.0
    }

    /// Forgets the least recently used eighth (at least one): amortized over the insertions that
    /// fill the table again, each insertion costs a constant.
    fn forget_least_recent(&mut self) {
        let mut ticks: Vec<u64> = self.map.values().map(|(_, tick)| *tick).collect();
        let nth = ticks.len() / 8;
        let (_, cutoff, _) = ticks.select_nth_unstable(nth);
        let cutoff = *cutoff;
        self.map.retain(|_, (_, tick)| *tick > cutoff);
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.map.retain(|k, _| keep(k));
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_keys_go_first() {
        let mut table = Scoped::with_capacity(16);
        for i in 0..16 {
            *table.get_or_insert_with(i, || 0) += 1;
        }
        // Key 0 is used again, so 1, 2 and 3 are now the least recent: an eighth, and one.
        *table.get_or_insert_with(0, || 0) += 1;
        table.get_or_insert_with(16, || 0);
        assert_eq!(table.len(), 14);
        assert_eq!(*table.get_or_insert_with(0, || 0), 2);
        assert!((1..4).all(|k| !table.map.contains_key(&k)));
        assert!(table.map.contains_key(&4));
        for i in 0..10_000 {
            table.get_or_insert_with(100 + i, || 0);
            assert!(table.len() <= 16);
        }
    }
}
