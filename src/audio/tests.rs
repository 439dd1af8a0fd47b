//! The encoders' files read back by the prober, and the prober on headers of other makers.

use super::*;

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn every_encoding_probes_back_to_its_duration() {
    for seconds in [0.5, 3.7, 61.0] {
        let cases = [
            (Format::Wav, Kind::Wav, 0.001),
            (Format::Flac, Kind::Flac, 0.001),
            (Format::Mp3, Kind::Mp3, 0.025),
            (Format::Opus, Kind::Ogg, 0.001),
        ];
        for (format, kind, tolerance) in cases {
            let bytes = silence(format, seconds);
            assert!(
                bytes.len() <= format.size_of(seconds),
                "{format:?} {seconds}"
            );
            let probed = probe(&bytes);
            assert_eq!(probed.kind, kind);
            assert!(
                close(probed.seconds, seconds, tolerance),
                "{format:?}: {probed:?} for {seconds}"
            );
        }
        let pcm = silence(Format::Pcm, seconds);
        assert_eq!(pcm.len(), (seconds * 24_000.0).round() as usize * 2);
        let aac = silence(Format::Aac, seconds);
        assert_eq!(aac.len() % 11, 0);
        assert!(close(
            (aac.len() / 11 * 1024) as f64 / 24_000.0,
            seconds,
            0.043
        ));
        assert!(aac.len() <= Format::Aac.size_of(seconds));
    }
}

#[test]
fn unknown_files_are_estimated_from_their_size() {
    let probed = probe(&[7u8; 16_000]);
    assert_eq!(probed.kind, Kind::Unknown);
    assert!(close(probed.seconds, 1.0, 1e-9));
    let mut m4a = vec![0, 0, 0, 32];
    m4a.extend_from_slice(b"ftypM4A ");
    assert_eq!(probe(&m4a).kind, Kind::Other);
}

#[test]
fn mp3_headers_of_other_encoders_are_read() {
    // MPEG-2 Layer III, 24 kHz, 64 kbit/s, mono (what the API's own speech uses).
    let header = mp3::FrameHeader::parse(0xfff3_84c4).unwrap();
    assert_eq!(
        (header.mpeg1, header.rate, header.bitrate, header.mono),
        (false, 24_000, 64_000, true)
    );
    assert_eq!(header.samples(), 576);
    // An ID3 tag, then a Xing frame saying 100 frames of 1152 samples at 44.1 kHz.
    let mut file = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
    file.extend_from_slice(&[0xff, 0xfb, 0x90, 0x00]);
    file.extend_from_slice(&[0; 32]);
    file.extend_from_slice(b"Xing\x00\x00\x00\x01\x00\x00\x00\x64");
    let probed = probe(&file);
    assert_eq!(probed.kind, Kind::Mp3);
    assert!(close(probed.seconds, 100.0 * 1152.0 / 44_100.0, 1e-9));
    // A WAV whose data size is larger than the file counts what is there.
    let mut wav = silence(Format::Wav, 1.0);
    wav[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(close(probe(&wav).seconds, 1.0, 1e-9));
}

#[test]
fn flac_frames_say_24_khz_and_16_bits_in_their_own_headers() {
    // 0.5 s: two frames of 4096 samples (11 bytes each), then one of 3808 carrying its size.
    let flac = silence(Format::Flac, 0.5);
    let frame = &flac[42..];
    assert_eq!(&frame[..2], &[0xff, 0xf8]);
    // Rate code 7 is 24 kHz (6 would be 22.05 kHz); block size code 12 is 4096.
    assert_eq!((frame[2], frame[3]), (0xc7, 0x08));
    let frame = &flac[42 + 22..];
    assert_eq!(frame.len(), 13);
    assert_eq!((frame[2], frame[3]), (0x77, 0x08));
}

/// FNV-1a of a file, to pin its bytes.
fn fnv(bytes: &[u8]) -> u64 {
    crate::ids::fnv1a(crate::ids::FNV_OFFSET, bytes.iter().copied())
}

#[test]
fn whole_files_keep_the_bytes_they_had_before_pieces() {
    // Length and FNV-1a of each file as the whole-file encoders made it, before the encoders were
    // split into a header and units: the split changed no byte.
    let pinned: [(Format, f64, usize, u64); 12] = [
        (Format::Mp3, 0.1, 480, 0x431d8ba18fb01cfb),
        (Format::Mp3, 61.0, 244032, 0x20daa31c3f2fd5e9),
        (Format::Opus, 2.0 / 3.0, 261, 0x2cd303a56f69fd4f),
        (Format::Opus, 61.0, 13976, 0xc411f864de76ed0e),
        (Format::Aac, 0.1, 33, 0xf371a7a09be2f583),
        (Format::Aac, 3.7, 957, 0xadd5d5f229b67deb),
        (Format::Flac, 2.0 / 3.0, 88, 0x816835f9d2b3ca50),
        (Format::Flac, 600.0, 43576, 0x746742841e9d0f33),
        (Format::Wav, 1.3, 62444, 0x5050615883c85220),
        (Format::Wav, 61.0, 2928044, 0x07598645fe25ce54),
        (Format::Pcm, 0.1, 4800, 0xd0549f149dd63a25),
        (Format::Pcm, 3.7, 177600, 0xb7c96850585b7625),
    ];
    for (format, seconds, len, hash) in pinned {
        let bytes = silence(format, seconds);
        assert_eq!(
            (bytes.len(), fnv(&bytes)),
            (len, hash),
            "{format:?} {seconds}"
        );
    }
}

#[test]
fn pieces_joined_are_the_whole_file_in_every_format() {
    for (name, format) in Format::ALL {
        for seconds in [0.1, 0.4, 2.0 / 3.0, 1.3, 3.7, 61.0] {
            let whole = silence(format, seconds);
            for count in [1, 2, 3, 7, 10, 152] {
                let pieces: Vec<Vec<u8>> = Encoder::new(format, seconds).pieces(count).collect();
                assert_eq!(pieces.len(), count, "{name} {seconds} in {count}");
                assert!(pieces.concat() == whole, "{name} {seconds} in {count}");
            }
        }
    }
    // No piece count makes an empty iterator.
    assert_eq!(Encoder::new(Format::Mp3, 1.0).pieces(0).count(), 1);
}

#[test]
fn a_piece_holds_one_word_of_audio_not_the_file() {
    // Ten minutes, as speech splits them: 1500 words of 0.4 s, or 375 words of 1.6 s (speed
    // 0.25). The largest piece is a word's audio (19,200 or 76,800 bytes of WAV) and its header.
    for (words, most) in [(1500, 20 * 1024), (375, 80 * 1024)] {
        for (name, format) in Format::ALL {
            let whole = format.size_of(600.0);
            let largest = Encoder::new(format, 600.0)
                .pieces(words)
                .map(|piece| piece.len())
                .max()
                .unwrap();
            assert!(
                largest <= most,
                "{name}: {largest} bytes in a piece of {whole}"
            );
        }
    }
    let largest_wav = Encoder::new(Format::Wav, 600.0)
        .pieces(375)
        .map(|p| p.len())
        .max();
    assert_eq!(largest_wav, Some(44 + 76_800));
}
