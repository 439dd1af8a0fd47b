//! A streamed chat answer: `chat.completion.chunk` events ending in `data: [DONE]`, tool calls
//! streamed as the API does (id, type and name once, then argument fragments).

use serde::Serialize;

use crate::api::usage::Usage;
use crate::http::Event;
use crate::script::{self, Plan};

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

/// One choice's deltas after its first chunk: a word each for text and refusals; for each call,
/// a fragment with its id, type and name and empty arguments, then its argument pieces.
fn steps<'a>(plan: &'a Plan, ids: &'a [String]) -> Vec<Delta<'a>> {
    match plan {
        Plan::Text(t) => t
            .tokens()
            .map(|token| Delta {
                content: Some(Some(token)),
                ..Delta::default()
            })
            .collect(),
        Plan::Refusal(t) => t
            .tokens()
            .map(|token| Delta {
                refusal: Some(Some(token)),
                ..Delta::default()
            })
            .collect(),
        Plan::Calls(calls) => {
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
pub(super) fn stream_events(
    frame: &Frame,
    n: u32,
    plan: &Plan,
    finish: &'static str,
    call_ids: &[Vec<String>],
    usage: Usage,
) -> Vec<Event> {
    let mut events = Vec::with_capacity((plan.tokens() as usize + 2) * n as usize + 2);
    for index in 0..n {
        let first = match plan {
            Plan::Text(_) => Delta {
                role: Some("assistant"),
                content: Some(Some("")),
                refusal: Some(None),
                ..Delta::default()
            },
            Plan::Refusal(_) => Delta {
                role: Some("assistant"),
                content: Some(None),
                refusal: Some(Some("")),
                ..Delta::default()
            },
            Plan::Calls(_) => Delta {
                role: Some("assistant"),
                content: Some(None),
                ..Delta::default()
            },
        };
        events.push(frame.event(index, first, None, false));
    }
    let mut choices: Vec<_> = call_ids
        .iter()
        .map(|ids| steps(plan, ids).into_iter())
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
    let usage = frame
        .usage
        .then(|| frame.chunk(Vec::new(), Some(Some(usage))));
    crate::api::end_stream(&mut events, usage.as_ref());
    events
}

/// What every chunk of one stream shares.
pub(super) struct Frame<'a> {
    pub id: &'a str,
    pub created: u64,
    pub model: &'a str,
    pub fingerprint: &'a str,
    pub usage: bool,
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
