//! Baseline JPEG (ITU T.81): JFIF, YCbCr without subsampling, the example quantization tables of
//! Annex K scaled by a quality of 1 to 100 as the IJG library scales them, and the example
//! Huffman tables of Annex K.3. Encoded a row of blocks at a time: eight scanlines of memory.

mod tables;

use tables::{AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA, Huffman, QUANT_CHROMA, QUANT_LUMA, ZIGZAG};

/// Encodes a `width` × `height` image at `quality` (1..=100); `row(y, line)` fills scanline `y`
/// with RGB bytes.
pub(crate) fn encode(
    width: u32,
    height: u32,
    quality: u8,
    mut row: impl FnMut(u32, &mut [u8]),
) -> Vec<u8> {
    assert!(width > 0 && height > 0 && width <= 65535 && height <= 65535);
    let luma = scaled(&QUANT_LUMA, quality);
    let chroma = scaled(&QUANT_CHROMA, quality);
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(&[0xFF, 0xD8]);
    // APP0 JFIF 1.01, no density unit, 1:1 aspect, no thumbnail.
    out.extend_from_slice(&[
        0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    out.extend_from_slice(&[0xFF, 0xDB, 0, 132]);
    for (id, table) in [(0u8, &luma), (1, &chroma)] {
        out.push(id);
        out.extend(ZIGZAG.iter().map(|&i| table[i as usize] as u8));
    }
    let (w, h) = (width as u16, height as u16);
    out.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    out.extend_from_slice(&h.to_be_bytes());
    out.extend_from_slice(&w.to_be_bytes());
    out.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
    let tables = [
        (0x00, &DC_LUMA),
        (0x10, &AC_LUMA),
        (0x01, &DC_CHROMA),
        (0x11, &AC_CHROMA),
    ];
    let dht_len: usize = 2 + tables
        .iter()
        .map(|(_, t)| 17 + t.values.len())
        .sum::<usize>();
    out.extend_from_slice(&[0xFF, 0xC4]);
    out.extend_from_slice(&(dht_len as u16).to_be_bytes());
    for (class, table) in tables {
        out.push(class);
        out.extend_from_slice(table.counts);
        out.extend_from_slice(table.values);
    }
    out.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
    let codes = [
        (DC_LUMA.codes(), AC_LUMA.codes()),
        (DC_CHROMA.codes(), AC_CHROMA.codes()),
    ];
    let basis = basis();
    let mut writer = Writer {
        out,
        acc: 0,
        count: 0,
    };
    let stride = width as usize * 3;
    let blocks_wide = (width as usize).div_ceil(8);
    let mut strip = vec![0u8; 8 * stride];
    let mut dc = [0i32; 3];
    for top in (0..height).step_by(8) {
        for dy in 0..8u32 {
            let y = (top + dy).min(height - 1);
            let line = &mut strip[dy as usize * stride..(dy as usize + 1) * stride];
            if top + dy < height {
                row(y, line);
            } else {
                let (done, rest) = strip.split_at_mut(dy as usize * stride);
                rest[..stride].copy_from_slice(&done[(dy as usize - 1) * stride..]);
            }
        }
        // A pattern repeats blocks along a row: the same pixels give the same coefficients.
        let mut last: Option<([u8; 192], [[i32; 64]; 3])> = None;
        for bx in 0..blocks_wide {
            let mut pixels = [0u8; 192];
            for dy in 0..8 {
                for dx in 0..8 {
                    let x = (bx * 8 + dx).min(width as usize - 1);
                    let at = dy * stride + x * 3;
                    pixels[(dy * 8 + dx) * 3..][..3].copy_from_slice(&strip[at..at + 3]);
                }
            }
            let coefficients = match &last {
                Some((seen, done)) if *seen == pixels => *done,
                _ => {
                    let done = transform(&pixels, &basis, &luma, &chroma);
                    last = Some((pixels, done));
                    done
                }
            };
            for (c, z) in coefficients.iter().enumerate() {
                let (dc_codes, ac_codes) = &codes[usize::from(c > 0)];
                writer.block(z, &mut dc[c], dc_codes, ac_codes);
            }
        }
    }
    let mut out = writer.finish();
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// The quantized coefficients of one block of RGB pixels (row by row), per component.
fn transform(
    pixels: &[u8; 192],
    basis: &[[f32; 8]; 8],
    luma: &[u16; 64],
    chroma: &[u16; 64],
) -> [[i32; 64]; 3] {
    let mut planes = [[0f32; 64]; 3];
    for (i, px) in pixels.chunks_exact(3).enumerate() {
        let (r, g, b) = (f32::from(px[0]), f32::from(px[1]), f32::from(px[2]));
        planes[0][i] = 0.299 * r + 0.587 * g + 0.114 * b - 128.0;
        planes[1][i] = -0.168_736 * r - 0.331_264 * g + 0.5 * b;
        planes[2][i] = 0.5 * r - 0.418_688 * g - 0.081_312 * b;
    }
    [
        quantize(&dct(&planes[0], basis), luma),
        quantize(&dct(&planes[1], basis), chroma),
        quantize(&dct(&planes[2], basis), chroma),
    ]
}

/// A quantization table scaled as the IJG library scales it (`jpeg_quality_scaling`).
fn scaled(base: &[u16; 64], quality: u8) -> [u16; 64] {
    let q = u32::from(quality.clamp(1, 100));
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    base.map(|v| ((u32::from(v) * scale + 50) / 100).clamp(1, 255) as u16)
}

/// `basis[u][x]` = C(u)/2 · cos((2x+1)uπ/16), so the 2-D DCT is `basis · block · basisᵀ`.
fn basis() -> [[f32; 8]; 8] {
    let mut b = [[0f32; 8]; 8];
    for (u, row) in b.iter_mut().enumerate() {
        let c = if u == 0 {
            std::f32::consts::FRAC_1_SQRT_2
        } else {
            1.0
        };
        for (x, v) in row.iter_mut().enumerate() {
            let angle = (2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / 16.0;
            *v = c / 2.0 * angle.cos();
        }
    }
    b
}

/// The forward DCT of one block (samples row by row), separable: rows, then columns.
fn dct(block: &[f32; 64], basis: &[[f32; 8]; 8]) -> [f32; 64] {
    let mut rows = [0f32; 64];
    for y in 0..8 {
        for u in 0..8 {
            rows[y * 8 + u] = (0..8).map(|x| basis[u][x] * block[y * 8 + x]).sum();
        }
    }
    let mut out = [0f32; 64];
    for v in 0..8 {
        for u in 0..8 {
            out[v * 8 + u] = (0..8).map(|y| basis[v][y] * rows[y * 8 + u]).sum();
        }
    }
    out
}

/// Divides by the table and rounds, in zigzag order.
fn quantize(coefficients: &[f32; 64], table: &[u16; 64]) -> [i32; 64] {
    let mut out = [0i32; 64];
    for (k, &i) in ZIGZAG.iter().enumerate() {
        let i = i as usize;
        out[k] = (coefficients[i] / f32::from(table[i])).round() as i32;
    }
    out
}

/// Entropy-coded data: bits from the most significant, a 0x00 stuffed after every 0xFF.
struct Writer {
    out: Vec<u8>,
    acc: u32,
    count: u32,
}

impl Writer {
    fn put(&mut self, value: u32, n: u32) {
        for i in (0..n).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.count += 1;
            if self.count == 8 {
                let byte = self.acc as u8;
                self.out.push(byte);
                if byte == 0xFF {
                    self.out.push(0);
                }
                self.acc = 0;
                self.count = 0;
            }
        }
    }

    /// One block: the DC difference, then runs of zeros and the AC values.
    fn block(&mut self, z: &[i32; 64], prev_dc: &mut i32, dc: &[(u16, u8)], ac: &[(u16, u8)]) {
        let diff = z[0] - *prev_dc;
        *prev_dc = z[0];
        let (bits, size) = magnitude(diff);
        let (code, len) = dc[size as usize];
        self.put(u32::from(code), u32::from(len));
        self.put(bits, size);
        let mut run = 0;
        for &v in &z[1..] {
            if v == 0 {
                run += 1;
                continue;
            }
            while run >= 16 {
                let (code, len) = ac[0xF0];
                self.put(u32::from(code), u32::from(len));
                run -= 16;
            }
            let (bits, size) = magnitude(v);
            let (code, len) = ac[(run << 4) | size as usize];
            self.put(u32::from(code), u32::from(len));
            self.put(bits, size);
            run = 0;
        }
        if run > 0 {
            let (code, len) = ac[0x00];
            self.put(u32::from(code), u32::from(len));
        }
    }

    /// Pads the last byte with ones.
    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.put(0x7F, 8 - self.count);
        }
        self.out
    }
}

/// A value's size category and the bits that follow its code (negatives as value − 1).
fn magnitude(v: i32) -> (u32, u32) {
    let size = 32 - v.unsigned_abs().leading_zeros();
    let bits = if v < 0 { (v - 1) as u32 } else { v as u32 };
    let mask = if size == 0 { 0 } else { (1u32 << size) - 1 };
    (bits & mask, size)
}

/// The tables of one Huffman code, as a DHT segment lists them.
impl Huffman {
    /// (code, length) by symbol, built as Annex C builds them.
    fn codes(&self) -> Vec<(u16, u8)> {
        let mut out = vec![(0u16, 0u8); 256];
        let mut code = 0u16;
        let mut k = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            for _ in 0..n {
                out[self.values[k] as usize] = (code, i as u8 + 1);
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes_follow_table_f1() {
        assert_eq!(magnitude(0), (0, 0));
        assert_eq!(magnitude(1), (1, 1));
        assert_eq!(magnitude(-1), (0, 1));
        assert_eq!(magnitude(-3), (0b00, 2));
        assert_eq!(magnitude(5), (0b101, 3));
        assert_eq!(magnitude(-5), (0b010, 3));
    }

    #[test]
    fn quality_scales_the_tables_as_ijg_does() {
        assert_eq!(scaled(&QUANT_LUMA, 50), QUANT_LUMA);
        assert_eq!(scaled(&QUANT_LUMA, 100), [1; 64]);
        assert_eq!(scaled(&QUANT_LUMA, 1)[0], 255);
        assert_eq!(scaled(&QUANT_LUMA, 75)[0], 8);
    }

    #[test]
    fn a_flat_block_has_only_a_dc_coefficient() {
        let z = quantize(&dct(&[10.0; 64], &basis()), &[1; 64]);
        assert_eq!(z[0], 80);
        assert!(z[1..].iter().all(|&v| v == 0));
    }

    #[test]
    fn the_stream_has_its_markers_and_no_unstuffed_ff() {
        let jpeg = encode(20, 9, 90, |_, line| line.fill(255));
        assert_eq!(&jpeg[..4], &[0xFF, 0xD8, 0xFF, 0xE0]);
        assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
        let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let data = &jpeg[sos + 14..jpeg.len() - 2];
        for w in data.windows(2) {
            assert!(w[0] != 0xFF || w[1] == 0, "an unstuffed 0xFF");
        }
        let codes = AC_LUMA.codes();
        assert_eq!(codes[0x00], (0b1010, 4), "EOB");
        assert_eq!(codes[0x01], (0b00, 2));
    }
}
