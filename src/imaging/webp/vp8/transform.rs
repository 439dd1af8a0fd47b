//! VP8's 4×4 transforms (RFC 6386 section 14.3 and 14.4): the inverse DCT and inverse
//! Walsh-Hadamard transform exactly as a decoder computes them (integer, with their rounding), and
//! forward transforms in floating point that invert them.
//!
//! The inverse DCT's one-dimensional step is `out = M · in` with the rows of `M` being
//! `[1, c, 1, s]`, `[1, s, -1, -c]`, `[1, -s, -1, c]`, `[1, -c, 1, -s]` (c = √2·cos(π/8),
//! s = √2·sin(π/8)) and the two-dimensional result divided by 8. `M`'s columns are orthogonal
//! with squared length 4, so the forward DCT is `X = Mᵀ · x · M / 2`. The WHT is the same with
//! `H`'s rows `[1, 1, 1, 1]`, `[1, 1, -1, -1]`, `[1, -1, -1, 1]`, `[1, -1, 1, -1]`.

/// √2·cos(π/8) − 1 and √2·sin(π/8), in 16-bit fixed point (RFC 6386 14.3).
const COS: i32 = 20091;
const SIN: i32 = 35468;

fn mul_cos(a: i32) -> i32 {
    ((a * COS) >> 16) + a
}

fn mul_sin(a: i32) -> i32 {
    (a * SIN) >> 16
}

/// The residual of one block from its dequantized coefficients (raster order).
pub(super) fn idct(input: &[i32; 16]) -> [i32; 16] {
    let mut tmp = [0i32; 16];
    for i in 0..4 {
        // Vertical: the coefficients of column i.
        let (c0, c1, c2, c3) = (input[i], input[4 + i], input[8 + i], input[12 + i]);
        let a = c0 + c2;
        let b = c0 - c2;
        let c = mul_sin(c1) - mul_cos(c3);
        let d = mul_cos(c1) + mul_sin(c3);
        tmp[i] = a + d;
        tmp[4 + i] = b + c;
        tmp[8 + i] = b - c;
        tmp[12 + i] = a - d;
    }
    let mut out = [0i32; 16];
    for y in 0..4 {
        let row = &tmp[y * 4..y * 4 + 4];
        let a = row[0] + row[2];
        let b = row[0] - row[2];
        let c = mul_sin(row[1]) - mul_cos(row[3]);
        let d = mul_cos(row[1]) + mul_sin(row[3]);
        out[y * 4] = (a + d + 4) >> 3;
        out[y * 4 + 1] = (b + c + 4) >> 3;
        out[y * 4 + 2] = (b - c + 4) >> 3;
        out[y * 4 + 3] = (a - d + 4) >> 3;
    }
    out
}

/// The sixteen luma blocks' DC coefficients (block raster order) from the dequantized Y2 block.
pub(super) fn iwht(input: &[i32; 16]) -> [i32; 16] {
    let mut tmp = [0i32; 16];
    for i in 0..4 {
        let a0 = input[i] + input[12 + i];
        let a1 = input[4 + i] + input[8 + i];
        let a2 = input[4 + i] - input[8 + i];
        let a3 = input[i] - input[12 + i];
        tmp[i] = a0 + a1;
        tmp[8 + i] = a0 - a1;
        tmp[4 + i] = a3 + a2;
        tmp[12 + i] = a3 - a2;
    }
    let mut out = [0i32; 16];
    for y in 0..4 {
        let row = &tmp[y * 4..y * 4 + 4];
        let a0 = row[0] + row[3];
        let a1 = row[1] + row[2];
        let a2 = row[1] - row[2];
        let a3 = row[0] - row[3];
        out[y * 4] = (a0 + a1 + 3) >> 3;
        out[y * 4 + 1] = (a3 + a2 + 3) >> 3;
        out[y * 4 + 2] = (a0 - a1 + 3) >> 3;
        out[y * 4 + 3] = (a3 - a2 + 3) >> 3;
    }
    out
}

/// The rows of the inverse DCT's matrix `M` (see the module's note).
const M: [[f32; 4]; 4] = {
    let c = 1.0 + COS as f32 / 65536.0;
    let s = SIN as f32 / 65536.0;
    [
        [1.0, c, 1.0, s],
        [1.0, s, -1.0, -c],
        [1.0, -s, -1.0, c],
        [1.0, -c, 1.0, -s],
    ]
};

/// The WHT's matrix `H`.
const H: [[f32; 4]; 4] = [
    [1.0, 1.0, 1.0, 1.0],
    [1.0, 1.0, -1.0, -1.0],
    [1.0, -1.0, -1.0, 1.0],
    [1.0, -1.0, 1.0, -1.0],
];

/// `Aᵀ · x · A / 2` for a 4×4 `x` in raster order.
fn forward(x: &[f32; 16], a: &[[f32; 4]; 4]) -> [f32; 16] {
    let mut rows = [0f32; 16];
    for y in 0..4 {
        for u in 0..4 {
            rows[y * 4 + u] = (0..4).map(|k| x[y * 4 + k] * a[k][u]).sum();
        }
    }
    let mut out = [0f32; 16];
    for v in 0..4 {
        for u in 0..4 {
            out[v * 4 + u] = (0..4).map(|k| a[k][v] * rows[k * 4 + u]).sum::<f32>() / 2.0;
        }
    }
    out
}

/// The DCT coefficients (raster order) of a block of residuals.
pub(super) fn fdct(residual: &[f32; 16]) -> [f32; 16] {
    forward(residual, &M)
}

/// The Y2 coefficients of the sixteen luma DC coefficients (block raster order).
pub(super) fn fwht(dc: &[f32; 16]) -> [f32; 16] {
    forward(dc, &H)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic spread of values in `-range..=range`.
    fn values(seed: u32, range: i32) -> [i32; 16] {
        let mut s = seed.wrapping_mul(2_654_435_761) | 1;
        std::array::from_fn(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s % (2 * range as u32 + 1)) as i32 - range
        })
    }

    #[test]
    fn the_inverse_dct_undoes_the_forward_one() {
        for seed in 0..500 {
            let x = values(seed, 255);
            let coefficients = fdct(&x.map(|v| v as f32));
            let back = idct(&coefficients.map(|c| c.round() as i32));
            for (a, b) in x.iter().zip(&back) {
                assert!((a - b).abs() <= 1, "{x:?} → {back:?}");
            }
        }
    }

    #[test]
    fn the_inverse_wht_undoes_the_forward_one() {
        for seed in 0..500 {
            let x = values(seed, 2040);
            let coefficients = fwht(&x.map(|v| v as f32));
            let back = iwht(&coefficients.map(|c| c.round() as i32));
            for (a, b) in x.iter().zip(&back) {
                assert!((a - b).abs() <= 1, "{x:?} → {back:?}");
            }
        }
    }

    #[test]
    fn a_flat_block_is_its_dc_alone_and_decodes_as_the_spec_rounds() {
        let c = fdct(&[10.0; 16]);
        assert!((c[0] - 80.0).abs() < 1e-3);
        assert!(c[1..].iter().all(|v| v.abs() < 1e-3));
        // A lone DC: (dc + 4) >> 3 everywhere, for the IDCT; (dc + 3) >> 3 for the WHT.
        let mut dc = [0i32; 16];
        dc[0] = 83;
        assert_eq!(idct(&dc), [10; 16]);
        assert_eq!(iwht(&dc), [10; 16]);
        dc[0] = -83;
        assert_eq!(idct(&dc), [-10; 16]);
        assert_eq!(iwht(&dc), [-10; 16]);
    }

    #[test]
    fn one_ac_coefficient_decodes_as_rfc_6386_computes_it() {
        // in[1] = 100 (row 0, column 1): the vertical pass puts 100 in column 1 of every row; the
        // horizontal pass gives (c·100 + 4) >> 3, (s·100 + 4) >> 3, … along each row.
        let mut x = [0i32; 16];
        x[1] = 100;
        let out = idct(&x);
        let row = [
            (mul_cos(100) + 4) >> 3,
            (mul_sin(100) + 4) >> 3,
            (-mul_sin(100) + 4) >> 3,
            (-mul_cos(100) + 4) >> 3,
        ];
        assert_eq!(row, [16, 7, -7, -16]);
        for y in 0..4 {
            assert_eq!(out[y * 4..y * 4 + 4], row);
        }
    }
}
