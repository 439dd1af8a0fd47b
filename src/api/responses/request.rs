//! A Responses request: validation into typed fields (what the mock uses and what the response
//! echoes back), and the conversation view the script reads.

use serde_json::{Map, Value};

use crate::api::Request;
use crate::api::fields::Fields;
use crate::api::logprobs::MAX_TOP;
use crate::api::tools::{self, Shape};
use crate::conversation::{Conversation, Message, Role};
use crate::error::ApiError;

/// A validated Responses request: what the mock uses, and what the response echoes back.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ResponseRequest {
    pub model: String,
    /// The input items in order; other item types (reasoning, references) are left out.
    pub conversation: Conversation,
    pub instructions: Option<String>,
    pub max_output_tokens: Option<u64>,
    pub stream: bool,
    pub temperature: f64,
    pub top_p: f64,
    pub store: bool,
    pub parallel_tool_calls: bool,
    pub previous_response_id: Option<String>,
    pub user: Option<String>,
    pub metadata: Map<String, Value>,
    pub tools: Vec<Value>,
    pub tool_choice: Value,
    /// `text.format` as sent, echoed in the response.
    pub text_format: Option<Value>,
    /// `top_logprobs` as asked (0 by default), echoed in the response.
    pub top_logprobs: usize,
    /// `include` holds `message.output_text.logprobs`: how many `top_logprobs` each token lists.
    pub logprobs: Option<usize>,
}

/// The `include` value that asks for the logprobs of output text.
const LOGPROBS: &str = "message.output_text.logprobs";

impl Request for ResponseRequest {
    fn model(&self) -> &str {
        &self.model
    }

    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let f = Fields::new(obj, "");
        let model = f.required_string("model")?.to_string();
        let (messages, called) = parse_input(&f)?;
        let instructions = f.string("instructions")?.map(str::to_string);
        let max_output_tokens = f.integer("max_output_tokens", 16, i64::MAX)?;
        let temperature = f.number("temperature", 0.0, 2.0)?.unwrap_or(1.0);
        let top_p = f.number("top_p", 0.0, 1.0)?.unwrap_or(1.0);
        let top = f.integer("top_logprobs", 0, MAX_TOP as i64)?.unwrap_or(0) as usize;
        let mut logprobs = None;
        for (i, item) in f.array("include")?.into_iter().flatten().enumerate() {
            match item {
                Value::String(s) if s == LOGPROBS => logprobs = Some(top),
                Value::String(_) => {}
                other => return Err(f.wrong_type(&format!("include[{i}]"), "a string", other)),
            }
        }
        f.integer("max_tool_calls", 1, i64::MAX)?;
        f.object("reasoning")?;
        f.object("text")?;
        f.object("stream_options")?;
        f.boolean("background")?;
        let stream = f.boolean("stream")?.unwrap_or(false);
        let store = f.boolean("store")?.unwrap_or(true);
        let parallel_tool_calls = f.boolean("parallel_tool_calls")?.unwrap_or(true);
        let previous_response_id = f.string("previous_response_id")?.map(str::to_string);
        let user = f.string("user")?.map(str::to_string);
        let metadata = match f.object("metadata")? {
            None => Map::new(),
            Some(m) => {
                let map = f.get("metadata").and_then(Value::as_object).cloned();
                let map = map.unwrap_or_default();
                for key in map.keys() {
                    m.string(key)?;
                }
                map
            }
        };
        let mut tools = f.array("tools")?.cloned().unwrap_or_default();
        for (i, tool) in tools.iter_mut().enumerate() {
            let Value::Object(obj) = tool else {
                return Err(f.wrong_type(&format!("tools[{i}]"), "an object", tool));
            };
            let kind = f.item("tools", i, obj).required_string("type")?;
            // The response echoes function tools with the defaults filled in, as the API does:
            // `strict` defaults to true here, and `parameters` is required (nullable) in `FunctionTool`.
            if kind == "function" {
                obj.entry("strict").or_insert(Value::Bool(true));
                obj.entry("parameters").or_insert(Value::Null);
            }
        }
        let tool_choice = match f.get("tool_choice") {
            None => Value::from("auto"),
            Some(Value::String(s)) if ["none", "auto", "required"].contains(&s.as_str()) => {
                Value::from(s.as_str())
            }
            Some(Value::String(s)) => {
                return Err(f.invalid_value("tool_choice", format!("Invalid value: '{s}'. Supported values are: 'none', 'auto', and 'required'.")));
            }
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                return Err(f.wrong_type("tool_choice", "a string or an object", other));
            }
        };
        let functions = tools::tools(&f, Shape::Flat)?;
        let choice = tools::tool_choice(&f, &functions, Shape::Flat)?;
        let format = tools::text_format(&f)?;
        let text_format = f
            .get("text")
            .and_then(|t| t.get("format"))
            .filter(|v| !v.is_null())
            .cloned();
        Ok(ResponseRequest {
            model,
            conversation: Conversation {
                messages,
                called,
                tools: functions,
                tool_choice: choice,
                format,
            },
            instructions,
            max_output_tokens: max_output_tokens.map(|m| m as u64),
            stream,
            temperature,
            top_p,
            store,
            parallel_tool_calls,
            previous_response_id,
            user,
            metadata,
            tools,
            tool_choice,
            text_format,
            top_logprobs: top,
            logprobs,
        })
    }
}

/// `input`: a string (one user message) or a list of items; with the names of the functions
/// its `function_call` items called, in order.
fn parse_input(f: &Fields) -> Result<(Vec<Message>, Vec<String>), ApiError> {
    match f.get("input") {
        None => Err(f.missing("input")),
        Some(Value::String(s)) => Ok((vec![Message::new(Role::User, s.as_str())], Vec::new())),
        Some(Value::Array(items)) => {
            let mut texts = Vec::with_capacity(items.len());
            let mut called = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(text) = parse_item(f, i, item)? {
                    if text.role == Role::Call
                        && let Some(name) = item.get("name").and_then(Value::as_str)
                    {
                        called.push(name.to_string());
                    }
                    texts.push(text);
                }
            }
            Ok((texts, called))
        }
        Some(other) => Err(f.wrong_type("input", "a string or an array of input items", other)),
    }
}

/// One input item: a message, a `function_call_output` or a `function_call`; `None` for item
/// types the mock accepts and ignores (`reasoning`, `item_reference`, ...).
fn parse_item(f: &Fields, i: usize, value: &Value) -> Result<Option<Message>, ApiError> {
    let Value::Object(obj) = value else {
        return Err(f.wrong_type(&format!("input[{i}]"), "an object", value));
    };
    let m = f.item("input", i, obj);
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
            Ok(Some(Message::new(role, content_text(&m, "content")?)))
        }
        Some("function_call_output") => {
            m.required_string("call_id")?;
            let text = content_text(&m, "output")?;
            Ok(Some(Message::new(Role::ToolResult, text)))
        }
        Some("function_call") => Ok(Some(Message::new(Role::Call, ""))),
        Some(_) => Ok(None),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<ResponseRequest, ApiError> {
        crate::api::parse::<ResponseRequest>(v.to_string().as_bytes())
    }

    fn param(v: Value) -> String {
        parse(v).unwrap_err().param.clone().unwrap()
    }

    #[test]
    fn input_items_give_message_texts() {
        let rq = parse(json!({"model": "m", "input": [
            {"role": "system", "content": "Be brief."},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "Look "},
                {"type": "input_image", "image_url": "https://x/y.png"},
                {"type": "input_text", "text": "here"}
            ]},
            {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "function_call_output", "call_id": "call_1", "output": "{\"temp\":21}"}
        ]}))
        .unwrap();
        let items: Vec<(Role, &str)> = rq
            .conversation
            .messages
            .iter()
            .map(|m| (m.role, m.text.as_str()))
            .collect();
        assert_eq!(
            items,
            [
                (Role::System, "Be brief."),
                (Role::User, "Look here"),
                (Role::Call, ""),
                (Role::ToolResult, "{\"temp\":21}")
            ]
        );
        let rq = parse(json!({"model": "m", "input": "hi"})).unwrap();
        assert_eq!(rq.conversation.messages[0].text, "hi");
    }

    #[test]
    fn errors_name_the_offending_item() {
        let m = |input: Value| json!({"model": "m", "input": input});
        assert_eq!(param(json!({"model": "m"})), "input");
        assert_eq!(param(m(json!(5))), "input");
        assert_eq!(param(m(json!(["x"]))), "input[0]");
        assert_eq!(
            param(m(
                json!([{"role": "user", "content": "a"}, {"role": "user", "content": 1}])
            )),
            "input[1].content"
        );
        assert_eq!(
            param(m(json!([{"role": "bot", "content": "a"}]))),
            "input[0].role"
        );
        assert_eq!(param(m(json!([{"role": "user"}]))), "input[0].content");
        assert_eq!(
            param(m(
                json!([{"role": "user", "content": [{"type": "input_text"}]}])
            )),
            "input[0].content[0].text"
        );
        assert_eq!(
            param(m(json!([{"type": "function_call_output", "output": "x"}]))),
            "input[0].call_id"
        );
        assert_eq!(
            param(json!({"model": "m", "input": "x", "max_output_tokens": 15})),
            "max_output_tokens"
        );
    }

    #[test]
    fn defaults_are_the_apis() {
        let rq = parse(json!({"model": "m", "input": "x"})).unwrap();
        assert_eq!((rq.temperature, rq.top_p, rq.store), (1.0, 1.0, true));
        assert!(rq.parallel_tool_calls && !rq.stream);
        assert_eq!(rq.tool_choice, json!("auto"));
    }
}
