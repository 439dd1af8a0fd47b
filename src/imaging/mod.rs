//! Images made here, with no crate: a pattern drawn from the prompt ([`pattern`]) encoded as
//! PNG, baseline JPEG or lossy WebP by encoders of our own, and a bounded store of recent
//! images for the `url` answers ([`store`]). Encoders draw a row at a time and write into the
//! output directly, so an image costs about its own bytes.

mod bits;
mod deflate;
mod jpeg;
pub(crate) mod pattern;
mod png;
pub(crate) mod store;
mod webp;

pub(crate) use pattern::Pattern;

/// The widest or tallest image any encoder here makes (PNG's scanline copies reach 32 KiB back).
pub(crate) const MAX_SIDE: u32 = if png::MAX_WIDTH < webp::MAX_SIDE {
    png::MAX_WIDTH
} else {
    webp::MAX_SIDE
};

/// The file formats oaimock writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Webp => "webp",
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Format> {
        match name {
            "png" => Some(Format::Png),
            "jpeg" => Some(Format::Jpeg),
            "webp" => Some(Format::Webp),
            _ => None,
        }
    }
}

/// Encodes `pattern` at `width` × `height`. `alpha` keeps an alpha channel (PNG and WebP; JPEG
/// has none); `quality` (`output_compression`, 0..=100) sets JPEG's and WebP's quantizers.
pub(crate) fn encode(
    pattern: &Pattern,
    width: u32,
    height: u32,
    format: Format,
    alpha: bool,
    quality: u8,
) -> Vec<u8> {
    assert!(width <= MAX_SIDE && height <= MAX_SIDE);
    match format {
        Format::Png => png::encode(width, height, alpha, |y, line| pattern.row(y, line)),
        Format::Jpeg => jpeg::encode(width, height, quality, |y, line| pattern.row(y, line)),
        Format::Webp => webp::encode(width, height, alpha, quality, |y, line| {
            pattern.row(y, line)
        }),
    }
}

/// The width and height of a PNG, JPEG or WebP file, read from its header; `None` for anything
/// else (or a header cut short).
pub(crate) fn dimensions(data: &[u8]) -> Option<(Format, u32, u32)> {
    let be16 = |at: usize| {
        Some(u32::from(u16::from_be_bytes(
            data.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    if data.starts_with(b"\x89PNG\r\n\x1a\n") && data.get(12..16) == Some(b"IHDR") {
        let w = u32::from_be_bytes(data.get(16..20)?.try_into().ok()?);
        let h = u32::from_be_bytes(data.get(20..24)?.try_into().ok()?);
        return Some((Format::Png, w, h));
    }
    if data.starts_with(b"RIFF") && data.get(8..12) == Some(b"WEBP") {
        let chunk = data.get(12..16)?;
        let le = |at: usize| -> Option<u32> {
            let b = data.get(at..at + 3)?;
            Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
        };
        return match chunk {
            b"VP8L" => {
                let bits = u32::from_le_bytes(data.get(21..25)?.try_into().ok()?);
                Some((
                    Format::Webp,
                    (bits & 0x3fff) + 1,
                    ((bits >> 14) & 0x3fff) + 1,
                ))
            }
            b"VP8X" => Some((Format::Webp, le(24)? + 1, le(27)? + 1)),
            b"VP8 " => Some((
                Format::Webp,
                be16_le(data, 26)? & 0x3fff,
                be16_le(data, 28)? & 0x3fff,
            )),
            _ => None,
        };
    }
    if data.starts_with(&[0xFF, 0xD8]) {
        // Walk the marker segments to the first start of frame.
        let mut at = 2;
        while at + 4 <= data.len() {
            if data[at] != 0xFF {
                return None;
            }
            let marker = data[at + 1];
            let len = be16(at + 2)? as usize;
            if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                return Some((Format::Jpeg, be16(at + 7)?, be16(at + 5)?));
            }
            at += 2 + len;
        }
    }
    None
}

/// A little-endian 16-bit value.
fn be16_le(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        data.get(at..at + 2)?.try_into().ok()?,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_reports_its_own_dimensions() {
        let p = Pattern::new(pattern::seed("dims"), 48, 32, true);
        for format in [Format::Png, Format::Jpeg, Format::Webp] {
            let data = encode(&p, 48, 32, format, format != Format::Jpeg, 90);
            assert_eq!(dimensions(&data), Some((format, 48, 32)), "{format:?}");
        }
        assert_eq!(dimensions(b"GIF89a"), None);
        assert_eq!(dimensions(b"\x89PNG\r\n\x1a\n"), None);
    }
}
