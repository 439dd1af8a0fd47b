//! WebP lossless (VP8L, RFC 9649) image streams, for the alpha plane of a transparent WebP: no
//! transforms, no colour cache, one set of prefix codes built from the plane's own histograms.
//! Like the PNG compressor, matches are looked for one row up and at the previous pixel. The
//! pattern is drawn twice, once to count symbols and once to write them, so encoding costs the
//! stream's bytes and two rows of pixels.

use super::huffman::lengths;
use crate::imaging::bits::{Bits, canonical};

/// The widest and tallest image VP8L can say (14 bits each).
pub(crate) const MAX_SIDE: u32 = 16384;
/// The longest backward reference (RFC 9649 5.2.2: prefix codes up to 4096).
const MAX_COPY: usize = 4096;
/// Green alphabet: 256 literals and 24 length prefixes (no colour cache).
const GREEN: usize = 256 + 24;
const DISTANCE: usize = 40;
/// Distance codes for the pixel one row up, (0, 1), and for the one to the left, (1, 0).
const UP: u32 = 1;
const LEFT: u32 = 2;

/// One step of the pixel stream: a literal ARGB pixel, or `len` pixels copied by a distance code.
#[derive(Clone, Copy)]
enum Token {
    Pixel(u32),
    Copy(usize, u32),
}

/// The VP8L image stream of an alpha plane, as an `ALPH` chunk of compression method 1 holds it
/// (RFC 9649 section 5, without the image header: its size is the frame's). Each alpha value is
/// the green of an otherwise black, clear pixel; `row(y, line)` fills row `y` with RGBA bytes.
pub(super) fn alpha(width: u32, height: u32, mut row: impl FnMut(u32, &mut [u8])) -> Vec<u8> {
    assert!(width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE);
    // First pass: the histograms of the five alphabets.
    let mut hist = [
        vec![0u32; GREEN],
        vec![0u32; 256],
        vec![0u32; 256],
        vec![0u32; 256],
        vec![0u32; DISTANCE],
    ];
    tokens(width, height, &mut row, |t| match t {
        Token::Pixel(argb) => {
            hist[0][((argb >> 8) & 0xff) as usize] += 1;
            hist[1][((argb >> 16) & 0xff) as usize] += 1;
            hist[2][(argb & 0xff) as usize] += 1;
            hist[3][(argb >> 24) as usize] += 1;
        }
        Token::Copy(len, dist) => {
            hist[0][256 + prefix(len as u32).0 as usize] += 1;
            hist[4][prefix(dist).0 as usize] += 1;
        }
    });
    let lens: Vec<Vec<u8>> = hist.iter().map(|h| lengths(h, 15)).collect();
    let codes: Vec<Vec<u32>> = lens.iter().map(|l| canonical(l)).collect();
    // A code with one symbol is written as a simple code, and its symbol then costs no bits.
    let widths: Vec<Vec<u8>> = lens
        .iter()
        .map(|l| {
            let used = l.iter().filter(|&&n| n > 0).count();
            l.iter().map(|&n| if used > 1 { n } else { 0 }).collect()
        })
        .collect();

    let mut out = Vec::with_capacity(1024);
    let mut bits = Bits::new(&mut out);
    bits.put(0, 1); // no transform
    bits.put(0, 1); // no colour cache
    bits.put(0, 1); // one set of prefix codes for the whole image
    for l in &lens {
        write_code(&mut bits, l);
    }
    let put = |bits: &mut Bits, tree: usize, symbol: usize| {
        bits.code(codes[tree][symbol], u32::from(widths[tree][symbol]));
    };
    tokens(width, height, &mut row, |t| match t {
        Token::Pixel(argb) => {
            put(&mut bits, 0, ((argb >> 8) & 0xff) as usize);
            put(&mut bits, 1, ((argb >> 16) & 0xff) as usize);
            put(&mut bits, 2, (argb & 0xff) as usize);
            put(&mut bits, 3, (argb >> 24) as usize);
        }
        Token::Copy(len, dist) => {
            let (p, extra, n) = prefix(len as u32);
            put(&mut bits, 0, 256 + p as usize);
            bits.put(extra, n);
            let (p, extra, n) = prefix(dist);
            put(&mut bits, 4, p as usize);
            bits.put(extra, n);
        }
    });
    bits.into_inner();
    out
}

/// Walks the image row by row, keeping the row above, and says each literal or copy.
fn tokens(
    width: u32,
    height: u32,
    row: &mut impl FnMut(u32, &mut [u8]),
    mut visit: impl FnMut(Token),
) {
    let w = width as usize;
    let mut rgba = vec![0u8; w * 4];
    let mut above: Vec<u32> = Vec::new();
    let mut line = vec![0u32; w];
    for y in 0..height {
        row(y, &mut rgba);
        for (px, v) in rgba.chunks_exact(4).zip(line.iter_mut()) {
            *v = u32::from(px[3]) << 8;
        }
        let mut x = 0;
        while x < w {
            let limit = (w - x).min(MAX_COPY);
            let up = if above.is_empty() {
                0
            } else {
                (0..limit)
                    .take_while(|&k| line[x + k] == above[x + k])
                    .count()
            };
            let left = if x > 0 {
                (0..limit)
                    .take_while(|&k| line[x + k] == line[x - 1])
                    .count()
            } else {
                0
            };
            if up >= 3 && up >= left {
                visit(Token::Copy(up, UP));
                x += up;
            } else if left >= 3 {
                visit(Token::Copy(left, LEFT));
                x += left;
            } else {
                visit(Token::Pixel(line[x]));
                x += 1;
            }
        }
        std::mem::swap(&mut above, &mut line);
        line.resize(w, 0);
    }
}

/// A length or distance code value (≥ 1) as its prefix symbol, extra bits and their count.
fn prefix(value: u32) -> (u32, u32, u32) {
    let x = value - 1;
    if x < 4 {
        return (x, 0, 0);
    }
    let high = 31 - x.leading_zeros();
    let second = (x >> (high - 1)) & 1;
    let extra = high - 1;
    (2 * high + second, x & ((1 << extra) - 1), extra)
}

/// One prefix code: a simple code when at most one symbol is used (it then costs no bits), else
/// a normal code whose lengths are written with a fixed code of sixteen 4-bit codes.
fn write_code(bits: &mut Bits, lens: &[u8]) {
    let used: Vec<usize> = (0..lens.len()).filter(|&s| lens[s] > 0).collect();
    if used.len() <= 1 {
        let symbol = used.first().copied().unwrap_or(0) as u32;
        bits.put(1, 1); // simple code
        bits.put(0, 1); // one symbol
        if symbol < 2 {
            bits.put(0, 1);
            bits.put(symbol, 1);
        } else {
            bits.put(1, 1);
            bits.put(symbol, 8);
        }
        return;
    }
    bits.put(0, 1); // normal code
    // The code-length code: lengths 0..=15 get 4 bits each; 16, 17, 18 (repeats) go unused.
    const ORDER: [usize; 19] = [
        17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ];
    bits.put(19 - 4, 4);
    for symbol in ORDER {
        bits.put(if symbol < 16 { 4 } else { 0 }, 3);
    }
    bits.put(0, 1); // every symbol's length follows
    for &l in lens {
        bits.code(u32::from(l), 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_codes_follow_the_spec() {
        assert_eq!(prefix(1), (0, 0, 0));
        assert_eq!(prefix(4), (3, 0, 0));
        assert_eq!(prefix(5), (4, 0, 1));
        assert_eq!(prefix(6), (4, 1, 1));
        assert_eq!(prefix(7), (5, 0, 1));
        assert_eq!(prefix(9), (6, 0, 2));
        assert_eq!(prefix(4096), (23, 1023, 10));
        // Decoding as RFC 9649 does gives the value back.
        for value in 1..=4096u32 {
            let (p, extra, _) = prefix(value);
            let decoded = if p < 4 {
                p + 1
            } else {
                let n = (p - 2) >> 1;
                ((2 + (p & 1)) << n) + extra + 1
            };
            assert_eq!(decoded, value);
        }
    }
}
