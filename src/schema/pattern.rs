//! An example string for a simple regular expression, without a regex engine: literals, `.`,
//! escapes (`\d \w \s \D \W \S`, escaped punctuation), classes (`[a-z0-9_]`, `[^...]`), groups
//! (`(...)`, `(?:...)`), alternation (the first branch is generated), anchors, and quantifiers
//! (`? * + {n} {n,} {n,m}`, lazy or not; the minimum count is generated). Anything else
//! (look-around, back-references, `\b`, `\p{..}`) gives `None`, and the caller falls back to a
//! plain string.

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
    /// The example would be this many bytes, more than the caller allows.
    Long(u64),
}

/// Why parsing stopped.
enum Fail {
    Unsupported,
    Deep,
}

/// A string the pattern matches of at most `max_len` bytes; `Ok(None)` when the pattern uses an
/// unsupported construct. Repetitions multiply (`(a{1000}){1000}`), so the example's length is
/// computed from the parsed pattern, saturating, and checked before any of it is built.
pub(crate) fn example(pattern: &str, max_len: usize) -> Result<Option<String>, TooBig> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
    };
    let seq = match parser.alternation(0) {
        Ok(seq) if parser.pos == parser.chars.len() => seq,
        Ok(_) | Err(Fail::Unsupported) => return Ok(None),
        Err(Fail::Deep) => return Err(TooBig::Deep),
    };
    let len = length(&seq);
    if len > max_len as u64 {
        return Err(TooBig::Long(len));
    }
    let mut out = String::with_capacity(len as usize);
    build(&seq, &mut out);
    Ok(Some(out))
}

/// What one branch generates: atoms, each with its repeat count.
type Seq = Vec<(Atom, usize)>;

enum Atom {
    Char(char),
    Empty,
    /// A group's first branch.
    Group(Seq),
}

/// The example's length in bytes, saturating. Recursion is as deep as the groups, at most
/// [`MAX_PATTERN_DEPTH`].
fn length(seq: &Seq) -> u64 {
    seq.iter().fold(0u64, |sum, (atom, times)| {
        let one = match atom {
            Atom::Char(c) => c.len_utf8() as u64,
            Atom::Empty => 0,
            Atom::Group(inner) => length(inner),
        };
        sum.saturating_add(one.saturating_mul(*times as u64))
    })
}

fn build(seq: &Seq, out: &mut String) {
    for (atom, times) in seq {
        for _ in 0..*times {
            match atom {
                Atom::Char(c) => out.push(*c),
                Atom::Empty => {}
                Atom::Group(inner) => build(inner, out),
            }
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
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

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    /// The next char, or `Unsupported` at the end of the pattern.
    fn take(&mut self) -> Result<char, Fail> {
        self.next().ok_or(Fail::Unsupported)
    }

    /// Branches separated by `|`, inside `depth` groups: all are parsed, the first is generated.
    fn alternation(&mut self, depth: usize) -> Result<Seq, Fail> {
        let first = self.sequence(depth)?;
        while self.peek() == Some('|') {
            self.pos += 1;
            self.sequence(depth)?;
        }
        Ok(first)
    }

    fn sequence(&mut self, depth: usize) -> Result<Seq, Fail> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom(depth)?;
            let times = self.quantifier().ok_or(Fail::Unsupported)?;
            out.push((atom, times));
        }
        Ok(out)
    }

    fn atom(&mut self, depth: usize) -> Result<Atom, Fail> {
        Ok(match self.take()? {
            '^' | '$' => Atom::Empty,
            '.' => Atom::Char('a'),
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
                Atom::Group(inner)
            }
            '[' => Atom::Char(self.class().ok_or(Fail::Unsupported)?),
            '\\' => match self.escape().ok_or(Fail::Unsupported)? {
                Member::Range(c, _) => Atom::Char(c),
                set => Atom::Char(set.first()),
            },
            ')' | '*' | '+' | '?' | '{' | '}' | ']' => return Err(Fail::Unsupported),
            c => Atom::Char(c),
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

    fn class(&mut self) -> Option<char> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut members = Vec::new();
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
            let is_range =
                self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']');
            match member {
                Member::Range(lo, _) if is_range => {
                    self.pos += 1;
                    let hi = match self.next()? {
                        '\\' => match self.escape()? {
                            Member::Range(h, _) => h,
                            _ => return None,
                        },
                        h => h,
                    };
                    members.push(Member::Range(lo, hi));
                }
                m => members.push(m),
            }
        }
        if !negated {
            return members.first().map(Member::first);
        }
        "aA0_-. xyz"
            .chars()
            .find(|c| !members.iter().any(|m| m.contains(*c)))
    }

    /// How many times to repeat the atom before it: the quantifier's minimum, 1 without one.
    fn quantifier(&mut self) -> Option<usize> {
        let times = match self.peek() {
            Some('?') | Some('*') => 0,
            Some('+') => 1,
            Some('{') => {
                self.pos += 1;
                let mut digits = String::new();
                while let Some(c) = self.peek().filter(char::is_ascii_digit) {
                    digits.push(c);
                    self.pos += 1;
                }
                let min: usize = digits.parse().ok()?;
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
mod tests {
    use super::{MAX_PATTERN_DEPTH, TooBig, example};

    fn example_of(pattern: &str) -> Option<String> {
        example(pattern, usize::MAX).expect("within the limits")
    }

    #[test]
    fn simple_patterns_give_a_matching_example() {
        for (pattern, expected) in [
            ("^[a-z]+$", "a"),
            (r"^\d{3}-\d{4}$", "000-0000"),
            ("^[A-Z]{2}[0-9]{4}$", "AA0000"),
            (r"^(foo|bar)_\w*$", "foo_"),
            (r"^(?:\+1)?[0-9]{3,}$", "000"),
            ("^[^0-9]{2}$", "aa"),
            ("^[^a-z]$", "A"),
            (r"^v\d+\.\d+\.\d+$", "v0.0.0"),
            (r"^[\w.-]+@example\.com$", "a@example.com"),
            ("abc", "abc"),
            ("^a.c$", "aac"),
            ("^x{2,5}?$", "xx"),
        ] {
            assert_eq!(example_of(pattern).as_deref(), Some(expected), "{pattern}");
        }
    }

    #[test]
    fn unsupported_constructs_give_none() {
        for pattern in [
            r"^(?=a)a$",
            r"(a)\1",
            r"\bword\b",
            "a{x}",
            "[a-z",
            "(ab",
            r"[\D]",
        ] {
            assert_eq!(example_of(pattern), None, "{pattern}");
        }
    }

    #[test]
    fn groups_nest_up_to_the_depth_limit() {
        let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(
            example(&nested(MAX_PATTERN_DEPTH), 10),
            Ok(Some("a".to_string()))
        );
        assert_eq!(
            example(&nested(MAX_PATTERN_DEPTH + 1), 10),
            Err(TooBig::Deep)
        );
        // Far past the limit the parser stops at the limit: no stack overflow.
        assert_eq!(example(&nested(100_000), 10), Err(TooBig::Deep));
    }

    #[test]
    fn repetitions_multiply_and_are_checked_before_building() {
        assert_eq!(
            example("^(((a{1000}){1000}){1000}){1000}$", 1 << 20),
            Err(TooBig::Long(1_000_000_000_000))
        );
        assert_eq!(example("(ab{2}){3}", 9), Ok(Some("abbabbabb".to_string())));
        assert_eq!(example("(ab{2}){3}", 8), Err(TooBig::Long(9)));
        // Products past u64 saturate instead of wrapping to a small length.
        let huge = format!("{}a{}", "(".repeat(10), "){1000}".repeat(10));
        assert_eq!(example(&huge, usize::MAX >> 1), Err(TooBig::Long(u64::MAX)));
        // Unsupported patterns are not sized: the caller falls back to a plain string.
        assert_eq!(example("(a{1000}){1000}\\1", 10), Ok(None));
    }
}
