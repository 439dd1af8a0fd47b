//! Reading request fields with OpenAI-style 400s that name the offending parameter
//! (`temperature`, `messages[2].role`, ...). JSON `null` counts as absent; unknown fields are ignored.

mod budget;

use serde_json::{Map, Value};

use crate::error::ApiError;

pub(crate) use budget::check as check_budget;

/// Parses a request body that must be one JSON object, once [`check_budget`] has found that its
/// tree would not cost more than the body's budget allows.
pub(crate) fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            400,
            "invalid_request_error",
            Some("invalid_json"),
            "The request body is empty; expected a JSON object.",
        ));
    }
    check_budget(body)?;
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::new(
            400,
            "invalid_request_error",
            Some("invalid_json"),
            format!(
                "The request body must be a JSON object, but got {} instead.",
                describe(&other)
            ),
        )),
        Err(e) => Err(ApiError::malformed_json(&e)),
    }
}

pub(crate) use crate::error::describe;

/// A view of one JSON object whose fields are named `prefix + name` in errors.
pub(crate) struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: Prefix<'a>,
}

/// Where the object sits in the request. Spelled out only when an error names a field, so
/// reading a valid request formats no parameter names.
#[derive(Clone, Copy)]
enum Prefix<'a> {
    /// Given in full.
    Text(&'a str),
    /// Field `name` of `parent`: `parent.name.`
    Field(&'a Fields<'a>, &'a str),
    /// Item `index` of array `name` of `parent`: `parent.name[index].`
    Item(&'a Fields<'a>, &'a str, usize),
}

impl<'a> Fields<'a> {
    pub(crate) fn new(obj: &'a Map<String, Value>, prefix: &'a str) -> Fields<'a> {
        Fields {
            obj,
            prefix: Prefix::Text(prefix),
        }
    }

    /// Item `index` of this object's array `name`, itself an object.
    pub(crate) fn item(
        &'a self,
        name: &'a str,
        index: usize,
        obj: &'a Map<String, Value>,
    ) -> Fields<'a> {
        Fields {
            obj,
            prefix: Prefix::Item(self, name, index),
        }
    }

    fn write_prefix(&self, out: &mut String) {
        match self.prefix {
            Prefix::Text(text) => out.push_str(text),
            Prefix::Field(parent, name) => {
                parent.write_prefix(out);
                out.push_str(name);
                out.push('.');
            }
            Prefix::Item(parent, name, index) => {
                parent.write_prefix(out);
                out.push_str(&format!("{name}[{index}]."));
            }
        }
    }

    /// The parameter name as errors spell it.
    pub(crate) fn param(&self, name: &str) -> String {
        let mut param = String::new();
        self.write_prefix(&mut param);
        param.push_str(name);
        param
    }

    /// The field, with `null` read as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.obj.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn missing(&self, name: &str) -> ApiError {
        let param = self.param(name);
        ApiError::invalid(
            &param,
            "missing_required_parameter",
            format!("Missing required parameter: '{param}'."),
        )
    }

    pub(crate) fn wrong_type(&self, name: &str, expected: &str, got: &Value) -> ApiError {
        let param = self.param(name);
        ApiError::invalid(
            &param,
            "invalid_type",
            format!(
                "Invalid type for '{param}': expected {expected}, but got {} instead.",
                describe(got)
            ),
        )
    }

    pub(crate) fn invalid_value(&self, name: &str, message: impl std::fmt::Display) -> ApiError {
        let param = self.param(name);
        ApiError::invalid(
            &param,
            "invalid_value",
            format!("Invalid '{param}': {message}"),
        )
    }

    pub(crate) fn string(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(name, "a string", other)),
        }
    }

    pub(crate) fn required_string(&self, name: &str) -> Result<&'a str, ApiError> {
        self.string(name)?.ok_or_else(|| self.missing(name))
    }

    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(name, "a boolean", other)),
        }
    }

    /// A number within `min..=max`.
    pub(crate) fn number(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, ApiError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let n = value
            .as_f64()
            .ok_or_else(|| self.wrong_type(name, "a decimal", value))?;
        match decimal_out_of_range(n, min, max) {
            Some(message) => Err(self.invalid_value(name, message)),
            None => Ok(Some(n)),
        }
    }

    /// An integer within `min..=max` (a float with no fraction, like `2.0`, is accepted).
    pub(crate) fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let n = match value {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }),
            _ => None,
        };
        let Some(n) = n else {
            return Err(match value {
                Value::Number(n) if n.is_u64() => self.invalid_value(name, format!("integer above maximum value. Expected a value <= {max}, but got {n} instead.")),
                _ => self.wrong_type(name, "an integer", value),
            });
        };
        if n < min {
            return Err(self.invalid_value(
                name,
                format!(
                    "integer below minimum value. Expected a value >= {min}, but got {n} instead."
                ),
            ));
        }
        if n > max {
            return Err(self.invalid_value(
                name,
                format!(
                    "integer above maximum value. Expected a value <= {max}, but got {n} instead."
                ),
            ));
        }
        Ok(Some(n))
    }

    /// An object, as a nested `Fields` whose errors say `name.field`.
    pub(crate) fn object(&'a self, name: &'a str) -> Result<Option<Fields<'a>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields {
                obj: map,
                prefix: Prefix::Field(self, name),
            })),
            Some(other) => Err(self.wrong_type(name, "an object", other)),
        }
    }

    /// An array, with the prefix its items' errors use (`messages[3].`).
    pub(crate) fn array(&self, name: &str) -> Result<Option<&'a Vec<Value>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.wrong_type(name, "an array", other)),
        }
    }

    /// `stop`: a string or an array of up to `max` strings; empty strings are dropped.
    pub(crate) fn stop(&self, name: &str, max: usize) -> Result<Vec<String>, ApiError> {
        let list = match self.get(name) {
            None => return Ok(Vec::new()),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => {
                if items.len() > max {
                    return Err(self.invalid_value(name, format!("array too long. Expected an array with maximum length {max}, but got an array with length {} instead.", items.len())));
                }
                let mut list = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => list.push(s.clone()),
                        other => {
                            return Err(self.wrong_type(
                                &format!("{name}[{i}]"),
                                "a string",
                                other,
                            ));
                        }
                    }
                }
                list
            }
            Some(other) => {
                return Err(self.wrong_type(name, "a string or an array of strings", other));
            }
        };
        Ok(list.into_iter().filter(|s| !s.is_empty()).collect())
    }
}

/// The API's message for a decimal outside `min..=max`, or `None` when it is inside.
pub(crate) fn decimal_out_of_range(n: f64, min: f64, max: f64) -> Option<String> {
    if n < min {
        Some(format!(
            "decimal below minimum value. Expected a value >= {min}, but got {n} instead."
        ))
    } else if n > max {
        Some(format!(
            "decimal above maximum value. Expected a value <= {max}, but got {n} instead."
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn errors_name_the_parameter_and_the_problem() {
        let o = obj(json!({"t": "x", "n": 0, "f": 1.5, "s": [1], "z": null}));
        let f = Fields::new(&o, "");
        let e = f.number("t", 0.0, 2.0).unwrap_err();
        assert_eq!(
            (e.param.as_deref(), e.code.as_deref()),
            (Some("t"), Some("invalid_type"))
        );
        assert_eq!(
            e.message,
            "Invalid type for 't': expected a decimal, but got a string instead."
        );
        let e = f.integer("n", 1, 128).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."
        );
        assert_eq!(
            f.integer("f", 0, 9).unwrap_err().code.as_deref(),
            Some("invalid_type")
        );
        assert_eq!(f.stop("s", 4).unwrap_err().param.as_deref(), Some("s[0]"));
        assert_eq!(f.number("z", 0.0, 1.0).unwrap(), None);
        assert_eq!(
            f.required_string("z").unwrap_err().message,
            "Missing required parameter: 'z'."
        );
        let nested = obj(json!({"o": {"b": 3}}));
        let f = Fields::new(&nested, "");
        assert_eq!(
            f.object("o")
                .unwrap()
                .unwrap()
                .boolean("b")
                .unwrap_err()
                .param
                .as_deref(),
            Some("o.b")
        );
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(parse_object(b"  ").unwrap_err().message.contains("empty"));
        assert!(
            parse_object(b"[1]")
                .unwrap_err()
                .message
                .contains("an array")
        );
        let e = parse_object(b"{\n  \"a\": }").unwrap_err();
        assert!(e.message.contains("line 2 column 8"), "{}", e.message);
    }
}
