//! One macroblock coded: the prediction mode nearest the source for luma and for chroma, the
//! residual's DCT quantized (luma DCs through the Y2 block's WHT), and the pixels a decoder will
//! reconstruct from those levels, computed with its own integer transforms.

use super::predict::{Edges, MODES, Mode, predict, sse};
use super::quant::{Quant, level};
use super::tables::ZIGZAG;
use super::transform::{fdct, fwht, idct, iwht};
use super::yuv::Planes;

/// The levels (zigzag order) and reconstruction of one macroblock.
pub(super) struct Coded {
    pub y_mode: Mode,
    pub uv_mode: Mode,
    pub y2: [i32; 16],
    /// The sixteen luma blocks (position 0, their DC, is in `y2`).
    pub y: [[i32; 16]; 16],
    /// Four U blocks, then four V blocks.
    pub uv: [[i32; 16]; 8],
    pub recon_y: [u8; 256],
    pub recon_u: [u8; 64],
    pub recon_v: [u8; 64],
}

/// One macroblock's source pixels: luma, then U, then V, each row by row.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Source {
    y: [u8; 256],
    u: [u8; 64],
    v: [u8; 64],
}

impl Coded {
    pub(super) fn new() -> Coded {
        Coded {
            y_mode: Mode::Dc,
            uv_mode: Mode::Dc,
            y2: [0; 16],
            y: [[0; 16]; 16],
            uv: [[0; 16]; 8],
            recon_y: [0; 256],
            recon_u: [0; 64],
            recon_v: [0; 64],
        }
    }
}

impl Source {
    /// Macroblock `mb_x` of the row in `planes`.
    pub(super) fn take(planes: &Planes, mb_x: usize) -> Source {
        let mut src = Source {
            y: [0; 256],
            u: [0; 64],
            v: [0; 64],
        };
        for (r, line) in src.y.chunks_exact_mut(16).enumerate() {
            line.copy_from_slice(&planes.y[r * planes.stride + mb_x * 16..][..16]);
        }
        let half = planes.stride / 2;
        for r in 0..8 {
            src.u[r * 8..r * 8 + 8].copy_from_slice(&planes.u[r * half + mb_x * 8..][..8]);
            src.v[r * 8..r * 8 + 8].copy_from_slice(&planes.v[r * half + mb_x * 8..][..8]);
        }
        src
    }
}

/// Codes one macroblock into `out`; `edges` are luma's, U's and V's.
pub(super) fn code(src: &Source, q: &Quant, edges: &[Edges; 3], out: &mut Coded) {
    let (src_y, src_u, src_v) = (&src.y, &src.u, &src.v);

    // Luma: the nearest whole-block prediction.
    let mut pred_y = [0u8; 256];
    let mut scratch = [0u8; 256];
    let y_mode = nearest(&[(&edges[0], &src_y[..])], &mut scratch);
    predict(y_mode, &edges[0], &mut pred_y);
    let mut dc = [0f32; 16];
    let mut y = [[0i32; 16]; 16];
    for (b, levels) in y.iter_mut().enumerate() {
        let c = fdct(&residual(src_y, &pred_y, 16, b));
        dc[b] = c[0];
        for n in 1..16 {
            levels[n] = level(c[ZIGZAG[n]], q.y_ac);
        }
    }
    let c = fwht(&dc);
    let y2: [i32; 16] =
        std::array::from_fn(|n| level(c[ZIGZAG[n]], if n == 0 { q.y2.0 } else { q.y2.1 }));
    let dcs = iwht(&dequantize(&y2, q.y2));
    let mut recon_y = pred_y;
    for (b, levels) in y.iter().enumerate() {
        let mut coefficients = dequantize(levels, (0, q.y_ac));
        coefficients[0] = dcs[b];
        add(&mut recon_y, 16, b, &idct(&coefficients));
    }

    // Chroma: one mode for both planes.
    let uv_mode = nearest(
        &[(&edges[1], &src_u[..]), (&edges[2], &src_v[..])],
        &mut scratch,
    );
    let mut uv = [[0i32; 16]; 8];
    let mut recon = [[0u8; 64]; 2];
    let mut pred_uv = [[0u8; 64]; 2];
    for (plane, (src, e)) in [(&src_u, &edges[1]), (&src_v, &edges[2])]
        .into_iter()
        .enumerate()
    {
        predict(uv_mode, e, &mut pred_uv[plane]);
        let pred = pred_uv[plane];
        let out = &mut recon[plane];
        *out = pred;
        for b in 0..4 {
            let c = fdct(&residual(&src[..], &pred, 8, b));
            let levels = &mut uv[plane * 4 + b];
            for n in 0..16 {
                let step = if n == 0 { q.uv.0 } else { q.uv.1 };
                levels[n] = level(c[ZIGZAG[n]], step);
            }
            add(out, 8, b, &idct(&dequantize(levels, q.uv)));
        }
    }
    let coded = out;
    (coded.y_mode, coded.uv_mode) = (y_mode, uv_mode);
    (coded.y2, coded.y, coded.uv) = (y2, y, uv);
    (coded.recon_y, coded.recon_u, coded.recon_v) = (recon_y, recon[0], recon[1]);
    // Skipped (the prediction alone) when what the levels buy is not worth their bits.
    let skipped = sse(src_y, &pred_y) + sse(src_u, &pred_uv[0]) + sse(src_v, &pred_uv[1]);
    let kept = sse(src_y, &coded.recon_y) + sse(src_u, &coded.recon_u) + sse(src_v, &coded.recon_v);
    if skipped <= kept + lambda(q) * bits(coded) {
        coded.y2 = [0; 16];
        coded.y = [[0; 16]; 16];
        coded.uv = [[0; 16]; 8];
        coded.recon_y = pred_y;
        (coded.recon_u, coded.recon_v) = (pred_uv[0], pred_uv[1]);
    }
}

/// The squared error one bit is worth: about a fifth of the luma AC step squared, as the
/// usual rate-distortion rule of thumb (λ ≈ 0.85 Δ², with Δ the orthonormal step, half ours).
fn lambda(q: &Quant) -> u64 {
    (q.y_ac * q.y_ac / 40) as u64
}

/// A rough count of the bits a macroblock's levels cost: five per non-zero level, one per
/// block that has any.
fn bits(coded: &Coded) -> u64 {
    std::iter::once(&coded.y2)
        .chain(&coded.y)
        .chain(&coded.uv)
        .map(|b| {
            let n = b.iter().filter(|&&l| l != 0).count() as u64;
            5 * n + u64::from(n > 0)
        })
        .sum()
}

/// The mode whose predictions are nearest the sources (summed over the planes given); on a tie
/// the first of DC, V, H, TM, which also costs the fewest bits.
fn nearest(planes: &[(&Edges, &[u8])], scratch: &mut [u8; 256]) -> Mode {
    let mut best = (u64::MAX, Mode::Dc);
    for mode in MODES {
        let mut cost = 0;
        for (e, src) in planes {
            let out = &mut scratch[..src.len()];
            predict(mode, e, out);
            cost += sse(src, out);
        }
        if cost < best.0 {
            best = (cost, mode);
        }
    }
    best.1
}

/// Block `b`'s source minus prediction, of a plane `side` pixels wide (4×4 blocks in raster).
fn residual(src: &[u8], pred: &[u8], side: usize, b: usize) -> [f32; 16] {
    let per_row = side / 4;
    let origin = (b / per_row) * 4 * side + (b % per_row) * 4;
    std::array::from_fn(|k| {
        let at = origin + (k / 4) * side + k % 4;
        f32::from(src[at]) - f32::from(pred[at])
    })
}

/// Adds a block's decoded residual to the prediction in `plane`, clamping as a decoder does.
fn add(plane: &mut [u8], side: usize, b: usize, residual: &[i32; 16]) {
    let per_row = side / 4;
    let origin = (b / per_row) * 4 * side + (b % per_row) * 4;
    for (k, &r) in residual.iter().enumerate() {
        let at = origin + (k / 4) * side + k % 4;
        plane[at] = (i32::from(plane[at]) + r).clamp(0, 255) as u8;
    }
}

/// Levels (zigzag order) times their steps (DC, AC), back in raster order.
fn dequantize(levels: &[i32; 16], (dc, ac): (i32, i32)) -> [i32; 16] {
    let mut out = [0i32; 16];
    for (n, &l) in levels.iter().enumerate() {
        out[ZIGZAG[n]] = l * if n == 0 { dc } else { ac };
    }
    out
}
