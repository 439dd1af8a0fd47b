//! A chunked request body read from the raw socket, for the one case tiny_http hands over the
//! socket undecoded: a request that asks for a protocol upgrade (quirk Q7's reader is then the
//! connection itself). Every line is bounded, so a client cannot make it buffer without limit.

use std::io::{self, BufRead, BufReader, Read};

/// The longest chunk-size line (size, extensions, CRLF) and trailer line accepted.
const MAX_LINE: usize = 4096;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// One line up to CRLF, at most `MAX_LINE` bytes.
fn line(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut out)?;
    if out.len() > MAX_LINE {
        return Err(invalid(format!(
            "a chunk-size line is longer than {MAX_LINE} bytes"
        )));
    }
    if !out.ends_with(b"\r\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the chunked body ended mid-line",
        ));
    }
    out.truncate(out.len() - 2);
    Ok(out)
}

/// Why a chunked body could not be read.
#[derive(Debug)]
pub(crate) enum Unread {
    TooLarge,
    Io(io::Error),
}

impl From<io::Error> for Unread {
    fn from(e: io::Error) -> Unread {
        Unread::Io(e)
    }
}

/// Decodes a chunked body of at most `limit` bytes. Reads nothing after the last chunk's
/// trailer.
pub(crate) fn decode(reader: impl Read, limit: usize) -> Result<Vec<u8>, Unread> {
    let mut reader = BufReader::with_capacity(1, reader);
    let mut body = Vec::new();
    loop {
        let size_line = line(&mut reader)?;
        let digits = size_line.split(|b| *b == b';').next().unwrap_or_default();
        let digits = std::str::from_utf8(digits).unwrap_or("").trim();
        let size = usize::from_str_radix(digits, 16)
            .map_err(|_| invalid(format!("invalid chunk size '{digits}'")))?;
        if size == 0 {
            while !line(&mut reader)?.is_empty() {}
            return Ok(body);
        }
        if body.len().saturating_add(size) > limit {
            return Err(Unread::TooLarge);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        if !line(&mut reader)?.is_empty() {
            return Err(invalid("a chunk does not end with CRLF".into()).into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_decode_and_nothing_after_the_trailer_is_read() {
        let raw: &[u8] = b"5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nx-trailer: 1\r\n\r\nGET / HTTP/1.1";
        let mut cursor = io::Cursor::new(raw);
        assert_eq!(decode(&mut cursor, 100).unwrap(), b"hello!");
        assert_eq!(&raw[cursor.position() as usize..], b"GET / HTTP/1.1");
    }

    #[test]
    fn bounds_and_malformed_chunks_are_errors() {
        let endless_size = vec![b'f'; 10_000];
        assert!(decode(&endless_size[..], 100).is_err());
        assert!(decode(&b"ff\r\n"[..], 100).is_err());
        assert!(decode(&b"z\r\n"[..], 100).is_err());
        assert!(decode(&b"2\r\nabX\r\n0\r\n\r\n"[..], 100).is_err());
        assert!(decode(&b"2\r\nab"[..], 100).is_err());
    }
}
