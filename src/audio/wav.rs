//! WAV: a RIFF header (`fmt ` for 16-bit mono PCM at [`SAMPLE_RATE`]); the samples, zeros, follow.

use super::SAMPLE_RATE;

/// The 44-byte header of a WAV file of `samples` 16-bit samples; the samples (zeros) follow it.
pub(super) fn header(samples: usize, out: &mut Vec<u8>) {
    let data = (samples * 2) as u32;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
}
