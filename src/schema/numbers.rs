//! Integers and numbers for a schema: the lower bound (or 1), moved by the variant, rounded to
//! `multipleOf` and kept under the upper bound, with exclusive bounds of every draft. Integers
//! are computed in `i128` from the bounds as sent (exactly, when they are integers), so no bound
//! near the ends of the 64-bit range can overflow; a schema whose bounds hold no integer that
//! JSON can carry here (`i64::MIN..=u64::MAX`) is refused instead of answered with a wrong one.

use serde_json::{Number, Value};

use super::budget::Limit;
use super::node::Node;

fn number_of(schema: &Node, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

/// The integer at or above (`up`) or at or below a bound: exact for integer bounds, else the
/// float rounded (and saturated at the ends of `i128`).
fn integer_of(value: &Value, up: bool) -> Option<i128> {
    if let Some(i) = value.as_i64() {
        return Some(i.into());
    }
    if let Some(u) = value.as_u64() {
        return Some(u.into());
    }
    let f = value.as_f64()?;
    Some(if up { f.ceil() } else { f.floor() } as i128)
}

/// Inclusive integer bounds from `minimum`/`maximum` and both forms of the exclusive ones
/// (numbers since draft 6, booleans in draft 4).
fn integer_bounds(s: &Node) -> (Option<i128>, Option<i128>) {
    let flag = |key| s.get(key) == Some(&Value::Bool(true));
    let bound = |key, up| s.get(key).and_then(|v| integer_of(v, up));
    // An exclusive bound moves past itself when it is an integer, else to the integer past it.
    let past = |key, up: bool| {
        let v = s.get(key)?;
        let whole = v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0);
        let i = integer_of(v, up)?;
        Some(match (whole, up) {
            (true, true) => i.saturating_add(1),
            (true, false) => i.saturating_sub(1),
            (false, _) => i,
        })
    };
    let mut lo = if flag("exclusiveMinimum") {
        past("minimum", true)
    } else {
        bound("minimum", true)
    };
    if let Some(x) = past("exclusiveMinimum", true) {
        lo = Some(lo.map_or(x, |l| l.max(x)));
    }
    let mut hi = if flag("exclusiveMaximum") {
        past("maximum", false)
    } else {
        bound("maximum", false)
    };
    if let Some(x) = past("exclusiveMaximum", false) {
        hi = Some(hi.map_or(x, |h| h.min(x)));
    }
    (lo, hi)
}

/// The smallest integer within the bounds, moved up by `variant` steps and rounded up to the
/// step, or the largest multiple of the step under the upper bound when that passes it.
pub(super) fn integer(s: &Node, variant: usize) -> Result<Value, Limit> {
    let (lo, hi) = integer_bounds(s);
    let step: i128 = s
        .get("multipleOf")
        .filter(|m| m.as_f64().is_some_and(|m| m >= 1.0 && m.fract() == 0.0))
        .and_then(|m| integer_of(m, true))
        .unwrap_or(1);
    let base = match (lo, hi) {
        (Some(lo), _) => lo,
        (None, Some(hi)) if hi < 1 => hi,
        _ => 1,
    };
    // What a JSON integer can be here: serde_json holds i64 and u64.
    let (min, max) = (i128::from(i64::MIN), i128::from(u64::MAX));
    let (floor, ceiling) = (lo.unwrap_or(min).max(min), hi.unwrap_or(max).min(max));
    let mut v = base
        .clamp(min, max)
        .saturating_add((variant as i128).saturating_mul(step));
    let rem = v.rem_euclid(step);
    if rem != 0 {
        v = v.saturating_add(step - rem);
    }
    if v > ceiling {
        v = ceiling - ceiling.rem_euclid(step);
    }
    if v < floor {
        let what = match step {
            1 => "no integer".to_string(),
            _ => format!("no multiple of {step}"),
        };
        let range = match (lo, hi) {
            (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
            (Some(lo), None) => format!("at or above {lo}"),
            (None, Some(hi)) => format!("at or below {hi}"),
            (None, None) => "anywhere".to_string(),
        };
        return Err(Limit::NoInteger(format!(
            "{what} lies {range} within the range of integers oaimock writes ({min} to {max})"
        )));
    }
    Ok(match i64::try_from(v) {
        Ok(i) => Value::from(i),
        Err(_) => Value::from(u64::try_from(v).expect("within u64 by the ceiling")),
    })
}

pub(super) fn number(s: &Node, variant: usize) -> Value {
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
