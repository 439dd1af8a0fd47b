//! The boolean entropy encoder of VP8 (RFC 6386 section 7): each bool is coded against an 8-bit
//! probability that it is false, narrowing an interval whose settled high bits are written out
//! as bytes; a carry out of the interval's low end is added back into the bytes already written.

/// A boolean encoder writing into its own byte vector.
pub(super) struct BoolWriter {
    out: Vec<u8>,
    /// The interval's width, 128..=255 between calls.
    range: u32,
    /// The interval's low end; its bits above the 24th are the next byte out.
    bottom: u32,
    /// Shifts left before the next byte is complete.
    pending: u32,
}

impl BoolWriter {
    pub(super) fn new() -> BoolWriter {
        BoolWriter {
            out: Vec::new(),
            range: 255,
            bottom: 0,
            pending: 24,
        }
    }

    /// One bool whose chance of being false is `prob` / 256.
    pub(super) fn put(&mut self, bit: bool, prob: u8) {
        let split = 1 + (((self.range - 1) * u32::from(prob)) >> 8);
        if bit {
            self.bottom += split;
            self.range -= split;
        } else {
            self.range = split;
        }
        while self.range < 128 {
            self.range <<= 1;
            if self.bottom & (1 << 31) != 0 {
                self.carry();
            }
            self.bottom <<= 1;
            self.pending -= 1;
            if self.pending == 0 {
                self.out.push((self.bottom >> 24) as u8);
                self.bottom &= (1 << 24) - 1;
                self.pending = 8;
            }
        }
    }

    /// The low `n` bits of `value`, most significant first, each at even odds (`L(n)`).
    pub(super) fn literal(&mut self, value: u32, n: u32) {
        for i in (0..n).rev() {
            self.put((value >> i) & 1 == 1, 128);
        }
    }

    /// Adds one to the bytes written so far (the carry of an addition to `bottom`).
    fn carry(&mut self) {
        for byte in self.out.iter_mut().rev() {
            if *byte == 255 {
                *byte = 0;
            } else {
                *byte += 1;
                return;
            }
        }
    }

    /// Pushes the interval's remaining bits out (32 even-odds zeros, as libvpx's encoder ends a
    /// partition) and gives the bytes back.
    pub(super) fn finish(mut self) -> Vec<u8> {
        for _ in 0..32 {
            self.put(false, 128);
        }
        self.out
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The decoder of RFC 6386 7.3, to read back what the encoder wrote.
    pub(in crate::imaging::webp) struct BoolReader<'a> {
        data: &'a [u8],
        at: usize,
        value: u32,
        range: u32,
        count: u32,
    }

    impl<'a> BoolReader<'a> {
        pub(in crate::imaging::webp) fn new(data: &'a [u8]) -> BoolReader<'a> {
            let byte = |i: usize| u32::from(data.get(i).copied().unwrap_or(0));
            BoolReader {
                data,
                at: 2,
                value: (byte(0) << 8) | byte(1),
                range: 255,
                count: 0,
            }
        }

        pub(in crate::imaging::webp) fn get(&mut self, prob: u8) -> bool {
            let split = 1 + (((self.range - 1) * u32::from(prob)) >> 8);
            let big = split << 8;
            let bit = if self.value >= big {
                self.range -= split;
                self.value -= big;
                true
            } else {
                self.range = split;
                false
            };
            while self.range < 128 {
                self.value <<= 1;
                self.range <<= 1;
                self.count += 1;
                if self.count == 8 {
                    self.count = 0;
                    self.value |= u32::from(self.data.get(self.at).copied().unwrap_or(0));
                    self.at += 1;
                }
            }
            bit
        }

        pub(in crate::imaging::webp) fn literal(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |v, _| (v << 1) | u32::from(self.get(128)))
        }
    }

    #[test]
    fn bools_read_back_at_every_probability() {
        // A deterministic mix of bits and probabilities, extremes included, long enough to carry.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let items: Vec<(bool, u8)> = (0..20_000)
            .map(|i| {
                let r = next();
                let prob = match i % 5 {
                    0 => 1,
                    1 => 255,
                    _ => (r >> 8) as u8,
                };
                // Mostly the likely value, sometimes the unlikely one.
                let likely_false = prob >= 128;
                let surprise = r % 7 == 0;
                (likely_false == surprise, prob)
            })
            .collect();
        let mut w = BoolWriter::new();
        for &(bit, prob) in &items {
            w.put(bit, prob);
        }
        w.literal(0x5a5, 11);
        let bytes = w.finish();
        let mut r = BoolReader::new(&bytes);
        for (i, &(bit, prob)) in items.iter().enumerate() {
            assert_eq!(r.get(prob), bit, "bool {i}");
        }
        assert_eq!(r.literal(11), 0x5a5);
    }

    #[test]
    fn likely_bools_cost_less_than_a_bit() {
        let mut w = BoolWriter::new();
        for _ in 0..8000 {
            w.put(false, 250);
        }
        assert!(w.finish().len() < 100);
    }
}
