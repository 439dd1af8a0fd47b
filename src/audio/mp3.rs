//! MP3: MPEG-1 Layer III frames at 48 kHz, 32 kbit/s, mono, each 96 bytes holding 1152 samples of
//! silence (side information all zero: no Huffman data, so every sample decodes to 0). Also the
//! frame header reader [`super::probe`] uses.

/// Samples per MPEG-1 Layer III frame.
const SAMPLES: usize = 1152;
const RATE: u32 = 48_000;
/// 144 × 32000 / 48000: a frame at 32 kbit/s and 48 kHz, no padding needed.
pub(super) const FRAME_BYTES: usize = 96;
/// Sync, MPEG-1, Layer III, no CRC; 32 kbit/s, 48 kHz, no padding; mono.
const HEADER: [u8; 4] = [0xff, 0xfb, 0x14, 0xc0];

/// Frames for `seconds` of audio.
pub(super) fn frames(seconds: f64) -> usize {
    ((seconds * f64::from(RATE)) / SAMPLES as f64)
        .ceil()
        .max(1.0) as usize
}

/// Appends `count` silent frames (every frame is the same; `seconds` of silence are
/// [`frames`] of them, rounded up to whole frames of 24 ms).
pub(super) fn write_frames(count: usize, out: &mut Vec<u8>) {
    let mut frame = [0u8; FRAME_BYTES];
    frame[..4].copy_from_slice(&HEADER);
    for _ in 0..count {
        out.extend_from_slice(&frame);
    }
}

/// What a Layer III frame header says: enough for a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    /// MPEG-1 (else MPEG-2 or 2.5, with half as many samples a frame).
    pub mpeg1: bool,
    pub mono: bool,
    pub bitrate: u32,
    pub rate: u32,
}

impl FrameHeader {
    /// The header in the four bytes `word` (big-endian), if they are a Layer III header.
    pub(crate) fn parse(word: u32) -> Option<FrameHeader> {
        if word >> 21 != 0x7ff || (word >> 17) & 3 != 1 {
            return None;
        }
        let version = (word >> 19) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        let bitrate_index = ((word >> 12) & 15) as usize;
        let rate_index = ((word >> 10) & 3) as usize;
        if version == 1 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
            return None;
        }
        const V1: [u32; 15] = [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ];
        const V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
        let mpeg1 = version == 3;
        let bitrate = if mpeg1 { V1 } else { V2 }[bitrate_index] * 1000;
        let base = [44_100, 48_000, 32_000][rate_index];
        let rate = match version {
            3 => base,
            2 => base / 2,
            _ => base / 4,
        };
        Some(FrameHeader {
            mpeg1,
            mono: (word >> 6) & 3 == 3,
            bitrate,
            rate,
        })
    }

    pub(crate) fn samples(&self) -> usize {
        if self.mpeg1 { SAMPLES } else { SAMPLES / 2 }
    }

    /// Bytes of side information after the header (where a Xing/Info tag starts).
    pub(crate) fn side_info_bytes(&self) -> usize {
        match (self.mpeg1, self.mono) {
            (true, true) => 17,
            (true, false) => 32,
            (false, true) => 9,
            (false, false) => 17,
        }
    }
}
