//! Opus in Ogg: a page with `OpusHead` (mono, pre-skip 312, 24 kHz input), a page with
//! `OpusTags`, then pages of 20 ms silent CELT packets (`F8 FF FE`: configuration 31, one
//! frame, the silence flag set), fifty to a page; the last page's granule position trims the
//! stream to the asked duration. Every page carries its CRC-32.

const PRE_SKIP: u64 = 312;
/// 20 ms at 48 kHz, the rate Ogg Opus granule positions count in.
const PACKET_SAMPLES: u64 = 960;
const SILENT_PACKET: [u8; 3] = [0xf8, 0xff, 0xfe];
const PACKETS_PER_PAGE: usize = 50;
const SERIAL: u32 = 0x6f61_696d; // "oaim"

/// CRC-32 as Ogg computes it: polynomial 0x04C11DB7, not reflected, initial 0.
fn crc32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |mut crc, b| {
        crc ^= u32::from(*b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// Appends one page holding `packets` (each under 255 bytes).
fn page(out: &mut Vec<u8>, flags: u8, granule: u64, sequence: u32, packets: &[&[u8]]) {
    let start = out.len();
    out.extend_from_slice(b"OggS");
    out.push(0); // version
    out.push(flags);
    out.extend_from_slice(&granule.to_le_bytes());
    out.extend_from_slice(&SERIAL.to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // CRC, filled in below
    out.push(packets.len() as u8);
    out.extend(packets.iter().map(|p| p.len() as u8));
    for packet in packets {
        out.extend_from_slice(packet);
    }
    let crc = crc32(&out[start..]);
    out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
}

/// Packets for `seconds` of audio after the pre-skip.
pub(super) fn packets(seconds: f64) -> usize {
    let samples = (seconds * 48_000.0).round() as u64 + PRE_SKIP;
    samples.div_ceil(PACKET_SAMPLES).max(1) as usize
}

/// The two header pages, `OpusHead` and `OpusTags`: the same for every duration.
pub(super) fn header(out: &mut Vec<u8>) {
    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&(PRE_SKIP as u16).to_le_bytes());
    head.extend_from_slice(&super::SAMPLE_RATE.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // channel mapping family
    page(out, 0x02, 0, 0, &[&head]);
    let vendor = b"oaimock";
    let mut tags = Vec::with_capacity(24);
    tags.extend_from_slice(b"OpusTags");
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes()); // no comments
    page(out, 0, 0, 1, &[&tags]);
}

/// Audio pages for `seconds`: [`PACKETS_PER_PAGE`] packets each, the last one fewer.
pub(super) fn pages(seconds: f64) -> usize {
    packets(seconds).div_ceil(PACKETS_PER_PAGE)
}

/// Appends audio page `index` (from 0) of `seconds` of silence: its sequence number, granule
/// position and end flag follow from the index alone, so any page can be made on its own.
pub(super) fn write_page(seconds: f64, index: usize, out: &mut Vec<u8>) {
    let count = packets(seconds);
    let end = (seconds * 48_000.0).round() as u64 + PRE_SKIP;
    let n = (count - index * PACKETS_PER_PAGE).min(PACKETS_PER_PAGE);
    let sent = index * PACKETS_PER_PAGE + n;
    let last = sent == count;
    let granule = if last {
        end
    } else {
        sent as u64 * PACKET_SAMPLES
    };
    let packets = vec![&SILENT_PACKET[..]; n];
    let sequence = index as u32 + 2;
    page(
        out,
        if last { 0x04 } else { 0 },
        granule,
        sequence,
        &packets,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_crc_is_ogg_s() {
        // CRC-32/MPEG-2 has initial 0xFFFFFFFF; Ogg's starts at 0: check value of "123456789".
        assert_eq!(super::crc32(b"123456789"), 0x89a1_897f);
    }
}
