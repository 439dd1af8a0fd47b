//! Integers and numbers for a schema: a plausible value (chosen by the caller) when it lies
//! inside the bounds, else a value a little inside the bound it passed, rounded to `multipleOf`,
//! with exclusive bounds of every draft. Integers
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

/// The first multiple of `step` at or above `x` (saturating: past the range means none).
fn round_up(x: i128, step: i128) -> i128 {
    match x.rem_euclid(step) {
        0 => x,
        r => x.saturating_add(step - r),
    }
}

/// An integer within the bounds, a multiple of the step: `target` (rounded up to the step) when
/// it lies strictly inside them, else a few steps inside the bound it passed, so neither bound is
/// answered while the range holds a value between them. `p` picks how many steps.
pub(super) fn integer(s: &Node, target: i128, p: u64) -> Result<Value, Limit> {
    let (lo, hi) = integer_bounds(s);
    let step: i128 = s
        .get("multipleOf")
        .filter(|m| m.as_f64().is_some_and(|m| m >= 1.0 && m.fract() == 0.0))
        .and_then(|m| integer_of(m, true))
        .unwrap_or(1);
    // What a JSON integer can be here: serde_json holds i64 and u64.
    let (min, max) = (i128::from(i64::MIN), i128::from(u64::MAX));
    let (floor, ceiling) = (lo.unwrap_or(min).max(min), hi.unwrap_or(max).min(max));
    let first = round_up(floor, step);
    let last = ceiling - ceiling.rem_euclid(step);
    if first > last {
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
    // How many multiples the range holds (at most about 2^65 here), and how far inside to go.
    let count = (last - first) / step + 1;
    let inward = if count >= 3 {
        1 + i128::from(p) % (count - 2).min(10)
    } else {
        0
    };
    let t = round_up(target, step);
    let v = if t < first {
        first + inward * step
    } else if t > last {
        last - inward * step
    } else if count >= 3 && t == first {
        t + step
    } else if count >= 3 && t == last {
        t - step
    } else {
        t
    };
    Ok(match i64::try_from(v) {
        Ok(i) => Value::from(i),
        Err(_) => Value::from(u64::try_from(v).expect("within u64 by the ceiling")),
    })
}

/// A bound of a number: its value and whether it is exclusive.
type Bound = Option<(f64, bool)>;

fn number_bounds(s: &Node) -> (Bound, Bound) {
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
    (lo, hi)
}

/// A number within the bounds and a multiple of `multipleOf`: `target` when it lies strictly
/// inside them, else a point inside (a tenth to nine tenths of a bounded range, a little past a
/// lone bound), rounded to cents when that still fits. When no such point is an exact multiple,
/// the lowest valid number as before: the lower bound (or 1) rounded up to the step.
pub(super) fn number(s: &Node, target: f64, p: u64) -> Value {
    let (lo, hi) = number_bounds(s);
    let step = number_of(s, "multipleOf").filter(|m| *m > 0.0 && m.is_finite());
    let valid = |v: f64| {
        v.is_finite()
            && lo.is_none_or(|(l, ex)| v > l || (!ex && v == l))
            && hi.is_none_or(|(h, ex)| v < h || (!ex && v == h))
            && step.is_none_or(|m| (v / m).fract() == 0.0)
    };
    let inside =
        |v: f64| valid(v) && lo.is_none_or(|(l, _)| v != l) && hi.is_none_or(|(h, _)| v != h);
    let offset = (1 + p % 100) as f64;
    let point = match (lo, hi) {
        (Some((l, _)), Some((h, _))) => l + (h - l) * (1 + (p >> 8) % 9) as f64 / 10.0,
        (Some((l, _)), None) => l + offset,
        (None, Some((h, _))) => h - offset,
        (None, None) => target,
    };
    let mut candidates = Vec::with_capacity(10);
    for c in [target, point] {
        match step {
            Some(m) => {
                let q = c / m;
                candidates.extend([q.round(), q.ceil(), q.floor()].map(|k| k * m));
            }
            None => candidates.extend([(c * 100.0).round() / 100.0, c]),
        }
    }
    let chosen = candidates
        .iter()
        .copied()
        .find(|v| inside(*v))
        .or_else(|| candidates.iter().copied().find(|v| valid(*v)));
    let v = chosen.unwrap_or_else(|| lowest(lo, hi, step));
    Number::from_f64(v).map_or(Value::from(0), Value::Number)
}

/// The lowest number the bounds allow, rounded up to the step and kept under the upper bound.
fn lowest(lo: Bound, hi: Bound, step: Option<f64>) -> f64 {
    let mut v = match (lo, hi) {
        (Some((l, false)), _) => l,
        (Some((l, true)), Some((h, _))) if l + 1.0 >= h => (l + h) / 2.0,
        (Some((l, true)), _) => l + 1.0,
        (None, Some((h, exclusive))) if h < 1.0 => h - if exclusive { 1.0 } else { 0.0 },
        (None, _) => 1.0,
    };
    if let Some(step) = step {
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
    v
}
