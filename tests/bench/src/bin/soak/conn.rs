//! A minimal HTTP/1.1 client for the soak: keep-alive connections, reading a head and a body
//! (by length, chunked or to the close) with a timeout.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub(crate) struct Conn {
    pub(crate) sock: TcpStream,
    pub(crate) buf: Vec<u8>,
    pub(crate) pos: usize,
}

pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) content_length: Option<usize>,
    pub(crate) chunked: bool,
    pub(crate) close: bool,
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Conn {
    pub(crate) fn open(addr: SocketAddr, timeout: Duration) -> Result<Conn, String> {
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connect: {}", e.kind()))?;
        let _ = sock.set_nodelay(true);
        sock.set_read_timeout(Some(timeout)).map_err(|e| format!("set timeout: {e}"))?;
        sock.set_write_timeout(Some(timeout)).map_err(|e| format!("set timeout: {e}"))?;
        Ok(Conn { sock, buf: Vec::with_capacity(16 * 1024), pos: 0 })
    }

    /// Reads more bytes into the buffer; Ok(0) at EOF.
    pub(crate) fn fill(&mut self) -> io::Result<usize> {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 64 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + 16 * 1024, 0);
        let n = self.sock.read(&mut self.buf[len..]);
        self.buf.truncate(len + *n.as_ref().unwrap_or(&0));
        n
    }

    pub(crate) fn fill_or(&mut self, what: &str) -> Result<(), String> {
        match self.fill() {
            Ok(0) => Err(format!("EOF in {what}")),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("read {what}: {:?}", e.kind())),
        }
    }

    /// The bytes up to the next CRLF, consumed.
    pub(crate) fn line(&mut self, what: &str) -> Result<Vec<u8>, String> {
        loop {
            if let Some(i) = find(&self.buf[self.pos..], b"\r\n") {
                let line = self.buf[self.pos..self.pos + i].to_vec();
                self.pos += i + 2;
                return Ok(line);
            }
            self.fill_or(what)?;
        }
    }

    pub(crate) fn head(&mut self) -> Result<Head, String> {
        loop {
            if let Some(end) = find(&self.buf[self.pos..], b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&self.buf[self.pos..self.pos + end]).to_ascii_lowercase();
                self.pos += end + 4;
                let mut lines = text.split("\r\n");
                let status_line = lines.next().unwrap_or("");
                let status = status_line
                    .strip_prefix("http/1.1 ")
                    .and_then(|s| s.get(..3))
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("bad status line {status_line:?}"))?;
                let mut head = Head { status, content_length: None, chunked: false, close: false };
                for line in lines {
                    let Some((name, value)) = line.split_once(':') else { continue };
                    match (name.trim(), value.trim()) {
                        ("content-length", v) => head.content_length = v.parse().ok(),
                        ("transfer-encoding", v) => head.chunked = v.contains("chunked"),
                        ("connection", v) => head.close = v.contains("close"),
                        _ => {}
                    }
                }
                return Ok(head);
            }
            if self.buf.len() - self.pos > 64 * 1024 {
                return Err("response head over 64 KiB".into());
            }
            self.fill_or("head")?;
        }
    }

    /// The body of a response with `head`, de-chunked. `eof` is set when it ran to EOF.
    pub(crate) fn body(&mut self, head: &Head, eof: &mut bool) -> Result<Vec<u8>, String> {
        if head.chunked {
            let mut body = Vec::new();
            loop {
                let size_line = self.line("chunk size")?;
                let text = String::from_utf8_lossy(&size_line);
                let hex = text.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(hex, 16).map_err(|_| format!("bad chunk size {text:?}"))?;
                if size == 0 {
                    // Trailers, if any, then the blank line.
                    while !self.line("trailer")?.is_empty() {}
                    return Ok(body);
                }
                while self.buf.len() - self.pos < size + 2 {
                    self.fill_or("chunk")?;
                }
                body.extend_from_slice(&self.buf[self.pos..self.pos + size]);
                if &self.buf[self.pos + size..self.pos + size + 2] != b"\r\n" {
                    return Err("chunk not followed by CRLF".into());
                }
                self.pos += size + 2;
            }
        } else if let Some(n) = head.content_length {
            while self.buf.len() - self.pos < n {
                self.fill_or("body")?;
            }
            let body = self.buf[self.pos..self.pos + n].to_vec();
            self.pos += n;
            Ok(body)
        } else if head.status == 204 || head.status == 304 {
            Ok(Vec::new())
        } else {
            *eof = true;
            loop {
                match self.fill() {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => return Err(format!("read body to EOF: {:?}", e.kind())),
                }
            }
            let body = self.buf[self.pos..].to_vec();
            self.pos = self.buf.len();
            Ok(body)
        }
    }
}
