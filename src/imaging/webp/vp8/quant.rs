//! Quantizers (RFC 6386 sections 9.6 and 14.1): the frame's one quantizer index chosen from
//! `output_compression`, and the factor each kind of coefficient is divided by. The lookup tables
//! were copied from RFC 6386 14.1 as golang.org/x/image `vp8/quant.go` and libwebp
//! `src/dec/quant_dec.c` print them (they agree); `tests.rs` pins their checksums.

/// DC dequantization factor by quantizer index (RFC 6386 14.1, `dc_qlookup`).
pub(super) const DC_Q: [u16; 128] = [
    4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13, 14, 15, 16, 17, 17, 18, 19, 20, 20, 21, 21, 22, 22, 23,
    23, 24, 25, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 37, 38, 39, 40, 41, 42, 43, 44,
    45, 46, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67,
    68, 69, 70, 71, 72, 73, 74, 75, 76, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91,
    93, 95, 96, 98, 100, 101, 102, 104, 106, 108, 110, 112, 114, 116, 118, 122, 124, 126, 128, 130,
    132, 134, 136, 138, 140, 143, 145, 148, 151, 154, 157,
];

/// AC dequantization factor by quantizer index (RFC 6386 14.1, `ac_qlookup`).
pub(super) const AC_Q: [u16; 128] = [
    4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
    29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
    53, 54, 55, 56, 57, 58, 60, 62, 64, 66, 68, 70, 72, 74, 76, 78, 80, 82, 84, 86, 88, 90, 92, 94,
    96, 98, 100, 102, 104, 106, 108, 110, 112, 114, 116, 119, 122, 125, 128, 131, 134, 137, 140,
    143, 146, 149, 152, 155, 158, 161, 164, 167, 170, 173, 177, 181, 185, 189, 193, 197, 201, 205,
    209, 213, 217, 221, 225, 229, 234, 239, 245, 249, 254, 259, 264, 269, 274, 279, 284,
];

/// The quantizer index for an `output_compression` of 0 to 100, read as JPEG reads its quality:
/// 100 (the default) is index 0, the finest step, and every point less adds 1.27 to the index
/// up to 127, the coarsest. Lower values give smaller, blurrier files.
pub(super) fn index(compression: u8) -> u8 {
    let c = u32::from(compression.min(100));
    ((100 - c) * 127 / 100) as u8
}

/// The divisors of one frame: (DC, AC) for the luma blocks' AC, the Y2 block and chroma, as a
/// decoder derives them from the index with every delta 0 (RFC 6386 9.6, `dequant_init`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Quant {
    pub y_ac: i32,
    pub y2: (i32, i32),
    pub uv: (i32, i32),
}

impl Quant {
    pub(super) fn new(index: u8) -> Quant {
        let q = usize::from(index.min(127));
        Quant {
            y_ac: i32::from(AC_Q[q]),
            y2: (
                i32::from(DC_Q[q]) * 2,
                (i32::from(AC_Q[q]) * 155 / 100).max(8),
            ),
            uv: (i32::from(DC_Q[q.min(117)]), i32::from(AC_Q[q])),
        }
    }
}

/// `value / step` rounded to the nearest level, within what a token can say (±2047).
pub(super) fn level(value: f32, step: i32) -> i32 {
    ((value / step as f32).round() as i32).clamp(-2047, 2047)
}
