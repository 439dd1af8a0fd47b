//! `POST /v1/chat/completions`: request validation, the reply [`script`] decides (text, tool
//! calls or a refusal), and its two wire shapes — one `chat.completion` object, or
//! `chat.completion.chunk` events ending in `data: [DONE]` (tool calls streamed as in the API:
//! id, type and name once, then argument fragments).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::fields::{Fields, parse_object};
use super::tools::{self, Shape};
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Event};
use crate::script::{self, Call, Content, Endpoint, Format, Tool, ToolChoice, UsageOverride, View};
use crate::text::{self, Text};

/// One request message, reduced to what the mock uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: String,
    /// The text of `content`: the string itself, or its text parts joined.
    pub text: String,
}

/// A validated chat request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub n: u32,
    pub max_tokens: Option<u64>,
    pub stop: Vec<String>,
    pub stream: bool,
    pub include_usage: bool,
    pub tools: Vec<Tool>,
    pub tool_choice: ToolChoice,
    pub format: Format,
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

const ROLES: &[&str] = &[
    "system",
    "assistant",
    "user",
    "function",
    "tool",
    "developer",
];

impl ChatRequest {
    #[cfg(test)]
    pub fn parse(body: &[u8]) -> Result<ChatRequest, ApiError> {
        ChatRequest::from_object(&parse_object(body)?)
    }

    pub fn from_object(obj: &Map<String, Value>) -> Result<ChatRequest, ApiError> {
        let f = Fields::new(obj, "");
        let model = f.required_string("model")?.to_string();
        let items = f.array("messages")?.ok_or_else(|| f.missing("messages"))?;
        if items.is_empty() {
            return Err(f.invalid_value("messages", "empty array. Expected an array with minimum length 1, but got an empty array instead."));
        }
        let messages = items
            .iter()
            .enumerate()
            .map(|(i, m)| parse_message(&f, i, m))
            .collect::<Result<Vec<_>, _>>()?;

        f.number("temperature", 0.0, 2.0)?;
        f.number("top_p", 0.0, 1.0)?;
        f.number("presence_penalty", -2.0, 2.0)?;
        f.number("frequency_penalty", -2.0, 2.0)?;
        let logprobs = f.boolean("logprobs")?.unwrap_or(false);
        if f.integer("top_logprobs", 0, 20)?.is_some() && !logprobs {
            return Err(f.invalid_value(
                "top_logprobs",
                "'logprobs' must be set to true when 'top_logprobs' is used.",
            ));
        }
        f.integer("seed", i64::MIN, i64::MAX)?;
        if let Some(bias) = f.object("logit_bias")? {
            for key in bias_keys(&f)? {
                bias.number(&key, -100.0, 100.0)?;
            }
        }
        let n = f.integer("n", 1, 128)?.unwrap_or(1) as u32;
        let max_tokens = match f.integer("max_completion_tokens", 1, i64::MAX)? {
            Some(m) => Some(m),
            None => f.integer("max_tokens", 1, i64::MAX)?,
        };
        let stop = f.stop("stop", 4)?;
        let stream = f.boolean("stream")?.unwrap_or(false);
        let options = f.object("stream_options")?;
        if options.is_some() && !stream {
            return Err(f.invalid_value(
                "stream_options",
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            ));
        }
        let include_usage = match &options {
            Some(o) => o.boolean("include_usage")?.unwrap_or(false),
            None => false,
        };
        let tools = tools::tools(&f, Shape::Nested)?;
        let tool_choice = tools::tool_choice(&f, &tools, Shape::Nested)?;
        let format = tools::response_format(&f)?;
        Ok(ChatRequest {
            model,
            messages,
            n,
            max_tokens: max_tokens.map(|m| m as u64),
            stop,
            stream,
            include_usage,
            tools,
            tool_choice,
            format,
        })
    }

    /// The request when `body` is plain (see [`Plain`]): exactly what `from_object` makes of it.
    fn plain(body: &[u8]) -> Option<ChatRequest> {
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
                let (role, text) = (*m.get("role")?, *m.get("content")?);
                (m.len() == 2 && role != "tool" && ROLES.contains(&role)).then(|| Message {
                    role: role.to_string(),
                    text: text.to_string(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(ChatRequest {
            model: plain.model.to_string(),
            messages,
            n: 1,
            max_tokens: None,
            stop: Vec::new(),
            stream: false,
            include_usage: false,
            tools: Vec::new(),
            tool_choice: ToolChoice::None,
            format: Format::Text,
        })
    }

    /// The conversation as rules and the built-in replies see it.
    pub fn view<'a>(
        &'a self,
        body: &'a Map<String, Value>,
        headers: &'a [(String, String)],
    ) -> View<'a> {
        let is_result = |m: &&Message| m.role == "tool" || m.role == "function";
        let texts = |roles: &[&str]| -> Vec<&str> {
            self.messages
                .iter()
                .filter(|m| roles.contains(&m.role.as_str()))
                .map(|m| m.text.as_str())
                .collect()
        };
        let mut view = View::new(Endpoint::Chat, &self.model, body, headers);
        view.last = self.messages.last().map_or("", |m| m.text.as_str());
        view.last_user = self
            .messages
            .iter()
            .rfind(|m| m.role == "user")
            .map_or("", |m| m.text.as_str());
        view.system = texts(&["system", "developer"]).join("\n");
        view.tools = self.tools.clone();
        view.tool_choice = self.tool_choice.clone();
        view.format = self.format.clone();
        view.has_tool_result = self.messages.iter().any(|m| is_result(&m));
        let mut trailing: Vec<&str> = self
            .messages
            .iter()
            .rev()
            .take_while(is_result)
            .map(|m| m.text.as_str())
            .collect();
        trailing.reverse();
        view.trailing_results = trailing;
        view.assistant_turns = self
            .messages
            .iter()
            .filter(|m| m.role == "assistant")
            .count() as u32;
        view
    }
}

fn bias_keys(f: &Fields) -> Result<Vec<String>, ApiError> {
    Ok(f.get("logit_bias")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default())
}

fn parse_message(f: &Fields, i: usize, value: &Value) -> Result<Message, ApiError> {
    let Value::Object(obj) = value else {
        return Err(f.wrong_type(&format!("messages[{i}]"), "an object", value));
    };
    let m = f.item("messages", i, obj);
    let role = m.required_string("role")?;
    if !ROLES.contains(&role) {
        return Err(m.invalid_value("role", format!("Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.")));
    }
    let text = match m.get("content") {
        None if role == "assistant" => String::new(),
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
    if role == "tool" {
        m.required_string("tool_call_id")?;
    }
    Ok(Message {
        role: role.to_string(),
        text,
    })
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

/// `usage` as chat and legacy completions report it.
#[derive(Serialize, Debug, Clone, Copy)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub prompt_tokens_details: PromptDetails,
    pub completion_tokens_details: CompletionDetails,
}

#[derive(Serialize, Debug, Clone, Copy, Default)]
pub struct PromptDetails {
    pub cached_tokens: u64,
    pub audio_tokens: u64,
}

#[derive(Serialize, Debug, Clone, Copy, Default)]
pub struct CompletionDetails {
    pub reasoning_tokens: u64,
    pub audio_tokens: u64,
    pub accepted_prediction_tokens: u64,
    pub rejected_prediction_tokens: u64,
}

impl Usage {
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Usage {
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            prompt_tokens_details: PromptDetails::default(),
            completion_tokens_details: CompletionDetails::default(),
        }
    }
}

#[derive(Serialize)]
struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: Vec<Choice<'a>>,
    usage: Usage,
    service_tier: &'static str,
    system_fingerprint: &'a str,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    message: ResponseMessage<'a>,
    logprobs: Option<()>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct ResponseMessage<'a> {
    role: &'static str,
    content: Option<&'a str>,
    refusal: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<Vec<ToolCall<'a>>>,
    annotations: [(); 0],
}

#[derive(Serialize)]
struct ToolCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: Function<'a>,
}

#[derive(Serialize)]
struct Function<'a> {
    name: &'a str,
    arguments: &'a str,
}

#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    service_tier: &'static str,
    system_fingerprint: &'a str,
    choices: Vec<ChunkChoice<'a>>,
    /// Absent unless `include_usage`; then `null` on every chunk but the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Option<Usage>>,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u32,
    delta: Delta<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

#[derive(Serialize, Default)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    /// `""` in a text answer's first chunk, `null` in a tool-call or refusal answer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Option<&'a str>>,
    /// `null` in a text answer's first chunk, `""` in a refusal's, then its words.
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<Vec<ToolCallDelta<'a>>>,
}

/// One tool-call fragment: `id`, `type` and `function.name` ride on the first only.
#[derive(Serialize)]
struct ToolCallDelta<'a> {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionDelta<'a>,
}

#[derive(Serialize)]
struct FunctionDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

/// What every choice says, cut to `stop` and the token limit.
enum Planned<'a> {
    Text(Text),
    Refusal(Text),
    Calls(&'a [Call]),
}

impl Planned<'_> {
    fn tokens(&self) -> u64 {
        match self {
            Planned::Text(t) | Planned::Refusal(t) => t.count(),
            Planned::Calls(calls) => calls
                .iter()
                .map(|c| script::argument_pieces(&c.arguments).len() as u64 + 1)
                .sum(),
        }
    }

    fn finish(&self) -> &'static str {
        match self {
            Planned::Text(t) | Planned::Refusal(t) => t.finish.as_str(),
            Planned::Calls(_) => "tool_calls",
        }
    }
}

pub fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, ApiError> {
    // A plain body skips the JSON tree when no fixture rule could read it. Rules are looked for
    // once, here: one added meanwhile applies from the next request on.
    let plain = if app.has_rules() {
        None
    } else {
        ChatRequest::plain(body)
    };
    let unscripted = plain.is_some();
    let obj = if unscripted {
        Map::new()
    } else {
        parse_object(body)?
    };
    let rq = match plain {
        Some(rq) => rq,
        None => ChatRequest::from_object(&obj)?,
    };
    app.check_model(&rq.model)?;
    let view = rq.view(&obj, headers);
    let said = if unscripted {
        script::built_in(app, &view)
    } else {
        script::decide(app, &view)
    }?;
    let planned = match &said.content {
        Content::Text(full) => Planned::Text(Text::plan_shared(
            full,
            &rq.stop,
            rq.max_tokens,
            rq.n.into(),
        )),
        Content::Refusal(full) => {
            Planned::Refusal(Text::plan_shared(full, &[], rq.max_tokens, rq.n.into()))
        }
        Content::Calls(calls) => Planned::Calls(calls),
    };
    let finish = said.finish.map_or(planned.finish(), |f| f.as_str());
    let prompt_tokens = rq.messages.iter().map(|m| text::count_words(&m.text)).sum();
    let (p, c, total) = UsageOverride::apply(
        said.usage,
        prompt_tokens,
        planned.tokens() * u64::from(rq.n),
    );
    let mut usage = Usage::new(p, c);
    usage.total_tokens = total;
    let id = crate::ids::alnum("chatcmpl-", 29);
    let created = crate::ids::unix_now();
    // Every choice's calls get their own ids.
    let call_ids: Vec<Vec<String>> = (0..rq.n)
        .map(|_| match &planned {
            Planned::Calls(calls) => calls
                .iter()
                .map(|_| crate::ids::alnum("call_", 24))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let frame = Frame {
        id: &id,
        created,
        model: &rq.model,
        fingerprint: &app.fingerprint,
        usage: rq.include_usage,
    };
    if rq.stream {
        let events = stream_events(&frame, rq.n, &planned, finish, &call_ids, usage);
        return Ok(said.stream(app, events));
    }
    let choices = call_ids
        .iter()
        .zip(0..)
        .map(|(ids, index)| Choice {
            index,
            message: message(&planned, ids),
            logprobs: None,
            finish_reason: finish,
        })
        .collect();
    Ok(said.json(&Completion {
        id: &id,
        object: "chat.completion",
        created,
        model: &rq.model,
        choices,
        usage,
        service_tier: "default",
        system_fingerprint: &app.fingerprint,
    }))
}

fn message<'a>(planned: &'a Planned, ids: &'a [String]) -> ResponseMessage<'a> {
    let (content, refusal, tool_calls) = match planned {
        Planned::Text(t) => (Some(t.text.as_str()), None, None),
        Planned::Refusal(t) => (None, Some(t.text.as_str()), None),
        Planned::Calls(calls) => {
            let calls = calls
                .iter()
                .zip(ids)
                .map(|(call, id)| ToolCall {
                    id,
                    kind: "function",
                    function: Function {
                        name: &call.name,
                        arguments: &call.arguments,
                    },
                })
                .collect();
            (None, None, Some(calls))
        }
    };
    ResponseMessage {
        role: "assistant",
        content,
        refusal,
        tool_calls,
        annotations: [],
    }
}

/// One choice's deltas after its first chunk: a word each for text and refusals; for each call,
/// a fragment with its id, type and name and empty arguments, then its argument pieces.
fn steps<'a>(planned: &'a Planned, ids: &'a [String]) -> Vec<Delta<'a>> {
    match planned {
        Planned::Text(t) => t
            .tokens()
            .map(|token| Delta {
                content: Some(Some(token)),
                ..Delta::default()
            })
            .collect(),
        Planned::Refusal(t) => t
            .tokens()
            .map(|token| Delta {
                refusal: Some(Some(token)),
                ..Delta::default()
            })
            .collect(),
        Planned::Calls(calls) => {
            let mut out = Vec::new();
            for ((k, call), id) in (0..).zip(calls.iter()).zip(ids) {
                let fragment = |id, kind, name, arguments| Delta {
                    tool_calls: Some(vec![ToolCallDelta {
                        index: k,
                        id,
                        kind,
                        function: FunctionDelta { name, arguments },
                    }]),
                    ..Delta::default()
                };
                out.push(fragment(
                    Some(id.as_str()),
                    Some("function"),
                    Some(call.name.as_str()),
                    "",
                ));
                for piece in script::argument_pieces(&call.arguments) {
                    out.push(fragment(None, None, None, piece));
                }
            }
            out
        }
    }
}

/// The chunk sequence: a role chunk per choice, then step by step one delta per choice (paced
/// once per step), a finish chunk per choice, the usage chunk when asked, then `[DONE]`.
fn stream_events(
    frame: &Frame,
    n: u32,
    planned: &Planned,
    finish: &'static str,
    call_ids: &[Vec<String>],
    usage: Usage,
) -> Vec<Event> {
    let mut events = Vec::with_capacity((planned.tokens() as usize + 2) * n as usize + 2);
    for index in 0..n {
        let first = match planned {
            Planned::Text(_) => Delta {
                role: Some("assistant"),
                content: Some(Some("")),
                refusal: Some(None),
                ..Delta::default()
            },
            Planned::Refusal(_) => Delta {
                role: Some("assistant"),
                content: Some(None),
                refusal: Some(Some("")),
                ..Delta::default()
            },
            Planned::Calls(_) => Delta {
                role: Some("assistant"),
                content: Some(None),
                ..Delta::default()
            },
        };
        events.push(frame.event(index, first, None, false));
    }
    let mut choices: Vec<_> = call_ids
        .iter()
        .map(|ids| steps(planned, ids).into_iter())
        .collect();
    loop {
        let mut any = false;
        for (index, deltas) in (0..).zip(choices.iter_mut()) {
            if let Some(delta) = deltas.next() {
                // The choices of one step share its pause: only the first is paced.
                events.push(frame.event(index, delta, None, index == 0));
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    for index in 0..n {
        events.push(frame.event(index, Delta::default(), Some(finish), false));
    }
    if frame.usage {
        events.push(Event::json(
            None,
            &frame.chunk(Vec::new(), Some(Some(usage))),
            false,
        ));
    }
    events.push(Event::done());
    events
}

/// What every chunk of one stream shares.
struct Frame<'a> {
    id: &'a str,
    created: u64,
    model: &'a str,
    fingerprint: &'a str,
    usage: bool,
}

impl<'a> Frame<'a> {
    fn chunk<'b>(&self, choices: Vec<ChunkChoice<'b>>, usage: Option<Option<Usage>>) -> Chunk<'b>
    where
        'a: 'b,
    {
        Chunk {
            id: self.id,
            object: "chat.completion.chunk",
            created: self.created,
            model: self.model,
            service_tier: "default",
            system_fingerprint: self.fingerprint,
            choices,
            usage,
        }
    }

    fn event(
        &self,
        index: u32,
        delta: Delta<'_>,
        finish: Option<&'static str>,
        paced: bool,
    ) -> Event {
        let choice = ChunkChoice {
            index,
            delta,
            logprobs: None,
            finish_reason: finish,
        };
        let pending = if self.usage { Some(None) } else { None };
        Event::json(None, &self.chunk(vec![choice], pending), paced)
    }
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
            let full = ChatRequest::parse(body.as_bytes()).unwrap();
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
