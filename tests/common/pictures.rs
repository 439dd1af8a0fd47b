//! Reading the images oaimock answers with, as far as tests need: base64, and the format, size
//! and colour type a file's header says (the SDK suites open every image with Pillow).

/// Decodes standard padded base64, panicking on anything else.
pub(crate) fn unbase64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    assert_eq!(text.len() % 4, 0, "base64 is padded to 4 characters");
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk.iter().fold(0u32, |acc, &c| {
            (acc << 6) | if c == b'=' { 0 } else { value(c) }
        });
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}

/// (format, width, height, has alpha) from a PNG, JPEG or WebP (lossy VP8, with an `ALPH` chunk
/// when transparent) file's headers.
pub(crate) fn header(data: &[u8]) -> (&'static str, u32, u32, bool) {
    let be32 = |at: usize| u32::from_be_bytes(data[at..at + 4].try_into().unwrap());
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        assert_eq!(&data[12..16], b"IHDR");
        assert_eq!(&data[data.len() - 12..], b"\0\0\0\0IEND\xaeB`\x82");
        return ("png", be32(16), be32(20), data[25] == 6);
    }
    if data.starts_with(b"RIFF") {
        assert_eq!(&data[8..12], b"WEBP");
        let le32 = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap());
        let le24 = |at: usize| le32(at) & 0xff_ffff;
        assert_eq!(le32(4) as usize + 8, data.len());
        // Walk the chunks: an optional VP8X then ALPH, and one lossy VP8 frame last.
        let mut at = 12;
        let mut chunks = Vec::new();
        while at < data.len() {
            let size = le32(at + 4) as usize;
            chunks.push((&data[at..at + 4], at + 8, size));
            at += 8 + size + size % 2;
        }
        assert_eq!(at, data.len(), "the chunks fill the file");
        let &(last, frame, _) = chunks.last().unwrap();
        assert_eq!(last, b"VP8 ", "a lossy frame ends the file");
        assert_eq!(data[frame] & 1, 0, "a key frame");
        assert_eq!(&data[frame + 3..frame + 6], &[0x9d, 0x01, 0x2a]);
        let (w, h) = (le32(frame + 6) & 0x3fff, (le32(frame + 6) >> 16) & 0x3fff);
        let names: Vec<&[u8]> = chunks.iter().map(|c| c.0).collect();
        if names.len() == 1 {
            return ("webp", w, h, false);
        }
        assert_eq!(names, [&b"VP8X"[..], b"ALPH", b"VP8 "]);
        assert_eq!(data[20], 0x10, "VP8X says only: alpha");
        assert_eq!((le24(24) + 1, le24(27) + 1), (w, h));
        assert_eq!(data[chunks[1].1], 1, "lossless alpha");
        return ("webp", w, h, true);
    }
    assert_eq!(&data[..2], &[0xFF, 0xD8], "not PNG, WebP or JPEG");
    assert_eq!(&data[data.len() - 2..], &[0xFF, 0xD9]);
    let sof = data.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let be16 = |at: usize| u32::from(u16::from_be_bytes([data[at], data[at + 1]]));
    ("jpeg", be16(sof + 7), be16(sof + 5), false)
}

/// A PNG of `width` × `height` that [`header`] reads (no pixels: oaimock reads only headers).
pub(crate) fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    out
}

/// A real PNG made by the server at `base`, `size` (`WxH`), as a dall-e-2 answer.
pub(crate) fn real_png(base: &str, size: &str) -> Vec<u8> {
    let body =
        format!(r#"{{"prompt": "source", "size": "{size}", "response_format": "b64_json"}}"#);
    let got = super::post(&format!("{base}/v1/images/generations"), &body);
    unbase64(got.json()["data"][0]["b64_json"].as_str().unwrap())
}

/// A file part with its own content type.
pub(crate) fn typed<'a>(
    name: &'a str,
    filename: &'a str,
    content_type: &'a str,
    data: &'a [u8],
) -> super::FormPart<'a> {
    super::FormPart {
        name,
        file: Some((filename, content_type)),
        data,
    }
}

/// The quantizer index of a lossy WebP's frame (RFC 6386 9.6), read with the boolean decoder of
/// RFC 6386 7.3 past the header fields before it (nothing here writes those fields).
pub(crate) fn vp8_quantizer(webp: &[u8]) -> u32 {
    let frame = webp.windows(4).position(|w| w == b"VP8 ").unwrap() + 8;
    let first = &webp[frame + 10..];
    let mut value = u32::from(first[0]) << 8 | u32::from(first[1]);
    let (mut at, mut range, mut count) = (2, 255u32, 0);
    let mut bit = || {
        let split = 1 + (((range - 1) * 128) >> 8);
        let one = value >= split << 8;
        if one {
            range -= split;
            value -= split << 8;
        } else {
            range = split;
        }
        while range < 128 {
            value <<= 1;
            range <<= 1;
            count += 1;
            if count == 8 {
                count = 0;
                value |= u32::from(first[at]);
                at += 1;
            }
        }
        u32::from(one)
    };
    // Colour space, clamping, segmentation, filter type, level (6), sharpness (3), deltas, and
    // the partition count (2): 16 bits with no segments and no filter deltas.
    let skipped: u32 = (0..16).map(|_| bit()).sum();
    assert_eq!(skipped, 0, "oaimock writes none of those");
    (0..7).fold(0, |q, _| q << 1 | bit())
}
