//! `POST /v1/responses`: the Responses API with the echo reply, as one `response` object or as
//! named `response.*` events (no `[DONE]`), cut to `incomplete` by `max_output_tokens`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::App;
use super::fields::{Fields, parse_object};
use crate::error::ApiError;
use crate::http::{Event, Reply};
use crate::reply::{self, Finish, Text};

const ROLES: &[&str] = &["user", "assistant", "system", "developer"];

/// A validated Responses request: what the mock uses, and what the response echoes back.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRequest {
    pub model: String,
    /// The text of each input message in order; a `function_call_output` item counts as a
    /// message whose text is its `output`. Other item types add nothing.
    pub messages: Vec<String>,
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
}

impl ResponseRequest {
    pub fn parse(body: &[u8]) -> Result<ResponseRequest, ApiError> {
        let obj = parse_object(body)?;
        let f = Fields::new(&obj, "");
        let model = f.required_string("model")?.to_string();
        let messages = parse_input(&f)?;
        let instructions = f.string("instructions")?.map(str::to_string);
        let max_output_tokens = f.integer("max_output_tokens", 16, i64::MAX)?;
        let temperature = f.number("temperature", 0.0, 2.0)?.unwrap_or(1.0);
        let top_p = f.number("top_p", 0.0, 1.0)?.unwrap_or(1.0);
        f.integer("top_logprobs", 0, 20)?;
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
        let tools = f.array("tools")?.cloned().unwrap_or_default();
        for (i, tool) in tools.iter().enumerate() {
            let Value::Object(obj) = tool else {
                return Err(f.wrong_type(&format!("tools[{i}]"), "an object", tool));
            };
            Fields::new(obj, &format!("tools[{i}].")).required_string("type")?;
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
        Ok(ResponseRequest {
            model,
            messages,
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
        })
    }
}

/// `input`: a string (one user message) or a list of items.
fn parse_input(f: &Fields) -> Result<Vec<String>, ApiError> {
    match f.get("input") {
        None => Err(f.missing("input")),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => {
            let mut texts = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if let Some(text) = parse_item(f, i, item)? {
                    texts.push(text);
                }
            }
            Ok(texts)
        }
        Some(other) => Err(f.wrong_type("input", "a string or an array of input items", other)),
    }
}

/// One input item: the text of a message or of a `function_call_output`; `None` for item types
/// the mock accepts and ignores (`function_call`, `reasoning`, `item_reference`, ...).
fn parse_item(f: &Fields, i: usize, value: &Value) -> Result<Option<String>, ApiError> {
    let name = format!("input[{i}]");
    let Value::Object(obj) = value else {
        return Err(f.wrong_type(&name, "an object", value));
    };
    let m = Fields::new(obj, &format!("{name}."));
    match m.string("type")? {
        None | Some("message") => {
            let role = m.required_string("role")?;
            if !ROLES.contains(&role) {
                return Err(m.invalid_value("role", format!("Invalid value: '{role}'. Supported values are: 'user', 'assistant', 'system', and 'developer'.")));
            }
            content_text(&m, "content").map(Some)
        }
        Some("function_call_output") => {
            m.required_string("call_id")?;
            content_text(&m, "output").map(Some)
        }
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
        let name = format!("{field}[{j}]");
        let Value::Object(obj) = part else {
            return Err(m.wrong_type(&name, "an object", part));
        };
        let p = Fields::new(obj, &format!("{}.", m.param(&name)));
        match p.required_string("type")? {
            "input_text" | "output_text" => text.push_str(p.required_string("text")?),
            "refusal" => text.push_str(p.required_string("refusal")?),
            _ => {}
        }
    }
    Ok(text)
}

#[derive(Serialize)]
struct ResponseObject<'a> {
    id: &'a str,
    object: &'static str,
    created_at: u64,
    status: &'static str,
    completed_at: Option<u64>,
    error: Option<()>,
    incomplete_details: Option<IncompleteDetails>,
    instructions: Option<&'a str>,
    max_output_tokens: Option<u64>,
    model: &'a str,
    output: Vec<&'a MessageItem<'a>>,
    parallel_tool_calls: bool,
    previous_response_id: Option<&'a str>,
    reasoning: Reasoning,
    store: bool,
    temperature: f64,
    text: TextConfig,
    tool_choice: &'a Value,
    tools: &'a [Value],
    top_p: f64,
    truncation: &'static str,
    usage: Option<ResponseUsage>,
    user: Option<&'a str>,
    metadata: &'a Map<String, Value>,
}

#[derive(Serialize)]
struct IncompleteDetails {
    reason: &'static str,
}

#[derive(Serialize)]
struct Reasoning {
    effort: Option<()>,
    summary: Option<()>,
}

#[derive(Serialize)]
struct TextConfig {
    format: Format,
}

#[derive(Serialize)]
struct Format {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize, Clone, Copy)]
struct ResponseUsage {
    input_tokens: u64,
    input_tokens_details: InputDetails,
    output_tokens: u64,
    output_tokens_details: OutputDetails,
    total_tokens: u64,
}

#[derive(Serialize, Clone, Copy)]
struct InputDetails {
    cached_tokens: u64,
    cache_write_tokens: u64,
}

#[derive(Serialize, Clone, Copy)]
struct OutputDetails {
    reasoning_tokens: u64,
}

#[derive(Serialize)]
struct MessageItem<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    role: &'static str,
    content: Vec<OutputText<'a>>,
}

#[derive(Serialize)]
struct OutputText<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
    annotations: [(); 0],
    logprobs: [(); 0],
}

fn output_text(text: &str) -> OutputText<'_> {
    OutputText {
        kind: "output_text",
        text,
        annotations: [],
        logprobs: [],
    }
}

#[derive(Serialize)]
struct ResponseEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    response: &'a ResponseObject<'a>,
}

#[derive(Serialize)]
struct ItemEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    output_index: u32,
    item: &'a MessageItem<'a>,
}

#[derive(Serialize)]
struct PartEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    content_index: u32,
    part: &'a OutputText<'a>,
}

/// `response.output_text.delta` (with `delta`) and `response.output_text.done` (with `text`).
#[derive(Serialize)]
struct TextEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    content_index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    logprobs: [(); 0],
}

/// The parts of a response that do not change while it is streamed.
struct Frame<'a> {
    rq: &'a ResponseRequest,
    id: String,
    created_at: u64,
}

impl<'a> Frame<'a> {
    fn response(
        &'a self,
        status: &'static str,
        output: Vec<&'a MessageItem<'a>>,
        usage: Option<ResponseUsage>,
        completed_at: Option<u64>,
    ) -> ResponseObject<'a> {
        let rq = self.rq;
        ResponseObject {
            id: &self.id,
            object: "response",
            created_at: self.created_at,
            status,
            completed_at,
            error: None,
            incomplete_details: (status == "incomplete").then_some(IncompleteDetails {
                reason: "max_output_tokens",
            }),
            instructions: rq.instructions.as_deref(),
            max_output_tokens: rq.max_output_tokens,
            model: &rq.model,
            output,
            parallel_tool_calls: rq.parallel_tool_calls,
            previous_response_id: rq.previous_response_id.as_deref(),
            reasoning: Reasoning {
                effort: None,
                summary: None,
            },
            store: rq.store,
            temperature: rq.temperature,
            text: TextConfig {
                format: Format { kind: "text" },
            },
            tool_choice: &rq.tool_choice,
            tools: &rq.tools,
            top_p: rq.top_p,
            truncation: "disabled",
            usage,
            user: rq.user.as_deref(),
            metadata: &rq.metadata,
        }
    }
}

pub fn handle(app: &App, body: &[u8]) -> Result<Reply, ApiError> {
    let rq = ResponseRequest::parse(body)?;
    app.check_model(&rq.model)?;
    let full = match &app.config.reply {
        Some(fixed) => fixed.clone(),
        None => reply::echo(rq.messages.last().map(String::as_str).unwrap_or_default()),
    };
    let text = Text::plan(&full, &[], rq.max_output_tokens);
    let (status, completed) = match text.finish {
        Finish::Length => ("incomplete", false),
        Finish::Stop => ("completed", true),
    };
    let input_tokens = rq.instructions.as_deref().map_or(0, reply::count_words)
        + rq.messages
            .iter()
            .map(|m| reply::count_words(m))
            .sum::<u64>();
    let usage = ResponseUsage {
        input_tokens,
        input_tokens_details: InputDetails {
            cached_tokens: 0,
            cache_write_tokens: 0,
        },
        output_tokens: text.count(),
        output_tokens_details: OutputDetails {
            reasoning_tokens: 0,
        },
        total_tokens: input_tokens + text.count(),
    };
    let frame = Frame {
        rq: &rq,
        id: crate::ids::hex("resp_", 48),
        created_at: crate::ids::unix_now(),
    };
    // Streamed, the response completes once every paced word has been written.
    let streamed_secs = if rq.stream {
        (app.config.token_delay * text.count() as u32).as_secs()
    } else {
        0
    };
    let completed_at = completed.then_some(frame.created_at + streamed_secs);
    let item_id = crate::ids::hex("msg_", 48);
    let item = MessageItem {
        id: &item_id,
        kind: "message",
        status,
        role: "assistant",
        content: vec![output_text(&text.text)],
    };
    let done = frame.response(status, vec![&item], Some(usage), completed_at);
    if !rq.stream {
        return Ok(Reply::json(&done));
    }
    Ok(Reply::stream(
        stream_events(&frame, &item, &text, &done),
        app.config.token_delay,
    ))
}

/// The §9.4 sequence: created, in_progress, output_item.added, content_part.added, one paced
/// output_text.delta per word, output_text.done, content_part.done, output_item.done, then
/// response.completed (or response.incomplete). `sequence_number` counts from 0.
fn stream_events(
    frame: &Frame,
    item: &MessageItem,
    text: &Text,
    done: &ResponseObject,
) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::with_capacity(text.count() as usize + 9);
    let start = frame.response("in_progress", Vec::new(), None, None);
    for kind in ["response.created", "response.in_progress"] {
        let event = ResponseEvent {
            kind,
            sequence_number: events.len(),
            response: &start,
        };
        events.push(Event::json(Some(kind), &event, false));
    }
    let empty = MessageItem {
        id: item.id,
        kind: "message",
        status: "in_progress",
        role: "assistant",
        content: Vec::new(),
    };
    let added = ItemEvent {
        kind: "response.output_item.added",
        sequence_number: events.len(),
        output_index: 0,
        item: &empty,
    };
    events.push(Event::json(Some(added.kind), &added, false));
    let part = |kind: &'static str, n: usize, part: &OutputText| {
        let event = PartEvent {
            kind,
            sequence_number: n,
            item_id: item.id,
            output_index: 0,
            content_index: 0,
            part,
        };
        Event::json(Some(kind), &event, false)
    };
    events.push(part(
        "response.content_part.added",
        events.len(),
        &output_text(""),
    ));
    let text_event = |kind: &'static str, n: usize, delta, text| TextEvent {
        kind,
        sequence_number: n,
        item_id: item.id,
        output_index: 0,
        content_index: 0,
        delta,
        text,
        logprobs: [],
    };
    for token in text.tokens() {
        let kind = "response.output_text.delta";
        let event = text_event(kind, events.len(), Some(token), None);
        events.push(Event::json(Some(kind), &event, true));
    }
    let kind = "response.output_text.done";
    let event = text_event(kind, events.len(), None, Some(&text.text));
    events.push(Event::json(Some(kind), &event, false));
    events.push(part(
        "response.content_part.done",
        events.len(),
        &item.content[0],
    ));
    let finished = ItemEvent {
        kind: "response.output_item.done",
        sequence_number: events.len(),
        output_index: 0,
        item,
    };
    events.push(Event::json(Some(finished.kind), &finished, false));
    let kind = if done.status == "incomplete" {
        "response.incomplete"
    } else {
        "response.completed"
    };
    let last = ResponseEvent {
        kind,
        sequence_number: events.len(),
        response: done,
    };
    events.push(Event::json(Some(kind), &last, false));
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<ResponseRequest, ApiError> {
        ResponseRequest::parse(v.to_string().as_bytes())
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
        assert_eq!(rq.messages, ["Be brief.", "Look here", "{\"temp\":21}"]);
        assert_eq!(
            parse(json!({"model": "m", "input": "hi"}))
                .unwrap()
                .messages,
            ["hi"]
        );
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
