//! Deterministic JSON instances of a JSON Schema: the content of structured outputs and the
//! arguments of generated tool calls.
//!
//! The instance is a simple value that validates and looks like data: the first `enum` value
//! (items of an array take them in turn), `const`, the first `anyOf`/`oneOf` branch, merged
//! `allOf` parts, one array item unless `minItems` asks for more, every listed property (only the
//! `required` ones deep in a recursive schema). Leaves are plausible ([`values`]): numbers small
//! and inside their bounds (never on a bound when the range holds more), strings that fit their
//! `format` and lengths, words chosen by the property name (`city` → a city, `email` → an email);
//! all chosen by a hash of the property name and position, so the same schema always gives the
//! same instance. Object keys come out in alphabetical order (serde_json's map), and the first
//! free string in that order (no `format`, `pattern` or `enum`, and a name that implies no
//! format) carries the caller's text, so a test still sees its input. Limits:
//! `pattern` is honoured for simple patterns only (see [`pattern`]), `oneOf` branches are not
//! checked for overlap, and `uniqueItems`, `minProperties` with `additionalProperties: false`,
//! `not`, `if`/`then` and `contains` are not considered.
//!
//! JSON mode's answer comes from here too: [`prompted`] finds the schema or example object a
//! prompt shows, by a bounded scan of the messages.
//!
//! Generation has one budget for the whole instance ([`budget`]): bytes of JSON text, values and
//! steps of work, each charged before it is spent, so counts that multiply across levels
//! (`minItems` of a recursive `$ref`, nested pattern repetitions) end in a [`Limit`] instead of
//! exhausting memory or time. So do a `pattern` nested too deep, a `$ref` cycle in `allOf`, and
//! integer bounds no integer satisfies.

mod budget;
mod node;
mod numbers;
pub(crate) mod pattern;
pub(crate) mod prompted;
mod values;

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use budget::{Budget, escaped_len};
pub(crate) use budget::{Limit, MAX_INSTANCE_BYTES};
use node::{Node, allows_null, count_of, kind, merge, without};
use numbers::{integer, number};

/// Past this depth objects keep only required properties, arrays only `minItems` items, and
/// `anyOf` prefers a `null` branch: what lets recursive schemas end.
const SOFT_DEPTH: usize = 6;
/// Past this depth the generator gives up on following the schema (`null` or an empty value).
const HARD_DEPTH: usize = 32;

/// An instance of `schema` whose first free string is `text` (when there is one), of at most
/// `max_bytes` bytes of JSON text (and never more than [`MAX_INSTANCE_BYTES`]); a [`Limit`] when
/// the schema passes a bound.
pub(crate) fn instance(
    schema: &Value,
    text: Option<&str>,
    max_bytes: usize,
) -> Result<Value, Limit> {
    let mut generator = Generator {
        root: schema,
        text,
        name: "",
        budget: Budget::new(max_bytes),
    };
    generator.value(schema, 0, 0)
}

struct Generator<'a> {
    root: &'a Value,
    /// The caller's text, until a free string takes it.
    text: Option<&'a str>,
    /// The name of the property being generated (an array's items keep it): what plausible
    /// values are chosen by.
    name: &'a str,
    budget: Budget,
}

impl<'a> Generator<'a> {
    /// The schema a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer) names.
    fn resolve(&mut self, reference: &str) -> Result<Option<&'a Value>, Limit> {
        self.budget.steps(1 + reference.len() / 16)?;
        let Some(pointer) = reference.strip_prefix('#') else {
            return Ok(None);
        };
        if pointer.is_empty() {
            return Ok(Some(self.root));
        }
        Ok(self.root.pointer(pointer))
    }

    /// Charges reading `type`, which may be a list to scan.
    fn type_steps(&mut self, s: &Node) -> Result<(), Limit> {
        let listed = match s.get("type") {
            Some(Value::Array(types)) => types.len(),
            _ => 0,
        };
        self.budget.steps(1 + listed)
    }

    fn value(&mut self, schema: &'a Value, depth: usize, variant: usize) -> Result<Value, Limit> {
        match schema {
            Value::Object(s) => self.node(Node::Plain(s), depth, variant),
            // `true` (anything) and `false` (nothing valid): a free string either way.
            _ => self.free_string(variant),
        }
    }

    /// An instance of `schema`, or of `{}` when there is none.
    fn item(
        &mut self,
        schema: Option<&'a Value>,
        depth: usize,
        variant: usize,
    ) -> Result<Value, Limit> {
        match schema {
            Some(schema) => self.value(schema, depth, variant),
            None => self.node(Node::empty(), depth, variant),
        }
    }

    fn node(&mut self, s: Node<'a>, depth: usize, variant: usize) -> Result<Value, Limit> {
        self.budget.steps(1)?;
        if depth > HARD_DEPTH {
            self.type_steps(&s)?;
            let value = shallow(&s);
            self.budget.copy(&value)?;
            return Ok(value);
        }
        if let Some(Value::String(reference)) = s.get("$ref")
            && let Some(Value::Object(target)) = self.resolve(reference)?
        {
            let rest = without(&s, "$ref", &mut self.budget)?;
            let merged = merge(Node::Plain(target), &rest, &mut self.budget)?;
            return self.node(merged, depth + 1, variant);
        }
        if let Some(value) = s.get("const") {
            self.budget.copy(value)?;
            return Ok(value.clone());
        }
        if let Some(Value::Array(values)) = s.get("enum")
            && !values.is_empty()
        {
            let value = &values[variant % values.len()];
            self.budget.copy(value)?;
            return Ok(value.clone());
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = s.get(key)
                && !branches.is_empty()
            {
                self.budget.steps(branches.len())?;
                let deep = depth >= SOFT_DEPTH;
                let is_null = |b: &&Value| b.get("type").is_some_and(|t| t == "null");
                let branch = match branches.iter().find(is_null) {
                    Some(null) if deep => null,
                    _ => &branches[0],
                };
                let rest = without(&s, key, &mut self.budget)?;
                let merged = match branch {
                    Value::Object(b) => merge(rest, &Node::Plain(b), &mut self.budget)?,
                    _ => rest,
                };
                return self.node(merged, depth + 1, variant);
            }
        }
        if let Some(Value::Array(parts)) = s.get("allOf") {
            let mut merged = without(&s, "allOf", &mut self.budget)?;
            for part in parts {
                let part = self.resolved_part(part)?;
                merged = merge(merged, &part, &mut self.budget)?;
            }
            return self.node(merged, depth + 1, variant);
        }
        self.type_steps(&s)?;
        let p = || values::pick(self.name, variant);
        let named = || values::kind(self.name);
        let value = match kind(&s) {
            "null" => Value::Null,
            "boolean" => Value::Bool(values::boolean(p())),
            "integer" => integer(&s, values::integer_target(named(), p()), p())?,
            "number" => number(&s, values::number_target(named(), p()), p()),
            "array" => return self.array(&s, depth, variant),
            "object" => return self.object(&s, depth, variant),
            _ => return self.string(&s, variant).map(Value::String),
        };
        self.budget.copy(&value)?;
        Ok(value)
    }

    /// An `allOf` part with its own references resolved, so their properties take part in the
    /// merge. A reference that comes back to a schema already resolved here is a cycle.
    fn resolved_part(&mut self, part: &'a Value) -> Result<Node<'a>, Limit> {
        self.budget.steps(1)?;
        let mut part = match part {
            Value::Object(p) => Node::Plain(p),
            _ => Node::empty(),
        };
        let mut seen = HashSet::new();
        while let Some(Value::String(reference)) = part.get("$ref") {
            let Some(Value::Object(target)) = self.resolve(reference)? else {
                break;
            };
            if !seen.insert(std::ptr::from_ref(target)) {
                return Err(Limit::RefCycle(reference.clone()));
            }
            let rest = without(&part, "$ref", &mut self.budget)?;
            part = merge(Node::Plain(target), &rest, &mut self.budget)?;
        }
        Ok(part)
    }

    /// The caller's text the first time, then words chosen by the property name.
    fn free_text(&mut self, variant: usize) -> Cow<'a, str> {
        match self.text.take() {
            Some(text) => Cow::Borrowed(text),
            None => {
                let p = values::pick(self.name, variant);
                Cow::Owned(values::words_for(values::kind(self.name), p))
            }
        }
    }

    fn free_string(&mut self, variant: usize) -> Result<Value, Limit> {
        let text = self.free_text(variant);
        self.budget.string(&text)?;
        Ok(Value::String(text.into_owned()))
    }

    fn string(&mut self, s: &Node<'a>, variant: usize) -> Result<String, Limit> {
        let p = values::pick(self.name, variant);
        let min = count_of(s, "minLength").unwrap_or(0);
        let max = count_of(s, "maxLength");
        let fits = |t: &String| {
            let n = t.chars().count();
            n >= min && max.is_none_or(|max| n <= max)
        };
        if let Some(example) = s
            .get("format")
            .and_then(Value::as_str)
            .and_then(|f| values::format_example(f, p))
            .filter(fits)
        {
            self.budget.string(&example)?;
            return Ok(example);
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            // Read twice: once to size the example, once to build it.
            self.budget.steps(1 + p.len() / 8)?;
            match pattern::example(p, self.budget.bytes_left()) {
                Ok(Some(example)) => {
                    self.budget.string(&example)?;
                    return Ok(example);
                }
                Ok(None) => {}
                Err(pattern::TooBig::Deep) => return Err(Limit::PatternDepth),
                Err(pattern::TooBig::Long(bytes)) => return Err(Limit::PatternExample(bytes)),
            }
        }
        let named = values::kind(self.name);
        if !s.has("format")
            && let Some(implied) = values::implied(named, p).filter(fits)
        {
            self.budget.string(&implied)?;
            return Ok(implied);
        }
        // A string with a `format` whose example does not fit its lengths is not free: words.
        let text = if s.has("format") {
            Cow::Owned(values::words_for(named, p))
        } else {
            self.free_text(variant)
        };
        let mut kept = text.as_ref();
        if let Some(max) = max
            && let Some((cut, _)) = kept.char_indices().nth(max)
        {
            kept = &kept[..cut];
        }
        // Padded with words (ASCII, so their length is their escaped length) to `minLength`,
        // then cut to `maxLength`: measured first, charged, then built.
        let have = kept.chars().count();
        let mut words = Vec::new();
        let mut length = have;
        while length < min {
            let word = values::filler(p, words.len());
            length += usize::from(length > 0) + word.len();
            words.push(word);
        }
        let length = max.map_or(length, |max| length.min(max.max(have)));
        let pad = length - have;
        self.budget.value(escaped_len(kept) + pad + 2)?;
        let mut out = String::with_capacity(kept.len() + pad);
        out.push_str(kept);
        for word in words {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        out.truncate(kept.len() + pad);
        Ok(out)
    }

    fn array(&mut self, s: &Node<'a>, depth: usize, variant: usize) -> Result<Value, Limit> {
        let (prefix, rest): (&'a [Value], Option<&'a Value>) =
            match (s.get("prefixItems"), s.get("items")) {
                (Some(Value::Array(prefix)), items) => (prefix, items),
                // Draft 4-7 tuples: `items` as an array, `additionalItems` for the rest.
                (None, Some(Value::Array(prefix))) => (prefix, s.get("additionalItems")),
                (_, items) => (&[], items),
            };
        let min = count_of(s, "minItems").unwrap_or(0);
        let mut count = if depth >= SOFT_DEPTH {
            min
        } else {
            min.max(1).max(prefix.len())
        };
        if rest == Some(&Value::Bool(false)) {
            count = count.min(prefix.len());
        }
        if let Some(max) = count_of(s, "maxItems") {
            count = count.min(max);
        }
        self.budget.value(2 + count)?;
        let items = (0..count)
            .map(|i| self.item(prefix.get(i).or(rest), depth + 1, i + variant))
            .collect::<Result<_, _>>()?;
        Ok(Value::Array(items))
    }

    fn object(&mut self, s: &Node<'a>, depth: usize, variant: usize) -> Result<Value, Limit> {
        let properties = s.properties();
        let required = s.required();
        self.budget.steps(properties.len() + required.len())?;
        self.budget.value(2)?;
        let wanted: BTreeSet<&str> = required.iter().copied().collect();
        let mut out = Map::new();
        let parent = self.name;
        for (name, sub) in properties {
            if depth < SOFT_DEPTH || wanted.contains(name) {
                self.budget.key(name)?;
                self.name = name;
                let value = self.value(sub, depth + 1, variant);
                self.name = parent;
                out.insert(name.to_string(), value?);
            }
        }
        // `None`: no other property may be added; `Some(None)`: any may, as `{}`.
        let extra = match s.get("additionalProperties") {
            Some(schema @ Value::Object(_)) => Some(Some(schema)),
            Some(Value::Bool(false)) => None,
            _ => Some(None),
        };
        for name in required {
            if !out.contains_key(name) {
                self.budget.key(name)?;
                self.name = name;
                let value = self.item(extra.flatten(), depth + 1, variant);
                self.name = parent;
                out.insert(name.to_string(), value?);
            }
        }
        if let Some(extra) = extra {
            let min = count_of(s, "minProperties").unwrap_or(0);
            let mut i = 1;
            while out.len() < min {
                let key = format!("key{i}");
                self.budget.key(&key)?;
                let value = self.item(extra, depth + 1, i)?;
                out.insert(key, value);
                i += 1;
            }
        }
        Ok(Value::Object(out))
    }
}

/// What a schema gives when the generator is too deep to follow it.
fn shallow(s: &Node) -> Value {
    if allows_null(s) {
        return Value::Null;
    }
    match kind(s) {
        "object" => Value::Object(Map::new()),
        "array" => Value::Array(Vec::new()),
        "boolean" => Value::Bool(true),
        "integer" | "number" => Value::from(0),
        _ => Value::String(String::new()),
    }
}

#[cfg(test)]
mod tests;
