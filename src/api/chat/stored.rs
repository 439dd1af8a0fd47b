//! Stored chat completions (`store: true`): what is kept, and `GET /v1/chat/completions` (a list
//! filtered by `model` and `metadata[...]`), `GET`, `POST` (metadata) and `DELETE` of one, and
//! `GET .../messages` (the request's messages).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::objects::Completion;
use super::request::ChatRequest;
use crate::api::fields::{Fields, parse_object};
use crate::api::pages::{page, page_query, query, query_pairs};
use crate::api::stored::{self, CHAT, not_found};
use crate::api::{State, items};
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};
use crate::store::json_size;

/// A stored chat completion: the object as answered, with its `metadata`, and the messages
/// of its request.
#[derive(Clone)]
struct StoredChat {
    body: Value,
    messages: Vec<Value>,
}

impl StoredChat {
    fn size(&self) -> usize {
        json_size(&self.body) + self.messages.iter().map(json_size).sum::<usize>()
    }
}

/// Keeps a completion made with `store: true`.
pub(super) fn keep(
    app: &App,
    scope: &str,
    completion: &Completion,
    rq: &ChatRequest,
    obj: &Map<String, Value>,
) -> Result<(), ApiError> {
    let mut body =
        serde_json::to_value(completion).map_err(|e| ApiError::internal(&e.to_string()))?;
    body["metadata"] = Value::Object(rq.metadata.clone().unwrap_or_default());
    let listed = obj.get("messages").and_then(Value::as_array);
    let messages = listed
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, m)| {
            let (content, parts) = match m.get("content") {
                Some(Value::Array(parts)) => {
                    let text: String = parts
                        .iter()
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .collect();
                    (json!(text), Value::Array(parts.clone()))
                }
                Some(content) => (content.clone(), Value::Null),
                None => (Value::Null, Value::Null),
            };
            json!({
                "id": format!("{}-{i}", completion.id),
                "role": m.get("role").cloned().unwrap_or_default(),
                "content": content,
                "name": m.get("name").cloned().unwrap_or_default(),
                "content_parts": parts,
            })
        })
        .collect();
    let stored = StoredChat { body, messages };
    let size = stored.size();
    app.store.put(scope, CHAT, completion.id, stored, size)
}

#[derive(Serialize)]
struct Deleted<'a> {
    object: &'static str,
    id: &'a str,
    deleted: bool,
}

/// The stored chat completion endpoints.
pub(crate) fn handle(app: &App, op: &State, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let scope = stored::scope(info);
    let get = |id: &str| {
        app.store
            .get::<StoredChat>(scope, CHAT, id)
            .ok_or_else(|| not_found("Chat completion", id))
    };
    match op {
        State::ListChats => {
            let q = page_query(info, false)?;
            let model = query(info, "model");
            let wanted: Vec<(String, String)> = query_pairs(info)
                .filter_map(|(k, v)| {
                    let key = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                    Some((key.to_string(), v))
                })
                .collect();
            let all = app.store.list::<StoredChat>(scope, CHAT);
            let listed = all
                .iter()
                .filter(|(_, c)| model.as_ref().is_none_or(|m| c.body["model"] == m.as_str()))
                .filter(|(_, c)| {
                    wanted
                        .iter()
                        .all(|(k, v)| c.body["metadata"][k.as_str()] == v.as_str())
                })
                .map(|(id, c)| (id.clone(), &c.body))
                .collect();
            Ok(Answer::json(&page(listed, &q)?))
        }
        State::GetChat(id) => Ok(Answer::json(&get(id)?.body)),
        State::UpdateChat(id) => {
            let obj = parse_object(body)?;
            let f = Fields::new(&obj, "");
            let metadata = match items::metadata(&f)? {
                Some(m) => m,
                None if f.get("metadata").is_some() => Map::new(),
                None => return Err(f.missing("metadata")),
            };
            let updated =
                app.store
                    .update::<StoredChat, Value>(scope, CHAT, id, StoredChat::size, |c| {
                        c.body["metadata"] = Value::Object(metadata.clone());
                        Ok(c.body.clone())
                    })?;
            let updated = updated.ok_or_else(|| not_found("Chat completion", id))?;
            Ok(Answer::json(&updated))
        }
        State::DeleteChat(id) => match app.store.delete(scope, CHAT, id) {
            true => Ok(Answer::json(&Deleted {
                object: "chat.completion.deleted",
                id,
                deleted: true,
            })),
            false => Err(not_found("Chat completion", id)),
        },
        State::ChatMessages(id) => {
            let q = page_query(info, false)?;
            let found = get(id)?;
            let listed = found
                .messages
                .iter()
                .map(|m| (m["id"].as_str().unwrap_or("").to_string(), m))
                .collect();
            Ok(Answer::json(&page(listed, &q)?))
        }
        _ => Err(ApiError::internal("not a chat completion operation")),
    }
}
