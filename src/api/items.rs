//! Items as the stateful API keeps them — the input items of a stored response, a
//! conversation's items — and their conversion to and from the one conversation model: an input
//! item is read into a [`Message`] and normalized into the item resource the API lists (with an
//! id and a status), and a stored item is read back into a [`Message`] as context.

use serde_json::{Map, Value, json};

use crate::api::fields::Fields;
use crate::conversation::{Message, Role};
use crate::error::ApiError;

/// One input item: the message it is in the conversation model, and the item as stored and
/// listed. Item types the mock accepts and does not keep (`reasoning`, `item_reference`, ...)
/// give no `Item`.
pub(crate) struct Item {
    pub message: Message,
    pub stored: Value,
}

/// Reads `field` of `f`: a string (one user message) or a list of items.
pub(crate) fn input(f: &Fields, field: &str) -> Result<Vec<Item>, ApiError> {
    match f.get(field) {
        None => Err(f.missing(field)),
        Some(Value::String(s)) => Ok(vec![user_text(s)]),
        Some(Value::Array(items)) => list(f, field, items),
        Some(other) => Err(f.wrong_type(field, "a string or an array of input items", other)),
    }
}

/// Reads a list of items (`field[i]` in errors).
pub(crate) fn list(f: &Fields, field: &str, items: &[Value]) -> Result<Vec<Item>, ApiError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(item) = read(f, field, i, item)? {
            out.push(item);
        }
    }
    Ok(out)
}

/// A user message of plain text, as stored.
pub(crate) fn user_text(text: &str) -> Item {
    Item {
        message: Message::new(Role::User, text),
        stored: json!({
            "id": crate::ids::hex("msg_", 48),
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }),
    }
}

/// One item: a message, a `function_call_output` or a `function_call`.
fn read(f: &Fields, field: &str, i: usize, value: &Value) -> Result<Option<Item>, ApiError> {
    let Value::Object(obj) = value else {
        return Err(f.wrong_type(&format!("{field}[{i}]"), "an object", value));
    };
    let m = f.item(field, i, obj);
    let id = |prefix: &str| match obj.get("id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => crate::ids::hex(prefix, 48),
    };
    match m.string("type")? {
        None | Some("message") => {
            let name = m.required_string("role")?;
            let role = match name {
                "user" => Role::User,
                "assistant" => Role::Assistant,
                "system" => Role::System,
                "developer" => Role::Developer,
                _ => return Err(m.invalid_value("role", format!("Invalid value: '{name}'. Supported values are: 'user', 'assistant', 'system', and 'developer'."))),
            };
            let text = content_text(&m, "content")?;
            let content = match obj.get("content") {
                Some(Value::Array(parts)) => parts.iter().map(output_part).collect(),
                _ if role == Role::Assistant => vec![output_text(&text)],
                _ => vec![json!({"type": "input_text", "text": text})],
            };
            let stored = json!({
                "id": id("msg_"),
                "type": "message",
                "status": "completed",
                "role": name,
                "content": content,
            });
            Ok(Some(Item {
                message: Message::new(role, text),
                stored,
            }))
        }
        Some("function_call_output") => {
            let call_id = m.required_string("call_id")?;
            let text = content_text(&m, "output")?;
            let stored = json!({
                "id": id("fco_"),
                "type": "function_call_output",
                "status": "completed",
                "call_id": call_id,
                "output": obj.get("output").cloned().unwrap_or_default(),
            });
            Ok(Some(Item {
                message: Message::new(Role::ToolResult, text),
                stored,
            }))
        }
        Some("function_call") => {
            let stored = json!({
                "id": id("fc_"),
                "type": "function_call",
                "status": "completed",
                "call_id": m.string("call_id")?.unwrap_or_default(),
                "name": m.string("name")?.unwrap_or_default(),
                "arguments": m.string("arguments")?.unwrap_or_default(),
            });
            Ok(Some(Item {
                message: Message::new(Role::Call, ""),
                stored,
            }))
        }
        Some(_) => Ok(None),
    }
}

/// An `output_text` part with the fields the API lists it with.
pub(crate) fn output_text(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": [], "logprobs": []})
}

/// A content part as stored: `output_text` parts get their `annotations` and `logprobs`.
fn output_part(part: &Value) -> Value {
    let mut part = part.clone();
    if let Some(obj) = part.as_object_mut()
        && obj.get("type").and_then(Value::as_str) == Some("output_text")
    {
        obj.entry("annotations").or_insert_with(|| json!([]));
        obj.entry("logprobs").or_insert_with(|| json!([]));
    }
    part
}

/// A string, or the text of a list of parts (`input_text`, `output_text` and `refusal` parts
/// count; images, files and audio add nothing).
fn content_text(m: &Fields, field: &str) -> Result<String, ApiError> {
    let parts = match m.get(field) {
        None => return Err(m.missing(field)),
        Some(Value::String(s)) => return Ok(s.clone()),
        Some(Value::Array(parts)) => parts,
        Some(other) => {
            return Err(m.wrong_type(field, "a string or an array of content parts", other));
        }
    };
    let mut text = String::new();
    for (j, part) in parts.iter().enumerate() {
        let Value::Object(obj) = part else {
            return Err(m.wrong_type(&format!("{field}[{j}]"), "an object", part));
        };
        let p = m.item(field, j, obj);
        match p.required_string("type")? {
            "input_text" | "output_text" => text.push_str(p.required_string("text")?),
            "refusal" => text.push_str(p.required_string("refusal")?),
            _ => {}
        }
    }
    Ok(text)
}

/// A stored item (input or output) read back into the conversation model.
pub(crate) fn message_of(item: &Value) -> Option<Message> {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").or_else(|| p.get("refusal"))?.as_str())
            .collect(),
        _ => String::new(),
    };
    let role = match item.get("type")?.as_str()? {
        "function_call" => return Some(Message::new(Role::Call, "")),
        "function_call_output" => Role::ToolResult,
        "message" => match item.get("role")?.as_str()? {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "system" => Role::System,
            "developer" => Role::Developer,
            _ => return None,
        },
        _ => return None,
    };
    let field = if role == Role::ToolResult {
        "output"
    } else {
        "content"
    };
    Some(Message::new(role, text(item.get(field))))
}

/// The names of the functions that `function_call` items called, in order (what forced
/// `tool_choice` rules read as `Conversation::called`).
pub(crate) fn called(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter(|item| item["type"] == "function_call")
        .filter_map(|item| item["name"].as_str())
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// The most keys `metadata` may have, and the longest key and value, as on the API.
const METADATA_KEYS: usize = 16;
const METADATA_KEY_CHARS: usize = 64;
const METADATA_VALUE_CHARS: usize = 512;

/// `metadata`: at most 16 string values, keys of at most 64 characters, values of at most 512.
pub(crate) fn metadata(f: &Fields) -> Result<Option<Map<String, Value>>, ApiError> {
    let Some(m) = f.object("metadata")? else {
        return Ok(None);
    };
    let map = f
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if map.len() > METADATA_KEYS {
        return Err(f.invalid_value(
            "metadata",
            format!(
                "Invalid 'metadata': too many properties. Expected an object with at most {METADATA_KEYS} properties, but got an object with {} properties instead.",
                map.len()
            ),
        ));
    }
    for key in map.keys() {
        let Some(value) = m.string(key)? else {
            continue;
        };
        if key.chars().count() > METADATA_KEY_CHARS || value.chars().count() > METADATA_VALUE_CHARS
        {
            return Err(f.invalid_value(
                "metadata",
                format!(
                    "Invalid 'metadata': keys may have at most {METADATA_KEY_CHARS} characters and values at most {METADATA_VALUE_CHARS}."
                ),
            ));
        }
    }
    Ok(Some(
        map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
    ))
}
