//! The VP8 encoder's tables, tokens and frame header read back as a decoder reads them.

use super::boolean::BoolWriter;
use super::boolean::tests::BoolReader;
use super::quant::{AC_Q, DC_Q, Quant, index};
use super::tables::{BANDS, CAT3456, DEFAULT_PROBS, Probs, UPDATE_PROBS, ZIGZAG};
use super::tokens;
use super::*;

/// Σ (i + 1) · v over a table's entries in order: a slip of any entry or order changes it.
fn checksum(values: impl Iterator<Item = u64>) -> (u64, u64) {
    values
        .enumerate()
        .fold((0, 0), |(w, s), (i, v)| (w + (i as u64 + 1) * v, s + v))
}

#[test]
fn the_tables_are_rfc_6386s() {
    // Computed from both sources named in tables.rs and quant.rs, which agree.
    let flat = |t: &Probs| {
        t.iter()
            .flatten()
            .flatten()
            .flatten()
            .map(|&v| u64::from(v))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        checksum(flat(&UPDATE_PROBS).into_iter()),
        (142_003_330, 268_469)
    );
    assert_eq!(
        checksum(flat(&DEFAULT_PROBS).into_iter()),
        (92_112_737, 174_918)
    );
    assert_eq!(
        checksum(DC_Q.iter().map(|&v| u64::from(v))),
        (715_436, 8_168)
    );
    assert_eq!(
        checksum(AC_Q.iter().map(|&v| u64::from(v))),
        (1_172_814, 12_723)
    );
    // Spot values from the RFC's text.
    assert_eq!((DC_Q[0], DC_Q[127], AC_Q[0], AC_Q[127]), (4, 157, 4, 284));
    assert_eq!(
        DEFAULT_PROBS[1][0][0],
        [198, 35, 237, 223, 193, 187, 162, 160, 145, 155, 62]
    );
    assert_eq!(
        UPDATE_PROBS[0][1][0],
        [176, 246, 255, 255, 255, 255, 255, 255, 255, 255, 255]
    );
    // The zigzag order visits every position once.
    let mut seen = ZIGZAG;
    seen.sort_unstable();
    assert_eq!(seen, std::array::from_fn(|i| i));
}

#[test]
fn the_quantizer_follows_output_compression() {
    assert_eq!((index(100), index(50), index(0)), (0, 63, 127));
    assert!((0..100).all(|c| index(c) >= index(c + 1)));
    let q = Quant::new(0);
    assert_eq!((q.y_ac, q.y2, q.uv), (4, (8, 8), (4, 4)));
    let q = Quant::new(127);
    assert_eq!((q.y_ac, q.y2, q.uv), (284, (314, 440), (132, 284)));
}

/// Reads one block's tokens as RFC 6386 13 (and libwebp's `GetCoeffs`) does: the levels in
/// zigzag order, and whether any was non-zero.
fn read_block(r: &mut BoolReader, kind: usize, context: usize, first: usize) -> ([i32; 16], bool) {
    let probs = &DEFAULT_PROBS[kind];
    let mut out = [0i32; 16];
    let mut p = &probs[BANDS[first]][context];
    let mut n = first;
    let mut last = None;
    while n < 16 {
        if !r.get(p[0]) {
            break; // end of block
        }
        while !r.get(p[1]) {
            n += 1; // a zero
            if n == 16 {
                return (out, last.is_some());
            }
            p = &probs[BANDS[n]][0];
        }
        let v = if !r.get(p[2]) {
            1
        } else if !r.get(p[3]) {
            if !r.get(p[4]) {
                2
            } else {
                3 + i32::from(r.get(p[5]))
            }
        } else if !r.get(p[6]) {
            if !r.get(p[7]) {
                5 + i32::from(r.get(159))
            } else {
                7 + 2 * i32::from(r.get(165)) + i32::from(r.get(145))
            }
        } else {
            let high = usize::from(r.get(p[8]));
            let cat = 2 * high + usize::from(r.get(p[9 + high]));
            let extra = CAT3456[cat]
                .iter()
                .fold(0, |v, &prob| 2 * v + i32::from(r.get(prob)));
            3 + (8 << cat) + extra
        };
        out[n] = if r.get(128) { -v } else { v };
        last = Some(n);
        n += 1;
        if n < 16 {
            p = &probs[BANDS[n]][if v == 1 { 1 } else { 2 }];
        }
    }
    (out, last.is_some())
}

#[test]
fn tokens_read_back_for_every_size_of_level() {
    let magnitudes = [
        0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 18, 19, 34, 35, 66, 67, 500, 2047,
    ];
    let mut blocks = Vec::new();
    for (i, &m) in magnitudes.iter().enumerate() {
        let mut levels = [0i32; 16];
        for n in 0..16 {
            let pick = magnitudes[(i + n * 7) % magnitudes.len()];
            levels[n] = if (n + i) % 3 == 0 {
                0
            } else if n % 2 == 0 {
                pick
            } else {
                -pick
            };
        }
        levels[i % 16] = m;
        blocks.push(levels);
    }
    blocks.push([0; 16]);
    let mut tail = [0i32; 16];
    tail[15] = -3;
    blocks.push(tail);
    let kinds = [tokens::Y_AFTER_Y2, tokens::Y2, tokens::CHROMA];
    let mut w = BoolWriter::new();
    let mut expected = Vec::new();
    for (i, levels) in blocks.iter().enumerate() {
        let kind = kinds[i % 3];
        let first = usize::from(kind == tokens::Y_AFTER_Y2);
        let mut levels = *levels;
        if first == 1 {
            levels[0] = 0;
        }
        let nz = tokens::block(&mut w, &DEFAULT_PROBS, kind, i % 3, first, &levels);
        expected.push((kind, first, levels, nz));
    }
    let bytes = w.finish();
    let mut r = BoolReader::new(&bytes);
    for (i, (kind, first, levels, nz)) in expected.into_iter().enumerate() {
        assert_eq!(
            read_block(&mut r, kind, i % 3, first),
            (levels, nz),
            "block {i}"
        );
        assert_eq!(nz, levels.iter().any(|&l| l != 0));
    }
}

#[test]
fn the_frame_header_reads_back() {
    // 40 × 20: 3 × 2 macroblocks, flat grey, so every macroblock is skipped after the first.
    let frame = encode(40, 20, 50, |_, line| line.fill(128));
    let tag = u32::from_le_bytes([frame[0], frame[1], frame[2], 0]);
    assert_eq!(tag & 1, 0, "a key frame");
    assert_eq!((tag >> 1) & 7, 0, "version 0");
    assert_eq!((tag >> 4) & 1, 1, "shown");
    let first = (tag >> 5) as usize;
    assert_eq!(&frame[3..10], &[0x9d, 0x01, 0x2a, 40, 0, 20, 0]);
    let mut r = BoolReader::new(&frame[10..10 + first]);
    assert_eq!(r.literal(2), 0, "colour space, clamping");
    assert_eq!(r.literal(1), 0, "segmentation");
    assert_eq!(
        r.literal(1 + 6 + 3 + 1),
        0,
        "filter type, level, sharpness, deltas"
    );
    assert_eq!(r.literal(2), 0, "one partition");
    assert_eq!(r.literal(7), u32::from(index(50)));
    assert_eq!(r.literal(5), 0, "no quantizer deltas");
    r.literal(1);
    for p in UPDATE_PROBS.iter().flatten().flatten().flatten() {
        assert!(!r.get(*p), "no probability is updated");
    }
    assert_eq!(r.literal(1), 1, "mb_no_coeff_skip");
    let skip_false = r.literal(8) as u8;
    let mut skipped = 0;
    for _ in 0..6 {
        skipped += usize::from(r.get(skip_false));
        assert!(r.get(145), "a whole-block luma mode");
        let _luma = if r.get(156) { r.get(128) } else { r.get(163) };
        if r.get(142) && r.get(114) {
            r.get(183);
        }
    }
    assert!(skipped >= 5, "{skipped}");
    // The skip flags were coded with the frame's own odds: 5 or 6 of 6 skipped.
    assert!(skip_false <= 43, "{skip_false}");
}
