//! Walking a [`Clock`]: when each paced piece of a body is due.

use std::time::Duration;

use crate::http::Clock;

/// A [`Clock`] being walked: the pause before each piece, its jitter drawn in turn.
pub(super) struct Ticks<'a> {
    clock: &'a Clock,
    /// The xorshift state the jitter is drawn from (seeded, never 0).
    state: u64,
}

impl Ticks<'_> {
    pub(super) fn new(clock: &Clock) -> Ticks<'_> {
        Ticks {
            clock,
            state: clock.seed | 1,
        }
    }

    /// The pause before the piece at `index`: its stall, and when `paced` the token delay with
    /// up to the jitter more.
    pub(super) fn before(&mut self, index: usize, paced: bool) -> Duration {
        let mut wait = match self.clock.stall {
            Some((at, stall)) if at == index => stall,
            _ => Duration::ZERO,
        };
        if paced {
            wait += self.clock.token_delay + self.jitter();
        }
        wait
    }

    fn jitter(&mut self) -> Duration {
        let most = self.clock.jitter;
        if most.is_zero() {
            return Duration::ZERO;
        }
        let state = &mut self.state;
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        Duration::from_micros(*state % (most.as_micros() as u64 + 1))
    }
}
