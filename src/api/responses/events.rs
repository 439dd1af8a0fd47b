//! A streamed Responses answer: named `response.*` events with a `sequence_number` from 0 and no
//! `[DONE]`: created, in_progress, the output items with their deltas, then completed or
//! incomplete.

use serde::Serialize;

use super::objects::{
    CallIds, Frame, OutputItem, Part, ResponseObject, call_item, message, refusal_part, text_part,
};
use crate::api::logprobs::Entries;
use crate::conversation::Call;
use crate::http::Event;
use crate::script;
use crate::text::Text;

#[derive(Serialize)]
struct ResponseEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    response: &'a ResponseObject<'a>,
}

#[derive(Serialize)]
struct ItemEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    output_index: u32,
    item: &'a OutputItem<'a>,
}

#[derive(Serialize)]
struct PartEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    content_index: u32,
    part: &'a Part<'a>,
}

/// `response.output_text.delta` (with `delta`) and `response.output_text.done` (with `text`).
#[derive(Serialize)]
struct TextEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    content_index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    /// A delta's own token's, without `bytes` (`ResponseLogProb`); none on the done event.
    logprobs: Entries<'a>,
}

/// `response.refusal.delta` (with `delta`) and `response.refusal.done` (with `refusal`).
#[derive(Serialize)]
struct RefusalEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    content_index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<&'a str>,
}

/// `response.function_call_arguments.delta` (with `delta`) and `.done` (with `name` and
/// `arguments`).
#[derive(Serialize)]
struct ArgumentsEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: usize,
    item_id: &'a str,
    output_index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arguments: Option<&'a str>,
}

/// Appends `response.created` and `response.in_progress`.
fn start_events(frame: &Frame, events: &mut Vec<Event>) {
    let start = frame.response("in_progress", &[], None, None);
    for kind in ["response.created", "response.in_progress"] {
        let event = ResponseEvent {
            kind,
            sequence_number: events.len(),
            response: &start,
        };
        events.push(Event::json(Some(kind), &event, false));
    }
}

fn item_event(events: &mut Vec<Event>, kind: &'static str, index: u32, item: &OutputItem) {
    let event = ItemEvent {
        kind,
        sequence_number: events.len(),
        output_index: index,
        item,
    };
    events.push(Event::json(Some(kind), &event, false));
}

/// `response.completed`, or `response.incomplete` for a cut response.
fn end_event(events: &mut Vec<Event>, done: &ResponseObject) {
    let kind = if done.status == "incomplete" {
        "response.incomplete"
    } else {
        "response.completed"
    };
    let last = ResponseEvent {
        kind,
        sequence_number: events.len(),
        response: done,
    };
    events.push(Event::json(Some(kind), &last, false));
}

/// The sequence for a message: created, in_progress, output_item.added, content_part.added, one paced
/// delta per word (`output_text` or `refusal`), its done event, content_part.done,
/// output_item.done, then response.completed (or response.incomplete). `sequence_number`
/// counts from 0.
pub(super) fn message_events(
    frame: &Frame,
    item: &OutputItem,
    item_id: &str,
    (text, logprobs): (&Text, Option<Entries>),
    refusal: bool,
    done: &ResponseObject,
) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::with_capacity(text.count() as usize + 9);
    start_events(frame, &mut events);
    item_event(
        &mut events,
        "response.output_item.added",
        0,
        &message(item_id, "in_progress", Vec::new()),
    );
    let part = |kind: &'static str, n: usize, part: &Part| {
        let event = PartEvent {
            kind,
            sequence_number: n,
            item_id,
            output_index: 0,
            content_index: 0,
            part,
        };
        Event::json(Some(kind), &event, false)
    };
    let (empty, full) = if refusal {
        (refusal_part(""), refusal_part(&text.text))
    } else {
        (text_part("", None), text_part(&text.text, logprobs))
    };
    events.push(part("response.content_part.added", events.len(), &empty));
    let none = Entries::new(&[], 0, 0);
    let piece = |kind: &'static str, n: usize, delta: Option<&str>, whole: Option<&str>, lp| {
        let paced = delta.is_some();
        if refusal {
            let event = RefusalEvent {
                kind,
                sequence_number: n,
                item_id,
                output_index: 0,
                content_index: 0,
                delta,
                refusal: whole,
            };
            Event::json(Some(kind), &event, paced)
        } else {
            let event = TextEvent {
                kind,
                sequence_number: n,
                item_id,
                output_index: 0,
                content_index: 0,
                delta,
                text: whole,
                logprobs: lp,
            };
            Event::json(Some(kind), &event, paced)
        }
    };
    let (delta_kind, done_kind) = if refusal {
        ("response.refusal.delta", "response.refusal.done")
    } else {
        ("response.output_text.delta", "response.output_text.done")
    };
    let tokens: Vec<&str> = match logprobs {
        Some(_) => text.tokens().collect(),
        None => Vec::new(),
    };
    for (i, token) in text.tokens().enumerate() {
        let lp = match logprobs {
            Some(all) => all.part(&tokens[i..=i], i).without_bytes(),
            None => none,
        };
        events.push(piece(delta_kind, events.len(), Some(token), None, lp));
    }
    events.push(piece(done_kind, events.len(), None, Some(&text.text), none));
    events.push(part("response.content_part.done", events.len(), &full));
    item_event(&mut events, "response.output_item.done", 0, item);
    end_event(&mut events, done);
    events
}

/// The sequence per call, `output_index` 0, 1, ...: output_item.added (arguments `""`),
/// paced function_call_arguments.delta pieces, function_call_arguments.done (with the name),
/// output_item.done; then response.completed.
pub(super) fn call_events(
    frame: &Frame,
    calls: &[Call],
    ids: &[CallIds],
    output: &[OutputItem],
    done: &ResponseObject,
) -> Vec<Event> {
    let mut events = Vec::new();
    start_events(frame, &mut events);
    for (((index, call), ids), item) in (0..).zip(calls).zip(ids).zip(output) {
        let added = call_item(call, ids, "in_progress", "");
        item_event(&mut events, "response.output_item.added", index, &added);
        let arguments = |kind, n, delta, name, arguments| ArgumentsEvent {
            kind,
            sequence_number: n,
            item_id: &ids.id,
            output_index: index,
            delta,
            name,
            arguments,
        };
        for piece in script::argument_pieces(&call.arguments) {
            let kind = "response.function_call_arguments.delta";
            let event = arguments(kind, events.len(), Some(piece), None, None);
            events.push(Event::json(Some(kind), &event, true));
        }
        let kind = "response.function_call_arguments.done";
        let event = arguments(
            kind,
            events.len(),
            None,
            Some(&call.name),
            Some(&call.arguments),
        );
        events.push(Event::json(Some(kind), &event, false));
        item_event(&mut events, "response.output_item.done", index, item);
    }
    end_event(&mut events, done);
    events
}
