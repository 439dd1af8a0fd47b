//! A recorded exchange's answer as plain data (`reply.recorded` in a fixture rule, written by
//! `--record`): the upstream's status, the headers clients read, and its body or its stream of
//! events, each with the pause before it when recorded with `--record-timing`. Replayed as it was,
//! so a recording answers with the real API's ids, chunking and shape.

/// What the upstream answered, as it is replayed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Recorded {
    pub status: u16,
    /// Names lowercased; never a secret (`--record` keeps a fixed list of names, see
    /// `upstream::record::KEPT_HEADERS`). `content-type` is among them when the upstream sent one.
    pub headers: Vec<(String, String)>,
    pub body: RecordedBody,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RecordedBody {
    /// A whole body, as bytes (compact JSON, or the text the upstream sent).
    Whole(Vec<u8>),
    /// Server-sent events in order.
    Events(Vec<RecordedEvent>),
}

/// One server-sent event: its `event:` name, its `data:` text exactly as it arrived, and the
/// milliseconds since the event before it (since the request, for the first), when recorded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordedEvent {
    pub name: Option<String>,
    pub data: String,
    pub ms: Option<u64>,
}

impl Recorded {
    /// The content type the upstream sent, else JSON for a whole body and SSE for events.
    pub(crate) fn content_type(&self) -> &str {
        let given = self
            .headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map(|(_, v)| v.as_str());
        match (&self.body, given) {
            (_, Some(given)) => given,
            (RecordedBody::Whole(_), None) => "application/json",
            (RecordedBody::Events(_), None) => "text/event-stream; charset=utf-8",
        }
    }
}
