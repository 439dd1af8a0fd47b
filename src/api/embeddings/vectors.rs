//! Deterministic pseudo-embeddings: hashed words and character trigrams, unit length, and the
//! API's base64 form of a float32 vector.

/// FNV-1a (64 bit) over a one-byte feature kind and the feature's bytes.
pub(super) fn fnv1a(kind: u8, bytes: &[u8]) -> u64 {
    let bytes = std::iter::once(kind).chain(bytes.iter().copied());
    crate::ids::fnv1a(crate::ids::FNV_OFFSET, bytes)
}

/// Adds `weight` to the feature's bucket with the feature's sign (the top bit of its hash).
fn add(vector: &mut [f64], hash: u64, weight: f64) {
    let bucket = (hash % vector.len() as u64) as usize;
    vector[bucket] += if hash >> 63 == 0 { weight } else { -weight };
}

/// The pseudo-embedding of `text`: lowercased words (weight 1) and character trigrams of the
/// whitespace-collapsed text (weight 0.5) hashed into `native` signed buckets; then cut to
/// `dimensions` and scaled to unit length. Texts sharing words and trigrams point the same way.
/// A text with no feature in the kept buckets gets a unit vector on one bucket chosen by its hash.
pub(super) fn embed(text: &str, native: usize, dimensions: usize) -> Vec<f32> {
    let lower = text.to_lowercase();
    let mut vector = vec![0.0f64; native];
    for word in lower.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            add(&mut vector, fnv1a(b'w', word.as_bytes()), 1.0);
        }
    }
    let mut chars = vec![' '];
    for word in lower.split_whitespace() {
        chars.extend(word.chars());
        chars.push(' ');
    }
    let mut buf = [0u8; 12];
    for window in chars.windows(3) {
        let mut len = 0;
        for c in window {
            len += c.encode_utf8(&mut buf[len..]).len();
        }
        add(&mut vector, fnv1a(b't', &buf[..len]), 0.5);
    }
    vector.truncate(dimensions);
    let norm = vector.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm == 0.0 {
        let hash = fnv1a(b'f', text.as_bytes());
        add(&mut vector, hash, 1.0);
        return vector.iter().map(|&x| x as f32).collect();
    }
    vector.iter().map(|&x| (x / norm) as f32).collect()
}

/// The floats as the API's base64 form: little-endian float32 bytes, base64-encoded.
pub(super) fn encode_f32(values: &[f32]) -> String {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    crate::base64::encode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    #[test]
    fn base64_matches_the_worked_example() {
        assert_eq!(
            encode_f32(&[0.0, 1.0, -2.0, 0.5]),
            "AAAAAAAAgD8AAADAAAAAPw=="
        );
    }

    #[test]
    fn fnv1a_is_the_standard_hash_after_the_kind_byte() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; here the kind byte comes first.
        assert_eq!(fnv1a(b'a', b""), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn embeddings_are_deterministic_unit_vectors_that_rank_similar_texts_closer() {
        let a = embed("The cat sat on the mat", 1536, 1536);
        let b = embed("A cat sat on a mat", 1536, 1536);
        let c = embed("Quantum chromodynamics binds quarks", 1536, 1536);
        assert_eq!(a.len(), 1536);
        assert_eq!(a, embed("The cat sat on the mat", 1536, 1536));
        assert_ne!(a, b);
        for v in [&a, &b, &c] {
            assert!((norm(v) - 1.0).abs() < 1e-5);
        }
        assert!(cosine(&a, &b) > 0.5);
        assert!(cosine(&a, &b) > cosine(&a, &c) + 0.3);
    }

    #[test]
    fn short_vectors_are_still_unit_length() {
        for text in ["x", "   ", "!!", "hello world"] {
            for dims in [1, 2, 8, 256] {
                let v = embed(text, 3072, dims);
                assert_eq!(v.len(), dims);
                assert!((norm(&v) - 1.0).abs() < 1e-5, "{text:?} {dims}");
            }
        }
    }
}
