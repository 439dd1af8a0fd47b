//! Reading `tools`, `tool_choice` and the output format (`response_format` in chat, `text.format`
//! in Responses) into the shapes the script decides with. Chat nests a function tool's
//! fields under `function`; the Responses API has them flat.

use serde_json::{Map, Value};

use super::fields::Fields;
use crate::conversation::{Format, Tool, ToolChoice};
use crate::error::ApiError;

/// Where a function's fields are: under `function` (chat) or on the tool itself (Responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Nested,
    Flat,
}

/// The function tools of `tools`; other tool types (custom, built-in) are accepted and ignored.
pub(crate) fn tools(f: &Fields, shape: Shape) -> Result<Vec<Tool>, ApiError> {
    let Some(items) = f.array("tools")? else {
        return Ok(Vec::new());
    };
    let mut tools = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            return Err(f.wrong_type(&format!("tools[{i}]"), "an object", item));
        };
        let t = f.item("tools", i, obj);
        if t.required_string("type")? != "function" {
            continue;
        }
        let function = match shape {
            Shape::Nested => t.object("function")?.ok_or_else(|| t.missing("function"))?,
            Shape::Flat => t,
        };
        let name = function.required_string("name")?.to_string();
        function.object("parameters")?;
        let parameters = function
            .get("parameters")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        tools.push(Tool { name, parameters });
    }
    Ok(tools)
}

/// `tool_choice`: a mode string or an object naming a function. Without it: `auto` when there
/// are tools, else `none`. `required` or a named function needs tools, and the name must be one.
pub(crate) fn tool_choice(
    f: &Fields,
    tools: &[Tool],
    shape: Shape,
) -> Result<ToolChoice, ApiError> {
    let choice = match f.get("tool_choice") {
        None if tools.is_empty() => ToolChoice::None,
        None => ToolChoice::Auto,
        Some(Value::String(s)) => match s.as_str() {
            "none" => ToolChoice::None,
            "auto" => ToolChoice::Auto,
            "required" => ToolChoice::Required,
            other => {
                return Err(f.invalid_value(
                    "tool_choice",
                    format!("Invalid value: '{other}'. Supported values are: 'none', 'auto', and 'required'."),
                ));
            }
        },
        Some(Value::Object(_)) => {
            let c = f.object("tool_choice")?.expect("an object");
            match c.string("type")? {
                Some("function") => {
                    let function = match shape {
                        Shape::Nested => {
                            c.object("function")?.ok_or_else(|| c.missing("function"))?
                        }
                        Shape::Flat => c,
                    };
                    ToolChoice::Named(function.required_string("name")?.to_string())
                }
                Some("allowed_tools") => {
                    let mode = match shape {
                        Shape::Nested => c
                            .object("allowed_tools")?
                            .map(|a| a.string("mode"))
                            .transpose()?
                            .flatten(),
                        Shape::Flat => c.string("mode")?,
                    };
                    if mode == Some("required") {
                        ToolChoice::Required
                    } else {
                        ToolChoice::Auto
                    }
                }
                _ => ToolChoice::Auto,
            }
        }
        Some(other) => return Err(f.wrong_type("tool_choice", "a string or an object", other)),
    };
    match &choice {
        ToolChoice::Required | ToolChoice::Named(_) if tools.is_empty() => Err(f.invalid_value(
            "tool_choice",
            "'tool_choice' is only allowed when 'tools' are specified.",
        )),
        ToolChoice::Named(name) if !tools.iter().any(|t| &t.name == name) => Err(f.invalid_value(
            "tool_choice",
            format!("no function named '{name}' is among the 'tools'."),
        )),
        _ => Ok(choice),
    }
}

/// An output format object (`{"type": ...}`); `schema_at` finds the `json_schema` fields.
fn format(f: &Fields, field: &str, shape: Shape) -> Result<Format, ApiError> {
    let Some(format) = f.object(field)? else {
        return Ok(Format::Text);
    };
    match format.required_string("type")? {
        "text" => Ok(Format::Text),
        "json_object" => Ok(Format::JsonObject),
        "json_schema" => {
            let spec = match shape {
                Shape::Nested => format
                    .object("json_schema")?
                    .ok_or_else(|| format.missing("json_schema"))?,
                Shape::Flat => format,
            };
            spec.required_string("name")?;
            spec.boolean("strict")?;
            if shape == Shape::Flat && spec.get("schema").is_none() {
                return Err(spec.missing("schema"));
            }
            spec.object("schema")?;
            let schema = spec.get("schema").cloned();
            Ok(Format::JsonSchema(
                schema.unwrap_or_else(|| Value::Object(Map::new())),
            ))
        }
        other => Err(format.invalid_value(
            "type",
            format!("Invalid value: '{other}'. Supported values are: 'text', 'json_object', and 'json_schema'."),
        )),
    }
}

/// Chat's `response_format`.
pub(crate) fn response_format(f: &Fields) -> Result<Format, ApiError> {
    format(f, "response_format", Shape::Nested)
}

/// The Responses API's `text.format`.
pub(crate) fn text_format(f: &Fields) -> Result<Format, ApiError> {
    match f.object("text")? {
        Some(text) => format(&text, "format", Shape::Flat),
        None => Ok(Format::Text),
    }
}
