//! PNG (ISO/IEC 15948): 8-bit RGB or RGBA, no interlace, every scanline with filter 0, one IDAT
//! chunk holding a zlib stream. The IDAT is compressed in place into the output, so encoding
//! costs the file's bytes and two scanlines.

use super::deflate::{MAX_DISTANCE, Zlib};

/// The widest image whose scanline the compressor can copy from one line up.
pub(crate) const MAX_WIDTH: u32 = ((MAX_DISTANCE - 1) / 4) as u32;

/// Encodes a `width` × `height` image; `row(y, line)` fills scanline `y` (3 or 4 bytes a pixel).
pub(crate) fn encode(
    width: u32,
    height: u32,
    alpha: bool,
    mut row: impl FnMut(u32, &mut [u8]),
) -> Vec<u8> {
    assert!(width <= MAX_WIDTH && width > 0 && height > 0);
    let unit = if alpha { 4 } else { 3 };
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8; colour type 6 (RGBA) or 2 (RGB); deflate; adaptive filtering; no interlace.
    ihdr.extend_from_slice(&[8, if alpha { 6 } else { 2 }, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let start = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"IDAT");
    let mut line = vec![0u8; 1 + width as usize * unit];
    let mut zlib = Zlib::new(&mut out, unit);
    for y in 0..height {
        line[0] = 0; // filter type None
        row(y, &mut line[1..]);
        zlib.line(&line);
    }
    let out = zlib.finish();
    let len = (out.len() - start - 8) as u32;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    let crc = crc32(&out[start + 4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    chunk(out, b"IEND", &[]);
    std::mem::take(out)
}

/// Appends a chunk: length, type, data, CRC of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let at = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[at..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (ISO 3309, the polynomial PNG and zip use), a byte at a time from a 256-entry table.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (n, slot) in t.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::deflate::tests::inflate;

    #[test]
    fn crc32_of_the_check_string() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn a_small_rgba_image_has_its_chunks_and_pixels() {
        let png = encode(3, 2, true, |y, line| {
            for (x, px) in line.chunks_mut(4).enumerate() {
                px.copy_from_slice(&[x as u8, y as u8, 9, 255]);
            }
        });
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(&png[16..24], &[0, 0, 0, 3, 0, 0, 0, 2]);
        assert_eq!(png[25], 6, "colour type RGBA");
        let idat_len = u32::from_be_bytes(png[33..37].try_into().unwrap()) as usize;
        assert_eq!(&png[37..41], b"IDAT");
        let idat = &png[41..41 + idat_len];
        let crc = u32::from_be_bytes(png[41 + idat_len..45 + idat_len].try_into().unwrap());
        assert_eq!(crc, crc32(&png[37..41 + idat_len]));
        let raw = inflate(idat);
        assert_eq!(raw.len(), 2 * (1 + 12));
        assert_eq!(&raw[13..17], &[0, 0, 1, 9]);
        assert_eq!(&png[png.len() - 12..], b"\0\0\0\0IEND\xaeB`\x82");
    }
}
