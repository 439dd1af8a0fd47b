//! Random ids (`chatcmpl-…`, `req_…`) and the wall clock, without a random-number crate.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A per-process seed: std's `RandomState` is keyed from the operating system's randomness.
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| RandomState::new().build_hasher().finish())
}

/// Where [`fnv1a`] starts: the 64-bit FNV offset basis.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64 bit) continued from `hash` over `bytes`: the one stable hash behind every
/// deterministic choice (embeddings, logprobs, moderation scores, plausible values, image
/// patterns, recording file names). Start from [`FNV_OFFSET`].
pub(crate) fn fnv1a(hash: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(hash, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// splitmix64: the `k`-th output of the generator started at `seed`, computed directly. The one
/// PRNG behind ids and random faults (the stream jitter in `transport::writer` has its own).
pub(crate) fn splitmix64(seed: u64, k: u64) -> u64 {
    let mut z = seed.wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64 over a process-wide counter: fast, lock-free and never repeats within a process.
pub(crate) fn next_u64() -> u64 {
    splitmix64(seed(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn random(prefix: &str, len: usize, alphabet: &[u8]) -> String {
    let mut out = Vec::with_capacity(prefix.len() + len);
    out.extend_from_slice(prefix.as_bytes());
    // Eight characters per random word: each byte picks one by multiply-and-shift (no division).
    let size = alphabet.len() as u64;
    let mut bits = 0u64;
    out.extend((0..len).map(|i| {
        if i % 8 == 0 {
            bits = next_u64();
        }
        let pick = ((bits & 0xff) * size) >> 8;
        bits >>= 8;
        alphabet[pick as usize]
    }));
    // Bytes, not chars: `String::push` encodes each char on its own; the alphabets are ASCII.
    String::from_utf8(out).expect("ASCII prefix and alphabet")
}

/// `prefix` followed by `len` random letters and digits, like `chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG`.
pub(crate) fn alnum(prefix: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random(prefix, len, ALPHABET)
}

/// `prefix` followed by `len` random lowercase hex digits, like `req_8f3c…`.
pub(crate) fn hex(prefix: &str, len: usize) -> String {
    random(prefix, len, b"0123456789abcdef")
}

/// Seconds since the Unix epoch, as the integer the API sends in `created`.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch: the clock background responses advance on.
pub(crate) fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_gives_the_published_sequence() {
        // Seed 0 gives splitmix64's reference outputs; the others pin the wrapping arithmetic.
        assert_eq!(splitmix64(0, 0), 0);
        assert_eq!(splitmix64(0, 1), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(7, 3), 0xe698_4080_bab1_2a02);
        assert_eq!(splitmix64(u64::MAX, 1), 0xe4d9_7177_1b65_2c20);
        assert_eq!(splitmix64(12345, u64::MAX), 0x161d_d8cd_ea9a_c2d8);
    }

    #[test]
    fn ids_have_the_requested_shape_and_differ() {
        let a = alnum("chatcmpl-", 29);
        let b = alnum("chatcmpl-", 29);
        assert_eq!(a.len(), 38);
        assert!(a[9..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
        let r = hex("req_", 32);
        assert!(
            r[4..]
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
