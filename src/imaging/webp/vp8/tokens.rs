//! Coefficient tokens (RFC 6386 section 13): each block's quantized levels in zigzag order, coded
//! down the token tree with the default probabilities of its type, band and context.

use super::boolean::BoolWriter;
use super::tables::{BANDS, CAT3456, Probs};

/// Block types, the first index of the coefficient probabilities (RFC 6386 13.3).
pub(super) const Y_AFTER_Y2: usize = 0;
pub(super) const Y2: usize = 1;
pub(super) const CHROMA: usize = 2;

/// Writes one block's `levels` (zigzag order) from position `first`; `context` is how many of
/// the blocks above and to the left had a non-zero level (0 to 2). Says whether this one has.
pub(super) fn block(
    w: &mut BoolWriter,
    probs: &Probs,
    kind: usize,
    context: usize,
    first: usize,
    levels: &[i32; 16],
) -> bool {
    let probs = &probs[kind];
    let Some(last) = (first..16).rev().find(|&n| levels[n] != 0) else {
        w.put(false, probs[BANDS[first]][context][0]); // end of block at once
        return false;
    };
    let mut context = context;
    // After a zero, the tree starts below the end-of-block branch (an end cannot follow a zero).
    let mut after_zero = false;
    for n in first..=last {
        let p = &probs[BANDS[n]][context];
        if !after_zero {
            w.put(true, p[0]); // not the end
        }
        let v = levels[n].unsigned_abs();
        if v == 0 {
            w.put(false, p[1]);
            context = 0;
            after_zero = true;
            continue;
        }
        w.put(true, p[1]);
        if v == 1 {
            w.put(false, p[2]);
            context = 1;
        } else {
            w.put(true, p[2]);
            large(w, p, v);
            context = 2;
        }
        w.put(levels[n] < 0, 128);
        after_zero = false;
    }
    if last < 15 {
        w.put(false, probs[BANDS[last + 1]][context][0]);
    }
    true
}

/// A magnitude of 2 or more: the rest of the token tree, then a category's extra bits.
fn large(w: &mut BoolWriter, p: &[u8; 11], v: u32) {
    match v {
        2..=4 => {
            w.put(false, p[3]);
            if v == 2 {
                w.put(false, p[4]);
            } else {
                w.put(true, p[4]);
                w.put(v == 4, p[5]);
            }
        }
        5..=10 => {
            w.put(true, p[3]);
            w.put(false, p[6]);
            if v <= 6 {
                w.put(false, p[7]);
                w.put(v == 6, 159);
            } else {
                w.put(true, p[7]);
                let extra = v - 7;
                w.put(extra >> 1 == 1, 165);
                w.put(extra & 1 == 1, 145);
            }
        }
        _ => {
            w.put(true, p[3]);
            w.put(true, p[6]);
            // Categories 3 to 6 start at 11, 19, 35 and 67.
            let cat = (0..4).rev().find(|&c| v >= 3 + (8 << c)).unwrap_or(0);
            w.put(cat >= 2, p[8]);
            w.put(cat & 1 == 1, p[9 + (cat >> 1)]);
            let extra = v - (3 + (8 << cat));
            let bits = CAT3456[cat];
            for (i, &prob) in bits.iter().enumerate() {
                w.put((extra >> (bits.len() - 1 - i)) & 1 == 1, prob);
            }
        }
    }
}
