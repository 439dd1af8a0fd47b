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
