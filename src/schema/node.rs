//! A schema as the generator sees it: one object of the request, or several merged (`$ref`
//! siblings, `allOf` parts, an `anyOf` branch over its parent). A merge borrows every keyword from
//! the request and copies only the keywords the generator reads, so its cost is a few dozen
//! slots plus the properties and required names it unites: charged to the budget, never a deep
//! clone of the schema. Also what a node says: its type and its counts.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::budget::{Budget, Limit};

/// The keywords the generator reads besides `properties` and `required`. Others (`title`,
/// `description`, ...) are never looked at, so a merged schema leaves them out.
const KEYWORDS: [&str; 24] = [
    "$ref",
    "const",
    "enum",
    "anyOf",
    "oneOf",
    "allOf",
    "type",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "items",
    "prefixItems",
    "additionalItems",
    "minItems",
    "maxItems",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

#[derive(Clone)]
pub(super) enum Node<'a> {
    /// One object of the request, as sent.
    Plain(&'a Map<String, Value>),
    Merged(Box<Merged<'a>>),
}

#[derive(Clone, Default)]
pub(super) struct Merged<'a> {
    slots: [Option<&'a Value>; KEYWORDS.len()],
    properties: Option<Props<'a>>,
    required: Option<Required<'a>>,
}

/// `properties`: as sent (an object or anything else), or the union of several objects.
#[derive(Clone)]
enum Props<'a> {
    Sent(&'a Value),
    Union(BTreeMap<&'a str, &'a Value>),
}

/// `required`: as sent (an array or anything else), or the union of several arrays.
#[derive(Clone)]
enum Required<'a> {
    Sent(&'a Value),
    Union(Vec<&'a Value>),
}

impl Props<'_> {
    fn len(&self) -> usize {
        match self {
            Props::Sent(Value::Object(map)) => map.len(),
            Props::Sent(_) => 1,
            Props::Union(map) => map.len(),
        }
    }
}

impl Required<'_> {
    fn len(&self) -> usize {
        match self {
            Required::Sent(Value::Array(items)) => items.len(),
            Required::Sent(_) => 1,
            Required::Union(items) => items.len(),
        }
    }
}

fn slot(key: &str) -> Option<usize> {
    KEYWORDS.iter().position(|k| *k == key)
}

impl<'a> Node<'a> {
    pub(super) fn empty() -> Node<'a> {
        Node::Merged(Box::default())
    }

    /// The keyword `key` (not `properties` or `required`: see [`Node::properties`]).
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        match self {
            Node::Plain(map) => map.get(key),
            Node::Merged(m) => slot(key).and_then(|i| m.slots[i]),
        }
    }

    /// Whether the schema has the keyword `key`, `properties` and `required` included.
    pub(super) fn has(&self, key: &str) -> bool {
        match (self, key) {
            (Node::Plain(map), _) => map.contains_key(key),
            (Node::Merged(m), "properties") => m.properties.is_some(),
            (Node::Merged(m), "required") => m.required.is_some(),
            (Node::Merged(_), _) => self.get(key).is_some(),
        }
    }

    /// The properties in name order (none unless `properties` is an object or a union).
    pub(super) fn properties(&self) -> Vec<(&'a str, &'a Value)> {
        let props = match self {
            Node::Plain(map) => map.get("properties").map(Props::Sent),
            Node::Merged(m) => m.properties.clone(),
        };
        match props {
            Some(Props::Sent(Value::Object(map))) => {
                map.iter().map(|(k, v)| (k.as_str(), v)).collect()
            }
            Some(Props::Union(map)) => map.into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The strings of `required`, in order.
    pub(super) fn required(&self) -> Vec<&'a str> {
        let required = match self {
            Node::Plain(map) => map.get("required").map(Required::Sent),
            Node::Merged(m) => m.required.clone(),
        };
        match required {
            Some(Required::Sent(Value::Array(items))) => {
                items.iter().filter_map(Value::as_str).collect()
            }
            Some(Required::Union(items)) => items.into_iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// How much copying this node into a merge costs, in steps.
    fn size(&self) -> usize {
        match self {
            Node::Plain(_) => 1,
            Node::Merged(m) => {
                1 + m.properties.as_ref().map_or(0, Props::len)
                    + m.required.as_ref().map_or(0, Required::len)
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Node::Plain(map) => map.is_empty(),
            Node::Merged(m) => {
                m.slots.iter().all(Option::is_none)
                    && m.properties.is_none()
                    && m.required.is_none()
            }
        }
    }

    fn into_merged(self) -> Merged<'a> {
        match self {
            Node::Merged(m) => *m,
            Node::Plain(map) => {
                let mut m = Merged::default();
                for (i, key) in KEYWORDS.iter().enumerate() {
                    m.slots[i] = map.get(*key);
                }
                m.properties = map.get("properties").map(Props::Sent);
                m.required = map.get("required").map(Required::Sent);
                m
            }
        }
    }
}

/// `schema` without the keyword `key` (one of the slots).
pub(super) fn without<'a>(
    schema: &Node<'a>,
    key: &str,
    budget: &mut Budget,
) -> Result<Node<'a>, Limit> {
    if schema.get(key).is_none() {
        return schema.clone_charged(budget);
    }
    let mut m = schema.clone_charged(budget)?.into_merged();
    if let Some(i) = slot(key) {
        m.slots[i] = None;
    }
    Ok(Node::Merged(Box::new(m)))
}

impl<'a> Node<'a> {
    fn clone_charged(&self, budget: &mut Budget) -> Result<Node<'a>, Limit> {
        budget.steps(self.size())?;
        Ok(self.clone())
    }
}

/// `base` with `extra`'s keywords added: properties and required lists are united when both
/// are an object (an array), other keywords of `extra` win.
pub(super) fn merge<'a>(
    base: Node<'a>,
    extra: &Node<'a>,
    budget: &mut Budget,
) -> Result<Node<'a>, Limit> {
    if extra.is_empty() {
        return Ok(base);
    }
    budget.steps(1)?;
    let mut out = base.into_merged();
    let theirs = extra.clone_charged(budget)?.into_merged();
    for (mine, theirs) in out.slots.iter_mut().zip(theirs.slots) {
        if theirs.is_some() {
            *mine = theirs;
        }
    }
    if let Some(theirs) = theirs.properties {
        out.properties = Some(unite_properties(out.properties.take(), theirs, budget)?);
    }
    if let Some(theirs) = theirs.required {
        out.required = Some(unite_required(out.required.take(), theirs, budget)?);
    }
    Ok(Node::Merged(Box::new(out)))
}

/// The entries of properties that are an object, else `None`.
fn entries<'a>(props: &Props<'a>) -> Option<Vec<(&'a str, &'a Value)>> {
    match props {
        Props::Sent(Value::Object(map)) => Some(map.iter().map(|(k, v)| (k.as_str(), v)).collect()),
        Props::Sent(_) => None,
        Props::Union(map) => Some(map.iter().map(|(k, v)| (*k, *v)).collect()),
    }
}

fn unite_properties<'a>(
    mine: Option<Props<'a>>,
    theirs: Props<'a>,
    budget: &mut Budget,
) -> Result<Props<'a>, Limit> {
    let Some(mine) = mine else {
        return Ok(theirs);
    };
    budget.steps(mine.len() + theirs.len())?;
    let (Some(mine), Some(extra)) = (entries(&mine), entries(&theirs)) else {
        return Ok(theirs);
    };
    let mut union = BTreeMap::from_iter(mine);
    union.extend(extra);
    Ok(Props::Union(union))
}

fn items<'a>(required: &Required<'a>) -> Option<Vec<&'a Value>> {
    match required {
        Required::Sent(Value::Array(items)) => Some(items.iter().collect()),
        Required::Sent(_) => None,
        Required::Union(items) => Some(items.clone()),
    }
}

fn unite_required<'a>(
    mine: Option<Required<'a>>,
    theirs: Required<'a>,
    budget: &mut Budget,
) -> Result<Required<'a>, Limit> {
    let Some(mine) = mine else {
        return Ok(theirs);
    };
    // Each of their names is looked for among the ones before it.
    let (m, t) = (mine.len(), theirs.len());
    budget.steps(m.saturating_add(t).saturating_mul(t.max(1)))?;
    let (Some(mut union), Some(extra)) = (items(&mine), items(&theirs)) else {
        return Ok(theirs);
    };
    for name in extra {
        if !union.contains(&name) {
            union.push(name);
        }
    }
    Ok(Required::Union(union))
}

/// A count keyword (`minItems`, `maxLength`, ...), at most 1024.
pub(super) fn count_of(schema: &Node, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .map(|n| n.min(1024) as usize)
}

/// The type to generate: the first non-null entry of `type`, else one inferred from keywords.
pub(super) fn kind<'a>(schema: &Node<'a>) -> &'a str {
    match schema.get("type") {
        Some(Value::String(t)) => return t,
        Some(Value::Array(types)) => {
            let mut names = types.iter().filter_map(Value::as_str);
            if let Some(t) = names.clone().find(|t| *t != "null") {
                return t;
            }
            if names.next().is_some() {
                return "null";
            }
        }
        _ => {}
    }
    let has = |keys: &[&str]| keys.iter().any(|k| schema.has(k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
    ]) {
        "object"
    } else if has(&["items", "prefixItems", "minItems", "maxItems"]) {
        "array"
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        "number"
    } else {
        "string"
    }
}

pub(super) fn allows_null(schema: &Node) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => false,
    }
}
