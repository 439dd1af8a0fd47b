//! The source of one macroblock row: sixteen RGB rows drawn and converted to BT.601 YUV with
//! chroma averaged over 2×2 pixels (4:2:0), as VP8 codes it. Edges past the image repeat its
//! last column and row, so partial macroblocks hold no stray colours.

/// `Y = 16 + 219/255 · (0.299 R + 0.587 G + 0.114 B)` and the chroma differences scaled by
/// 224/255 (`Cb = 128 + 0.439 (B − Y) / 0.886`, `Cr = 128 + 0.439 (R − Y) / 0.701`, ITU-R
/// BT.601), in 16-bit fixed point; each chroma row's coefficients sum to 0 so greys stay grey.
const Y_RGB: [i32; 3] = [16829, 33039, 6416];
const U_RGB: [i32; 3] = [-9714, -19070, 28784];
const V_RGB: [i32; 3] = [28784, -24103, -4681];

/// One macroblock row of planes, `16 × stride` luma and `8 × stride / 2` of each chroma.
pub(super) struct Planes {
    width: u32,
    height: u32,
    pub stride: usize,
    rgb: [Vec<u8>; 2],
    /// The last pair of rows converted, once there is one.
    before: [Vec<u8>; 2],
    seen: bool,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

impl Planes {
    /// Buffers for a picture `width` × `height` pixels coded as `columns` macroblocks a row.
    pub(super) fn new(width: u32, height: u32, columns: usize) -> Planes {
        let stride = columns * 16;
        Planes {
            width,
            height,
            stride,
            rgb: [vec![0; width as usize * 3], vec![0; width as usize * 3]],
            before: [vec![0; width as usize * 3], vec![0; width as usize * 3]],
            seen: false,
            y: vec![0; 16 * stride],
            u: vec![0; 8 * stride / 2],
            v: vec![0; 8 * stride / 2],
        }
    }

    /// Draws and converts macroblock row `mb_y`; `row(y, line)` fills row `y` with RGB bytes.
    /// A pattern's rows repeat within a band of cells: a pair of rows equal to the pair before
    /// (in this macroblock row or at the bottom of the last one, still in the buffers) is copied.
    pub(super) fn load(&mut self, mb_y: u32, row: &mut impl FnMut(u32, &mut [u8])) {
        let half = self.stride / 2;
        for pair in 0..8 {
            for k in 0..2 {
                let y = (mb_y * 16 + pair as u32 * 2 + k as u32).min(self.height - 1);
                row(y, &mut self.rgb[k]);
            }
            let before = if pair == 0 { 7 } else { pair - 1 };
            if self.seen && self.rgb == self.before {
                let s = self.stride;
                self.y
                    .copy_within(before * 2 * s..(before + 1) * 2 * s, pair * 2 * s);
                self.u
                    .copy_within(before * half..(before + 1) * half, pair * half);
                self.v
                    .copy_within(before * half..(before + 1) * half, pair * half);
                continue;
            }
            self.convert(pair);
            for (seen, now) in self.before.iter_mut().zip(&self.rgb) {
                seen.copy_from_slice(now);
            }
            self.seen = true;
        }
    }

    /// Converts the two RGB rows drawn into row pair `pair` of the planes.
    fn convert(&mut self, pair: usize) {
        let last = self.width as usize - 1;
        let half = self.stride / 2;
        for k in 0..2 {
            let line = &mut self.y[(pair * 2 + k) * self.stride..][..self.stride];
            let mut memo = ([0u8; 3], luma(&[0, 0, 0]));
            for (x, out) in line.iter_mut().enumerate() {
                let at = x.min(last) * 3;
                let px = &self.rgb[k][at..at + 3];
                if px != memo.0 {
                    memo = ([px[0], px[1], px[2]], luma(px));
                }
                *out = memo.1;
            }
        }
        for cx in 0..half {
            let mut sum = [0i32; 3];
            for line in &self.rgb {
                for x in [cx * 2, cx * 2 + 1] {
                    let at = x.min(last) * 3;
                    for (s, &c) in sum.iter_mut().zip(&line[at..at + 3]) {
                        *s += i32::from(c);
                    }
                }
            }
            self.u[pair * half + cx] = convert_sum(&U_RGB, &sum);
            self.v[pair * half + cx] = convert_sum(&V_RGB, &sum);
        }
    }
}

/// A pixel's luma: 16 plus its weighted R, G and B, rounded.
fn luma(px: &[u8]) -> u8 {
    let k = &Y_RGB;
    let v = k[0] * i32::from(px[0]) + k[1] * i32::from(px[1]) + k[2] * i32::from(px[2]);
    ((v + (16 << 16) + (1 << 15)) >> 16).clamp(0, 255) as u8
}

/// A chroma value from the sums of four pixels' R, G and B: 128 plus their weighted mean.
fn convert_sum(k: &[i32; 3], sum: &[i32; 3]) -> u8 {
    let v = k[0] * sum[0] + k[1] * sum[1] + k[2] * sum[2];
    ((v + (128 << 18) + (1 << 17)) >> 18).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bt601_levels_for_black_white_and_the_primaries() {
        let yuv = |px: [u8; 3]| {
            let sum = px.map(|c| 4 * i32::from(c));
            (
                luma(&px),
                convert_sum(&U_RGB, &sum),
                convert_sum(&V_RGB, &sum),
            )
        };
        assert_eq!(yuv([0, 0, 0]), (16, 128, 128));
        assert_eq!(yuv([255, 255, 255]), (235, 128, 128));
        assert_eq!(yuv([128, 128, 128]), (126, 128, 128));
        assert_eq!(yuv([255, 0, 0]), (81, 90, 240));
        assert_eq!(yuv([0, 0, 255]), (41, 240, 110));
    }

    #[test]
    fn a_partial_macroblock_repeats_the_last_column_and_row() {
        let mut planes = Planes::new(3, 2, 1);
        planes.load(0, &mut |y, line: &mut [u8]| {
            for (x, px) in line.chunks_mut(3).enumerate() {
                px.fill(if x == 2 && y == 1 { 255 } else { 0 });
            }
        });
        assert_eq!(planes.y[16 + 2], 235);
        assert_eq!(planes.y[16 + 15], 235);
        assert_eq!(planes.y[15 * 16 + 15], 235);
        assert_eq!(planes.y[15 * 16], 16);
        assert_eq!(planes.y[0], 16);
    }

    #[test]
    fn repeated_rows_convert_as_drawn_ones_do() {
        // Rows 0-5 black, 6-19 white (equal pairs are copied, across the macroblock rows too).
        let draw = |y: u32, line: &mut [u8]| line.fill(if y < 6 { 0 } else { 255 });
        let mut planes = Planes::new(16, 40, 1);
        let mut fresh = Planes::new(16, 40, 1);
        for mb_y in 0..3 {
            planes.load(mb_y, &mut { draw });
            for pair in 0..8 {
                for k in 0..2 {
                    let y = (mb_y * 16 + pair as u32 * 2 + k as u32).min(39);
                    draw(y, &mut fresh.rgb[k]);
                }
                fresh.convert(pair);
            }
            assert_eq!(
                (&planes.y, &planes.u, &planes.v),
                (&fresh.y, &fresh.u, &fresh.v)
            );
            let expected_first = if mb_y == 0 { 16 } else { 235 };
            assert_eq!(planes.y[0], expected_first);
            assert_eq!(planes.y[15 * 16], 235);
        }
    }
}
