//! Audio bytes of our own: silence encoded as WAV, raw PCM, FLAC, MP3 (MPEG-1 Layer III), Opus in
//! Ogg and AAC in ADTS frames, each a valid file that real decoders open with the asked duration;
//! and [`probe`], the duration of an uploaded file from its header. No codec crates: silence needs
//! none of the hard parts of these formats.

mod aac;
mod flac;
pub(crate) mod mp3;
mod ogg;
mod probe;
mod wav;

#[cfg(test)]
mod tests;

pub(crate) use probe::{Kind, probe};

/// The sample rate of every encoding but MP3 (whose MPEG-1 frames need 32 kHz or more): 24 kHz,
/// as the API's speech is.
pub(crate) const SAMPLE_RATE: u32 = 24_000;

/// The encodings `/v1/audio/speech` answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Mp3,
    Opus,
    Aac,
    Flac,
    Wav,
    Pcm,
}

impl Format {
    pub(crate) const ALL: [(&'static str, Format); 6] = [
        ("mp3", Format::Mp3),
        ("opus", Format::Opus),
        ("aac", Format::Aac),
        ("flac", Format::Flac),
        ("wav", Format::Wav),
        ("pcm", Format::Pcm),
    ];

    /// The `Content-Type` the API sends the format with.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Mp3 => "audio/mpeg",
            Format::Opus => "audio/ogg",
            Format::Aac => "audio/aac",
            Format::Flac => "audio/flac",
            Format::Wav => "audio/wav",
            Format::Pcm => "audio/pcm",
        }
    }

    /// What `seconds` of silence cost in this format, in bytes (an upper bound, before encoding).
    pub(crate) fn size_of(self, seconds: f64) -> usize {
        let samples = (seconds * f64::from(SAMPLE_RATE)).ceil() as usize;
        match self {
            Format::Wav | Format::Pcm => 44 + samples * 2,
            Format::Flac => 42 + samples.div_ceil(flac::BLOCK) * 20,
            Format::Mp3 => mp3::frames(seconds) * mp3::FRAME_BYTES,
            Format::Opus => 256 + ogg::packets(seconds) * 5,
            Format::Aac => (samples.div_ceil(1024) + 1) * aac::FRAME.len(),
        }
    }
}

/// `seconds` of silence in `format`.
pub(crate) fn silence(format: Format, seconds: f64) -> Vec<u8> {
    let samples = (seconds * f64::from(SAMPLE_RATE)).round() as usize;
    match format {
        Format::Wav => wav::wav(samples),
        Format::Pcm => vec![0; samples * 2],
        Format::Flac => flac::flac(samples),
        Format::Mp3 => mp3::mp3(seconds),
        Format::Opus => ogg::opus(seconds),
        Format::Aac => aac::adts(samples),
    }
}
