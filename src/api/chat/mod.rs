//! `POST /v1/chat/completions`: the request ([`request`]), the reply the script decides (text,
//! tool calls or a refusal), and its two wire shapes: one object ([`objects`]) or a stream of
//! chunks ([`events`]).

mod events;
mod objects;
mod request;
mod stored;

use serde_json::Map;

use crate::api::{self, fields::parse_object, usage::Usage};
use crate::app::App;
use crate::conversation::{Endpoint, View, prompt_tokens};
use crate::error::Exit;
use crate::http::Answer;
use crate::script::{self, Plan};
use crate::text::MAX_RESPONSE_BYTES;
use events::{Frame, stream_events};
use objects::{Choice, ChoiceLogprobs, Completion, message};
use request::ChatRequest;

pub(crate) use stored::handle as stored;

/// What one streamed word costs at most as a chunk event (its JSON frame and the word): a stream
/// is decided in full before it is written, so its events share the response budget.
const STREAM_BYTES_PER_TOKEN: u64 = 256;

/// The token limit of each choice: the request's, and for a stream the choice's share of the
/// response budget counted in events (`n` = 128 streams at most 1,024 words a choice).
fn token_limit(rq: &ChatRequest) -> Option<u64> {
    if !rq.stream {
        return rq.max_tokens;
    }
    let share = MAX_RESPONSE_BYTES as u64 / STREAM_BYTES_PER_TOKEN / u64::from(rq.n);
    Some(rq.max_tokens.map_or(share, |m| m.min(share)))
}

/// How many tokens of a choice's text keep their logprobs within the choice's share of the
/// response budget: half of `MAX_RESPONSE_BYTES` for a body (it is held twice while it is
/// serialized), a quarter for a stream, whose chunks cost `STREAM_BYTES_PER_TOKEN` more each.
/// The text is cut there, with `finish_reason: "length"`.
fn logprobs_fit(rq: &ChatRequest, text: &crate::text::Text, top: usize) -> usize {
    let (share, per_token) = if rq.stream {
        (MAX_RESPONSE_BYTES / 4, STREAM_BYTES_PER_TOKEN as usize)
    } else {
        (MAX_RESPONSE_BYTES / 2, 0)
    };
    let budget = share / rq.n as usize;
    crate::api::logprobs::affordable(text.tokens(), top, 1, per_token, budget)
}

pub(crate) fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, Exit> {
    // A plain body skips the JSON tree when no fixture rule could read it. Rules are looked for
    // once, here: one added meanwhile applies from the next request on.
    let plain = if app.has_rules() {
        None
    } else {
        crate::api::fields::check_budget(body)?;
        ChatRequest::plain(body)
    };
    let unscripted = plain.is_some();
    let obj = if unscripted {
        Map::new()
    } else {
        parse_object(body)?
    };
    let rq = match plain {
        Some(rq) => rq,
        None => <ChatRequest as api::Request>::from_object(&obj)?,
    };
    app.check_model(&rq.model)?;
    let view = View::conversation(
        Endpoint::Chat,
        &rq.model,
        &rq.conversation,
        None,
        &obj,
        headers,
    );
    let said = if unscripted {
        script::built_in(&app.built_in_script(), &view).map_err(Exit::from)
    } else {
        script::decide(&app.script(), &view)
    }?;
    let mut plan = Plan::new(&said.content, &rq.stop, token_limit(&rq), rq.n.into())?;
    if let (Some(top), Plan::Text(text) | Plan::Refusal(text)) = (rq.logprobs, &mut plan) {
        text.keep(logprobs_fit(&rq, text, top));
    }
    let tokens: Vec<&str> = match (&plan, rq.logprobs) {
        (Plan::Text(t) | Plan::Refusal(t), Some(_)) => t.tokens().collect(),
        _ => Vec::new(),
    };
    let logprobs = rq
        .logprobs
        .map(|top| ChoiceLogprobs::of(&plan, &tokens, 0, top));
    let finish = said.finish.map_or(plan.finish(), |f| f.as_str());
    let usage = Usage::new(
        said.usage,
        prompt_tokens(&rq.conversation.messages, None),
        plan.tokens() * u64::from(rq.n),
    );
    let id = crate::ids::alnum("chatcmpl-", 29);
    let created = crate::ids::unix_now();
    // Every choice's calls get their own ids.
    let call_ids: Vec<Vec<String>> = (0..rq.n)
        .map(|_| match &plan {
            Plan::Calls(calls) => calls
                .iter()
                .map(|_| crate::ids::alnum("call_", 24))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let frame = Frame {
        id: &id,
        created,
        model: &rq.model,
        fingerprint: &app.fingerprint,
        usage: rq.include_usage,
    };
    let choices = call_ids
        .iter()
        .zip(0..)
        .map(|(ids, index)| Choice {
            index,
            message: message(&plan, ids),
            logprobs,
            finish_reason: finish,
        })
        .collect();
    let completion = Completion {
        id: &id,
        object: "chat.completion",
        created,
        model: &rq.model,
        choices,
        usage,
        service_tier: "default",
        system_fingerprint: &app.fingerprint,
    };
    if rq.store {
        let scope = crate::faults::scope_of(headers).unwrap_or("");
        stored::keep(app, scope, &completion, &rq, &obj)?;
    }
    if rq.stream {
        let logprobs = rq.logprobs.map(|top| (tokens.as_slice(), top));
        let events = stream_events(&frame, rq.n, &plan, finish, &call_ids, usage, logprobs);
        return Ok(api::said_stream(app, &said, events));
    }
    Ok(api::said_json(&said, &completion))
}
