//! What an image shows: a pattern of cells (checks, stripes or steps) in shades between two
//! colours, all chosen from a hash of the prompt, so the same prompt draws the same picture.
//! Rows within a band of cells are equal, which is what the encoders' matchers find.

/// A pattern, drawn a row at a time.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    width: u32,
    from: [u8; 3],
    to: [u8; 3],
    cell: u32,
    shades: u32,
    /// How far each band of cells is shifted from the one above: 0 stripes, 1 checks, 2 steps.
    shift: u32,
    /// The first shade is transparent.
    transparent: bool,
    /// Only bands above this row are drawn (a partial image); below, one flat shade.
    drawn: u32,
}

impl Pattern {
    /// The pattern for `seed` (a hash of the prompt) on a `width` × `height` canvas.
    pub(crate) fn new(seed: u64, width: u32, height: u32, transparent: bool) -> Pattern {
        let r = |k: u64| crate::ids::splitmix64(seed, k);
        let colour = |v: u64| [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        let side = width.min(height).max(1);
        Pattern {
            width,
            from: colour(r(1)),
            to: colour(r(2)),
            cell: (side / [4, 8, 16][(r(3) % 3) as usize]).max(1),
            shades: 2 + (r(4) % 3) as u32,
            shift: (r(5) % 3) as u32,
            transparent,
            drawn: height,
        }
    }

    /// The same pattern drawn only down to row `rows` (the rest one flat shade).
    pub(crate) fn partial(mut self, rows: u32) -> Pattern {
        self.drawn = rows;
        self
    }

    /// Fills row `y`: RGB (3 bytes a pixel) or RGBA (4). Each cell's colour is worked out once.
    pub(crate) fn row(&self, y: u32, line: &mut [u8]) {
        let unit = line.len() / self.width as usize;
        let band = y / self.cell;
        let cell_bytes = self.cell as usize * unit;
        for (column, run) in line.chunks_mut(cell_bytes).enumerate() {
            let shade = if y < self.drawn {
                (column as u32 + band * self.shift) % self.shades
            } else {
                0
            };
            let rgba = self.colour(shade);
            for px in run.chunks_exact_mut(unit) {
                px.copy_from_slice(&rgba[..unit]);
            }
        }
    }

    /// The colour of a shade: a step from `from` to `to`; shade 0 is clear when transparent.
    fn colour(&self, shade: u32) -> [u8; 4] {
        let mut rgba = [0, 0, 0, 0];
        if !(self.transparent && shade == 0) {
            let t = shade * 255 / (self.shades - 1);
            for ((out, &a), &b) in rgba.iter_mut().zip(&self.from).zip(&self.to) {
                let (a, b) = (u32::from(a), u32::from(b));
                *out = ((a * (255 - t) + b * t) / 255) as u8;
            }
            rgba[3] = 255;
        }
        rgba
    }
}

/// A 64-bit FNV-1a hash: the seed of a prompt's pattern.
pub(crate) fn seed(text: &str) -> u64 {
    seed_bytes(text.as_bytes())
}

/// [`seed`] of any bytes (an uploaded image).
pub(crate) fn seed_bytes(bytes: &[u8]) -> u64 {
    crate::ids::fnv1a(crate::ids::FNV_OFFSET, bytes.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_prompt_draws_the_same_rows_and_another_differs() {
        let draw = |prompt: &str| {
            let p = Pattern::new(seed(prompt), 64, 64, false);
            let mut rows = vec![0u8; 64 * 3 * 64];
            for (y, line) in rows.chunks_mut(64 * 3).enumerate() {
                p.row(y as u32, line);
            }
            rows
        };
        assert_eq!(draw("an otter"), draw("an otter"));
        assert_ne!(draw("an otter"), draw("a beaver"));
    }

    #[test]
    fn a_transparent_pattern_has_clear_and_opaque_pixels() {
        let p = Pattern::new(seed("x"), 64, 64, true);
        let mut line = vec![0u8; 64 * 4];
        p.row(0, &mut line);
        let alphas: Vec<u8> = line.chunks(4).map(|px| px[3]).collect();
        assert!(alphas.contains(&0) && alphas.contains(&255));
    }
}
