//! The images behind `url` answers: kept for [`TTL`], at most [`MAX_IMAGES`] of them and
//! [`MAX_BYTES`] together; a new image pushes out the oldest past either bound. Lookups copy
//! the bytes out of the lock (a shared handle is cloned under it, nothing is written there).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sync::lock;

/// How long a `url` answers: the API's URLs are valid for 60 minutes.
pub(crate) const TTL: Duration = Duration::from_secs(60 * 60);
/// The most images kept at once.
pub(crate) const MAX_IMAGES: usize = 256;
/// The most bytes of images kept at once.
pub(crate) const MAX_BYTES: usize = 64 * 1024 * 1024;

struct Kept {
    id: String,
    content_type: &'static str,
    bytes: Arc<Vec<u8>>,
    at: Instant,
}

/// Recent images by id, oldest first.
#[derive(Default)]
pub(crate) struct Gallery {
    kept: Mutex<VecDeque<Kept>>,
}

impl Gallery {
    /// Keeps an image under `id` (an image larger than [`MAX_BYTES`] is not kept).
    pub(crate) fn keep(&self, id: String, content_type: &'static str, bytes: Vec<u8>) {
        self.keep_at(id, content_type, bytes, Instant::now());
    }

    fn keep_at(&self, id: String, content_type: &'static str, bytes: Vec<u8>, at: Instant) {
        if bytes.len() > MAX_BYTES {
            return;
        }
        let mut kept = lock(&self.kept);
        expire(&mut kept, at);
        let mut total: usize = kept.iter().map(|k| k.bytes.len()).sum::<usize>() + bytes.len();
        while kept.len() >= MAX_IMAGES || total > MAX_BYTES {
            match kept.pop_front() {
                Some(old) => total -= old.bytes.len(),
                None => break,
            }
        }
        kept.push_back(Kept {
            id,
            content_type,
            bytes: Arc::new(bytes),
            at,
        });
    }

    /// The content type and bytes of a live image.
    pub(crate) fn get(&self, id: &str) -> Option<(&'static str, Vec<u8>)> {
        self.get_at(id, Instant::now())
    }

    fn get_at(&self, id: &str, now: Instant) -> Option<(&'static str, Vec<u8>)> {
        let found = {
            let mut kept = lock(&self.kept);
            expire(&mut kept, now);
            kept.iter()
                .find(|k| k.id == id)
                .map(|k| (k.content_type, Arc::clone(&k.bytes)))
        };
        found.map(|(content_type, bytes)| (content_type, bytes.as_ref().clone()))
    }

    /// Forgets every image (`POST /_oaimock/reset`).
    pub(crate) fn clear(&self) {
        lock(&self.kept).clear();
    }
}

/// Drops the images older than [`TTL`] (they are oldest first).
fn expire(kept: &mut VecDeque<Kept>, now: Instant) {
    while kept
        .front()
        .is_some_and(|k| now.saturating_duration_since(k.at) > TTL)
    {
        kept.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_go_first_past_the_count_and_the_bytes() {
        let g = Gallery::default();
        for i in 0..MAX_IMAGES + 2 {
            g.keep(format!("img{i}"), "image/png", vec![1]);
        }
        assert!(g.get("img0").is_none() && g.get("img1").is_none());
        assert_eq!(g.get("img2"), Some(("image/png", vec![1])));
        g.keep("big".into(), "image/png", vec![0; MAX_BYTES - 10]);
        assert!(g.get("img2").is_none(), "pushed out by bytes");
        assert!(g.get("big").is_some());
        g.keep("huge".into(), "image/png", vec![0; MAX_BYTES + 1]);
        assert!(g.get("huge").is_none() && g.get("big").is_some());
    }

    #[test]
    fn images_expire_after_the_ttl() {
        let g = Gallery::default();
        let t0 = Instant::now();
        g.keep_at("a".into(), "image/png", vec![1], t0);
        assert!(g.get_at("a", t0 + TTL).is_some());
        assert!(g.get_at("a", t0 + TTL + Duration::from_secs(1)).is_none());
    }
}
