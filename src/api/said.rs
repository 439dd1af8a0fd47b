//! Answers made of what the script said: a whole JSON body, a stream, or other bytes (whole, or
//! made while they are written), each with the reply's time to first token, source and scripted
//! faults; and the end of a data-only stream.

use serde::Serialize;

use crate::app::App;
use crate::conversation::Said;
use crate::http::{Answer, Body, Clock, Event, Pace, Relay};

/// Ends a data-only stream (chat, legacy completions): the usage chunk when one was asked for,
/// then `data: [DONE]`.
pub(crate) fn end_stream<T: Serialize>(events: &mut Vec<Event>, usage: Option<&T>) {
    if let Some(usage) = usage {
        events.push(Event::json(None, usage, false));
    }
    events.push(Event::done());
}

/// A whole-JSON answer carrying the reply's time to first token, source and scripted faults.
pub(crate) fn said_json<T: Serialize>(said: &Said, value: &T) -> Answer {
    let mut answer = Answer::json(value);
    answer.delay = said.ttft.unwrap_or_default();
    stamp(said, answer)
}

/// A streamed answer with the reply's timing (the server's token delay unless it sets one).
pub(crate) fn said_stream(app: &App, said: &Said, events: Vec<Event>) -> Answer {
    let delay = said.token_delay.unwrap_or(app.config.token_delay);
    let mut answer = Answer::stream(events, delay);
    if let (Body::Events(stream), Some(ttft)) = (&mut answer.body, said.ttft) {
        stream.ttft = ttft;
    }
    stamp(said, answer)
}

/// A complete answer of another type than JSON (text, audio), with the reply's time to first
/// token, source and scripted faults.
pub(crate) fn said_data(said: &Said, content_type: &'static str, bytes: Vec<u8>) -> Answer {
    let mut answer = Answer::new(200, Body::Data(content_type.into(), bytes));
    answer.delay = said.ttft.unwrap_or_default();
    stamp(said, answer)
}

/// An answer of another type than JSON made while it is written (speech audio): `chunks` leave
/// one at a time on the stream's clock (the reply's token delay, else the server's), after the
/// reply's time to first token, with its source and scripted faults.
pub(crate) fn said_relay(
    app: &App,
    said: &Said,
    content_type: &'static str,
    chunks: Box<dyn Iterator<Item = std::io::Result<Vec<u8>>> + Send>,
) -> Answer {
    let pace = Pace {
        clock: Clock {
            token_delay: said.token_delay.unwrap_or(app.config.token_delay),
            ..Clock::default()
        },
        ..Pace::default()
    };
    let relay = Relay {
        content_type: content_type.to_string(),
        chunks,
        pace: Some(pace),
    };
    let mut answer = Answer::new(200, Body::Relay(relay));
    answer.delay = said.ttft.unwrap_or_default();
    stamp(said, answer)
}

/// Stamps an answer with the reply's source and its scripted faults.
fn stamp(said: &Said, mut answer: Answer) -> Answer {
    if let Some(fault) = &said.fault {
        fault.apply(&mut answer, crate::ids::next_u64());
    }
    answer.source = said.source.clone();
    answer
}
