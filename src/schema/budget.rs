//! What one instance may cost: one budget for the whole instance, not per level, so nested
//! counts cannot multiply past it. Every value, every byte of its JSON text and every step of
//! work (a keyword copied in a merge, a property visited, a reference resolved) is charged before
//! it is made; the first charge past a bound ends the generation with a [`Limit`].

use std::fmt::Write;

use serde_json::Value;

use crate::text::MAX_RESPONSE_BYTES;

/// Most bytes of JSON text one instance may take (strings escaped as serde_json writes them).
/// A quarter of the response budget: the instance is held as a tree, then as text, then escaped
/// into the response body, and all of that must stay small beside a 64 MiB memory allowance.
/// Tool-call arguments get less when the response has several choices (each carries them).
pub(crate) const MAX_INSTANCE_BYTES: usize = MAX_RESPONSE_BYTES / 4;

/// Most JSON values (nulls, numbers, strings, arrays, objects) in one instance. A value takes
/// 32 to about 100 bytes in memory, so this keeps the tree within about the text's own size.
pub(crate) const MAX_INSTANCE_VALUES: usize = MAX_INSTANCE_BYTES / 64;

/// Most steps of work for one instance: schema nodes visited, keywords copied when schemas are
/// merged, properties and branches looked at, and 16 bytes of a `$ref` (8 of a `pattern`, which
/// is read twice) scanned. It bounds the time a schema can take even when it makes few values
/// (about a second in a debug build, far less in release).
pub(crate) const MAX_SCHEMA_STEPS: usize = 1_000_000;

/// Why no instance was made: a bound the schema would pass.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Limit {
    /// A `pattern` nests groups deeper than `pattern::MAX_PATTERN_DEPTH`.
    PatternDepth,
    /// A `pattern`'s example would be this many bytes, more than the budget has left.
    PatternExample(u64),
    /// The instance's JSON text would pass the byte budget.
    Bytes,
    /// The instance would have more than `MAX_INSTANCE_VALUES` values.
    Values,
    /// Generating would take more than `MAX_SCHEMA_STEPS` steps.
    Steps,
    /// Resolving this `$ref` comes back to a schema already being resolved.
    RefCycle(String),
    /// No integer the instance can carry satisfies these bounds.
    NoInteger(String),
}

impl Limit {
    /// The message of the 400, once `bound` has said what the byte budget was (its size and the
    /// constant it comes from).
    pub(crate) fn message(&self, bound: &str) -> String {
        match self {
            Limit::PatternDepth => format!(
                "a `pattern` nests groups more than {} deep (MAX_PATTERN_DEPTH).",
                super::pattern::MAX_PATTERN_DEPTH
            ),
            Limit::PatternExample(bytes) => format!(
                "building the example string of a `pattern` would take {bytes} bytes, but a \
                 generated instance may be at most {bound}."
            ),
            Limit::Bytes => {
                format!("the generated instance would be larger than {bound}.")
            }
            Limit::Values => format!(
                "the generated instance would have more than {MAX_INSTANCE_VALUES} values \
                 (MAX_INSTANCE_VALUES)."
            ),
            Limit::Steps => format!(
                "generating an instance of the schema takes more than {MAX_SCHEMA_STEPS} steps \
                 (MAX_SCHEMA_STEPS)."
            ),
            Limit::RefCycle(reference) => format!(
                "`$ref` {reference:?} leads back to a schema it is being resolved for: a \
                 reference cycle never reaches a schema."
            ),
            Limit::NoInteger(why) => format!("no integer satisfies the schema's bounds: {why}."),
        }
    }
}

/// What is left of one instance's budget.
pub(super) struct Budget {
    bytes: usize,
    values: usize,
    steps: usize,
}

impl Budget {
    /// A budget of `bytes` of JSON text (at most `MAX_INSTANCE_BYTES`).
    pub(super) fn new(bytes: usize) -> Budget {
        Budget {
            bytes: bytes.min(MAX_INSTANCE_BYTES),
            values: MAX_INSTANCE_VALUES,
            steps: MAX_SCHEMA_STEPS,
        }
    }

    /// Bytes of JSON text left.
    pub(super) fn bytes_left(&self) -> usize {
        self.bytes
    }

    /// Charges `n` steps of work.
    pub(super) fn steps(&mut self, n: usize) -> Result<(), Limit> {
        self.steps = self.steps.checked_sub(n).ok_or(Limit::Steps)?;
        Ok(())
    }

    /// Charges `n` bytes of JSON text.
    pub(super) fn bytes(&mut self, n: usize) -> Result<(), Limit> {
        self.bytes = self.bytes.checked_sub(n).ok_or(Limit::Bytes)?;
        Ok(())
    }

    /// Charges one value whose JSON text (its own, not its children's) is `bytes` long.
    pub(super) fn value(&mut self, bytes: usize) -> Result<(), Limit> {
        self.values = self.values.checked_sub(1).ok_or(Limit::Values)?;
        self.bytes(bytes)
    }

    /// Charges a string value: its escaped text and quotes.
    pub(super) fn string(&mut self, s: &str) -> Result<(), Limit> {
        self.value(escaped_len(s) + 2)
    }

    /// Charges an object key (escaped, quoted, with its colon) and the comma before it.
    pub(super) fn key(&mut self, key: &str) -> Result<(), Limit> {
        self.bytes(escaped_len(key) + 4)
    }

    /// Charges a copy of `v` (a `const` or `enum` value), value by value, stopping at the first
    /// charge past a bound so a huge value is not walked in full.
    pub(super) fn copy(&mut self, v: &Value) -> Result<(), Limit> {
        match v {
            Value::Null | Value::Bool(true) => self.value(4),
            Value::Bool(false) => self.value(5),
            Value::Number(n) => self.value(number_len(n)),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.value(2 + items.len())?;
                items.iter().try_for_each(|item| self.copy(item))
            }
            Value::Object(map) => {
                self.value(2)?;
                for (key, value) in map {
                    self.key(key)?;
                    self.copy(value)?;
                }
                Ok(())
            }
        }
    }
}

/// The length of `s` as serde_json writes it inside quotes.
pub(super) fn escaped_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

/// The length of a number as serde_json writes it.
pub(super) fn number_len(n: &serde_json::Number) -> usize {
    struct Count(usize);
    impl Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut count = Count(0);
    write!(count, "{n}").expect("counting cannot fail");
    count.0
}
