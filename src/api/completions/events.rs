//! A streamed legacy completion: `text_completion` chunks, a piece per step and choice, then a
//! finish chunk per choice, the usage chunk when asked, and `data: [DONE]`.

use super::objects::{Choice, Frame, Logprobs};
use super::plan::Planned;
use super::request::CompletionRequest;
use crate::api::usage::Usage;
use crate::http::Event;

/// The chunk sequence: for each step, the step's piece of every choice that still has one (the
/// first paced piece of a step carries the pause), then a finish chunk per choice with `text: ""`,
/// the usage chunk when asked, then `[DONE]`.
pub(super) fn stream_events(
    rq: &CompletionRequest,
    planned: &[Planned],
    frame: &Frame,
    usage: Usage,
) -> Vec<Event> {
    let pending = rq.include_usage.then_some(None);
    let steps = planned.iter().map(|p| p.pieces.len()).max().unwrap_or(0);
    let mut events = Vec::with_capacity((steps + 1) * planned.len() * rq.n as usize + 2);
    for step in 0..steps {
        let mut paused = false;
        for (p, plan) in planned.iter().enumerate() {
            let Some(piece) = plan.pieces.get(step) else {
                continue;
            };
            for k in 0..rq.n {
                let paced = piece.paced && !paused;
                paused |= paced;
                let logprobs = rq
                    .logprobs
                    .map(|top| Logprobs::of(std::slice::from_ref(piece), top));
                let choice = Choice {
                    text: &piece.text,
                    index: p as u32 * rq.n + k,
                    logprobs,
                    finish_reason: None,
                };
                events.push(Event::json(
                    None,
                    &frame.object(vec![choice], pending),
                    paced,
                ));
            }
        }
    }
    for (p, plan) in planned.iter().enumerate() {
        for k in 0..rq.n {
            let choice = Choice {
                text: "",
                index: p as u32 * rq.n + k,
                logprobs: rq.logprobs.map(|_| Logprobs::default()),
                finish_reason: Some(plan.finish),
            };
            events.push(Event::json(
                None,
                &frame.object(vec![choice], pending),
                false,
            ));
        }
    }
    let usage = rq
        .include_usage
        .then(|| frame.object(Vec::new(), Some(Some(usage))));
    crate::api::end_stream(&mut events, usage.as_ref());
    events
}
