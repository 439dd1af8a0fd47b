//! Whole-block intra prediction (RFC 6386 section 12.2): a 16×16 luma or 8×8 chroma block
//! predicted from the reconstructed row above and column to the left, which a decoder fills with
//! 127 above the first row and 129 left of the first column (the pixel above-left is 127 on the
//! first row and 129 down the first column).

/// The four whole-block modes, in the order of their code (0 to 3 in a mode byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Dc,
    V,
    H,
    Tm,
}

pub(super) const MODES: [Mode; 4] = [Mode::Dc, Mode::V, Mode::H, Mode::Tm];

/// What a block is predicted from.
pub(super) struct Edges<'a> {
    /// The `n` pixels above (127s on the first row).
    pub top: &'a [u8],
    /// The `n` pixels to the left (129s in the first column).
    pub left: &'a [u8],
    /// The pixel above-left.
    pub corner: u8,
    /// Whether `top` and `left` are real pixels (DC prediction averages only those).
    pub has_top: bool,
    pub has_left: bool,
}

/// Fills `out` (n × n, row by row; n is 16 or 8) with the prediction of `mode`.
pub(super) fn predict(mode: Mode, e: &Edges, out: &mut [u8]) {
    let n = e.top.len();
    match mode {
        Mode::Dc => {
            let sum = |s: &[u8]| s.iter().map(|&v| u32::from(v)).sum::<u32>();
            let shift = n.trailing_zeros();
            let half = n as u32 / 2;
            let value = match (e.has_top, e.has_left) {
                (true, true) => (sum(e.top) + sum(e.left) + n as u32) >> (shift + 1),
                (true, false) => (sum(e.top) + half) >> shift,
                (false, true) => (sum(e.left) + half) >> shift,
                (false, false) => 128,
            };
            out.fill(value as u8);
        }
        Mode::V => {
            for line in out.chunks_exact_mut(n) {
                line.copy_from_slice(e.top);
            }
        }
        Mode::H => {
            for (line, &l) in out.chunks_exact_mut(n).zip(e.left) {
                line.fill(l);
            }
        }
        Mode::Tm => {
            for (line, &l) in out.chunks_exact_mut(n).zip(e.left) {
                let base = i32::from(l) - i32::from(e.corner);
                for (px, &t) in line.iter_mut().zip(e.top) {
                    *px = (base + i32::from(t)).clamp(0, 255) as u8;
                }
            }
        }
    }
}

/// The sum of squared differences of two blocks' pixels.
pub(super) fn sse(a: &[u8], b: &[u8]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = i64::from(x) - i64::from(y);
            (d * d) as u64
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_averages_the_edges_there_are() {
        let top = [10u8; 16];
        let left = [20u8; 16];
        let mut out = [0u8; 256];
        let e = |has_top, has_left| Edges {
            top: &top,
            left: &left,
            corner: 0,
            has_top,
            has_left,
        };
        predict(Mode::Dc, &e(true, true), &mut out);
        assert_eq!(out, [15; 256]);
        predict(Mode::Dc, &e(true, false), &mut out);
        assert_eq!(out, [10; 256]);
        predict(Mode::Dc, &e(false, true), &mut out);
        assert_eq!(out, [20; 256]);
        predict(Mode::Dc, &e(false, false), &mut out);
        assert_eq!(out, [128; 256]);
    }

    #[test]
    fn tm_adds_the_gradient_and_clamps() {
        let top = [0u8, 100, 200, 250, 0, 0, 0, 0];
        let left = [50u8; 8];
        let mut out = [0u8; 64];
        let e = Edges {
            top: &top,
            left: &left,
            corner: 20,
            has_top: true,
            has_left: true,
        };
        predict(Mode::Tm, &e, &mut out);
        assert_eq!(out[..4], [30, 130, 230, 255]);
        predict(Mode::H, &e, &mut out);
        assert_eq!(out, [50; 64]);
        predict(Mode::V, &e, &mut out);
        assert_eq!(out[8..12], [0, 100, 200, 250]);
    }
}
