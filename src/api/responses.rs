//! `POST /v1/responses`: the Responses API with the reply [`script`] decides — a message (text or
//! refusal) or `function_call` items — as one `response` object or as named `response.*` events
//! (no `[DONE]`), cut to `incomplete` by `max_output_tokens`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::{Fields, parse_object};
use super::tools::{self, Shape};
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Event};
use crate::script::{
    self, Call, Content, Endpoint, FinishReason, Format, Tool, ToolChoice, UsageOverride, View,
};
use crate::text::{self, Finish, Text};

const ROLES: &[&str] = &["user", "assistant", "system", "developer"];

/// One input item the mock reads: a message (`role` user, assistant, system or developer), a
/// tool result (`role` "tool", the text of a `function_call_output`), or an earlier call (`role`
/// "function_call", no text).
#[derive(Debug, Clone, PartialEq)]
pub struct InputMessage {
    pub role: String,
    pub text: String,
}

/// A validated Responses request: what the mock uses, and what the response echoes back.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRequest {
    pub model: String,
    /// The input items in order; other item types (reasoning, references) are left out.
    pub messages: Vec<InputMessage>,
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
    /// The function tools among `tools`, and `tool_choice` as the script reads it.
    pub functions: Vec<Tool>,
    pub choice: ToolChoice,
    pub format: Format,
    /// `text.format` as sent, echoed in the response.
    pub text_format: Option<Value>,
}

impl ResponseRequest {
    #[cfg(test)]
    pub fn parse(body: &[u8]) -> Result<ResponseRequest, ApiError> {
        ResponseRequest::from_object(&parse_object(body)?)
    }

    pub fn from_object(obj: &Map<String, Value>) -> Result<ResponseRequest, ApiError> {
        let f = Fields::new(obj, "");
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
            functions,
            choice,
            format,
            text_format,
        })
    }

    /// The conversation as rules and the built-in replies see it. Assistant turns are runs of
    /// assistant messages and `function_call` items.
    pub fn view<'a>(
        &'a self,
        body: &'a Map<String, Value>,
        headers: &'a [(String, String)],
    ) -> View<'a> {
        let mut view = View::new(Endpoint::Responses, &self.model, body, headers);
        let spoken = |m: &&InputMessage| m.role != "function_call";
        view.last = self
            .messages
            .iter()
            .rfind(spoken)
            .map_or("", |m| m.text.as_str());
        view.last_user = self
            .messages
            .iter()
            .rfind(|m| m.role == "user")
            .map_or("", |m| m.text.as_str());
        let system = self
            .messages
            .iter()
            .filter(|m| m.role == "system" || m.role == "developer")
            .map(|m| m.text.as_str());
        view.system = self
            .instructions
            .iter()
            .map(String::as_str)
            .chain(system)
            .collect::<Vec<_>>()
            .join("\n");
        view.tools = self.functions.clone();
        view.tool_choice = self.choice.clone();
        view.format = self.format.clone();
        view.has_tool_result = self.messages.iter().any(|m| m.role == "tool");
        let mut trailing: Vec<&str> = self
            .messages
            .iter()
            .rev()
            .take_while(|m| m.role == "tool")
            .map(|m| m.text.as_str())
            .collect();
        trailing.reverse();
        view.trailing_results = trailing;
        let assistant = |m: &InputMessage| m.role == "assistant" || m.role == "function_call";
        view.assistant_turns = self
            .messages
            .iter()
            .enumerate()
            .filter(|(i, m)| assistant(m) && (*i == 0 || !assistant(&self.messages[i - 1])))
            .count() as u32;
        view
    }
}

/// `input`: a string (one user message) or a list of items.
fn parse_input(f: &Fields) -> Result<Vec<InputMessage>, ApiError> {
    match f.get("input") {
        None => Err(f.missing("input")),
        Some(Value::String(s)) => Ok(vec![InputMessage {
            role: "user".into(),
            text: s.clone(),
        }]),
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

/// One input item: a message, a `function_call_output` or a `function_call`; `None` for item
/// types the mock accepts and ignores (`reasoning`, `item_reference`, ...).
fn parse_item(f: &Fields, i: usize, value: &Value) -> Result<Option<InputMessage>, ApiError> {
    let Value::Object(obj) = value else {
        return Err(f.wrong_type(&format!("input[{i}]"), "an object", value));
    };
    let m = f.item("input", i, obj);
    match m.string("type")? {
        None | Some("message") => {
            let role = m.required_string("role")?;
            if !ROLES.contains(&role) {
                return Err(m.invalid_value("role", format!("Invalid value: '{role}'. Supported values are: 'user', 'assistant', 'system', and 'developer'.")));
            }
            let text = content_text(&m, "content")?;
            Ok(Some(InputMessage {
                role: role.to_string(),
                text,
            }))
        }
        Some("function_call_output") => {
            m.required_string("call_id")?;
            let text = content_text(&m, "output")?;
            Ok(Some(InputMessage {
                role: "tool".into(),
                text,
            }))
        }
        Some("function_call") => Ok(Some(InputMessage {
            role: "function_call".into(),
            text: String::new(),
        })),
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
    output: &'a [OutputItem<'a>],
    parallel_tool_calls: bool,
    previous_response_id: Option<&'a str>,
    reasoning: Reasoning,
    store: bool,
    temperature: f64,
    text: TextConfig<'a>,
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

/// `text`: the requested format echoed back, `{"type": "text"}` by default.
#[derive(Serialize)]
struct TextConfig<'a> {
    format: FormatEcho<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum FormatEcho<'a> {
    Given(&'a Value),
    Plain {
        #[serde(rename = "type")]
        kind: &'static str,
    },
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

/// An output item: the assistant's message, or one function call.
#[derive(Serialize)]
#[serde(untagged)]
enum OutputItem<'a> {
    Message(MessageItem<'a>),
    Call(CallItem<'a>),
}

#[derive(Serialize)]
struct MessageItem<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    role: &'static str,
    content: Vec<Part<'a>>,
}

#[derive(Serialize)]
struct CallItem<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    arguments: &'a str,
    call_id: &'a str,
    name: &'a str,
}

/// A message's content part: `output_text`, or `refusal`.
#[derive(Serialize)]
#[serde(untagged)]
enum Part<'a> {
    Text {
        #[serde(rename = "type")]
        kind: &'static str,
        text: &'a str,
        annotations: [(); 0],
        logprobs: [(); 0],
    },
    Refusal {
        #[serde(rename = "type")]
        kind: &'static str,
        refusal: &'a str,
    },
}

fn text_part(text: &str) -> Part<'_> {
    Part::Text {
        kind: "output_text",
        text,
        annotations: [],
        logprobs: [],
    }
}

fn refusal_part(refusal: &str) -> Part<'_> {
    Part::Refusal {
        kind: "refusal",
        refusal,
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
    item: &'a OutputItem<'a>,
}

#[derive(Serialize)]
struct PartEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    content_index: u32,
    part: &'a Part<'a>,
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

/// `response.refusal.delta` (with `delta`) and `response.refusal.done` (with `refusal`).
#[derive(Serialize)]
struct RefusalEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    content_index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<&'a str>,
}

/// `response.function_call_arguments.delta` (with `delta`) and `.done` (with `name` and
/// `arguments`).
#[derive(Serialize)]
struct ArgumentsEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arguments: Option<&'a str>,
}

/// The parts of a response that do not change while it is streamed.
struct Frame<'a> {
    rq: &'a ResponseRequest,
    id: String,
    created_at: u64,
    /// Why the response is incomplete, when it is.
    reason: &'static str,
}

impl<'a> Frame<'a> {
    fn response(
        &'a self,
        status: &'static str,
        output: &'a [OutputItem<'a>],
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
                reason: self.reason,
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
                format: match &rq.text_format {
                    Some(format) => FormatEcho::Given(format),
                    None => FormatEcho::Plain { kind: "text" },
                },
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

/// What the response says: a message (text or refusal, cut to `max_output_tokens`) or calls.
enum Planned<'a> {
    Text(Text),
    Refusal(Text),
    Calls(&'a [Call]),
}

/// A call's ids: the item's `fc_…` and the `call_…` the client answers with.
struct CallIds {
    id: String,
    call_id: String,
}

pub fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, ApiError> {
    let obj = parse_object(body)?;
    let rq = ResponseRequest::from_object(&obj)?;
    app.check_model(&rq.model)?;
    let said = script::decide(app, &rq.view(&obj, headers))?;
    let planned = match &said.content {
        Content::Text(full) => Planned::Text(Text::plan(full, &[], rq.max_output_tokens)),
        Content::Refusal(full) => Planned::Refusal(Text::plan(full, &[], rq.max_output_tokens)),
        Content::Calls(calls) => Planned::Calls(calls),
    };
    let (output_tokens, cut) = match &planned {
        Planned::Text(t) | Planned::Refusal(t) => (t.count(), t.finish == Finish::Length),
        Planned::Calls(calls) => (
            calls
                .iter()
                .map(|c| script::argument_pieces(&c.arguments).len() as u64 + 1)
                .sum(),
            false,
        ),
    };
    let reason = match said.finish {
        Some(FinishReason::Length) => Some("max_output_tokens"),
        Some(FinishReason::ContentFilter) => Some("content_filter"),
        Some(_) => None,
        None => cut.then_some("max_output_tokens"),
    };
    let (status, item_status) = match reason {
        Some(_) => ("incomplete", "incomplete"),
        None => ("completed", "completed"),
    };
    let input_tokens = rq.instructions.as_deref().map_or(0, text::count_words)
        + rq.messages
            .iter()
            .map(|m| text::count_words(&m.text))
            .sum::<u64>();
    let (input_tokens, output_tokens, total_tokens) =
        UsageOverride::apply(said.usage, input_tokens, output_tokens);
    let usage = ResponseUsage {
        input_tokens,
        input_tokens_details: InputDetails {
            cached_tokens: 0,
            cache_write_tokens: 0,
        },
        output_tokens,
        output_tokens_details: OutputDetails {
            reasoning_tokens: 0,
        },
        total_tokens,
    };
    let frame = Frame {
        rq: &rq,
        id: crate::ids::hex("resp_", 48),
        created_at: crate::ids::unix_now(),
        reason: reason.unwrap_or("max_output_tokens"),
    };
    // Streamed, the response completes once every paced piece has been written.
    let streamed_secs = if rq.stream {
        let delay = said.token_delay.unwrap_or(app.config.token_delay);
        (delay * output_tokens.min(u64::from(u32::MAX)) as u32 + said.ttft.unwrap_or_default())
            .as_secs()
    } else {
        0
    };
    let completed_at = reason.is_none().then_some(frame.created_at + streamed_secs);
    let message_id = crate::ids::hex("msg_", 48);
    let call_ids: Vec<CallIds> = match &planned {
        Planned::Calls(calls) => calls
            .iter()
            .map(|_| CallIds {
                id: crate::ids::hex("fc_", 48),
                call_id: crate::ids::alnum("call_", 24),
            })
            .collect(),
        _ => Vec::new(),
    };
    let output: Vec<OutputItem> = match &planned {
        Planned::Text(t) => vec![message(&message_id, item_status, vec![text_part(&t.text)])],
        Planned::Refusal(t) => vec![message(
            &message_id,
            item_status,
            vec![refusal_part(&t.text)],
        )],
        Planned::Calls(calls) => calls
            .iter()
            .zip(&call_ids)
            .map(|(call, ids)| call_item(call, ids, "completed", &call.arguments))
            .collect(),
    };
    let done = frame.response(status, &output, Some(usage), completed_at);
    if !rq.stream {
        return Ok(said.json(&done));
    }
    let events = match &planned {
        Planned::Calls(calls) => call_events(&frame, calls, &call_ids, &output, &done),
        Planned::Text(t) | Planned::Refusal(t) => {
            let refusal = matches!(planned, Planned::Refusal(_));
            message_events(&frame, &output[0], &message_id, t, refusal, &done)
        }
    };
    Ok(said.stream(app, events))
}

fn message<'a>(id: &'a str, status: &'static str, content: Vec<Part<'a>>) -> OutputItem<'a> {
    OutputItem::Message(MessageItem {
        id,
        kind: "message",
        status,
        role: "assistant",
        content,
    })
}

fn call_item<'a>(
    call: &'a Call,
    ids: &'a CallIds,
    status: &'static str,
    arguments: &'a str,
) -> OutputItem<'a> {
    OutputItem::Call(CallItem {
        id: &ids.id,
        kind: "function_call",
        status,
        arguments,
        call_id: &ids.call_id,
        name: &call.name,
    })
}

/// Appends `response.created` and `response.in_progress`.
fn start_events(frame: &Frame, events: &mut Vec<Event>) {
    let start = frame.response("in_progress", &[], None, None);
    for kind in ["response.created", "response.in_progress"] {
        let event = ResponseEvent {
            kind,
            sequence_number: events.len(),
            response: &start,
        };
        events.push(Event::json(Some(kind), &event, false));
    }
}

fn item_event(events: &mut Vec<Event>, kind: &'static str, index: u32, item: &OutputItem) {
    let event = ItemEvent {
        kind,
        sequence_number: events.len(),
        output_index: index,
        item,
    };
    events.push(Event::json(Some(kind), &event, false));
}

/// `response.completed`, or `response.incomplete` for a cut response.
fn end_event(events: &mut Vec<Event>, done: &ResponseObject) {
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
}

/// The §9.4 sequence: created, in_progress, output_item.added, content_part.added, one paced
/// delta per word (`output_text` or `refusal`), its done event, content_part.done,
/// output_item.done, then response.completed (or response.incomplete). `sequence_number`
/// counts from 0.
fn message_events(
    frame: &Frame,
    item: &OutputItem,
    item_id: &str,
    text: &Text,
    refusal: bool,
    done: &ResponseObject,
) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::with_capacity(text.count() as usize + 9);
    start_events(frame, &mut events);
    item_event(
        &mut events,
        "response.output_item.added",
        0,
        &message(item_id, "in_progress", Vec::new()),
    );
    let part = |kind: &'static str, n: usize, part: &Part| {
        let event = PartEvent {
            kind,
            sequence_number: n,
            item_id,
            output_index: 0,
            content_index: 0,
            part,
        };
        Event::json(Some(kind), &event, false)
    };
    let (empty, full) = if refusal {
        (refusal_part(""), refusal_part(&text.text))
    } else {
        (text_part(""), text_part(&text.text))
    };
    events.push(part("response.content_part.added", events.len(), &empty));
    let piece = |kind: &'static str, n: usize, delta: Option<&str>, whole: Option<&str>| {
        let paced = delta.is_some();
        if refusal {
            let event = RefusalEvent {
                kind,
                sequence_number: n,
                item_id,
                output_index: 0,
                content_index: 0,
                delta,
                refusal: whole,
            };
            Event::json(Some(kind), &event, paced)
        } else {
            let event = TextEvent {
                kind,
                sequence_number: n,
                item_id,
                output_index: 0,
                content_index: 0,
                delta,
                text: whole,
                logprobs: [],
            };
            Event::json(Some(kind), &event, paced)
        }
    };
    let (delta_kind, done_kind) = if refusal {
        ("response.refusal.delta", "response.refusal.done")
    } else {
        ("response.output_text.delta", "response.output_text.done")
    };
    for token in text.tokens() {
        events.push(piece(delta_kind, events.len(), Some(token), None));
    }
    events.push(piece(done_kind, events.len(), None, Some(&text.text)));
    events.push(part("response.content_part.done", events.len(), &full));
    item_event(&mut events, "response.output_item.done", 0, item);
    end_event(&mut events, done);
    events
}

/// The §9.5 sequence per call, `output_index` 0, 1, ...: output_item.added (arguments `""`),
/// paced function_call_arguments.delta pieces, function_call_arguments.done (with the name),
/// output_item.done; then response.completed.
fn call_events(
    frame: &Frame,
    calls: &[Call],
    ids: &[CallIds],
    output: &[OutputItem],
    done: &ResponseObject,
) -> Vec<Event> {
    let mut events = Vec::new();
    start_events(frame, &mut events);
    for (((index, call), ids), item) in (0..).zip(calls).zip(ids).zip(output) {
        let added = call_item(call, ids, "in_progress", "");
        item_event(&mut events, "response.output_item.added", index, &added);
        let arguments = |kind, n, delta, name, arguments| ArgumentsEvent {
            kind,
            sequence_number: n,
            item_id: &ids.id,
            output_index: index,
            delta,
            name,
            arguments,
        };
        for piece in script::argument_pieces(&call.arguments) {
            let kind = "response.function_call_arguments.delta";
            let event = arguments(kind, events.len(), Some(piece), None, None);
            events.push(Event::json(Some(kind), &event, true));
        }
        let kind = "response.function_call_arguments.done";
        let event = arguments(
            kind,
            events.len(),
            None,
            Some(&call.name),
            Some(&call.arguments),
        );
        events.push(Event::json(Some(kind), &event, false));
        item_event(&mut events, "response.output_item.done", index, item);
    }
    end_event(&mut events, done);
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
        let items: Vec<(&str, &str)> = rq
            .messages
            .iter()
            .map(|m| (m.role.as_str(), m.text.as_str()))
            .collect();
        assert_eq!(
            items,
            [
                ("system", "Be brief."),
                ("user", "Look here"),
                ("function_call", ""),
                ("tool", "{\"temp\":21}")
            ]
        );
        let rq = parse(json!({"model": "m", "input": "hi"})).unwrap();
        assert_eq!(rq.messages[0].text, "hi");
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
