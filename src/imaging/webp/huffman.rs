//! Prefix code lengths from symbol counts, no longer than a limit: a Huffman tree, and when it is
//! too deep, the counts flattened (halved, never to zero) until it is not.

/// The code length of each symbol (0 for a symbol never used), at most `limit` bits.
pub(super) fn lengths(counts: &[u32], limit: u8) -> Vec<u8> {
    let mut counts: Vec<u64> = counts.iter().map(|&c| u64::from(c)).collect();
    loop {
        let lens = huffman(&counts);
        if lens.iter().all(|&l| l <= limit) {
            return lens;
        }
        for c in counts.iter_mut().filter(|c| **c > 0) {
            *c = (*c).div_ceil(2);
        }
    }
}

/// Plain Huffman lengths; a lone used symbol gets length 1 (the caller writes it as a simple code).
fn huffman(counts: &[u64]) -> Vec<u8> {
    let mut lens = vec![0u8; counts.len()];
    // Nodes: leaves first, then the merged ones; each remembers its parent.
    let mut weight: Vec<u64> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut symbol: Vec<usize> = Vec::new();
    for (s, &c) in counts.iter().enumerate() {
        if c > 0 {
            weight.push(c);
            parent.push(usize::MAX);
            symbol.push(s);
        }
    }
    let leaves = weight.len();
    if leaves == 1 {
        lens[symbol[0]] = 1;
    }
    if leaves <= 1 {
        return lens;
    }
    // Two queues: leaves sorted by weight, and merged nodes, which come out in order.
    let mut order: Vec<usize> = (0..leaves).collect();
    order.sort_by_key(|&i| (weight[i], i));
    let (mut a, mut merged, mut b) = (0, Vec::<usize>::new(), 0);
    let take = |weight: &Vec<u64>, a: &mut usize, b: &mut usize, merged: &Vec<usize>| {
        let leaf = order.get(*a).map(|&i| weight[i]);
        let node = merged.get(*b).map(|&i| weight[i]);
        match (leaf, node) {
            (Some(l), Some(n)) if l <= n => {
                *a += 1;
                order[*a - 1]
            }
            (Some(_), None) => {
                *a += 1;
                order[*a - 1]
            }
            _ => {
                *b += 1;
                merged[*b - 1]
            }
        }
    };
    for _ in 0..leaves - 1 {
        let x = take(&weight, &mut a, &mut b, &merged);
        let y = take(&weight, &mut a, &mut b, &merged);
        let id = weight.len();
        weight.push(weight[x] + weight[y]);
        parent.push(usize::MAX);
        parent[x] = id;
        parent[y] = id;
        merged.push(id);
    }
    for (leaf, &s) in symbol.iter().enumerate() {
        let mut depth = 0u8;
        let mut node = leaf;
        while parent[node] != usize::MAX {
            node = parent[node];
            depth = depth.saturating_add(1);
        }
        lens[s] = depth;
    }
    lens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft(lens: &[u8]) -> f64 {
        lens.iter()
            .filter(|&&l| l > 0)
            .map(|&l| 0.5f64.powi(i32::from(l)))
            .sum()
    }

    #[test]
    fn codes_are_complete_and_within_the_limit() {
        assert_eq!(lengths(&[5, 0, 5], 15), vec![1, 0, 1]);
        assert_eq!(lengths(&[0, 3, 0], 15), vec![0, 1, 0]);
        assert_eq!(lengths(&[0, 0], 15), vec![0, 0]);
        let lens = lengths(&[10, 1, 1, 2, 4], 15);
        assert_eq!(kraft(&lens), 1.0);
        assert_eq!(lens[0], 1);
        // Fibonacci counts make a tree as deep as it has symbols; the limit flattens it.
        let mut fib = vec![1u32, 1];
        while fib.len() < 30 {
            fib.push(fib[fib.len() - 1] + fib[fib.len() - 2]);
        }
        let lens = lengths(&fib, 15);
        assert!(lens.iter().all(|&l| (1..=15).contains(&l)), "{lens:?}");
        assert_eq!(kraft(&lens), 1.0);
    }
}
