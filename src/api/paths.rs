//! The stateful API's paths that carry ids (`/responses/{id}`, `/conversations/{id}/items/{item}`,
//! ...): matched apart from the fixed route table, each to one [`State`] operation, and handed
//! to the family that owns the objects.

use crate::app::App;
use crate::error::Exit;
use crate::http::{Answer, Head};

/// One operation on stored objects; ids are percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    GetResponse(String),
    DeleteResponse(String),
    CancelResponse(String),
    InputItems(String),
    InputTokens,
    ListChats,
    GetChat(String),
    UpdateChat(String),
    DeleteChat(String),
    ChatMessages(String),
    CreateConversation,
    GetConversation(String),
    UpdateConversation(String),
    DeleteConversation(String),
    ListItems(String),
    CreateItems(String),
    GetItem(String, String),
    DeleteItem(String, String),
}

impl State {
    /// Whether the operation reads a JSON body (every `POST` may send one).
    pub(crate) fn has_body(&self) -> bool {
        matches!(
            self,
            State::CancelResponse(_)
                | State::InputTokens
                | State::UpdateChat(_)
                | State::CreateConversation
                | State::UpdateConversation(_)
                | State::CreateItems(_)
        )
    }
}

/// The operation for `method` (already `GET` for `HEAD`) on `bare` (the path without `/v1`):
/// `None` when the path is not one of these, a 405 when the method is not one it answers.
pub(crate) fn match_path(method: &str, bare: &str) -> Option<Result<State, &'static str>> {
    let parts: Vec<&str> = bare.trim_start_matches('/').split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let id = |s: &str| crate::api::percent_decode(s);
    let pick = |allow: &'static str, op: Option<State>| Some(op.ok_or(allow));
    match parts.as_slice() {
        ["responses", "input_tokens"] => {
            pick("POST", (method == "POST").then_some(State::InputTokens))
        }
        ["responses", r] => pick(
            "GET, DELETE",
            match method {
                "GET" => Some(State::GetResponse(id(r))),
                "DELETE" => Some(State::DeleteResponse(id(r))),
                _ => None,
            },
        ),
        ["responses", r, "input_items"] => {
            pick("GET", (method == "GET").then(|| State::InputItems(id(r))))
        }
        ["responses", r, "cancel"] => pick(
            "POST",
            (method == "POST").then(|| State::CancelResponse(id(r))),
        ),
        ["chat", "completions", c] => pick(
            "GET, POST, DELETE",
            match method {
                "GET" => Some(State::GetChat(id(c))),
                "POST" => Some(State::UpdateChat(id(c))),
                "DELETE" => Some(State::DeleteChat(id(c))),
                _ => None,
            },
        ),
        ["chat", "completions", c, "messages"] => {
            pick("GET", (method == "GET").then(|| State::ChatMessages(id(c))))
        }
        ["conversations", c] => pick(
            "GET, POST, DELETE",
            match method {
                "GET" => Some(State::GetConversation(id(c))),
                "POST" => Some(State::UpdateConversation(id(c))),
                "DELETE" => Some(State::DeleteConversation(id(c))),
                _ => None,
            },
        ),
        ["conversations", c, "items"] => pick(
            "GET, POST",
            match method {
                "GET" => Some(State::ListItems(id(c))),
                "POST" => Some(State::CreateItems(id(c))),
                _ => None,
            },
        ),
        ["conversations", c, "items", i] => pick(
            "GET, DELETE",
            match method {
                "GET" => Some(State::GetItem(id(c), id(i))),
                "DELETE" => Some(State::DeleteItem(id(c), id(i))),
                _ => None,
            },
        ),
        _ => None,
    }
}

/// Answers one operation on stored objects; the journal says the store answered
/// (`answered_by: "store"`).
pub(crate) fn handle(app: &App, op: &State, info: &Head, body: &[u8]) -> Result<Answer, Exit> {
    use crate::api::{chat, conversations, responses};
    let answer = match op {
        State::GetResponse(_)
        | State::DeleteResponse(_)
        | State::CancelResponse(_)
        | State::InputItems(_)
        | State::InputTokens => responses::stored(app, op, info, body),
        State::ListChats
        | State::GetChat(_)
        | State::UpdateChat(_)
        | State::DeleteChat(_)
        | State::ChatMessages(_) => chat::stored(app, op, info, body),
        _ => conversations::handle(app, op, info, body),
    };
    // With `--upstream`, an object not stored here may be the upstream's: it is asked.
    let mut answer = match answer {
        Err(e) if e.status == 404 && app.config.upstream.is_some() => {
            return Err(Exit::Forward);
        }
        other => other?,
    };
    answer.source = Some("store".into());
    Ok(answer)
}
