//! A chat request: validation into typed fields, a fast path for the plain bodies most clients
//! send, and the conversation view the script reads.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::Request;
use crate::api::fields::Fields;
use crate::api::logprobs::MAX_TOP;
use crate::api::sampling;
use crate::api::tools::{self, Shape};
use crate::conversation::{Conversation, Format, Message, Role, ToolChoice};
use crate::error::ApiError;

/// A validated chat request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ChatRequest {
    pub model: String,
    pub conversation: Conversation,
    pub n: u32,
    pub max_tokens: Option<u64>,
    pub stop: Vec<String>,
    pub stream: bool,
    pub include_usage: bool,
    /// `logprobs: true`: how many `top_logprobs` each token lists (0 unless asked).
    pub logprobs: Option<usize>,
    /// `store: true`: the completion is kept for `GET /v1/chat/completions`.
    pub store: bool,
    pub metadata: Option<Map<String, Value>>,
}

/// The body most clients send: a model and messages of plain text, and nothing else. Read with
/// borrowed strings and no `Value` tree; anything it does not fit (another field, an escape in a
/// string, a `tool` message, a `null`, a mistake) takes the full path, which words the errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain<'a> {
    model: &'a str,
    /// A map, not a derived struct: a derived struct would also read `["user", "hi"]`.
    #[serde(borrow)]
    messages: Vec<BTreeMap<&'a str, &'a str>>,
}

impl Request for ChatRequest {
    fn model(&self) -> &str {
        &self.model
    }

    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let f = Fields::new(obj, "");
        let model = f.required_string("model")?.to_string();
        let items = f.array("messages")?.ok_or_else(|| f.missing("messages"))?;
        if items.is_empty() {
            return Err(f.invalid_value("messages", "empty array. Expected an array with minimum length 1, but got an empty array instead."));
        }
        let mut called = Vec::new();
        let messages = items
            .iter()
            .enumerate()
            .map(|(i, m)| parse_message(&f, i, m, &mut called))
            .collect::<Result<Vec<_>, _>>()?;

        sampling::check(&f)?;
        let logprobs = f.boolean("logprobs")?.unwrap_or(false);
        let top = f.integer("top_logprobs", 0, MAX_TOP as i64)?;
        if top.is_some() && !logprobs {
            return Err(f.invalid_value(
                "top_logprobs",
                "'logprobs' must be set to true when 'top_logprobs' is used.",
            ));
        }
        let logprobs = logprobs.then_some(top.unwrap_or(0) as usize);
        let n = f.integer("n", 1, 128)?.unwrap_or(1) as u32;
        let max_tokens = match f.integer("max_completion_tokens", 1, i64::MAX)? {
            Some(m) => Some(m),
            None => f.integer("max_tokens", 1, i64::MAX)?,
        };
        let stop = f.stop("stop", 4)?;
        let stream = f.boolean("stream")?.unwrap_or(false);
        let include_usage = sampling::include_usage(&f, stream)?;
        let tools = tools::tools(&f, Shape::Nested)?;
        let tool_choice = tools::tool_choice(&f, &tools, Shape::Nested)?;
        let format = tools::response_format(&f)?;
        Ok(ChatRequest {
            model,
            conversation: Conversation {
                messages,
                called,
                tools,
                tool_choice,
                format,
            },
            n,
            max_tokens: max_tokens.map(|m| m as u64),
            stop,
            stream,
            include_usage,
            logprobs,
            store: f.boolean("store")?.unwrap_or(false),
            metadata: crate::api::items::metadata(&f)?,
        })
    }
}

impl ChatRequest {
    /// The request when `body` is plain (see [`Plain`]): exactly what `from_object` makes of it.
    pub(super) fn plain(body: &[u8]) -> Option<ChatRequest> {
        // A derived struct would also read a JSON array; the body must be an object.
        if body.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        let plain: Plain = serde_json::from_slice(body).ok()?;
        if plain.messages.is_empty() {
            return None;
        }
        let messages = plain
            .messages
            .iter()
            .map(|m| {
                let (name, text) = (*m.get("role")?, *m.get("content")?);
                let role = role(name).filter(|_| m.len() == 2 && name != "tool")?;
                Some(Message::new(role, text))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(ChatRequest {
            model: plain.model.to_string(),
            conversation: Conversation {
                messages,
                called: Vec::new(),
                tools: Vec::new(),
                tool_choice: ToolChoice::None,
                format: Format::Text,
            },
            n: 1,
            max_tokens: None,
            stop: Vec::new(),
            stream: false,
            include_usage: false,
            logprobs: None,
            store: false,
            metadata: None,
        })
    }
}

/// The role a chat message names; `tool` and `function` are both a tool's result.
fn role(name: &str) -> Option<Role> {
    Some(match name {
        "system" => Role::System,
        "developer" => Role::Developer,
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "tool" | "function" => Role::ToolResult,
        _ => return None,
    })
}

/// One message; the names of the functions an assistant message calls go into `called`.
fn parse_message(
    f: &Fields,
    i: usize,
    value: &Value,
    called: &mut Vec<String>,
) -> Result<Message, ApiError> {
    let Value::Object(obj) = value else {
        return Err(f.wrong_type(&format!("messages[{i}]"), "an object", value));
    };
    let m = f.item("messages", i, obj);
    let name = m.required_string("role")?;
    let Some(role) = role(name) else {
        return Err(m.invalid_value("role", format!("Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", role = name)));
    };
    let text = match m.get("content") {
        None if role == Role::Assistant => String::new(),
        None => return Err(m.missing("content")),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => {
            if parts.is_empty() {
                return Err(m.invalid_value("content", "empty array. Expected an array with minimum length 1, but got an empty array instead."));
            }
            part_text(&m, parts)?
        }
        Some(other) => {
            return Err(m.wrong_type("content", "a string or an array of content parts", other));
        }
    };
    if name == "tool" {
        m.required_string("tool_call_id")?;
    }
    if role == Role::Assistant {
        called.extend(call_names(obj));
    }
    Ok(Message::new(role, text))
}

/// The function names an assistant message calls: each `tool_calls[].function.name`, and the
/// deprecated `function_call.name`. Read leniently: only the names matter to the mock.
fn call_names(obj: &Map<String, Value>) -> impl Iterator<Item = String> + '_ {
    let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
    let calls = obj.get("tool_calls").and_then(Value::as_array);
    let tool_calls = calls
        .into_iter()
        .flatten()
        .filter_map(move |c| c.get("function").and_then(name));
    tool_calls.chain(obj.get("function_call").and_then(name))
}

/// Joins the text of `text` parts (and `refusal` parts); image, audio and file parts add nothing.
fn part_text(m: &Fields, parts: &[Value]) -> Result<String, ApiError> {
    let mut text = String::new();
    for (j, part) in parts.iter().enumerate() {
        let Value::Object(obj) = part else {
            return Err(m.wrong_type(&format!("content[{j}]"), "an object", part));
        };
        let p = m.item("content", j, obj);
        match p.required_string("type")? {
            "text" => text.push_str(p.required_string("text")?),
            "refusal" => text.push_str(p.required_string("refusal")?),
            _ => {}
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain body reads exactly as the full path reads it, or is left to the full path.
    #[test]
    fn plain_bodies_read_as_the_full_path_reads_them() {
        let taken = [
            r#"{"model":"m","messages":[{"role":"user","content":"Say this is a test"}]}"#,
            r#" {"messages":[{"content":"be brief","role":"system"},{"role":"user","content":"hi"},{"role":"assistant","content":""}],"model":""}"#,
            r#"{"model":"m","messages":[{"role":"user","role":"developer","content":"x"}]}"#,
        ];
        for body in taken {
            let full = crate::api::parse::<ChatRequest>(body.as_bytes()).unwrap();
            assert_eq!(ChatRequest::plain(body.as_bytes()), Some(full), "{body}");
        }
        let left = [
            r#"["m",[{"role":"user","content":"hi"}]]"#,
            r#"{"model":"m","messages":[["user","hi"]]}"#,
            r#"{"model":"m","messages":[]}"#,
            r#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#,
            r#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#,
            r#"{"model":"m","messages":[{"role":"user","content":null}]}"#,
            r#"{"model":"m","messages":[{"role":"user","content":"a\nb"}]}"#,
            r#"{"model":"m","messages":[{"role":"user","content":"x","name":"n"}]}"#,
            r#"{"model":"m","messages":[{"role":"assistant"}]}"#,
            r#"{"model":"m","model":"n","messages":[{"role":"user","content":"x"}]}"#,
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":false}"#,
            r#"{"model":"m","messages":[{"role":"user","content":"x"}]} x"#,
        ];
        for body in left {
            assert_eq!(ChatRequest::plain(body.as_bytes()), None, "{body}");
        }
    }
}
