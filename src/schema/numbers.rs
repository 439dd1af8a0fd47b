//! Integers and numbers for a schema: the lower bound (or 1), moved by the variant, rounded to
//! `multipleOf` and kept under the upper bound, with exclusive bounds of every draft.

use serde_json::{Map, Number, Value};

fn number_of(schema: &Map<String, Value>, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

/// Inclusive integer bounds from `minimum`/`maximum` and both forms of the exclusive ones
/// (numbers since draft 6, booleans in draft 4).
fn integer_bounds(s: &Map<String, Value>) -> (Option<i64>, Option<i64>) {
    let flag = |key| s.get(key) == Some(&Value::Bool(true));
    let mut lo = number_of(s, "minimum").map(|m| {
        if flag("exclusiveMinimum") {
            m.floor() as i64 + 1
        } else {
            m.ceil() as i64
        }
    });
    if let Some(x) = number_of(s, "exclusiveMinimum") {
        let x = x.floor() as i64 + 1;
        lo = Some(lo.map_or(x, |l| l.max(x)));
    }
    let mut hi = number_of(s, "maximum").map(|m| {
        if flag("exclusiveMaximum") {
            m.ceil() as i64 - 1
        } else {
            m.floor() as i64
        }
    });
    if let Some(x) = number_of(s, "exclusiveMaximum") {
        let x = x.ceil() as i64 - 1;
        hi = Some(hi.map_or(x, |h| h.min(x)));
    }
    (lo, hi)
}

pub(super) fn integer(s: &Map<String, Value>, variant: usize) -> Value {
    let (lo, hi) = integer_bounds(s);
    let step = number_of(s, "multipleOf")
        .filter(|m| *m >= 1.0 && m.fract() == 0.0)
        .map_or(1, |m| m as i64);
    let base = match (lo, hi) {
        (Some(lo), _) => lo,
        (None, Some(hi)) if hi < 1 => hi,
        _ => 1,
    };
    let mut v = base.saturating_add((variant as i64).saturating_mul(step));
    // Round up to a multiple of the step, or down when that passes the upper bound.
    let rem = v.rem_euclid(step);
    if rem != 0 {
        v = v.saturating_add(step - rem);
    }
    if let Some(hi) = hi
        && v > hi
    {
        v = hi - hi.rem_euclid(step);
    }
    Value::from(v)
}

pub(super) fn number(s: &Map<String, Value>, variant: usize) -> Value {
    let flag = |key| s.get(key) == Some(&Value::Bool(true));
    let min = number_of(s, "minimum");
    let max = number_of(s, "maximum");
    let ex_min = number_of(s, "exclusiveMinimum").or(min.filter(|_| flag("exclusiveMinimum")));
    let ex_max = number_of(s, "exclusiveMaximum").or(max.filter(|_| flag("exclusiveMaximum")));
    let lo = match (min.filter(|_| !flag("exclusiveMinimum")), ex_min) {
        (Some(m), Some(x)) if x >= m => Some((x, true)),
        (Some(m), _) => Some((m, false)),
        (None, Some(x)) => Some((x, true)),
        (None, None) => None,
    };
    let hi = match (max.filter(|_| !flag("exclusiveMaximum")), ex_max) {
        (Some(m), Some(x)) if x <= m => Some((x, true)),
        (Some(m), _) => Some((m, false)),
        (None, Some(x)) => Some((x, true)),
        (None, None) => None,
    };
    let mut v = match (lo, hi) {
        (Some((l, false)), _) => l,
        (Some((l, true)), Some((h, _))) if l + 1.0 >= h => (l + h) / 2.0,
        (Some((l, true)), _) => l + 1.0,
        (None, Some((h, exclusive))) if h < 1.0 => h - if exclusive { 1.0 } else { 0.0 },
        (None, _) => 1.0,
    };
    v += variant as f64;
    if let Some(step) = number_of(s, "multipleOf").filter(|m| *m > 0.0) {
        v = (v / step).ceil() * step;
        if let Some((h, exclusive)) = hi
            && (v > h || (exclusive && v >= h))
        {
            v -= step;
        }
    }
    if let Some((h, exclusive)) = hi
        && (v > h || (exclusive && v >= h))
    {
        v = match lo {
            Some((l, _)) => (l + h) / 2.0,
            None => h - 1.0,
        };
    }
    Number::from_f64(v).map_or(Value::from(0), Value::Number)
}
