//! The compressor against a small inflater of fixed-code blocks written for these tests.

use super::*;

/// Reads bits least significant first, as deflate packs them.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn bit(&mut self) -> u32 {
        let b = (self.data[self.pos / 8] >> (self.pos % 8)) & 1;
        self.pos += 1;
        u32::from(b)
    }

    fn bits(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |acc, i| acc | (self.bit() << i))
    }

    /// A prefix code, first bit most significant.
    fn code(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |acc, _| (acc << 1) | self.bit())
    }

    fn symbol(&mut self) -> u16 {
        let mut code = self.code(7);
        if code <= 0x17 {
            return 256 + code as u16;
        }
        code = (code << 1) | self.bit();
        if (0x30..=0xBF).contains(&code) {
            return (code - 0x30) as u16;
        }
        if (0xC0..=0xC7).contains(&code) {
            return (280 + code - 0xC0) as u16;
        }
        code = (code << 1) | self.bit();
        (144 + code - 0x190) as u16
    }
}

pub(crate) fn inflate(zlib: &[u8]) -> Vec<u8> {
    assert_eq!(&zlib[..2], &[0x78, 0x01]);
    let mut r = Reader {
        data: &zlib[2..zlib.len() - 4],
        pos: 0,
    };
    assert_eq!((r.bits(1), r.bits(2)), (1, 1), "one final fixed block");
    let mut out: Vec<u8> = Vec::new();
    loop {
        let s = r.symbol();
        match s {
            0..=255 => out.push(s as u8),
            256 => break,
            _ => {
                let l = usize::from(s - 257);
                let len = usize::from(LENGTH_BASE[l]) + r.bits(u32::from(LENGTH_EXTRA[l])) as usize;
                let d = r.code(5) as usize;
                let dist = usize::from(DIST_BASE[d]) + r.bits(u32::from(DIST_EXTRA[d])) as usize;
                for _ in 0..len {
                    out.push(out[out.len() - dist]);
                }
            }
        }
    }
    let tail = &zlib[zlib.len() - 4..];
    assert_eq!(u32::from_be_bytes(tail.try_into().unwrap()), adler32(&out));
    out
}

#[test]
fn lines_round_trip_through_the_inflater() {
    let lines: Vec<Vec<u8>> = vec![
        vec![0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 200, 201, 202],
        vec![0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 200, 201, 202],
        vec![0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 255],
        (0..=255u8).collect(),
        vec![7; 1000],
    ];
    let mut out = Vec::new();
    let mut z = Zlib::new(&mut out, 3);
    for line in &lines {
        z.line(line);
    }
    z.finish();
    assert_eq!(inflate(&out), lines.concat());
    let raw: usize = lines.iter().map(Vec::len).sum();
    assert!(out.len() < raw, "{} bytes for {raw}", out.len());
}

#[test]
fn adler32_matches_rfc_1950() {
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    let mut out = Vec::new();
    let mut z = Zlib::new(&mut out, 1);
    z.line(b"Wikipedia");
    z.finish();
    assert_eq!(&out[out.len() - 4..], &0x11E6_0398u32.to_be_bytes());
}

#[test]
fn every_length_and_distance_code_is_reachable() {
    // A run of 258 is one copy; a long line copies from one line up at distances past 4096.
    let line: Vec<u8> = (0..6000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut out = Vec::new();
    let mut z = Zlib::new(&mut out, 4);
    z.line(&line);
    z.line(&line);
    z.line(&[5; 300]);
    z.finish();
    assert_eq!(
        inflate(&out),
        [&line[..], &line[..], &[5; 300][..]].concat()
    );
}
