//! WebP files (RIFF, as libwebp's container spec and RFC 9649 describe them): a lossy VP8 key
//! frame ([`vp8`]) whose quantizer follows `output_compression`; a transparent image is an
//! extended file, `VP8X` then an `ALPH` chunk holding the alpha plane losslessly (a VP8L image
//! stream, [`lossless`]) then the `VP8 ` frame, which Pillow opens as RGBA.

mod huffman;
mod lossless;
mod vp8;

/// The widest and tallest image (VP8 says each side in 14 bits).
pub(crate) const MAX_SIDE: u32 = vp8::MAX_SIDE;

/// Encodes a `width` × `height` image at `compression` (0..=100, read as a quality: 100 is the
/// finest); `row(y, line)` fills row `y` with RGB bytes, or RGBA when `line` has room for them.
pub(crate) fn encode(
    width: u32,
    height: u32,
    alpha: bool,
    compression: u8,
    mut row: impl FnMut(u32, &mut [u8]),
) -> Vec<u8> {
    let frame = vp8::encode(width, height, compression, &mut row);
    let plane = alpha.then(|| lossless::alpha(width, height, &mut row));
    let mut out = Vec::with_capacity(64 + frame.len() + plane.as_ref().map_or(0, Vec::len));
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    if let Some(plane) = plane {
        // VP8X: only the alpha flag (bit 4), then the canvas's sides less one in 24 bits each.
        let mut vp8x = [0u8; 10];
        vp8x[0] = 0x10;
        vp8x[4..7].copy_from_slice(&(width - 1).to_le_bytes()[..3]);
        vp8x[7..10].copy_from_slice(&(height - 1).to_le_bytes()[..3]);
        chunk(&mut out, b"VP8X", &[&vp8x]);
        // ALPH header byte: no preprocessing, no filtering, compression 1 (lossless).
        chunk(&mut out, b"ALPH", &[&[1], &plane]);
    }
    chunk(&mut out, b"VP8 ", &[&frame]);
    let riff = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

/// One RIFF chunk: its name, its size, the parts of its payload and a pad byte to an even size.
fn chunk(out: &mut Vec<u8>, name: &[u8; 4], parts: &[&[u8]]) {
    let size: usize = parts.iter().map(|p| p.len()).sum();
    out.extend_from_slice(name);
    out.extend_from_slice(&(size as u32).to_le_bytes());
    for part in parts {
        out.extend_from_slice(part);
    }
    if size % 2 == 1 {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chunks_add_up_with_and_without_alpha() {
        let draw = |y: u32, line: &mut [u8]| {
            let unit = line.len() / 5;
            for (x, px) in line.chunks_mut(unit).enumerate() {
                px[..3].copy_from_slice(&[x as u8 * 40, y as u8 * 80, 7]);
                if unit == 4 {
                    px[3] = if x < 2 { 0 } else { 255 };
                }
            }
        };
        let opaque = encode(5, 3, false, 90, draw);
        assert_eq!(&opaque[..4], b"RIFF");
        assert_eq!(&opaque[8..16], b"WEBPVP8 ");
        let riff = u32::from_le_bytes(opaque[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff + 8, opaque.len());
        assert_eq!(opaque.len() % 2, 0);
        // The frame: a shown key frame, the start code, then 5 × 3.
        assert_eq!(opaque[20] & 0x11, 0x10);
        assert_eq!(&opaque[23..30], &[0x9d, 0x01, 0x2a, 5, 0, 3, 0]);

        let clear = encode(5, 3, true, 90, draw);
        assert_eq!(&clear[8..20], b"WEBPVP8X\x0a\0\0\0");
        assert_eq!(&clear[20..30], &[0x10, 0, 0, 0, 4, 0, 0, 2, 0, 0]);
        assert_eq!(&clear[30..34], b"ALPH");
        let alph = u32::from_le_bytes(clear[34..38].try_into().unwrap()) as usize;
        assert_eq!(clear[38], 1, "lossless alpha, unfiltered");
        let vp8 = 38 + alph + alph % 2;
        assert_eq!(&clear[vp8..vp8 + 4], b"VP8 ");
        let riff = u32::from_le_bytes(clear[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff + 8, clear.len());
        assert_eq!(
            super::super::dimensions(&clear).map(|d| (d.1, d.2)),
            Some((5, 3))
        );
        assert_eq!(
            super::super::dimensions(&opaque).map(|d| (d.1, d.2)),
            Some((5, 3))
        );
    }
}
