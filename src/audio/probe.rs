//! How long an uploaded audio file plays, read from its header: WAV (`fmt ` byte rate and the
//! `data` size), FLAC (STREAMINFO's samples and rate), MP3 (the first frame's bitrate, or a
//! Xing/Info frame count), Ogg (the last page's granule position); else estimated from its size.
//! Only headers are read: the cost is bounded whatever the file holds.

/// The bitrate a file of unknown format is assumed to have: 128 kbit/s.
pub(crate) const ESTIMATE_BITS_PER_SECOND: f64 = 128_000.0;

/// What was recognised, and the duration in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Probe {
    pub kind: Kind,
    pub seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Wav,
    Flac,
    Mp3,
    Ogg,
    /// A container recognised only by its magic bytes (MP4/M4A, WebM); duration estimated.
    Other,
    /// Nothing recognised; duration estimated.
    Unknown,
}

/// The duration of `bytes` from its header, or estimated from its length.
pub(crate) fn probe(bytes: &[u8]) -> Probe {
    let known = wav(bytes)
        .map(|s| (Kind::Wav, s))
        .or_else(|| flac(bytes).map(|s| (Kind::Flac, s)))
        .or_else(|| ogg(bytes).map(|s| (Kind::Ogg, s)))
        .or_else(|| mp3(bytes).map(|s| (Kind::Mp3, s)));
    let (kind, seconds) = known.unwrap_or_else(|| {
        let container =
            bytes.get(4..8) == Some(b"ftyp") || bytes.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]);
        let kind = if container {
            Kind::Other
        } else {
            Kind::Unknown
        };
        (kind, bytes.len() as f64 * 8.0 / ESTIMATE_BITS_PER_SECOND)
    });
    Probe { kind, seconds }
}

fn u16le(b: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as u32)
}

fn u32le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// RIFF/WAVE: walks at most 64 chunks for `fmt ` and `data`. A `data` size larger than the file
/// (a streamed WAV's 0xFFFFFFFF) counts what the file holds.
fn wav(b: &[u8]) -> Option<f64> {
    if b.get(0..4)? != b"RIFF" || b.get(8..12)? != b"WAVE" {
        return None;
    }
    let (mut pos, mut byte_rate) = (12usize, None);
    for _ in 0..64 {
        let id = b.get(pos..pos + 4)?;
        let size = u32le(b, pos + 4)? as usize;
        let body = pos + 8;
        if id == b"fmt " {
            byte_rate = Some(u32le(b, body + 8)?).filter(|r| *r > 0);
        } else if id == b"data" {
            let size = size.min(b.len() - body);
            return Some(size as f64 / byte_rate? as f64);
        }
        pos = body.checked_add(size)?.checked_add(size & 1)?;
    }
    None
}

/// `fLaC` then STREAMINFO: 20-bit rate and 36-bit total samples.
fn flac(b: &[u8]) -> Option<f64> {
    if b.get(0..4)? != b"fLaC" || b.get(4)? & 0x7f != 0 {
        return None;
    }
    let info = b.get(8..8 + 34)?;
    let rate =
        (u32::from(info[10]) << 12) | (u32::from(info[11]) << 4) | (u32::from(info[12]) >> 4);
    let samples = (u64::from(info[13] & 0x0f) << 32) | u64::from(u32be(info, 14)?);
    (rate > 0 && samples > 0).then(|| samples as f64 / f64::from(rate))
}

/// Ogg: the granule position of the last page (48 kHz for Opus, less its pre-skip; the
/// identification header's rate for Vorbis), found within the last 64 KiB.
fn ogg(b: &[u8]) -> Option<f64> {
    if b.get(0..4)? != b"OggS" {
        return None;
    }
    let first = b.get(28..)?;
    let (rate, skip) = if first.starts_with(b"OpusHead") {
        (48_000.0, u16le(first, 10)? as f64)
    } else if first.get(1..7)? == b"vorbis" {
        (u32le(first, 12)? as f64, 0.0)
    } else {
        return None;
    };
    let tail_start = b.len().saturating_sub(64 * 1024);
    let tail = &b[tail_start..];
    let last = (0..tail.len().saturating_sub(14))
        .rev()
        .find(|&i| tail[i..].starts_with(b"OggS"))?;
    let granule = u64::from_le_bytes(tail.get(last + 6..last + 14)?.try_into().ok()?);
    (rate > 0.0).then(|| (granule as f64 - skip).max(0.0) / rate)
}

/// MPEG-1/2 Layer III: skips an ID3v2 tag, reads the first frame header; a Xing/Info frame count
/// gives the exact length, else the file's size at the first frame's bitrate.
fn mp3(b: &[u8]) -> Option<f64> {
    let mut pos = 0;
    if b.get(0..3)? == b"ID3" {
        let size = b
            .get(6..10)?
            .iter()
            .fold(0usize, |n, x| (n << 7) | (*x as usize & 0x7f));
        pos = 10 + size;
    }
    let header = u32be(b, pos)?;
    let frame = super::mp3::FrameHeader::parse(header)?;
    let side = frame.side_info_bytes();
    let xing = pos + 4 + side;
    if matches!(b.get(xing..xing + 4), Some(b"Xing" | b"Info")) && u32be(b, xing + 4)? & 1 == 1 {
        let frames = u32be(b, xing + 8)?;
        return Some(f64::from(frames) * frame.samples() as f64 / f64::from(frame.rate));
    }
    Some((b.len() - pos) as f64 * 8.0 / f64::from(frame.bitrate))
}
