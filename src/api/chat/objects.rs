//! The `chat.completion` object a plain (not streamed) chat answer is.

use serde::Serialize;

use crate::api::logprobs::Entries;
use crate::api::usage::Usage;
use crate::script::Plan;

#[derive(Serialize)]
pub(super) struct Completion<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub choices: Vec<Choice<'a>>,
    pub usage: Usage,
    pub service_tier: &'static str,
    pub system_fingerprint: &'a str,
}

#[derive(Serialize)]
pub(super) struct Choice<'a> {
    pub index: u32,
    pub message: ResponseMessage<'a>,
    pub logprobs: Option<ChoiceLogprobs<'a>>,
    pub finish_reason: &'static str,
}

/// A choice's (or a chunk's) `logprobs`: the entries of its content tokens, or of its refusal's.
#[derive(Serialize, Clone, Copy)]
pub(super) struct ChoiceLogprobs<'a> {
    pub content: Option<Entries<'a>>,
    pub refusal: Option<Entries<'a>>,
}

impl<'a> ChoiceLogprobs<'a> {
    /// The logprobs of `tokens` (starting at position `first`) of what `plan` says: content
    /// entries for text, refusal entries for a refusal, an empty content list for calls.
    pub(super) fn of(
        plan: &Plan,
        tokens: &'a [&'a str],
        first: usize,
        top: usize,
    ) -> ChoiceLogprobs<'a> {
        let entries = Some(Entries::new(tokens, first, top));
        match plan {
            Plan::Refusal(_) => ChoiceLogprobs {
                content: None,
                refusal: entries,
            },
            _ => ChoiceLogprobs {
                content: entries,
                refusal: None,
            },
        }
    }
}

#[derive(Serialize)]
pub(super) struct ResponseMessage<'a> {
    pub role: &'static str,
    pub content: Option<&'a str>,
    pub refusal: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall<'a>>>,
    pub annotations: [(); 0],
}

#[derive(Serialize)]
pub(super) struct ToolCall<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: Function<'a>,
}

#[derive(Serialize)]
pub(super) struct Function<'a> {
    pub name: &'a str,
    pub arguments: &'a str,
}

/// The assistant message of one choice; its calls get the ids in `ids`.
pub(super) fn message<'a>(plan: &'a Plan, ids: &'a [String]) -> ResponseMessage<'a> {
    let (content, refusal, tool_calls) = match plan {
        Plan::Text(t) => (Some(t.text.as_str()), None, None),
        Plan::Refusal(t) => (None, Some(t.text.as_str()), None),
        Plan::Calls(calls) => {
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
