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
    /// Chroma as averaged, this macroblock row's 8 rows (`raw`), the row above it and the row
    /// below it (`around`: U above, V above, U below, V below).
    raw: [Vec<u8>; 2],
    around: [Vec<u8>; 4],
    /// The two rows below this macroblock row, drawn to look ahead.
    ahead: [Vec<u8>; 2],
    /// Chroma as coded: `raw` sharpened (see [`Planes::sharpen`]).
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
            raw: [vec![0; 8 * stride / 2], vec![0; 8 * stride / 2]],
            around: std::array::from_fn(|_| vec![0; stride / 2]),
            ahead: [vec![0; width as usize * 3], vec![0; width as usize * 3]],
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
                for plane in &mut self.raw {
                    plane.copy_within(before * half..(before + 1) * half, pair * half);
                }
                continue;
            }
            self.convert(pair);
            for (seen, now) in self.before.iter_mut().zip(&self.rgb) {
                seen.copy_from_slice(now);
            }
            self.seen = true;
        }
        // The chroma rows around this macroblock row: the last one above (as averaged), and the
        // first one below, drawn ahead; at the picture's edges, the edge row itself.
        let [above_u, above_v, below_u, below_v] = &mut self.around;
        if mb_y == 0 {
            above_u.copy_from_slice(&self.raw[0][..half]);
            above_v.copy_from_slice(&self.raw[1][..half]);
        }
        for (k, line) in self.ahead.iter_mut().enumerate() {
            row((mb_y * 16 + 16 + k as u32).min(self.height - 1), line);
        }
        chroma(&self.ahead, self.width as usize, below_u, below_v);
        self.sharpen();
        let [above_u, above_v, ..] = &mut self.around;
        above_u.copy_from_slice(&self.raw[0][7 * half..]);
        above_v.copy_from_slice(&self.raw[1][7 * half..]);
    }

    /// Chroma as coded: each sample pushed away from its neighbours (2/13 of twice it less its
    /// left and right, then the same with the rows above and below). Decoders interpolate chroma
    /// between samples, so at an edge between two colours the pixels next to it would take a
    /// quarter of the other colour; 2/13 is what minimizes that error for a step (the pixels on
    /// both sides of the sample it moves count). Flat areas are unchanged.
    fn sharpen(&mut self) {
        let half = self.stride / 2;
        let push = |c: i32, a: i32, b: i32| {
            c + (2 * (2 * c - a - b) * 2 + 13 * (2 * c - a - b).signum()) / 26
        };
        for (plane, out) in [(0, &mut self.u), (1, &mut self.v)] {
            let raw = &self.raw[plane];
            let (above, below) = (&self.around[plane], &self.around[2 + plane]);
            let line = |r: isize| -> &[u8] {
                match r {
                    -1 => above,
                    8 => below,
                    r => &raw[r as usize * half..(r as usize + 1) * half],
                }
            };
            // Horizontally, for the ten rows; then vertically into the eight coded ones.
            let across: Vec<Vec<i32>> = (-1..=8)
                .map(|r| {
                    let l = line(r);
                    (0..half)
                        .map(|x| {
                            let at = |i: usize| i32::from(l[i]);
                            push(at(x), at(x.saturating_sub(1)), at((x + 1).min(half - 1)))
                        })
                        .collect()
                })
                .collect();
            for r in 0..8 {
                for x in 0..half {
                    let v = push(across[r + 1][x], across[r][x], across[r + 2][x]);
                    out[r * half + x] = v.clamp(0, 255) as u8;
                }
            }
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
        let (u, v) = self.raw.split_at_mut(1);
        chroma(
            &self.rgb,
            self.width as usize,
            &mut u[0][pair * half..(pair + 1) * half],
            &mut v[0][pair * half..(pair + 1) * half],
        );
    }
}

/// One row of U and V from two rows of RGB (each sample the mean of 2 × 2 pixels).
fn chroma(rgb: &[Vec<u8>; 2], width: usize, u: &mut [u8], v: &mut [u8]) {
    let last = width - 1;
    for (cx, (u, v)) in u.iter_mut().zip(v.iter_mut()).enumerate() {
        let mut sum = [0i32; 3];
        for line in rgb {
            for x in [cx * 2, cx * 2 + 1] {
                let at = x.min(last) * 3;
                for (s, &c) in sum.iter_mut().zip(&line[at..at + 3]) {
                    *s += i32::from(c);
                }
            }
        }
        *u = convert_sum(&U_RGB, &sum);
        *v = convert_sum(&V_RGB, &sum);
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
            assert_eq!((&planes.y, &planes.raw), (&fresh.y, &fresh.raw));
            let expected_first = if mb_y == 0 { 16 } else { 235 };
            assert_eq!(planes.y[0], expected_first);
            assert_eq!(planes.y[15 * 16], 235);
        }
    }

    #[test]
    fn chroma_is_pushed_away_from_an_edge_and_left_alone_when_flat() {
        // Columns 0-7 red, 8-15 blue: chroma samples 0-3 and 4-7, the edge between 3 and 4.
        let mut planes = Planes::new(16, 16, 1);
        planes.load(0, &mut |_, line: &mut [u8]| {
            for (x, px) in line.chunks_mut(3).enumerate() {
                px.copy_from_slice(if x < 8 { &[255, 0, 0] } else { &[0, 0, 255] });
            }
        });
        let (red, blue) = (240, 110); // V of red and of blue
        let v: Vec<u8> = planes.v[..8].to_vec();
        // 2/13 of the difference (130 × 2/13 = 20) pushes each side of the edge away from the other.
        assert_eq!(v, [red, red, red, red + 15, blue - 20, blue, blue, blue]);
        assert!(
            planes.v.chunks(8).all(|r| r == v),
            "no change down the columns"
        );
    }
}
