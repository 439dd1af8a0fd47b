//! A Responses request: validation into typed fields (what the mock uses and what the response
//! echoes back), and the conversation view the script reads.

use serde_json::{Map, Value};

use crate::api::Request;
use crate::api::fields::Fields;
use crate::api::items;
use crate::api::logprobs::MAX_TOP;
use crate::api::tools::{self, Shape};
use crate::conversation::Conversation;
use crate::error::ApiError;

/// A validated Responses request: what the mock uses, and what the response echoes back.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ResponseRequest {
    pub model: String,
    /// The input items in order; other item types (reasoning, references) are left out.
    pub conversation: Conversation,
    /// The same items as they are stored and listed (`input_items`, conversation items).
    pub input_items: Vec<Value>,
    pub background: bool,
    /// `conversation`: the id of the conversation this response reads and extends.
    pub conversation_id: Option<String>,
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
        let (messages, input_items): (Vec<_>, Vec<_>) = items::input(&f, "input")?
            .into_iter()
            .map(|item| (item.message, item.stored))
            .unzip();
        let called = items::called(&input_items);
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
        let background = f.boolean("background")?.unwrap_or(false);
        let conversation_id = match f.get("conversation") {
            None => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(Value::Object(obj)) => match obj.get("id") {
                Some(Value::String(id)) => Some(id.clone()),
                _ => return Err(f.missing("conversation.id")),
            },
            Some(other) => {
                return Err(f.wrong_type("conversation", "a string or an object", other));
            }
        };
        if conversation_id.is_some() && f.get("previous_response_id").is_some() {
            return Err(f.invalid_value(
                "conversation",
                "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
            ));
        }
        let stream = f.boolean("stream")?.unwrap_or(false);
        let store = f.boolean("store")?.unwrap_or(true);
        let parallel_tool_calls = f.boolean("parallel_tool_calls")?.unwrap_or(true);
        let previous_response_id = f.string("previous_response_id")?.map(str::to_string);
        let user = f.string("user")?.map(str::to_string);
        let metadata = items::metadata(&f)?.unwrap_or_default();
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
            input_items,
            background,
            conversation_id,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Role;
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
