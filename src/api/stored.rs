//! What the stateful endpoints share: the kinds of stored objects, the request's scope, the
//! API's 404 for an unknown id, and conversations, which both the Responses API (`conversation`)
//! and `/v1/conversations` read and extend.

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::conversation::Message;
use crate::error::ApiError;
use crate::http::Head;
use crate::store::{Kind, json_size};

/// Stored responses (`store: true`, the default).
pub(crate) const RESPONSE: Kind = "response";
/// Conversations, with their items.
pub(crate) const CONVERSATION: Kind = "conversation";
/// Chat completions created with `store: true`.
pub(crate) const CHAT: Kind = "chat.completion";

/// The request's `x-oaimock-scope`; requests without one share the scope `""`.
pub(crate) fn scope(info: &Head) -> &str {
    crate::faults::scope_of(&info.headers).unwrap_or("")
}

/// The API's answer for an id it does not have (never stored, deleted, evicted or in another
/// scope): a 404 `invalid_request_error` naming it.
pub(crate) fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(
        404,
        "invalid_request_error",
        None,
        format!("{what} with id '{id}' not found."),
    )
}

/// A conversation: its metadata and its items in order, as stored and listed.
#[derive(Clone, Debug)]
pub(crate) struct Conversation {
    pub id: String,
    pub created_at: u64,
    pub metadata: Map<String, Value>,
    pub items: Vec<Value>,
}

impl Conversation {
    /// The bytes the store counts it as.
    pub(crate) fn size(&self) -> usize {
        self.id.len() + json_size(&self.metadata) + self.items.iter().map(json_size).sum::<usize>()
    }

    /// The `conversation` object.
    pub(crate) fn resource(&self) -> Value {
        json!({
            "id": self.id,
            "object": "conversation",
            "created_at": self.created_at,
            "metadata": self.metadata,
        })
    }

    /// Its items as the conversation model: the context of a response that continues it.
    pub(crate) fn messages(&self) -> Vec<Message> {
        self.items
            .iter()
            .filter_map(crate::api::items::message_of)
            .collect()
    }
}

/// The conversation `id` of the request's scope, or the API's 404.
pub(crate) fn conversation(
    app: &App,
    scope: &str,
    id: &str,
) -> Result<std::sync::Arc<Conversation>, ApiError> {
    app.store
        .get::<Conversation>(scope, CONVERSATION, id)
        .ok_or_else(|| not_found("Conversation", id))
}

/// Appends items to a stored conversation; a 404 when it is gone, a 400 past the store's caps.
pub(crate) fn append(app: &App, scope: &str, id: &str, items: Vec<Value>) -> Result<(), ApiError> {
    let done =
        app.store
            .update::<Conversation, ()>(scope, CONVERSATION, id, Conversation::size, |c| {
                c.items.extend(items.iter().cloned());
                Ok(())
            })?;
    done.ok_or_else(|| not_found("Conversation", id))
}
