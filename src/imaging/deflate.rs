//! A zlib stream (RFC 1950) of one deflate block with the fixed prefix codes (RFC 1951 3.2.6),
//! fed one scanline at a time. Matches are looked for in two places only, the same bytes one
//! scanline up and the previous pixel repeated, which is where a drawn pattern repeats: the
//! compressor keeps the last scanline and nothing else, so its memory is two scanlines.

use super::bits::Bits;

/// Match lengths: the base of each length code 257..=285 and its extra bits.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Distances: the base of each distance code 0..=29 and its extra bits.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// The longest match deflate can say, and the farthest back it can reach.
const MAX_MATCH: usize = 258;
pub(crate) const MAX_DISTANCE: usize = 32768;

/// A zlib stream being written into `out`.
pub(crate) struct Zlib<'a> {
    bits: Bits<'a>,
    adler: (u32, u32),
    prev: Vec<u8>,
    /// The bytes of one pixel: the distance to the previous one.
    unit: usize,
}

impl<'a> Zlib<'a> {
    /// Starts the stream: the zlib header and the header of its one fixed-code block.
    pub(crate) fn new(out: &'a mut Vec<u8>, unit: usize) -> Zlib<'a> {
        // CMF 0x78: deflate with a 32 KiB window; FLG 0x01 makes the pair a multiple of 31.
        out.extend_from_slice(&[0x78, 0x01]);
        let mut bits = Bits::new(out);
        bits.put(1, 1); // BFINAL
        bits.put(1, 2); // BTYPE 01: fixed prefix codes
        Zlib {
            bits,
            adler: (1, 0),
            prev: Vec::new(),
            unit,
        }
    }

    /// Compresses one scanline (filter byte included); scanlines are at most [`MAX_DISTANCE`].
    pub(crate) fn line(&mut self, line: &[u8]) {
        debug_assert!(line.len() <= MAX_DISTANCE);
        self.checksum(line);
        let above = self.prev.len() == line.len();
        let mut i = 0;
        while i < line.len() {
            let limit = (line.len() - i).min(MAX_MATCH);
            let up = if above {
                common(&line[i..i + limit], &self.prev[i..i + limit])
            } else {
                0
            };
            let left = if i > self.unit {
                let from = i - self.unit;
                (0..limit)
                    .take_while(|&k| line[i + k] == line[from + k])
                    .count()
            } else {
                0
            };
            if up >= 3 && up >= left {
                self.copy(up, line.len());
                i += up;
            } else if left >= 3 {
                self.copy(left, self.unit);
                i += left;
            } else {
                self.literal(u16::from(line[i]));
                i += 1;
            }
        }
        self.prev.clear();
        self.prev.extend_from_slice(line);
    }

    /// Ends the block and the stream (the Adler-32 of everything compressed).
    pub(crate) fn finish(mut self) -> &'a mut Vec<u8> {
        self.literal(256);
        let Zlib { bits, adler, .. } = self;
        let out = bits.into_inner();
        out.extend_from_slice(&((adler.1 << 16) | adler.0).to_be_bytes());
        out
    }

    fn checksum(&mut self, data: &[u8]) {
        // 5552 bytes is the most that cannot overflow before the modulo (RFC 1950's NMAX).
        for chunk in data.chunks(5552) {
            for &b in chunk {
                self.adler.0 += u32::from(b);
                self.adler.1 += self.adler.0;
            }
            self.adler.0 %= 65521;
            self.adler.1 %= 65521;
        }
    }

    /// A literal byte or the end of block (256) in the fixed literal/length code.
    fn literal(&mut self, symbol: u16) {
        let (code, len) = fixed_code(symbol);
        self.bits.code(code, len);
    }

    fn copy(&mut self, length: usize, distance: usize) {
        let l = LENGTH_BASE.partition_point(|&b| usize::from(b) <= length) - 1;
        self.literal(257 + l as u16);
        self.bits.put(
            (length - usize::from(LENGTH_BASE[l])) as u32,
            u32::from(LENGTH_EXTRA[l]),
        );
        let d = DIST_BASE.partition_point(|&b| usize::from(b) <= distance) - 1;
        self.bits.code(d as u32, 5);
        self.bits.put(
            (distance - usize::from(DIST_BASE[d])) as u32,
            u32::from(DIST_EXTRA[d]),
        );
    }
}

/// How many leading bytes two slices share.
fn common(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The fixed literal/length code of RFC 1951 3.2.6: (code, bits).
fn fixed_code(symbol: u16) -> (u32, u32) {
    let s = u32::from(symbol);
    match symbol {
        0..=143 => (0x30 + s, 8),
        144..=255 => (0x190 + s - 144, 9),
        256..=279 => (s - 256, 7),
        _ => (0xC0 + s - 280, 8),
    }
}

/// The Adler-32 of `data` (RFC 1950 8.2), for tests.
#[cfg(test)]
pub(crate) fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
pub(crate) mod tests;
