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

/// `seconds` of silence in `format`, the whole file: the same bytes as its [`Pieces`] joined.
pub(crate) fn silence(format: Format, seconds: f64) -> Vec<u8> {
    let file = Encoder::new(format, seconds);
    let mut out = Vec::with_capacity(format.size_of(seconds));
    file.header(&mut out);
    file.units(0..file.unit_count(), &mut out);
    out
}

/// A file of silence described before any byte is made: the duration (which headers such as
/// WAV's sizes and FLAC's STREAMINFO state) is fixed, the bytes are made on demand, a header
/// then units (samples, frames or pages) that each format can make from their index alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Encoder {
    format: Format,
    seconds: f64,
    samples: usize,
}

impl Encoder {
    pub(crate) fn new(format: Format, seconds: f64) -> Encoder {
        let samples = (seconds * f64::from(SAMPLE_RATE)).round() as usize;
        Encoder {
            format,
            seconds,
            samples,
        }
    }

    /// Appends what comes before the first unit (nothing for PCM, MP3 and AAC).
    fn header(&self, out: &mut Vec<u8>) {
        match self.format {
            Format::Wav => wav::header(self.samples, out),
            Format::Flac => flac::header(self.samples, out),
            Format::Opus => ogg::header(out),
            Format::Pcm | Format::Mp3 | Format::Aac => {}
        }
    }

    /// How many units follow the header: samples (WAV, PCM), frames (FLAC, MP3, AAC) or Ogg pages.
    fn unit_count(&self) -> usize {
        match self.format {
            Format::Wav | Format::Pcm => self.samples,
            Format::Flac => flac::frames(self.samples),
            Format::Mp3 => mp3::frames(self.seconds),
            Format::Opus => ogg::pages(self.seconds),
            Format::Aac => aac::frames(self.samples),
        }
    }

    /// Appends the units in `range`.
    fn units(&self, range: std::ops::Range<usize>, out: &mut Vec<u8>) {
        match self.format {
            Format::Wav | Format::Pcm => out.resize(out.len() + range.len() * 2, 0),
            Format::Flac => range.for_each(|i| flac::write_frame(self.samples, i, out)),
            Format::Mp3 => mp3::write_frames(range.len(), out),
            Format::Opus => range.for_each(|i| ogg::write_page(self.seconds, i, out)),
            Format::Aac => aac::write_frames(range.len(), out),
        }
    }

    /// The file in `count` pieces (one at least) of about equal duration, made one at a time:
    /// the first carries the header; a piece may be empty where a unit is longer than a piece
    /// (an Ogg page is a second).
    pub(crate) fn pieces(self, count: usize) -> Pieces {
        Pieces {
            file: self,
            count: count.max(1),
            next: 0,
        }
    }
}

/// The pieces of an [`Encoder`]'s file, in order; joined, they are [`silence`]'s bytes. Only the
/// piece being made is held: a piece of `seconds / count` of audio, plus the header.
#[derive(Debug)]
pub(crate) struct Pieces {
    file: Encoder,
    count: usize,
    next: usize,
}

impl Iterator for Pieces {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.next >= self.count {
            return None;
        }
        let units = self.file.unit_count() as u64;
        let bound = |k: usize| (units * k as u64 / self.count as u64) as usize;
        let range = bound(self.next)..bound(self.next + 1);
        let mut out = Vec::new();
        if self.next == 0 {
            self.file.header(&mut out);
        }
        self.file.units(range, &mut out);
        self.next += 1;
        Some(out)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}
