//! A moderation request: the model (text models refuse images) and `input` in its three shapes,
//! each reduced to one [`Input`]: its text, whether it had text and images, and the categories
//! its `[flag:...]` markers name.

use serde_json::{Map, Value};

use crate::api::Request;
use crate::api::fields::Fields;
use crate::error::ApiError;

use super::categories::{self, Flags};

/// The most inputs (strings, or parts of one multi-modal input) a request may hold.
pub(super) const MAX_INPUTS: usize = 2048;

/// One input to classify.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Input {
    /// Its text (a multi-modal input's text parts joined by newlines).
    pub text: String,
    pub has_text: bool,
    pub has_image: bool,
    /// Categories its `[flag:...]` markers name.
    pub flags: Flags,
}

/// A validated moderation request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ModerationRequest {
    pub model: String,
    pub inputs: Vec<Input>,
}

impl ModerationRequest {
    /// The text-only moderation models (`text-moderation-*`).
    pub(super) fn text_only(&self) -> bool {
        self.model.starts_with("text-moderation")
    }
}

impl Request for ModerationRequest {
    fn model(&self) -> &str {
        &self.model
    }

    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let f = Fields::new(obj, "");
        let model = f
            .string("model")?
            .unwrap_or("omni-moderation-latest")
            .to_string();
        let text_only = model.starts_with("text-moderation");
        let too_long = |n: usize| {
            f.invalid_value("input", format!("array too long. Expected an array with maximum length {MAX_INPUTS}, but got an array with length {n} instead."))
        };
        let inputs = match f.get("input") {
            None => return Err(f.missing("input")),
            Some(Value::String(s)) => vec![text_input(&f, s)?],
            Some(Value::Array(items)) if items.len() > MAX_INPUTS => {
                return Err(too_long(items.len()));
            }
            Some(Value::Array(items)) if items.first().is_some_and(Value::is_string) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => text_input(&f, s),
                    other => Err(f.wrong_type(&format!("input[{i}]"), "a string", other)),
                })
                .collect::<Result<_, _>>()?,
            Some(Value::Array(items)) => vec![parts(&f, items, text_only, &model)?],
            Some(other) => return Err(f.wrong_type("input", "a string or an array", other)),
        };
        Ok(ModerationRequest { model, inputs })
    }
}

fn text_input(f: &Fields, text: &str) -> Result<Input, ApiError> {
    let flags = categories::markers(text).map_err(|m| f.invalid_value("input", m))?;
    Ok(Input {
        text: text.to_string(),
        has_text: true,
        has_image: false,
        flags,
    })
}

/// An array of `text` and `image_url` parts: one multi-modal input.
fn parts(f: &Fields, items: &[Value], text_only: bool, model: &str) -> Result<Input, ApiError> {
    let mut texts = Vec::new();
    let mut has_image = false;
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            return Err(f.wrong_type(&format!("input[{i}]"), "a string or an object", item));
        };
        let part = f.item("input", i, obj);
        match part.required_string("type")? {
            "text" => texts.push(part.required_string("text")?),
            "image_url" if text_only => {
                return Err(part.invalid_value(
                    "type",
                    format!("the model '{model}' does not support image inputs; use omni-moderation-latest."),
                ));
            }
            "image_url" => {
                let image = part
                    .object("image_url")?
                    .ok_or_else(|| part.missing("image_url"))?;
                image.required_string("url")?;
                has_image = true;
            }
            other => {
                return Err(part.invalid_value(
                    "type",
                    format!("'{other}' is not one of 'text' or 'image_url'."),
                ));
            }
        }
    }
    let text = texts.join("\n");
    let flags = categories::markers(&text).map_err(|m| f.invalid_value("input", m))?;
    Ok(Input {
        text,
        has_text: !texts.is_empty(),
        has_image,
        flags,
    })
}
