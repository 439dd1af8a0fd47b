//! A lossy VP8 key frame (RFC 6386), the image inside a lossy WebP: one partition of tokens, no
//! segments, no loop filter (the pictures are flat cells, whose edges a deblocking filter would
//! only soften), one quantizer index from `output_compression` ([`quant::index`]) and the default
//! coefficient probabilities. Every macroblock is predicted whole (16×16 luma, 8×8 chroma) by
//! whichever of DC, V, H and TM is nearest the source; the luma blocks' DCs go through the Y2
//! block. Predictions use the pixels a decoder reconstructs, computed here exactly as it does.
//!
//! Memory: one macroblock row of source and the reconstructed row above, the token bytes and
//! one mode byte a macroblock (the first partition is written last, when the chance of a
//! skipped macroblock is known).

mod boolean;
mod macroblock;
mod predict;
mod quant;
mod tables;
mod tokens;
mod transform;
mod yuv;

#[cfg(test)]
mod tests;

use boolean::BoolWriter;
use macroblock::{Coded, Source};
use predict::{Edges, Mode};
use quant::Quant;
use tables::{DEFAULT_PROBS, UPDATE_PROBS};

/// The widest and tallest frame VP8 can say (14 bits each).
pub(super) const MAX_SIDE: u32 = 16383;

/// Encodes a `width` × `height` frame (the `VP8 ` chunk's payload); `row(y, line)` fills row `y`
/// with RGB bytes.
pub(super) fn encode(
    width: u32,
    height: u32,
    compression: u8,
    mut row: impl FnMut(u32, &mut [u8]),
) -> Vec<u8> {
    assert!(width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE);
    let index = quant::index(compression);
    let q = Quant::new(index);
    let columns = width.div_ceil(16) as usize;
    let rows = height.div_ceil(16);
    let mut planes = yuv::Planes::new(width, height, columns);
    let (yw, cw) = (columns * 16, columns * 8);
    let (mut top_y, mut top_u, mut top_v) = (vec![127u8; yw], vec![127u8; cw], vec![127u8; cw]);
    // Whether each 4×4 block along the bottom of the row above had a non-zero level: per
    // macroblock 4 luma, 2 U, 2 V and the Y2 block.
    let mut top_nz = vec![[false; 9]; columns];
    let mut modes = Vec::with_capacity(columns * rows as usize);
    let mut tokens = BoolWriter::new();
    let mut coded = Coded::new();
    for mb_y in 0..rows {
        planes.load(mb_y, &mut row);
        let (mut left_y, mut left_u, mut left_v) = ([129u8; 16], [129u8; 8], [129u8; 8]);
        let mut corner = [if mb_y == 0 { 127u8 } else { 129 }; 3];
        let mut left_nz = [false; 9];
        // The last macroblock coded, and what it was coded from (none yet in this row).
        let mut seen: Option<(Source, [u8; 69])> = None;
        for (mb_x, above_nz) in top_nz.iter_mut().enumerate() {
            let (ys, cs) = (mb_x * 16, mb_x * 8);
            let (has_top, has_left) = (mb_y > 0, mb_x > 0);
            let edges = [
                (&top_y[ys..ys + 16], &left_y[..], corner[0]),
                (&top_u[cs..cs + 8], &left_u[..], corner[1]),
                (&top_v[cs..cs + 8], &left_v[..], corner[2]),
            ]
            .map(|(top, left, corner)| Edges {
                top,
                left,
                corner,
                has_top,
                has_left,
            });
            // A pattern repeats macroblocks along a row: the same source and edges code the same.
            let src = Source::take(&planes, mb_x);
            let mut key = [0u8; 16 * 2 + 8 * 4 + 3 + 2];
            let mut at = 0;
            for e in &edges {
                for part in [e.top, e.left, &[e.corner]] {
                    key[at..at + part.len()].copy_from_slice(part);
                    at += part.len();
                }
            }
            key[at..].copy_from_slice(&[u8::from(has_top), u8::from(has_left)]);
            if !matches!(&seen, Some((s, k)) if *s == src && *k == key) {
                macroblock::code(&src, &q, &edges, &mut coded);
                seen = Some((src, key));
            }
            let coded = &coded;
            let skip = coded.y2.iter().all(|&l| l == 0)
                && coded.y.iter().flatten().all(|&l| l == 0)
                && coded.uv.iter().flatten().all(|&l| l == 0);
            if skip {
                *above_nz = [false; 9];
                left_nz = [false; 9];
            } else {
                write_tokens(&mut tokens, coded, above_nz, &mut left_nz);
            }
            modes.push(coded.y_mode as u8 | (coded.uv_mode as u8) << 2 | u8::from(skip) << 4);
            // The next macroblock's edges; its corner is the old top row's last pixel.
            corner = [top_y[ys + 15], top_u[cs + 7], top_v[cs + 7]];
            top_y[ys..ys + 16].copy_from_slice(&coded.recon_y[240..]);
            top_u[cs..cs + 8].copy_from_slice(&coded.recon_u[56..]);
            top_v[cs..cs + 8].copy_from_slice(&coded.recon_v[56..]);
            let last_column = |left: &mut [u8], recon: &[u8], side: usize| {
                for (l, line) in left.iter_mut().zip(recon.chunks_exact(side)) {
                    *l = line[side - 1];
                }
            };
            last_column(&mut left_y, &coded.recon_y, 16);
            last_column(&mut left_u, &coded.recon_u, 8);
            last_column(&mut left_v, &coded.recon_v, 8);
        }
    }
    let tokens = tokens.finish();
    let first = first_partition(index, &modes);
    drop(modes);
    // The first partition's size has 19 bits. A macroblock's modes and skip flag cost at most
    // about 10 bits (the skip chance is the frame's own), so any frame of up to 67,108,864
    // pixels (`images::request::MAX_PIXELS`) stays under 2^19 bytes.
    assert!(
        first.len() < 1 << 19,
        "the first partition outgrew its 19 bits"
    );
    let mut out = Vec::with_capacity(10 + first.len() + tokens.len());
    // Frame tag: a key frame (bit 0 clear), version 0, shown, then the first partition's size.
    let tag = (first.len() as u32) << 5 | 1 << 4;
    out.extend_from_slice(&tag.to_le_bytes()[..3]);
    out.extend_from_slice(&[0x9d, 0x01, 0x2a]);
    out.extend_from_slice(&(width as u16).to_le_bytes());
    out.extend_from_slice(&(height as u16).to_le_bytes());
    out.extend_from_slice(&first);
    out.extend_from_slice(&tokens);
    out
}

/// One macroblock's tokens: Y2, the sixteen luma blocks, then U and V, each block's context
/// from its neighbours above (`top`, from the row above) and to the left (`left`).
fn write_tokens(w: &mut BoolWriter, coded: &Coded, top: &mut [bool; 9], left: &mut [bool; 9]) {
    let mut put = |kind, first, levels: &[i32; 16], a: &mut bool, l: &mut bool| {
        let context = usize::from(*a) + usize::from(*l);
        let nz = tokens::block(w, &DEFAULT_PROBS, kind, context, first, levels);
        (*a, *l) = (nz, nz);
    };
    let (mut a, mut l) = (top[8], left[8]);
    put(tokens::Y2, 0, &coded.y2, &mut a, &mut l);
    (top[8], left[8]) = (a, l);
    for (b, levels) in coded.y.iter().enumerate() {
        let (x, y) = (b % 4, b / 4);
        let (mut a, mut l) = (top[x], left[y]);
        put(tokens::Y_AFTER_Y2, 1, levels, &mut a, &mut l);
        (top[x], left[y]) = (a, l);
    }
    // U's flags are entries 4 and 5, V's 6 and 7.
    for (b, levels) in coded.uv.iter().enumerate() {
        let base = 4 + 2 * (b / 4);
        let (x, y) = (base + b % 2, base + (b % 4) / 2);
        let (mut a, mut l) = (top[x], left[y]);
        put(tokens::CHROMA, 0, levels, &mut a, &mut l);
        (top[x], left[y]) = (a, l);
    }
}

/// The first partition: the frame header (RFC 6386 9.2–9.11, 19.2) and each macroblock's skip
/// flag and modes (`modes`: luma mode, chroma mode << 2, skip << 4).
fn first_partition(index: u8, modes: &[u8]) -> Vec<u8> {
    let mut w = BoolWriter::new();
    w.literal(0, 1); // colour space: YUV
    w.literal(0, 1); // the decoder clamps pixels
    w.literal(0, 1); // no segmentation
    w.literal(0, 1); // filter type: normal (unused at level 0)
    w.literal(0, 6); // loop filter level 0: off
    w.literal(0, 3); // sharpness
    w.literal(0, 1); // no loop filter adjustments
    w.literal(0, 2); // one token partition
    w.literal(u32::from(index), 7);
    w.literal(0, 5); // no quantizer deltas (y1 dc, y2 dc, y2 ac, uv dc, uv ac)
    w.literal(0, 1); // refresh_entropy_probs (one frame: either)
    for p in UPDATE_PROBS.iter().flatten().flatten().flatten() {
        w.put(false, *p); // the default probabilities stay
    }
    let skipped = modes.iter().filter(|&&m| m & 16 != 0).count();
    let coded = modes.len() - skipped;
    let skip_false = ((coded * 256 + modes.len() / 2) / modes.len()).clamp(1, 255) as u8;
    w.literal(1, 1); // mb_no_coeff_skip: skipped macroblocks are flagged
    w.literal(u32::from(skip_false), 8);
    for &m in modes {
        w.put(m & 16 != 0, skip_false);
        // Key frame luma modes (RFC 6386 11.2, fixed probabilities): not B_PRED, then the mode.
        w.put(true, 145);
        match MODE_OF[usize::from(m & 3)] {
            Mode::Dc => {
                w.put(false, 156);
                w.put(false, 163);
            }
            Mode::V => {
                w.put(false, 156);
                w.put(true, 163);
            }
            Mode::H => {
                w.put(true, 156);
                w.put(false, 128);
            }
            Mode::Tm => {
                w.put(true, 156);
                w.put(true, 128);
            }
        }
        // Chroma (RFC 6386 11.2): DC "0", V "10", H "110", TM "111".
        let uv = MODE_OF[usize::from((m >> 2) & 3)];
        w.put(uv != Mode::Dc, 142);
        if uv != Mode::Dc {
            w.put(uv != Mode::V, 114);
            if uv != Mode::V {
                w.put(uv == Mode::Tm, 183);
            }
        }
    }
    w.finish()
}

/// Modes by their code.
const MODE_OF: [Mode; 4] = predict::MODES;
