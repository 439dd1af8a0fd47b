//! An example string for a simple regular expression, without a regex engine: literals, `.`,
//! escapes (`\d \w \s \D \W \S`, escaped punctuation), classes (`[a-z0-9_]`, `[^...]`), groups
//! (`(...)`, `(?:...)`), alternation (the first branch is generated), anchors, and quantifiers
//! (`? * + {n} {n,} {n,m}`, lazy or not; the minimum count is generated). Anything else
//! (look-around, back-references, `\b`, `\p{..}`) gives `None`, and the caller falls back to a
//! plain string.
//!
//! The pattern is read twice, straight from the string: once to size the example, once to build
//! it. Nothing but the example is allocated, so a long pattern costs no more than itself, and
//! repetitions that multiply (`((a{1000}){1000}){1000}`) are refused before they are built.

/// Deepest nesting of groups a pattern may have: the parser recurses once per group, and a
/// worker's stack (2 MiB, several KiB a level in a debug build) must not overflow.
pub(crate) const MAX_PATTERN_DEPTH: usize = 64;

/// Most repetitions generated for one quantified atom.
const MAX_REPEAT: usize = 1000;

/// Why a pattern gave no example although it may be supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TooBig {
    /// Groups nest deeper than [`MAX_PATTERN_DEPTH`].
    Deep,
    /// Building the example would take this many bytes, more than the caller allows.
    Long(u64),
}

/// Why parsing stopped.
enum Fail {
    Unsupported,
    Deep,
}

/// A string the pattern matches, built in at most `max_len` bytes; `Ok(None)` when the pattern
/// uses an unsupported construct.
pub(crate) fn example(pattern: &str, max_len: usize) -> Result<Option<String>, TooBig> {
    let mut sizing = Parser::new(pattern, false);
    let size = match sizing.alternation(0) {
        Ok(size) if sizing.pos == pattern.len() => size,
        Ok(_) | Err(Fail::Unsupported) => return Ok(None),
        Err(Fail::Deep) => return Err(TooBig::Deep),
    };
    if size.peak > max_len as u64 {
        return Err(TooBig::Long(size.peak));
    }
    let mut building = Parser::new(pattern, true);
    building.out.reserve_exact(size.peak as usize);
    let built = building.alternation(0);
    debug_assert!(built.is_ok_and(|b| b.len == building.out.len() as u64));
    Ok(Some(String::from_utf8(building.out).expect("whole chars")))
}

/// What an atom, a branch or the pattern makes: its length in bytes and the most the buffer
/// holds while it is built (more than the length when a group is built once and then repeated
/// zero times), both saturating.
#[derive(Clone, Copy, Default)]
struct Size {
    len: u64,
    peak: u64,
}

impl Size {
    fn of(c: char) -> Size {
        let n = c.len_utf8() as u64;
        Size { len: n, peak: n }
    }
}

struct Parser<'p> {
    pattern: &'p str,
    /// Byte offset of the next char.
    pos: usize,
    /// Whether chars are written to `out`: never when sizing, nor in branches after the first.
    building: bool,
    out: Vec<u8>,
}

/// One member of a character class.
enum Member {
    Range(char, char),
    Digit,
    Word,
    Space,
}

impl Member {
    fn contains(&self, c: char) -> bool {
        match self {
            Member::Range(lo, hi) => (*lo..=*hi).contains(&c),
            Member::Digit => c.is_ascii_digit(),
            Member::Word => c.is_ascii_alphanumeric() || c == '_',
            Member::Space => c.is_whitespace(),
        }
    }

    fn first(&self) -> char {
        match self {
            Member::Range(lo, _) => *lo,
            Member::Digit => '0',
            Member::Word => 'a',
            Member::Space => ' ',
        }
    }
}

/// What a negated class gives: the first of these it does not contain.
const OUTSIDE: [char; 10] = ['a', 'A', '0', '_', '-', '.', ' ', 'x', 'y', 'z'];

impl<'p> Parser<'p> {
    fn new(pattern: &'p str, building: bool) -> Parser<'p> {
        Parser {
            pattern,
            pos: 0,
            building,
            out: Vec::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.pattern[self.pos..].chars().next()
    }

    /// The char after the next one.
    fn peek_second(&self) -> Option<char> {
        self.pattern[self.pos..].chars().nth(1)
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// The next char, or `Unsupported` at the end of the pattern.
    fn take(&mut self) -> Result<char, Fail> {
        self.next().ok_or(Fail::Unsupported)
    }

    fn emit(&mut self, c: char) -> Size {
        if self.building {
            let mut utf8 = [0; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        Size::of(c)
    }

    /// Branches separated by `|`, inside `depth` groups: all are parsed, the first is generated.
    fn alternation(&mut self, depth: usize) -> Result<Size, Fail> {
        let first = self.sequence(depth)?;
        while self.peek() == Some('|') {
            self.pos += 1;
            let building = std::mem::replace(&mut self.building, false);
            let other = self.sequence(depth);
            self.building = building;
            other?;
        }
        Ok(first)
    }

    fn sequence(&mut self, depth: usize) -> Result<Size, Fail> {
        let mut size = Size::default();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let start = self.out.len();
            let atom = self.atom(depth)?;
            let times = self.quantifier().ok_or(Fail::Unsupported)?;
            size.peak = size.peak.max(size.len.saturating_add(atom.peak));
            size.len = size
                .len
                .saturating_add(atom.len.saturating_mul(times as u64));
            size.peak = size.peak.max(size.len);
            if self.building {
                // The atom was built once: drop it or copy it.
                let end = self.out.len();
                if times == 0 {
                    self.out.truncate(start);
                }
                for _ in 1..times {
                    self.out.extend_from_within(start..end);
                }
            }
        }
        Ok(size)
    }

    fn atom(&mut self, depth: usize) -> Result<Size, Fail> {
        Ok(match self.take()? {
            '^' | '$' => Size::default(),
            '.' => self.emit('a'),
            '(' => {
                if depth >= MAX_PATTERN_DEPTH {
                    return Err(Fail::Deep);
                }
                if self.peek() == Some('?') {
                    self.pos += 1;
                    if self.take()? != ':' {
                        return Err(Fail::Unsupported);
                    }
                }
                let inner = self.alternation(depth + 1)?;
                if self.take()? != ')' {
                    return Err(Fail::Unsupported);
                }
                inner
            }
            '[' => {
                let c = self.class().ok_or(Fail::Unsupported)?;
                self.emit(c)
            }
            '\\' => {
                let c = self.escape().ok_or(Fail::Unsupported)?.first();
                self.emit(c)
            }
            ')' | '*' | '+' | '?' | '{' | '}' | ']' => return Err(Fail::Unsupported),
            c => self.emit(c),
        })
    }

    /// The character or set after a backslash.
    fn escape(&mut self) -> Option<Member> {
        let c = self.next()?;
        Some(match c {
            'd' => Member::Digit,
            'w' => Member::Word,
            's' => Member::Space,
            'D' => Member::Range('a', 'a'),
            'W' => Member::Range('-', '-'),
            'S' => Member::Range('a', 'a'),
            'n' => Member::Range('\n', '\n'),
            't' => Member::Range('\t', '\t'),
            'r' => Member::Range('\r', '\r'),
            c if c.is_ascii_alphanumeric() => return None,
            c => Member::Range(c, c),
        })
    }

    /// The char a class gives: its first member's first char, or for a negated class the first
    /// of [`OUTSIDE`] no member contains. Members are looked at as they are read, not kept.
    fn class(&mut self) -> Option<char> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut first_char = None;
        let mut inside = [false; OUTSIDE.len()];
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let member = if c == '\\' {
                // Negated sets inside a class (`[\D]`) would need complement logic.
                if matches!(self.peek(), Some('D' | 'W' | 'S')) {
                    return None;
                }
                self.escape()?
            } else {
                Member::Range(c, c)
            };
            let is_range = self.peek() == Some('-') && self.peek_second().is_some_and(|n| n != ']');
            let member = match member {
                Member::Range(lo, _) if is_range => {
                    self.pos += 1;
                    let hi = match self.next()? {
                        '\\' => match self.escape()? {
                            Member::Range(h, _) => h,
                            _ => return None,
                        },
                        h => h,
                    };
                    Member::Range(lo, hi)
                }
                m => m,
            };
            first_char.get_or_insert(member.first());
            for (seen, c) in inside.iter_mut().zip(OUTSIDE) {
                *seen |= member.contains(c);
            }
        }
        if !negated {
            return first_char;
        }
        OUTSIDE
            .into_iter()
            .zip(inside)
            .find_map(|(c, seen)| (!seen).then_some(c))
    }

    /// How many times to repeat the atom before it: the quantifier's minimum, 1 without one.
    fn quantifier(&mut self) -> Option<usize> {
        let times = match self.peek() {
            Some('?') | Some('*') => 0,
            Some('+') => 1,
            Some('{') => {
                self.pos += 1;
                // Digits past usize are unsupported, as before; the count is capped after.
                let mut min: Option<usize> = None;
                let mut overflow = false;
                while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
                    let next = min.unwrap_or(0).checked_mul(10);
                    let next = next.and_then(|n| n.checked_add(d as usize));
                    overflow |= next.is_none();
                    min = Some(next.unwrap_or(0));
                    self.pos += 1;
                }
                let min = min.filter(|_| !overflow)?;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == ',') {
                    self.pos += 1;
                }
                if self.peek() != Some('}') {
                    return None;
                }
                min.min(MAX_REPEAT)
            }
            _ => return Some(1),
        };
        self.pos += 1;
        if matches!(self.peek(), Some('?') | Some('+')) {
            self.pos += 1;
        }
        Some(times)
    }
}

#[cfg(test)]
mod tests;
