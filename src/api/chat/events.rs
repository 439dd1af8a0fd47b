//! A streamed chat answer: `chat.completion.chunk` events ending in `data: [DONE]`, tool calls
//! streamed as the API does (id, type and name once, then argument fragments).

use serde::Serialize;

use super::objects::ChoiceLogprobs;
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
    logprobs: Option<ChoiceLogprobs<'a>>,
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

/// The tokens of a text or refusal answer and how many `top_logprobs` each lists, when the
/// request asked for logprobs.
pub(super) type Logprobs<'a> = Option<(&'a [&'a str], usize)>;

/// One chunk's delta and, for a word of text or refusal when asked, that word's logprobs.
type Step<'a> = (Delta<'a>, Option<ChoiceLogprobs<'a>>);

/// One choice's deltas after its first chunk: a word each for text and refusals (with its
/// logprobs); for each call, a fragment with its id, type and name and empty arguments, then
/// its argument pieces.
fn steps<'a>(plan: &'a Plan, ids: &'a [String], logprobs: Logprobs<'a>) -> Vec<Step<'a>> {
    let word = |i: usize, token: &'a str| {
        let lp = logprobs.map(|(tokens, top)| ChoiceLogprobs::of(plan, &tokens[i..=i], i, top));
        let delta = match plan {
            Plan::Refusal(_) => Delta {
                refusal: Some(Some(token)),
                ..Delta::default()
            },
            _ => Delta {
                content: Some(Some(token)),
                ..Delta::default()
            },
        };
        (delta, lp)
    };
    match plan {
        Plan::Text(t) | Plan::Refusal(t) => {
            t.tokens().enumerate().map(|(i, w)| word(i, w)).collect()
        }
        Plan::Calls(calls) => {
            let mut out = Vec::new();
            for ((k, call), id) in (0..).zip(calls.iter()).zip(ids) {
                let fragment = |id, kind, name, arguments| {
                    let delta = Delta {
                        tool_calls: Some(vec![ToolCallDelta {
                            index: k,
                            id,
                            kind,
                            function: FunctionDelta { name, arguments },
                        }]),
                        ..Delta::default()
                    };
                    (delta, None)
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
    logprobs: Logprobs,
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
        events.push(frame.event(index, (first, None), None, false));
    }
    let mut choices: Vec<_> = call_ids
        .iter()
        .map(|ids| steps(plan, ids, logprobs).into_iter())
        .collect();
    loop {
        let mut any = false;
        for (index, deltas) in (0..).zip(choices.iter_mut()) {
            if let Some(step) = deltas.next() {
                // The choices of one step share its pause: only the first is paced.
                events.push(frame.event(index, step, None, index == 0));
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    for index in 0..n {
        let last = (Delta::default(), None);
        events.push(frame.event(index, last, Some(finish), false));
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
        (delta, logprobs): Step<'_>,
        finish: Option<&'static str>,
        paced: bool,
    ) -> Event {
        let choice = ChunkChoice {
            index,
            delta,
            logprobs,
            finish_reason: finish,
        };
        let pending = if self.usage { Some(None) } else { None };
        Event::json(None, &self.chunk(vec![choice], pending), paced)
    }
}
