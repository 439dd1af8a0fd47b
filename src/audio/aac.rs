//! AAC: ADTS frames (AAC-LC, 24 kHz, mono, no CRC), each 1024 samples of silence: a single
//! channel element with no scale factor bands (`max_sfb` 0), so nothing is coded, then END.

/// One frame: the 7-byte ADTS header (frame length 11, buffer fullness 0x7FF) and the 4-byte
/// raw data block: SCE tag 0, global gain 160, long window, `max_sfb` 0, no pulse, TNS or gain
/// control data, END.
pub(super) const FRAME: [u8; 11] = [
    0xff, 0xf1, 0x58, 0x40, 0x01, 0x7f, 0xfc, 0x01, 0x40, 0x20, 0x07,
];

/// Frames for `samples` of silence: rounded up to whole frames of 1024, one at least.
pub(super) fn frames(samples: usize) -> usize {
    samples.div_ceil(1024).max(1)
}

/// Appends `count` frames (every frame is the same).
pub(super) fn write_frames(count: usize, out: &mut Vec<u8>) {
    for _ in 0..count {
        out.extend_from_slice(&FRAME);
    }
}
