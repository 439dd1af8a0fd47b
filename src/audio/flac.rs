//! FLAC: `fLaC`, a STREAMINFO block, then frames of [`BLOCK`] samples, each one CONSTANT subframe
//! (every sample 0), with the frame header's CRC-8 and the frame's CRC-16.

use super::SAMPLE_RATE;

/// Samples per frame (block size code 12: 4096).
pub(super) const BLOCK: usize = 4096;

/// CRC-8, polynomial x^8 + x^2 + x + 1, initial 0 (FLAC frame headers).
fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |mut crc, b| {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// CRC-16, polynomial x^16 + x^15 + x^2 + 1, initial 0 (whole FLAC frames).
fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |mut crc, b| {
        crc ^= u16::from(*b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// A frame number in FLAC's UTF-8-like coding.
fn utf8_number(n: u32, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(n as u8);
        return;
    }
    let mut tail = Vec::new();
    let mut rest = n;
    while rest >= (0x40 >> tail.len()) {
        tail.push(0x80 | (rest & 0x3f) as u8);
        rest >>= 6;
    }
    let lead = !(0xffu8 >> (tail.len() + 1)) | rest as u8;
    out.push(lead);
    out.extend(tail.iter().rev());
}

/// `fLaC` and the STREAMINFO block of a stream of `samples` 16-bit mono samples: 42 bytes.
pub(super) fn header(samples: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(b"fLaC");
    // The last metadata block (bit 7), type 0 STREAMINFO, 34 bytes.
    out.extend_from_slice(&[0x80, 0, 0, 34]);
    out.extend_from_slice(&(BLOCK as u16).to_be_bytes()); // min block size
    out.extend_from_slice(&(BLOCK as u16).to_be_bytes()); // max block size
    out.extend_from_slice(&[0; 6]); // min and max frame size: unknown
    // 20 bits rate, 3 bits channels - 1, 5 bits bits-per-sample - 1, 36 bits total samples.
    let total = samples as u64;
    let packed: u64 = (u64::from(SAMPLE_RATE) << 44) | (15 << 36) | (total & 0xf_ffff_ffff);
    out.extend_from_slice(&packed.to_be_bytes());
    out.extend_from_slice(&[0; 16]); // MD5 of the samples: unknown
}

/// Frames in a stream of `samples`: [`BLOCK`] samples each, the last one shorter.
pub(super) fn frames(samples: usize) -> usize {
    samples.div_ceil(BLOCK)
}

/// Appends frame `number` of a stream of `samples`: its header says its number and, for the
/// last, shorter one, its size; so any frame can be made without the ones before it.
pub(super) fn write_frame(samples: usize, number: usize, out: &mut Vec<u8>) {
    let block = (samples - number * BLOCK).min(BLOCK);
    let start = out.len();
    out.extend_from_slice(&[0xff, 0xf8]); // sync, fixed block size
    // Block size code (12: 4096, 7: 16-bit size - 1 at the end), rate code 7: 24 kHz.
    let code = if block == BLOCK { 0xc7 } else { 0x77 };
    out.push(code);
    out.push(0x08); // mono, 16 bits per sample
    utf8_number(number as u32, out);
    if block != BLOCK {
        out.extend_from_slice(&((block - 1) as u16).to_be_bytes());
    }
    out.push(crc8(&out[start..]));
    out.extend_from_slice(&[0x00, 0x00, 0x00]); // CONSTANT subframe, value 0
    let crc = crc16(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

#[cfg(test)]
mod tests {
    #[test]
    fn crcs_and_frame_numbers_match_the_specification() {
        assert_eq!(super::crc8(b"123456789"), 0xf4);
        assert_eq!(super::crc16(b"123456789"), 0xfee8);
        let coded = |n| {
            let mut out = Vec::new();
            super::utf8_number(n, &mut out);
            out
        };
        assert_eq!(coded(0x7f), [0x7f]);
        assert_eq!(coded(0x80), [0xc2, 0x80]);
        assert_eq!(coded(0x800), [0xe0, 0xa0, 0x80]);
    }
}
