//! What the "model" says to one request, decided once for every endpoint. Each endpoint reduces
//! its request to a [`View`] of the conversation; [`decide`] then takes the first fixture rule that
//! matches it, or else the built-in behaviour:
//! 1. the conversation ends with tool results → the echo of them (or `--reply`): text, whatever
//!    `tool_choice` says, so agent loops end;
//! 2. `tool_choice` is `"required"` or names a function → a call whose arguments are generated
//!    from the tool's JSON Schema (`"required"` picks the tool named in the last user message, else
//!    the first); `"auto"` does the same only with `--auto-tool-calls`;
//! 3. otherwise the echo (or `--reply`), shaped as JSON when `response_format` / `text.format`
//!    asks for `json_object` (`{"echo": ...}`) or `json_schema` (an instance of the schema).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Body};
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    Chat,
    Completions,
    Responses,
    Embeddings,
}

/// A function tool the request offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    /// The JSON Schema of its arguments (`{}` when absent).
    pub parameters: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToolChoice {
    None,
    Auto,
    Required,
    Named(String),
}

/// The requested output format.
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    Text,
    JsonObject,
    /// The schema of a `json_schema` format (`{}` when absent).
    JsonSchema(Value),
}

/// One request as rules and the built-in behaviour see it, whatever its endpoint.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub endpoint: Endpoint,
    pub model: &'a str,
    /// The text of the last message whatever its role: what the echo quotes.
    pub last: &'a str,
    /// The text of the last user message (last prompt, last embedding input).
    pub last_user: &'a str,
    /// System and developer messages (and Responses `instructions`), joined by newlines.
    pub system: String,
    pub tools: Vec<Tool>,
    pub tool_choice: ToolChoice,
    /// The texts of the tool results the conversation ends with (empty unless it ends so).
    pub trailing_results: Vec<&'a str>,
    pub has_tool_result: bool,
    pub assistant_turns: u32,
    pub format: Format,
    pub body: &'a Map<String, Value>,
    /// Request headers, names lowercased.
    pub headers: &'a [(String, String)],
}

impl<'a> View<'a> {
    /// A view with no tools, no history and a text format.
    pub fn new(
        endpoint: Endpoint,
        model: &'a str,
        body: &'a Map<String, Value>,
        headers: &'a [(String, String)],
    ) -> View<'a> {
        View {
            endpoint,
            model,
            last: "",
            last_user: "",
            system: String::new(),
            tools: Vec::new(),
            tool_choice: ToolChoice::Auto,
            trailing_results: Vec::new(),
            has_tool_result: false,
            assistant_turns: 0,
            format: Format::Text,
            body,
            headers,
        }
    }
}

/// One function call the reply makes; ids are minted when it is rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    /// A JSON text (fixtures may script any string, even invalid JSON).
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    Calls(Vec<Call>),
    Refusal(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    FunctionCall,
}

impl FinishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::FunctionCall => "function_call",
        }
    }
}

/// Token counts a fixture imposes; unset ones keep the computed value (`total` = the sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageOverride {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
}

impl UsageOverride {
    /// `(prompt, completion, total)` after the override.
    pub fn apply(
        override_: Option<UsageOverride>,
        prompt: u64,
        completion: u64,
    ) -> (u64, u64, u64) {
        let o = override_.unwrap_or_default();
        let p = o.prompt_tokens.unwrap_or(prompt);
        let c = o.completion_tokens.unwrap_or(completion);
        (p, c, o.total_tokens.unwrap_or(p + c))
    }
}

/// The decided reply and its per-reply settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Said {
    pub content: Content,
    pub finish: Option<FinishReason>,
    pub usage: Option<UsageOverride>,
    pub ttft: Option<Duration>,
    pub token_delay: Option<Duration>,
    /// Faults the fixture asks for on this reply.
    pub fault: Option<crate::faults::StreamFaults>,
    /// What decided the reply (`rule 2 (name)`), for the request journal.
    pub source: Option<String>,
}

impl Said {
    pub fn plain(content: Content) -> Said {
        Said {
            content,
            finish: None,
            usage: None,
            ttft: None,
            token_delay: None,
            fault: None,
            source: None,
        }
    }

    /// A stream reply with this reply's timing (the server's token delay unless overridden).
    pub fn stream(&self, app: &App, events: Vec<crate::http::Event>) -> Answer {
        let mut reply = Answer::stream(events, self.token_delay.unwrap_or(app.config.token_delay));
        if let (Body::Events(stream), Some(ttft)) = (&mut reply.body, self.ttft) {
            stream.ttft = ttft;
        }
        self.finish_reply(reply)
    }

    /// Stamps the reply with its source and this reply's scripted faults.
    fn finish_reply(&self, mut reply: Answer) -> Answer {
        if let Some(fault) = &self.fault {
            fault.apply(&mut reply, crate::ids::next_u64());
        }
        reply.source = self.source.clone();
        reply
    }

    /// A whole-JSON reply, sent after this reply's time to first token.
    pub fn json<T: Serialize>(&self, value: &T) -> Answer {
        let mut reply = Answer::json(value);
        reply.delay = self.ttft.unwrap_or_default();
        self.finish_reply(reply)
    }
}

/// The reply to `view`: the first matching fixture rule's, else the built-in one. A scripted
/// error comes back as `Err`, carrying its `ttft_ms` as the delay before it is sent.
pub fn decide(app: &App, view: &View) -> Result<Said, ApiError> {
    match scripted(app, view) {
        Some(said) => said,
        None => built_in(app, view),
    }
}

/// The built-in reply alone, for a caller that has seen no fixture rules are loaded.
pub fn built_in(app: &App, view: &View) -> Result<Said, ApiError> {
    built_in_content(app, view).map(Said::plain)
}

/// The reply of the first matching fixture rule, if one matches.
pub fn scripted(app: &App, view: &View) -> Option<Result<Said, ApiError>> {
    let runtime = app.runtime_rules();
    let picked = runtime
        .iter()
        .find_map(|rules| rules.pick(view))
        .or_else(|| app.rules.as_ref()?.pick(view))?;
    Some(picked.map_err(|(mut error, ttft)| {
        error.delay = ttft.unwrap_or_default();
        error
    }))
}

#[derive(Serialize)]
struct CallText<'a> {
    name: &'a str,
    arguments: &'a str,
}

/// The content as plain text, for endpoints without tool calls or refusals: the text, the
/// refusal's text, or the calls as a JSON array of `{"name", "arguments"}`.
pub fn as_text(content: &Content) -> String {
    match content {
        Content::Text(text) | Content::Refusal(text) => text.clone(),
        Content::Calls(calls) => {
            let calls: Vec<CallText> = calls
                .iter()
                .map(|c| CallText {
                    name: &c.name,
                    arguments: &c.arguments,
                })
                .collect();
            serde_json::to_string(&calls).expect("serializes")
        }
    }
}

fn built_in_content(app: &App, view: &View) -> Result<Content, ApiError> {
    let fixed = app.config.reply.as_deref();
    if !view.trailing_results.is_empty() {
        let quoted = view.trailing_results.join("\n");
        let text = match fixed {
            Some(text) => text.to_string(),
            None => text::echo(&quoted),
        };
        return Ok(Content::Text(shape(view, text, fixed.unwrap_or(&quoted))));
    }
    let tool = match &view.tool_choice {
        ToolChoice::Named(name) => view.tools.iter().find(|t| &t.name == name),
        ToolChoice::Required => mentioned_tool(view),
        ToolChoice::Auto if app.config.auto_tool_calls => mentioned_tool(view),
        _ => None,
    };
    if let Some(tool) = tool {
        let seed = fixed.unwrap_or(view.last_user);
        let arguments = crate::schema::instance(&tool.parameters, seed);
        return Ok(Content::Calls(vec![Call {
            name: tool.name.clone(),
            arguments: arguments.to_string(),
        }]));
    }
    let text = match fixed {
        Some(text) => text.to_string(),
        None => text::echo(view.last),
    };
    Ok(Content::Text(shape(view, text, fixed.unwrap_or(view.last))))
}

/// The tool whose name the last user message mentions, else the first tool.
fn mentioned_tool<'v>(view: &'v View) -> Option<&'v Tool> {
    view.tools
        .iter()
        .find(|t| view.last_user.contains(t.name.as_str()))
        .or(view.tools.first())
}

#[derive(Serialize)]
struct Echo<'a> {
    echo: &'a str,
}

/// The text as the requested format wants it: itself, `{"echo": seed}`, or a schema instance
/// whose first free string is `seed`.
fn shape(view: &View, text: String, seed: &str) -> String {
    match &view.format {
        Format::Text => text,
        Format::JsonObject => serde_json::to_string(&Echo { echo: seed }).expect("serializes"),
        Format::JsonSchema(schema) => crate::schema::instance(schema, seed).to_string(),
    }
}

/// The pieces a streamed argument string is sent in: up to four, split on character boundaries.
pub fn argument_pieces(arguments: &str) -> Vec<&str> {
    let chars = arguments.chars().count();
    if chars == 0 {
        return Vec::new();
    }
    let size = chars.div_ceil(4).max(1);
    let mut pieces = Vec::with_capacity(4);
    let mut start = 0;
    for (n, (i, _)) in arguments.char_indices().enumerate() {
        if n > 0 && n % size == 0 {
            pieces.push(&arguments[start..i]);
            start = i;
        }
    }
    pieces.push(&arguments[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_into_at_most_four_pieces_that_join_back() {
        for args in [
            "",
            "{}",
            r#"{"city":"Paris"}"#,
            r#"{"q":"héllo wörld, ünïcode"}"#,
        ] {
            let pieces = argument_pieces(args);
            assert!(pieces.len() <= 4, "{pieces:?}");
            assert_eq!(pieces.concat(), args);
            assert!(pieces.iter().all(|p| !p.is_empty()));
        }
        assert_eq!(argument_pieces("abcdefgh"), ["ab", "cd", "ef", "gh"]);
    }
}
