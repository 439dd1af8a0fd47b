//! Stored responses (`store: true`, the default): what is kept of a response, the context a
//! `previous_response_id` or a `conversation` gives the next one, and the endpoints that read
//! them — retrieve (and resume a background stream), delete, cancel, `input_items`,
//! `input_tokens`. A background response moves from `queued` to `in_progress` to its final
//! status over the reply's natural time, computed from timestamps when it is read: no thread
//! waits for it.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::api::fields::{Fields, parse_object};
use crate::api::pages::{page, page_query, query};
use crate::api::stored::{self, RESPONSE, not_found};
use crate::api::{State, items};
use crate::app::App;
use crate::conversation::{Message, prompt_tokens};
use crate::error::ApiError;
use crate::http::{Answer, Body, Event, Head};

/// A stored response.
#[derive(Clone)]
pub(super) struct StoredResponse {
    /// The response object as it ends, as sent: one buffer, answered as it is.
    pub body: Vec<u8>,
    /// Its final status: `completed` or `incomplete`.
    pub status: &'static str,
    /// The input items as one JSON array: a stored object is a few buffers, not a tree of small
    /// allocations that eviction frees on another thread (fragmenting the heaps).
    pub input_items: Vec<u8>,
    /// The context this response read (from `previous_response_id` or `conversation`); the next
    /// turn reads it, then this input, then this response's output.
    pub earlier: Vec<Message>,
    /// The functions called in that context, in order (see [`Context::called`]).
    pub earlier_called: Vec<String>,
    pub background: Option<Timeline>,
    /// A background stream's events (name, data, paced), for `?stream=true&starting_after=N`.
    pub events: Vec<(Option<std::borrow::Cow<'static, str>>, Vec<u8>, bool)>,
    pub token_delay_ms: u64,
}

/// When a background response starts and ends, in milliseconds since the epoch.
#[derive(Clone, Copy)]
pub(super) struct Timeline {
    /// `queued` until then (the time to first token), `in_progress` after.
    pub running_at: u64,
    /// Its final status from then on.
    pub done_at: u64,
    pub cancelled: bool,
}

impl StoredResponse {
    /// The bytes the store counts it as.
    pub(super) fn size(&self) -> usize {
        self.body.len()
            + self.input_items.len()
            + self.earlier.iter().map(|m| m.text.len() + 8).sum::<usize>()
            + self
                .events
                .iter()
                .map(|(_, d, _)| d.len() + 32)
                .sum::<usize>()
    }

    /// The input items, read back.
    pub(super) fn input_values(&self) -> Vec<Value> {
        serde_json::from_slice(&self.input_items).unwrap_or_default()
    }

    /// What the turn after it reads: the earlier context, this input, this output (read back
    /// from the stored body, so the reply is not kept twice).
    pub(super) fn context(&self) -> Context {
        let input = self.input_values();
        let body: Value = serde_json::from_slice(&self.body).unwrap_or_default();
        let output = body["output"].as_array().cloned().unwrap_or_default();
        let mut messages: Vec<Message> = self.earlier.clone();
        messages.extend(input.iter().chain(&output).filter_map(items::message_of));
        let mut called = self.earlier_called.clone();
        called.extend(items::called(&input));
        called.extend(items::called(&output));
        Context { messages, called }
    }

    /// Its status at `now` (ms): a background response's moves with the clock.
    pub(super) fn status(&self, now: u64) -> &'static str {
        match self.background {
            Some(t) if t.cancelled => "cancelled",
            Some(t) if now < t.running_at => "queued",
            Some(t) if now < t.done_at => "in_progress",
            _ => self.status,
        }
    }

    /// The response object as it is at `now`: before its end, no output and no usage yet.
    pub(super) fn at(&self, now: u64) -> Answer {
        let status = self.status(now);
        if status == self.status {
            return Answer::new(200, Body::Json(self.body.clone()));
        }
        let mut body: Value = serde_json::from_slice(&self.body).unwrap_or_default();
        body["status"] = json!(status);
        body["output"] = json!([]);
        body["usage"] = Value::Null;
        body["completed_at"] = Value::Null;
        body["incomplete_details"] = Value::Null;
        Answer::json(&body)
    }
}

/// What earlier turns give a new response.
#[derive(Default)]
pub(super) struct Context {
    pub messages: Vec<Message>,
    /// The names of the functions called in them, in order (`Conversation::called`).
    pub called: Vec<String>,
}

/// The context a new response reads: the stored turns of `previous_response_id`, or the items
/// of `conversation`. Neither found is the API's error, naming the parameter.
pub(super) fn context(
    app: &App,
    scope: &str,
    previous: Option<&str>,
    conversation: Option<&str>,
) -> Result<Context, ApiError> {
    if let Some(id) = previous {
        let Some(stored) = app.store.get::<StoredResponse>(scope, RESPONSE, id) else {
            return Err(ApiError::invalid(
                "previous_response_id",
                "previous_response_not_found",
                format!("Previous response with id '{id}' not found."),
            ));
        };
        return Ok(stored.context());
    }
    if let Some(id) = conversation {
        let found =
            stored::conversation(app, scope, id).map_err(|e| e.with_param("conversation"))?;
        return Ok(Context {
            messages: found.messages(),
            called: items::called(&found.items),
        });
    }
    Ok(Context::default())
}

#[derive(Serialize)]
struct Deleted<'a> {
    id: &'a str,
    object: &'static str,
    deleted: bool,
}

#[derive(Serialize)]
struct InputTokens {
    object: &'static str,
    input_tokens: u64,
}

/// The stateful Responses endpoints.
pub(crate) fn handle(app: &App, op: &State, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let scope = stored::scope(info);
    let get = |id: &str| {
        app.store
            .get::<StoredResponse>(scope, RESPONSE, id)
            .ok_or_else(|| not_found("Response", id))
    };
    let now = crate::ids::unix_millis();
    match op {
        State::GetResponse(id) => {
            let found = get(id)?;
            if query(info, "stream").as_deref() == Some("true") {
                return resume(id, &found, info);
            }
            Ok(found.at(now))
        }
        State::DeleteResponse(id) => match app.store.delete(scope, RESPONSE, id) {
            true => Ok(Answer::json(&Deleted {
                id,
                object: "response",
                deleted: true,
            })),
            false => Err(not_found("Response", id)),
        },
        State::CancelResponse(id) => {
            if get(id)?.background.is_none() {
                return Err(ApiError::new(
                    400,
                    "invalid_request_error",
                    None,
                    "Only responses created with background=true can be cancelled.",
                ));
            }
            // Under the store's lock: a response that has ended stays as it ended.
            let cancelled = app.store.update::<StoredResponse, Answer>(
                scope,
                RESPONSE,
                id,
                StoredResponse::size,
                |r| {
                    if let Some(t) = &mut r.background
                        && now < t.done_at
                    {
                        t.cancelled = true;
                    }
                    Ok(r.at(now))
                },
            )?;
            cancelled.ok_or_else(|| not_found("Response", id))
        }
        State::InputItems(id) => {
            let q = page_query(info, true)?;
            let values = get(id)?.input_values();
            let listed = values
                .iter()
                .map(|item| (item["id"].as_str().unwrap_or("").to_string(), item))
                .collect();
            Ok(Answer::json(&page(listed, &q)?))
        }
        State::InputTokens => {
            let obj = if body.iter().all(u8::is_ascii_whitespace) {
                Map::new()
            } else {
                parse_object(body)?
            };
            let f = Fields::new(&obj, "");
            let mut messages = context(
                app,
                scope,
                f.string("previous_response_id")?,
                conversation_id(&f)?,
            )?
            .messages;
            if f.get("input").is_some() {
                messages.extend(items::input(&f, "input")?.into_iter().map(|i| i.message));
            }
            let instructions = f.string("instructions")?;
            Ok(Answer::json(&InputTokens {
                object: "response.input_tokens",
                input_tokens: prompt_tokens(&messages, instructions),
            }))
        }
        _ => Err(ApiError::internal("not a Responses operation")),
    }
}

/// `conversation` as a string or `{"id": ...}`.
fn conversation_id<'a>(f: &Fields<'a>) -> Result<Option<&'a str>, ApiError> {
    match f.get("conversation") {
        None => Ok(None),
        Some(Value::String(id)) => Ok(Some(id)),
        Some(Value::Object(obj)) => match obj.get("id") {
            Some(Value::String(id)) => Ok(Some(id)),
            _ => Err(f.missing("conversation.id")),
        },
        Some(other) => Err(f.wrong_type("conversation", "a string or an object", other)),
    }
}

/// `GET /v1/responses/{id}?stream=true&starting_after=N`: the stream's events after the one
/// numbered N, paced from now as the stream was.
fn resume(id: &str, found: &StoredResponse, info: &Head) -> Result<Answer, ApiError> {
    // The live API answers a stream request for a response that was not streamed in the
    // background with its 404, as if the response did not exist.
    if found.events.is_empty() {
        return Err(not_found("Response", id));
    }
    let after = match query(info, "starting_after") {
        None => None,
        Some(n) => Some(n.trim().parse::<usize>().map_err(|_| {
            ApiError::invalid(
                "starting_after",
                "invalid_value",
                format!(
                    "Invalid 'starting_after': expected a whole number, but got '{n}' instead."
                ),
            )
        })?),
    };
    let skip = after.map_or(0, |n| n.saturating_add(1));
    let events = found
        .events
        .iter()
        .skip(skip)
        .map(|(name, data, paced)| Event {
            name: name.clone(),
            data: data.clone(),
            paced: *paced,
            after: std::time::Duration::ZERO,
        })
        .collect();
    let delay = std::time::Duration::from_millis(found.token_delay_ms);
    Ok(Answer::stream(events, delay))
}
