//! Random faults: `--fault-rate` of the API requests fail with a status from `--fault-statuses`,
//! drawn under `--seed` in the order requests arrive.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ApiError;
use crate::ids::splitmix64;

/// `--fault-rate` of the API requests fail with a status drawn from `--fault-statuses`. Draws
/// follow the order requests arrive in, so one seed and one order give the same faults.
pub(crate) struct Chaos {
    pub rate: f64,
    pub statuses: Vec<u16>,
    pub seed: u64,
    drawn: AtomicU64,
}

impl Chaos {
    pub(crate) fn new(rate: f64, statuses: Vec<u16>, seed: u64) -> Chaos {
        Chaos {
            rate,
            statuses,
            seed,
            drawn: AtomicU64::new(0),
        }
    }

    /// The next request's fault, if it gets one, and its seed for jitter either way.
    pub(crate) fn draw(&self) -> (Option<ApiError>, u64) {
        let k = self.drawn.fetch_add(1, Ordering::Relaxed);
        let r = splitmix64(self.seed, k);
        if self.rate <= 0.0 || self.statuses.is_empty() {
            return (None, r);
        }
        let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.rate {
            return (None, r);
        }
        let status = self.statuses[(splitmix64(r, 1) % self.statuses.len() as u64) as usize];
        (Some(ApiError::for_status(status)), r)
    }

    pub(crate) fn reset(&self) {
        self.drawn.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chaos_is_the_same_for_the_same_seed() {
        let draws = |seed| {
            let chaos = Chaos::new(0.3, vec![429, 500], seed);
            (0..200)
                .map(|_| chaos.draw().0.map(|e| e.status))
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let hits = draws(7).iter().filter(|d| d.is_some()).count();
        assert!((30..90).contains(&hits), "{hits}");
    }
}
