//! The conversation model every endpoint reduces its request to: the endpoint, the messages and
//! their roles, the tools and tool choice, the output format, and one [`View`] of it that fixture
//! rules and the built-in replies read. Also the content a reply carries, its finish reason, and
//! the usage arithmetic every endpoint shares.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::text::count_words;

/// Who said a message, whatever the endpoint's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    System,
    Developer,
    User,
    Assistant,
    /// A tool's result: chat `tool` and `function` messages, Responses `function_call_output`.
    ToolResult,
    /// An earlier call the assistant made, as a Responses `function_call` item (no text).
    Call,
}

/// One message of the conversation, reduced to what the mock uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Message {
    pub role: Role,
    /// The text of the content: the string itself, or its text parts joined.
    pub text: String,
}

/// What a chat or Responses request asks the model to answer: the messages, the function tools
/// offered and how one must be chosen, and the output format.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conversation {
    pub messages: Vec<Message>,
    /// The names of the functions the assistant called earlier in the conversation, in order
    /// (chat `tool_calls` and `function_call`, Responses `function_call` items).
    pub called: Vec<String>,
    pub tools: Vec<Tool>,
    pub tool_choice: ToolChoice,
    pub format: Format,
}

impl Message {
    pub(crate) fn new(role: Role, text: impl Into<String>) -> Message {
        Message {
            role,
            text: text.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Endpoint {
    Chat,
    Completions,
    Responses,
    Embeddings,
    Moderations,
    Speech,
    Transcriptions,
    Translations,
    /// Image generations, edits and variations.
    Images,
}

/// A function tool the request offers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tool {
    pub name: String,
    /// The JSON Schema of its arguments (`{}` when absent).
    pub parameters: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ToolChoice {
    None,
    Auto,
    Required,
    Named(String),
}

/// The requested output format.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Format {
    Text,
    JsonObject,
    /// The schema of a `json_schema` format (`{}` when absent).
    JsonSchema(Value),
}

/// One request as rules and the built-in behaviour see it, whatever its endpoint.
#[derive(Debug, Clone)]
pub(crate) struct View<'a> {
    pub endpoint: Endpoint,
    pub model: &'a str,
    /// The text of the last message whatever its role: what the echo quotes.
    pub last: &'a str,
    /// The text of the last user message (last prompt, last embedding input).
    pub last_user: &'a str,
    /// System and developer messages (and Responses `instructions`), joined by newlines.
    pub system: String,
    /// In JSON mode, or in text mode when the last user message asks for a ```` ```json ```` block,
    /// the texts of the system, developer and user messages, newest first, then Responses
    /// `instructions`: where the shape a prompt asks for is looked for (empty otherwise).
    pub prompts: Vec<&'a str>,
    pub tools: Vec<Tool>,
    pub tool_choice: ToolChoice,
    /// The functions the assistant called earlier in the conversation, in order.
    pub called: &'a [String],
    /// The texts of the tool results the conversation ends with (empty unless it ends so).
    pub trailing_results: Vec<&'a str>,
    pub has_tool_result: bool,
    pub assistant_turns: u32,
    pub format: Format,
    pub body: &'a Map<String, Value>,
    /// Request headers, names lowercased.
    pub headers: &'a [(String, String)],
}

/// What the script decided to say, with the settings a fixture rule may add to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Said {
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
    pub(crate) fn plain(content: Content) -> Said {
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
}

impl<'a> View<'a> {
    /// A view with no tools, no history and a text format.
    pub(crate) fn new(
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
            prompts: Vec::new(),
            tools: Vec::new(),
            tool_choice: ToolChoice::Auto,
            called: &[],
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
pub(crate) struct Call {
    pub name: String,
    /// A JSON text (fixtures may script any string, even invalid JSON).
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    Text(String),
    Calls(Vec<Call>),
    Refusal(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    FunctionCall,
}

impl FinishReason {
    pub(crate) fn as_str(self) -> &'static str {
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
pub(crate) struct UsageOverride {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
}

impl UsageOverride {
    /// `(prompt, completion, total)` after the override.
    pub(crate) fn apply(
        override_: Option<UsageOverride>,
        prompt: u64,
        completion: u64,
    ) -> (u64, u64, u64) {
        let o = override_.unwrap_or_default();
        let p = o.prompt_tokens.unwrap_or(prompt);
        let c = o.completion_tokens.unwrap_or(completion);
        (p, c, o.total_tokens.unwrap_or(p.saturating_add(c)))
    }
}

impl<'a> View<'a> {
    /// The view of a prompt-only request (legacy completions, embeddings): `last` is both the
    /// last message and the last user message.
    pub(crate) fn prompt(
        endpoint: Endpoint,
        model: &'a str,
        last: &'a str,
        body: &'a Map<String, Value>,
        headers: &'a [(String, String)],
    ) -> View<'a> {
        let mut view = View::new(endpoint, model, body, headers);
        view.last = last;
        view.last_user = last;
        view
    }

    /// The view of a conversation: what the echo quotes, the system text (`instructions` first),
    /// the trailing tool results and the assistant turns. Chat counts each assistant message as a
    /// turn; the Responses API counts runs of assistant messages and `function_call` items.
    pub(crate) fn conversation(
        endpoint: Endpoint,
        model: &'a str,
        conversation: &'a Conversation,
        instructions: Option<&'a str>,
        body: &'a Map<String, Value>,
        headers: &'a [(String, String)],
    ) -> View<'a> {
        let mut view = View::new(endpoint, model, body, headers);
        view.tools = conversation.tools.clone();
        view.tool_choice = conversation.tool_choice.clone();
        view.called = &conversation.called;
        view.format = conversation.format.clone();
        let messages = conversation.messages.as_slice();
        let text_of = |m: Option<&'a Message>| m.map_or("", |m| m.text.as_str());
        view.last = text_of(messages.iter().rfind(|m| m.role != Role::Call));
        view.last_user = text_of(messages.iter().rfind(|m| m.role == Role::User));
        let system = messages
            .iter()
            .filter(|m| matches!(m.role, Role::System | Role::Developer))
            .map(|m| m.text.as_str());
        view.system = instructions
            .into_iter()
            .chain(system)
            .collect::<Vec<_>>()
            .join("\n");
        // Read only by JSON mode, and by text that asks for a ```json block (instructor's
        // MD_JSON mode): not collected for other requests.
        if view.format == Format::JsonObject
            || (view.format == Format::Text && asks_for_json_block(view.last_user))
        {
            let prompt =
                |m: &&'a Message| matches!(m.role, Role::System | Role::Developer | Role::User);
            view.prompts = messages
                .iter()
                .rev()
                .filter(prompt)
                .map(|m| m.text.as_str())
                .chain(instructions)
                .collect();
        }
        view.has_tool_result = messages.iter().any(|m| m.role == Role::ToolResult);
        let trailing = messages
            .iter()
            .rev()
            .take_while(|m| m.role == Role::ToolResult)
            .count();
        view.trailing_results = messages[messages.len() - trailing..]
            .iter()
            .map(|m| m.text.as_str())
            .collect();
        let assistant = |m: &Message| matches!(m.role, Role::Assistant | Role::Call);
        view.assistant_turns = messages
            .iter()
            .enumerate()
            .filter(|(i, m)| match endpoint {
                Endpoint::Chat => m.role == Role::Assistant,
                _ => assistant(m) && (*i == 0 || !assistant(&messages[i - 1])),
            })
            .count() as u32;
        view
    }
}

/// The prompt side of `usage`: the words of `instructions` and of every message.
pub(crate) fn prompt_tokens(messages: &[Message], instructions: Option<&str>) -> u64 {
    instructions.map_or(0, count_words) + messages.iter().map(|m| count_words(&m.text)).sum::<u64>()
}

/// Whether a message asks for its answer in a fenced ```` ```json ```` block, as instructor's
/// MD_JSON mode does in the last user message ("Return the correct JSON response within a
/// ```json codeblock"), with the schema in the system message and no `response_format`.
pub(crate) fn asks_for_json_block(text: &str) -> bool {
    text.match_indices("```").any(|(at, _)| {
        text.as_bytes()
            .get(at + 3..at + 7)
            .is_some_and(|word| word.eq_ignore_ascii_case(b"json"))
    })
}
