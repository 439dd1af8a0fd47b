//! A bit writer that fills each byte from its least significant bit, as deflate (RFC 1951) and
//! WebP lossless both pack their streams; a prefix code is written from its first bit.

/// Bits appended to a byte vector, least significant first.
pub(crate) struct Bits<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    count: u32,
}

impl<'a> Bits<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Bits<'a> {
        Bits {
            out,
            acc: 0,
            count: 0,
        }
    }

    /// The low `n` bits of `value` (n ≤ 32), lowest first.
    pub(crate) fn put(&mut self, value: u32, n: u32) {
        debug_assert!(n <= 32 && (n == 32 || value >> n == 0));
        self.acc |= u64::from(value) << self.count;
        self.count += n;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// A prefix code of `len` bits whose first bit is the most significant of `code`.
    pub(crate) fn code(&mut self, code: u32, len: u32) {
        self.put(reverse(code, len), len);
    }

    /// Pads the last byte with zeros and gives the output back.
    pub(crate) fn into_inner(self) -> &'a mut Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// The low `len` bits of `code` in reverse order.
pub(crate) fn reverse(code: u32, len: u32) -> u32 {
    if len == 0 {
        0
    } else {
        code.reverse_bits() >> (32 - len)
    }
}

/// Canonical prefix codes for code lengths (RFC 1951 3.2.2): shorter codes first, then by symbol.
pub(crate) fn canonical(lengths: &[u8]) -> Vec<u32> {
    let mut count = [0u32; 17];
    for &l in lengths {
        count[l as usize] += 1;
    }
    count[0] = 0;
    let mut next = [0u32; 17];
    let mut code = 0;
    for bits in 1..17 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                0
            } else {
                let c = next[l as usize];
                next[l as usize] += 1;
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_fill_bytes_from_the_low_end() {
        let mut out = Vec::new();
        let mut bits = Bits::new(&mut out);
        bits.put(1, 1);
        bits.put(0b10, 2);
        bits.code(0b110, 3);
        bits.into_inner();
        // 1, then 0,1, then the code's bits 1,1,0: 0b0_011_10_1 read from the low end.
        assert_eq!(out, vec![0b0001_1101]);
    }

    #[test]
    fn canonical_codes_follow_rfc_1951() {
        // The worked example of RFC 1951 3.2.2: lengths (3,3,3,3,3,2,4,4).
        assert_eq!(
            canonical(&[3, 3, 3, 3, 3, 2, 4, 4]),
            vec![2, 3, 4, 5, 6, 0, 14, 15]
        );
    }
}
