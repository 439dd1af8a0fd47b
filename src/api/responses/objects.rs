//! The `response` object and its output items (a message with text or a refusal, function
//! calls), as one answer carries them and as the stream's events embed them.

use serde::Serialize;
use serde_json::{Map, Value};

use super::request::ResponseRequest;
use crate::api::logprobs::Entries;
use crate::conversation::{Call, UsageOverride};

#[derive(Serialize)]
pub(super) struct ResponseObject<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created_at: u64,
    pub status: &'static str,
    pub completed_at: Option<u64>,
    pub error: Option<()>,
    pub incomplete_details: Option<IncompleteDetails>,
    pub instructions: Option<&'a str>,
    pub max_output_tokens: Option<u64>,
    pub model: &'a str,
    pub output: &'a [OutputItem<'a>],
    pub parallel_tool_calls: bool,
    pub previous_response_id: Option<&'a str>,
    pub reasoning: Reasoning,
    pub store: bool,
    pub temperature: f64,
    pub text: TextConfig<'a>,
    pub tool_choice: &'a Value,
    pub tools: &'a [Value],
    pub top_logprobs: usize,
    pub top_p: f64,
    pub truncation: &'static str,
    pub usage: Option<ResponseUsage>,
    pub user: Option<&'a str>,
    pub metadata: &'a Map<String, Value>,
    pub background: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationRef<'a>>,
}

/// `conversation`: the conversation a response read and extended.
#[derive(Serialize)]
pub(super) struct ConversationRef<'a> {
    pub id: &'a str,
}

#[derive(Serialize)]
pub(super) struct IncompleteDetails {
    pub reason: &'static str,
}

#[derive(Serialize)]
pub(super) struct Reasoning {
    pub effort: Option<()>,
    pub summary: Option<()>,
}

/// `text`: the requested format echoed back, `{"type": "text"}` by default.
#[derive(Serialize)]
pub(super) struct TextConfig<'a> {
    pub format: FormatEcho<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum FormatEcho<'a> {
    Given(&'a Value),
    Plain {
        #[serde(rename = "type")]
        kind: &'static str,
    },
}

#[derive(Serialize, Clone, Copy)]
pub(super) struct ResponseUsage {
    pub input_tokens: u64,
    pub input_tokens_details: InputDetails,
    pub output_tokens: u64,
    pub output_tokens_details: OutputDetails,
    pub total_tokens: u64,
}

impl ResponseUsage {
    /// The counts after a fixture's override (`total` = the sum unless it sets one).
    pub(super) fn new(overridden: Option<UsageOverride>, input: u64, output: u64) -> ResponseUsage {
        let (input_tokens, output_tokens, total_tokens) =
            UsageOverride::apply(overridden, input, output);
        ResponseUsage {
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
        }
    }
}

#[derive(Serialize, Clone, Copy)]
pub(super) struct InputDetails {
    pub cached_tokens: u64,
    pub cache_write_tokens: u64,
}

#[derive(Serialize, Clone, Copy)]
pub(super) struct OutputDetails {
    pub reasoning_tokens: u64,
}

/// An output item: the assistant's message, or one function call.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum OutputItem<'a> {
    Message(MessageItem<'a>),
    Call(CallItem<'a>),
}

#[derive(Serialize)]
pub(super) struct MessageItem<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub role: &'static str,
    pub content: Vec<Part<'a>>,
}

#[derive(Serialize)]
pub(super) struct CallItem<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub arguments: &'a str,
    pub call_id: &'a str,
    pub name: &'a str,
}

/// A message's content part: `output_text`, or `refusal`.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum Part<'a> {
    Text {
        #[serde(rename = "type")]
        kind: &'static str,
        text: &'a str,
        annotations: [(); 0],
        logprobs: Entries<'a>,
    },
    Refusal {
        #[serde(rename = "type")]
        kind: &'static str,
        refusal: &'a str,
    },
}

/// An `output_text` part; `logprobs` lists its tokens' when they were asked for, else nothing.
pub(super) fn text_part<'a>(text: &'a str, logprobs: Option<Entries<'a>>) -> Part<'a> {
    Part::Text {
        kind: "output_text",
        text,
        annotations: [],
        logprobs: logprobs.unwrap_or(Entries::new(&[], 0, 0)),
    }
}

pub(super) fn refusal_part(refusal: &str) -> Part<'_> {
    Part::Refusal {
        kind: "refusal",
        refusal,
    }
}

/// The parts of a response that do not change while it is streamed.
pub(super) struct Frame<'a> {
    pub rq: &'a ResponseRequest,
    pub id: String,
    pub created_at: u64,
    /// Why the response is incomplete, when it is.
    pub reason: &'static str,
}

impl<'a> Frame<'a> {
    pub(super) fn response(
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
            top_logprobs: rq.top_logprobs,
            top_p: rq.top_p,
            truncation: "disabled",
            usage,
            user: rq.user.as_deref(),
            metadata: &rq.metadata,
            background: rq.background,
            conversation: rq
                .conversation_id
                .as_deref()
                .map(|id| ConversationRef { id }),
        }
    }
}

/// A call's ids: the item's `fc_…` and the `call_…` the client answers with.
pub(super) struct CallIds {
    pub id: String,
    pub call_id: String,
}

pub(super) fn message<'a>(
    id: &'a str,
    status: &'static str,
    content: Vec<Part<'a>>,
) -> OutputItem<'a> {
    OutputItem::Message(MessageItem {
        id,
        kind: "message",
        status,
        role: "assistant",
        content,
    })
}

pub(super) fn call_item<'a>(
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
