//! `POST /v1/responses`: the Responses API with the reply the script decides — a message (text
//! or refusal) or `function_call` items — as one `response` object ([`objects`]) or as named
//! `response.*` events ([`events`]), cut to `incomplete` by `max_output_tokens`.

mod events;
mod objects;
mod request;
mod stored;

use crate::api;
use crate::api::logprobs::Entries;
use crate::app::App;
use crate::conversation::{Endpoint, FinishReason, View, prompt_tokens};
use crate::error::{ApiError, Exit};
use crate::http::Answer;
use crate::script::{self, Plan};
use crate::text::{MAX_RESPONSE_BYTES, Text};
use events::{call_events, message_events};
use objects::{
    CallIds, Frame, OutputItem, ResponseUsage, call_item, message, refusal_part, text_part,
};
use request::ResponseRequest;
use stored::{StoredResponse, Timeline};

pub(crate) use stored::handle as stored;

/// What one streamed word costs at most besides its logprobs: its delta event.
const STREAM_BYTES_PER_TOKEN: usize = 256;

/// How many tokens keep their logprobs within the response budget: half of
/// `MAX_RESPONSE_BYTES` for a body, with one copy of each entry; a quarter for a stream, whose
/// entries are sent four times (the delta, `content_part.done`, `output_item.done` and the
/// final response) and whose words are events of their own. The text is cut there, and the
/// response is `incomplete` for `max_output_tokens`.
fn logprobs_fit(rq: &ResponseRequest, text: &Text, top: usize) -> usize {
    let (budget, copies, per_token) = if rq.stream {
        (MAX_RESPONSE_BYTES / 4, 4, STREAM_BYTES_PER_TOKEN)
    } else {
        (MAX_RESPONSE_BYTES / 2, 1, 0)
    };
    crate::api::logprobs::affordable(text.tokens(), top, copies, per_token, budget)
}

pub(crate) fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, Exit> {
    let (obj, rq) = api::read::<ResponseRequest>(app, body)?;
    let scope = crate::faults::scope_of(headers).unwrap_or("");
    if rq.background && !rq.store {
        return Err(ApiError::invalid(
            "background",
            "invalid_value",
            "Background mode requires 'store' to be true.",
        )
        .into());
    }
    // The stored turns come first: the script reads the whole history, the echo its newest input.
    let mut whole = rq.conversation.clone();
    let context = stored::context(
        app,
        scope,
        rq.previous_response_id.as_deref(),
        rq.conversation_id.as_deref(),
    )
    // With `--upstream`, turns not stored here may be the upstream's: it answers.
    .map_err(|e| match app.config.upstream {
        Some(_) => Exit::Forward,
        None => Exit::Refused(e),
    })?;
    whole
        .messages
        .splice(0..0, context.messages.iter().cloned());
    whole.called.splice(0..0, context.called.iter().cloned());
    let view = View::conversation(
        Endpoint::Responses,
        &rq.model,
        &whole,
        rq.instructions.as_deref(),
        &obj,
        headers,
    );
    let said = script::decide(&app.script(), &view)?;
    let mut plan = Plan::new(&said.content, &[], rq.max_output_tokens, 1)?;
    if let (Some(top), Plan::Text(text)) = (rq.logprobs, &mut plan) {
        text.keep(logprobs_fit(&rq, text, top));
    }
    let tokens: Vec<&str> = match (&plan, rq.logprobs) {
        (Plan::Text(t), Some(_)) => t.tokens().collect(),
        _ => Vec::new(),
    };
    let logprobs = rq.logprobs.map(|top| Entries::new(&tokens, 0, top));
    let (output_tokens, cut) = (plan.tokens(), plan.cut());
    let reason = match said.finish {
        Some(FinishReason::Length) => Some("max_output_tokens"),
        Some(FinishReason::ContentFilter) => Some("content_filter"),
        Some(_) => None,
        None => cut.then_some("max_output_tokens"),
    };
    let (status, item_status) = match reason {
        Some(_) => ("incomplete", "incomplete"),
        None => ("completed", "completed"),
    };
    let input_tokens = prompt_tokens(&whole.messages, rq.instructions.as_deref());
    let usage = ResponseUsage::new(said.usage, input_tokens, output_tokens);
    let frame = Frame {
        rq: &rq,
        id: crate::ids::hex("resp_", 48),
        created_at: crate::ids::unix_now(),
        reason: reason.unwrap_or("max_output_tokens"),
    };
    // Streamed or in the background, the response completes once every paced piece is due.
    // The request's `x-oaimock-ttft-ms` / `-token-delay-ms` first, as the stream's writer reads them.
    let asked = crate::faults::RequestFaults::from_headers(headers).unwrap_or_default();
    let ms = std::time::Duration::from_millis;
    let delay = (asked.stream.token_delay_ms.map(ms))
        .or(said.token_delay)
        .unwrap_or(app.config.token_delay);
    let ttft = asked
        .stream
        .ttft_ms
        .map(ms)
        .or(said.ttft)
        .unwrap_or_default();
    let natural = delay.saturating_mul(output_tokens.min(u64::from(u32::MAX)) as u32) + ttft;
    let streamed_secs = if rq.stream || rq.background {
        natural.as_secs()
    } else {
        0
    };
    let completed_at = reason.is_none().then_some(frame.created_at + streamed_secs);
    let message_id = crate::ids::hex("msg_", 48);
    let call_ids: Vec<CallIds> = match &plan {
        Plan::Calls(calls) => calls
            .iter()
            .map(|_| CallIds {
                id: crate::ids::hex("fc_", 48),
                call_id: crate::ids::alnum("call_", 24),
            })
            .collect(),
        _ => Vec::new(),
    };
    let output: Vec<OutputItem> = match &plan {
        Plan::Text(t) => vec![message(
            &message_id,
            item_status,
            vec![text_part(&t.text, logprobs)],
        )],
        Plan::Refusal(t) => vec![message(
            &message_id,
            item_status,
            vec![refusal_part(&t.text)],
        )],
        Plan::Calls(calls) => calls
            .iter()
            .zip(&call_ids)
            .map(|(call, ids)| call_item(call, ids, "completed", &call.arguments))
            .collect(),
    };
    let done = frame.response(status, &output, Some(usage), completed_at);
    let events = rq.stream.then(|| match &plan {
        Plan::Calls(calls) => call_events(&frame, calls, &call_ids, &output, &done),
        Plan::Text(t) | Plan::Refusal(t) => {
            let refusal = matches!(plan, Plan::Refusal(_));
            let logprobs = logprobs.filter(|_| !refusal);
            message_events(
                &frame,
                &output[0],
                &message_id,
                (t, logprobs),
                refusal,
                &done,
            )
        }
    });
    // Without a stream, the answer's bytes are also what is stored.
    let mut answer = match &events {
        None => Some(api::said_json(&said, &done)),
        Some(_) => None,
    };
    if rq.store {
        let body = match answer.as_ref().and_then(|a| a.body.bytes()) {
            Some(bytes) => bytes.to_vec(),
            None => crate::http::to_json(&done, 1024),
        };
        let now = crate::ids::unix_millis();
        let response = StoredResponse {
            body,
            status,
            input_items: crate::http::to_json(&rq.input_items, 256),
            earlier: context.messages,
            earlier_called: context.called,
            background: rq.background.then(|| Timeline {
                running_at: now + ttft.as_millis() as u64,
                done_at: now + natural.as_millis() as u64,
                cancelled: false,
            }),
            events: match (&events, rq.background) {
                (Some(events), true) => events
                    .iter()
                    .map(|e| (e.name.clone(), e.data.clone(), e.paced))
                    .collect(),
                _ => Vec::new(),
            },
            token_delay_ms: delay.as_millis() as u64,
        };
        // A background answer is the response as it is now: queued or in progress.
        if let (Some(answer), true) = (&mut answer, rq.background) {
            answer.body = response.at(now).body;
            answer.delay = std::time::Duration::ZERO;
        }
        let size = response.size();
        app.store.put(
            scope,
            crate::api::stored::RESPONSE,
            &frame.id,
            response,
            size,
        )?;
        if let Some(id) = &rq.conversation_id {
            let mut added = rq.input_items;
            added.extend(
                output
                    .iter()
                    .filter_map(|item| serde_json::to_value(item).ok()),
            );
            crate::api::stored::append(app, scope, id, added)?;
        }
    }
    match (events, answer) {
        (Some(events), _) => Ok(api::said_stream(app, &said, events)),
        (None, Some(answer)) => Ok(answer),
        (None, None) => unreachable!("an answer is made whenever there is no stream"),
    }
}
