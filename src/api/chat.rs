//! `POST /v1/chat/completions`: request validation, the echo reply, and its two wire shapes —
//! one `chat.completion` object, or `chat.completion.chunk` events ending in `data: [DONE]`.

use serde::Serialize;
use serde_json::Value;

use super::App;
use super::fields::{Fields, parse_object};
use crate::error::ApiError;
use crate::http::{Event, Reply};
use crate::reply::{self, Text};

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
    pub fn parse(body: &[u8]) -> Result<ChatRequest, ApiError> {
        let obj = parse_object(body)?;
        let f = Fields::new(&obj, "");
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
        Ok(ChatRequest {
            model,
            messages,
            n,
            max_tokens: max_tokens.map(|m| m as u64),
            stop,
            stream,
            include_usage,
        })
    }
}

fn bias_keys(f: &Fields) -> Result<Vec<String>, ApiError> {
    Ok(f.get("logit_bias")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default())
}

fn parse_message(f: &Fields, i: usize, value: &Value) -> Result<Message, ApiError> {
    let name = format!("messages[{i}]");
    let Value::Object(obj) = value else {
        return Err(f.wrong_type(&name, "an object", value));
    };
    let m = Fields::new(obj, &format!("{name}."));
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
        let name = format!("content[{j}]");
        let Value::Object(obj) = part else {
            return Err(m.wrong_type(&name, "an object", part));
        };
        let p = Fields::new(obj, &format!("{}.", m.param(&name)));
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
    annotations: [(); 0],
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
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    /// Sent as `null` in the first chunk only, as the API does.
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<Option<&'a str>>,
}

pub fn handle(app: &App, body: &[u8]) -> Result<Reply, ApiError> {
    let rq = ChatRequest::parse(body)?;
    app.check_model(&rq.model)?;
    let full = match &app.config.reply {
        Some(fixed) => fixed.clone(),
        None => reply::echo(
            rq.messages
                .last()
                .map(|m| m.text.as_str())
                .unwrap_or_default(),
        ),
    };
    let text = Text::plan(&full, &rq.stop, rq.max_tokens);
    let prompt_tokens = rq
        .messages
        .iter()
        .map(|m| reply::count_words(&m.text))
        .sum();
    let usage = Usage::new(prompt_tokens, text.count() * u64::from(rq.n));
    let id = crate::ids::alnum("chatcmpl-", 29);
    let created = crate::ids::unix_now();
    if rq.stream {
        return Ok(Reply::stream(
            stream_events(app, &rq, &text, usage, &id, created),
            app.config.token_delay,
        ));
    }
    let choices = (0..rq.n)
        .map(|index| Choice {
            index,
            message: ResponseMessage {
                role: "assistant",
                content: Some(&text.text),
                refusal: None,
                annotations: [],
            },
            logprobs: None,
            finish_reason: text.finish.as_str(),
        })
        .collect();
    Ok(Reply::json(&Completion {
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

/// The chunk sequence: a role chunk per choice, one chunk per word per choice (paced), a finish
/// chunk per choice, the usage chunk when asked, then `[DONE]`.
fn stream_events(
    app: &App,
    rq: &ChatRequest,
    text: &Text,
    usage: Usage,
    id: &str,
    created: u64,
) -> Vec<Event> {
    let frame = Frame {
        id,
        created,
        model: &rq.model,
        fingerprint: &app.fingerprint,
        usage: rq.include_usage,
    };
    let mut events = Vec::with_capacity((text.count() as usize + 2) * rq.n as usize + 2);
    for index in 0..rq.n {
        let delta = Delta {
            role: Some("assistant"),
            content: Some(""),
            refusal: Some(None),
        };
        events.push(frame.event(index, delta, None, false));
    }
    for token in text.tokens() {
        for index in 0..rq.n {
            // The choices of one step share its pause: only the first is paced.
            events.push(frame.event(
                index,
                Delta {
                    content: Some(token),
                    ..Delta::default()
                },
                None,
                index == 0,
            ));
        }
    }
    for index in 0..rq.n {
        events.push(frame.event(index, Delta::default(), Some(text.finish.as_str()), false));
    }
    if rq.include_usage {
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
