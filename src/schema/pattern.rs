//! An example string for a simple regular expression, without a regex engine: literals, `.`,
//! escapes (`\d \w \s \D \W \S`, escaped punctuation), classes (`[a-z0-9_]`, `[^...]`), groups
//! (`(...)`, `(?:...)`), alternation (the first branch is generated), anchors, and quantifiers
//! (`? * + {n} {n,} {n,m}`, lazy or not; the minimum count is generated). Anything else
//! (look-around, back-references, `\b`, `\p{..}`) gives `None`, and the caller falls back to a
//! plain string.

/// A string the pattern matches, or `None` when the pattern uses an unsupported construct.
pub(crate) fn example(pattern: &str) -> Option<String> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
    };
    let out = parser.alternation()?;
    (parser.pos == parser.chars.len()).then_some(out)
}

/// Most repetitions generated for one quantified atom.
const MAX_REPEAT: usize = 1000;

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

    /// Branches separated by `|`: all are parsed, the first is generated.
    fn alternation(&mut self) -> Option<String> {
        let first = self.sequence()?;
        while self.peek() == Some('|') {
            self.pos += 1;
            self.sequence()?;
        }
        Some(first)
    }

    fn sequence(&mut self) -> Option<String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let times = self.quantifier()?;
            for _ in 0..times {
                out.push_str(&atom);
            }
        }
        Some(out)
    }

    fn atom(&mut self) -> Option<String> {
        match self.next()? {
            '^' | '$' => Some(String::new()),
            '.' => Some("a".to_string()),
            '(' => {
                if self.peek() == Some('?') {
                    self.pos += 1;
                    if self.next()? != ':' {
                        return None;
                    }
                }
                let inner = self.alternation()?;
                (self.next()? == ')').then_some(inner)
            }
            '[' => self.class().map(String::from),
            '\\' => match self.escape()? {
                Member::Range(c, _) => Some(c.to_string()),
                set => Some(set.first().to_string()),
            },
            ')' | '*' | '+' | '?' | '{' | '}' | ']' => None,
            c => Some(c.to_string()),
        }
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
    use super::example;

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
            assert_eq!(example(pattern).as_deref(), Some(expected), "{pattern}");
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
            assert_eq!(example(pattern), None, "{pattern}");
        }
    }
}
