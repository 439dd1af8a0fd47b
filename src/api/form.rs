//! Reading the fields of a `multipart/form-data` request (audio transcriptions, image edits) with
//! the same 400s as JSON fields: every value arrives as text, and is read as the type the
//! parameter has. Also the form as JSON, for fixture rules and the journal's view of a request.

use serde_json::{Map, Value, json};

use crate::api::fields::decimal_out_of_range;
use crate::error::ApiError;
use crate::http::Head;
use crate::multipart::{self, Form, Part};

/// Parses the body of a route that reads a form, with the request's `Content-Type`.
pub(crate) fn parse<'a>(head: &Head, body: &'a [u8]) -> Result<Form<'a>, ApiError> {
    let content_type = head
        .headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str());
    multipart::parse(content_type, body)
}

/// A form's fields, read with OpenAI-style errors that name the parameter.
pub(crate) struct FormFields<'f, 'a> {
    pub form: &'f Form<'a>,
}

impl<'f, 'a> FormFields<'f, 'a> {
    pub(crate) fn new(form: &'f Form<'a>) -> FormFields<'f, 'a> {
        FormFields { form }
    }

    pub(crate) fn missing(&self, name: &str) -> ApiError {
        ApiError::invalid(
            name,
            "missing_required_parameter",
            format!("Missing required parameter: '{name}'."),
        )
    }

    pub(crate) fn invalid_value(&self, name: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError::invalid(
            name,
            "invalid_value",
            format!("Invalid '{name}': {message}"),
        )
    }

    fn wrong_type(&self, name: &str, expected: &str, got: &str) -> ApiError {
        let shown: String = got.chars().take(64).collect();
        ApiError::invalid(
            name,
            "invalid_type",
            format!("Invalid type for '{name}': expected {expected}, but got '{shown}' instead."),
        )
    }

    /// A text field; a file sent under a text field's name, or bytes that are not UTF-8, are 400s.
    pub(crate) fn string(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        match self.form.get(name) {
            None => Ok(None),
            Some(part) => self.text_of(name, part).map(Some),
        }
    }

    fn text_of(&self, name: &str, part: &Part<'a>) -> Result<&'a str, ApiError> {
        if part.is_file() {
            return Err(ApiError::invalid(
                name,
                "invalid_type",
                format!("Invalid type for '{name}': expected a string, but got a file instead."),
            ));
        }
        std::str::from_utf8(part.data)
            .map_err(|_| self.invalid_value(name, "the value is not valid UTF-8 text."))
    }

    pub(crate) fn required_string(&self, name: &str) -> Result<&'a str, ApiError> {
        self.string(name)?.ok_or_else(|| self.missing(name))
    }

    /// A decimal within `min..=max`.
    pub(crate) fn number(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, ApiError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        let n: f64 = match text.trim().parse() {
            Ok(n) if f64::is_finite(n) => n,
            _ => return Err(self.wrong_type(name, "a decimal", text)),
        };
        match decimal_out_of_range(n, min, max) {
            Some(message) => Err(self.invalid_value(name, message)),
            None => Ok(Some(n)),
        }
    }

    /// An integer within `min..=max`.
    pub(crate) fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        let n: i64 = text
            .trim()
            .parse()
            .map_err(|_| self.wrong_type(name, "an integer", text))?;
        if n < min || n > max {
            return Err(self.invalid_value(
                name,
                format!("integer out of range. Expected a value from {min} to {max}, but got {n} instead."),
            ));
        }
        Ok(Some(n))
    }

    /// `true` or `false` (any case).
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(self.wrong_type(name, "a boolean", text)),
        }
    }

    /// Every value of an array field, sent as `name[]` (the SDKs) or repeated `name`.
    pub(crate) fn list(&self, name: &str) -> Result<Vec<&'a str>, ApiError> {
        self.form
            .all(name)
            .map(|part| self.text_of(name, part))
            .collect()
    }

    /// The first file part called `name`; a text value in its place is a 400.
    pub(crate) fn file(&self, name: &str) -> Result<Option<&'f Part<'a>>, ApiError> {
        match self.form.get(name) {
            None => Ok(None),
            Some(part) if part.is_file() => Ok(Some(part)),
            Some(_) => Err(ApiError::invalid(
                name,
                "invalid_type",
                format!("Invalid type for '{name}': expected a file, but got a string instead."),
            )),
        }
    }

    pub(crate) fn required_file(&self, name: &str) -> Result<&'f Part<'a>, ApiError> {
        self.file(name)?.ok_or_else(|| self.missing(name))
    }
}

/// The form as a JSON object, what fixture rules' `body` matchers see: a text field is a string
/// (invalid UTF-8 replaced), `name[]` fields an array under `name`, a file
/// `{"filename", "content_type", "bytes"}` (its size, not its contents).
pub(crate) fn to_json(form: &Form) -> Map<String, Value> {
    let mut map = Map::new();
    for part in &form.parts {
        let value = match &part.filename {
            Some(filename) => json!({
                "filename": filename,
                "content_type": part.content_type,
                "bytes": part.data.len(),
            }),
            None => Value::String(String::from_utf8_lossy(part.data).into_owned()),
        };
        match part.name.strip_suffix("[]") {
            Some(base) => {
                let slot = map
                    .entry(base.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = slot {
                    items.push(value);
                }
            }
            None => {
                map.entry(part.name.clone()).or_insert(value);
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multipart::Part;

    fn part<'a>(name: &str, filename: Option<&str>, data: &'a [u8]) -> Part<'a> {
        Part {
            name: name.into(),
            filename: filename.map(str::to_string),
            content_type: None,
            data,
        }
    }

    #[test]
    fn text_values_are_read_as_their_parameter_s_type() {
        let form = Form {
            parts: vec![
                part("temperature", None, b"0.5"),
                part("speed", None, b"fast"),
                part("stream", None, b"True"),
                part("n", None, b"11"),
                part("file", Some("a.wav"), b"RIFF"),
                part("include[]", None, b"logprobs"),
                part("bad", None, b"\xff"),
            ],
        };
        let f = FormFields::new(&form);
        assert_eq!(f.number("temperature", 0.0, 1.0).unwrap(), Some(0.5));
        let e = f.number("speed", 0.25, 4.0).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid type for 'speed': expected a decimal, but got 'fast' instead."
        );
        assert_eq!(f.boolean("stream").unwrap(), Some(true));
        assert!(
            f.integer("n", 1, 10)
                .unwrap_err()
                .message
                .contains("from 1 to 10")
        );
        assert_eq!(f.list("include").unwrap(), ["logprobs"]);
        assert!(f.string("file").unwrap_err().message.contains("got a file"));
        assert!(
            f.file("temperature")
                .unwrap_err()
                .message
                .contains("expected a file")
        );
        assert_eq!(f.required_file("file").unwrap().data, b"RIFF");
        assert_eq!(
            f.required_string("model").unwrap_err().code.as_deref(),
            Some("missing_required_parameter")
        );
        assert!(f.string("bad").unwrap_err().message.contains("UTF-8"));
        let json = to_json(&form);
        assert_eq!(
            json["file"],
            json!({"filename": "a.wav", "content_type": null, "bytes": 4})
        );
        assert_eq!(json["include"], json!(["logprobs"]));
        assert_eq!(json["temperature"], "0.5");
    }
}
