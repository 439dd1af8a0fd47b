//! A relayed stream: the upstream's body read as it arrives, each read handed to the writer as
//! one chunk, within [`MAX_RELAY_BYTES`] and [`MAX_RELAY_TIME`]. When the exchange is recorded,
//! the chunks are also cut into server-sent events, each noted with when it arrived.

use std::io::Read;
use std::time::Instant;

use super::record::Exchange;
use super::{MAX_RELAY_BYTES, MAX_RELAY_TIME};

/// What one read takes at most from the upstream.
const READ_SIZE: usize = 16 * 1024;

/// The chunks of a relayed body, ending at the upstream's end, its failure, or a bound.
pub(super) struct Chunks<R> {
    reader: R,
    started: Instant,
    bytes: u64,
    done: bool,
    recording: Option<Exchange>,
}

impl<R: Read> Chunks<R> {
    pub(super) fn new(reader: R, started: Instant, recording: Option<Exchange>) -> Chunks<R> {
        Chunks {
            reader,
            started,
            bytes: 0,
            done: false,
            recording,
        }
    }
}

impl<R: Read> Iterator for Chunks<R> {
    type Item = std::io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let over = if self.bytes > MAX_RELAY_BYTES {
            Some(format!(
                "more than {MAX_RELAY_BYTES} bytes (MAX_RELAY_BYTES)"
            ))
        } else if self.started.elapsed() > MAX_RELAY_TIME {
            Some(format!("longer than {MAX_RELAY_TIME:?} (MAX_RELAY_TIME)"))
        } else {
            None
        };
        if let Some(over) = over {
            self.done = true;
            // A stream cut short is not recorded: replaying it would teach a wrong answer.
            self.recording = None;
            let message = format!("the relayed stream ran {over}");
            return Some(Err(std::io::Error::other(message)));
        }
        let mut buf = vec![0; READ_SIZE];
        match self.reader.read(&mut buf) {
            Ok(0) => {
                self.done = true;
                if let Some(recording) = self.recording.take() {
                    recording.finish();
                }
                None
            }
            Ok(n) => {
                buf.truncate(n);
                self.bytes += n as u64;
                if let Some(recording) = &mut self.recording {
                    recording.feed(&buf, Instant::now());
                }
                Some(Ok(buf))
            }
            Err(error) => {
                self.done = true;
                self.recording = None;
                Some(Err(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_relayed_read_by_read_and_ends_with_the_reader() {
        let body: &[u8] = b"data: 1\n\ndata: [DONE]\n\n";
        let chunks: Vec<Vec<u8>> = Chunks::new(body, Instant::now(), None)
            .map(Result::unwrap)
            .collect();
        assert_eq!(chunks.concat(), body);
    }

    #[test]
    fn a_failing_upstream_ends_the_relay_with_an_error() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("reset"))
            }
        }
        let mut chunks = Chunks::new(Broken, Instant::now(), None);
        assert!(chunks.next().unwrap().is_err());
        assert!(chunks.next().is_none());
    }
}
