//! `POST /v1/completions` (legacy): prompts in any of the four shapes, one choice per prompt × `n`,
//! as one `text_completion` object or as `text_completion` chunks ending in `data: [DONE]`.

mod events;
mod objects;
mod plan;
mod request;

use crate::api::{self, usage::Usage};
use crate::app::App;
use crate::conversation::{Content, Endpoint, Said, View};
use crate::error::Exit;
use crate::http::Answer;
use crate::script;
use crate::text;
use events::stream_events;
use objects::{Choice, Frame, Logprobs};
use plan::{Costs, Planned, plan};
use request::CompletionRequest;

pub(crate) fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, Exit> {
    let (obj, rq) = api::read::<CompletionRequest>(app, body)?;
    let last = rq.prompts.last().map_or("", String::as_str);
    let view = View::prompt(Endpoint::Completions, &rq.model, last, &obj, headers);
    // Tool calls and refusals have no place here: they are sent as text (see `script::as_text`).
    let said = match script::scripted(&app.script(), &view) {
        Some(said) => Some(said?),
        None => None,
    };
    let scripted = said.as_ref().map(|s| script::as_text(&s.content));
    let frame = Frame {
        id: crate::ids::alnum("cmpl-", 29),
        created: crate::ids::unix_now(),
        model: &rq.model,
        fingerprint: &app.fingerprint,
    };
    let costs = costs(&rq, &frame);
    let mut planned: Vec<Planned> = rq
        .prompts
        .iter()
        .map(|p| plan(app, &rq, p, scripted.as_deref(), costs))
        .collect();
    let said = said.unwrap_or_else(|| Said::plain(Content::Text(String::new())));
    if let Some(finish) = said.finish {
        planned.iter_mut().for_each(|p| p.finish = finish.as_str());
    }
    let prompt_tokens = rq.prompts.iter().map(|p| text::count_words(p)).sum();
    let generated: u64 = planned.iter().map(|p| p.generated).sum();
    let usage = Usage::new(said.usage, prompt_tokens, generated * u64::from(rq.n));
    if rq.stream {
        return Ok(api::said_stream(
            app,
            &said,
            stream_events(&rq, &planned, &frame, usage),
        ));
    }
    let mut choices = Vec::with_capacity(planned.len() * rq.n as usize);
    for (p, plan) in planned.iter().enumerate() {
        for k in 0..rq.n {
            choices.push(Choice {
                text: &plan.text,
                index: p as u32 * rq.n + k,
                logprobs: rq.logprobs.map(|top| Logprobs::of(&plan.pieces, top)),
                finish_reason: Some(plan.finish),
            });
        }
    }
    Ok(api::said_json(
        &said,
        &frame.object(choices, Some(Some(usage))),
    ))
}

/// A logprobs entry besides its token's bytes, listing `top` tokens a position: its quotes, a
/// number of up to 24 characters, the chosen token's `{"":N}` and an offset of up to 20
/// digits; then each alternative, a word of up to five bytes with its number.
fn logprob_entry(top: u8) -> usize {
    let alternatives = usize::from(top.max(1)) - 1;
    80 + alternatives * 40
}

/// What an event costs besides its data: the `data: ` framing, and the event in memory until it
/// is written.
const EVENT_OVERHEAD: usize = 64;

/// What a choice, a piece and a token of this request cost in its response, measured on the
/// largest choice index it will send.
fn costs(rq: &CompletionRequest, frame: &Frame) -> Costs {
    let probe = Choice {
        text: "",
        index: (rq.prompts.len() as u32 * rq.n).saturating_sub(1),
        logprobs: rq.logprobs.map(|_| Logprobs::default()),
        finish_reason: Some("length"),
    };
    let (token, copies) = match rq.logprobs {
        Some(top) => (logprob_entry(top), 3),
        None => (0, 1),
    };
    if rq.stream {
        let pending = rq.include_usage.then_some(None);
        let chunk = json_size(&frame.object(vec![probe], pending)) + EVENT_OVERHEAD;
        Costs {
            choice: chunk,
            piece: chunk,
            token,
            copies,
        }
    } else {
        Costs {
            choice: json_size(&probe) + 1,
            piece: 0,
            token,
            copies,
        }
    }
}

fn json_size<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(0, |json| json.len())
}
