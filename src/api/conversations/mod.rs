//! `/v1/conversations`: create (with initial items and metadata), retrieve, update (metadata)
//! and delete a conversation; list (a page at a time), add, retrieve and delete its items. The
//! Responses API reads a conversation as context and appends to it through the shared
//! [`crate::api::stored`] module.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::fields::{Fields, parse_object};
use crate::api::pages::{Page, page, page_query};
use crate::api::stored::{self, CONVERSATION, Conversation, not_found};
use crate::api::{State, items};
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};

/// The most items one create call may add, as on the API.
const MAX_ITEMS_PER_CALL: usize = 20;

#[derive(Serialize)]
struct Deleted<'a> {
    id: &'a str,
    object: &'static str,
    deleted: bool,
}

/// The body as an object; an empty body is `{}`.
fn body_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    parse_object(body)
}

/// `items` of a create call, at most [`MAX_ITEMS_PER_CALL`].
fn new_items(f: &Fields) -> Result<Vec<Value>, ApiError> {
    let Some(list) = f.array("items")? else {
        return Ok(Vec::new());
    };
    if list.len() > MAX_ITEMS_PER_CALL {
        return Err(f.invalid_value(
            "items",
            format!(
                "Invalid 'items': array too long. Expected an array with maximum length {MAX_ITEMS_PER_CALL}, but got an array with length {} instead.",
                list.len()
            ),
        ));
    }
    Ok(items::list(f, "items", list)?
        .into_iter()
        .map(|item| item.stored)
        .collect())
}

pub(crate) fn handle(app: &App, op: &State, info: &Head, body: &[u8]) -> Result<Answer, ApiError> {
    let scope = stored::scope(info);
    let get = |id: &str| stored::conversation(app, scope, id);
    match op {
        State::CreateConversation => {
            let obj = body_object(body)?;
            let f = Fields::new(&obj, "");
            let conversation = Conversation {
                id: crate::ids::hex("conv_", 48),
                created_at: crate::ids::unix_now(),
                metadata: items::metadata(&f)?.unwrap_or_default(),
                items: new_items(&f)?,
            };
            let size = conversation.size();
            let resource = conversation.resource();
            let id = conversation.id.clone();
            app.store
                .put(scope, CONVERSATION, &id, conversation, size)?;
            Ok(Answer::json(&resource))
        }
        State::GetConversation(id) => Ok(Answer::json(&get(id)?.resource())),
        State::UpdateConversation(id) => {
            let obj = body_object(body)?;
            let f = Fields::new(&obj, "");
            let metadata = match items::metadata(&f)? {
                Some(m) => m,
                None if f.get("metadata").is_some() => Map::new(),
                None => return Err(f.missing("metadata")),
            };
            let updated = app.store.update::<Conversation, Value>(
                scope,
                CONVERSATION,
                id,
                Conversation::size,
                |c| {
                    c.metadata = metadata.clone();
                    Ok(c.resource())
                },
            )?;
            let updated = updated.ok_or_else(|| not_found("Conversation", id))?;
            Ok(Answer::json(&updated))
        }
        State::DeleteConversation(id) => match app.store.delete(scope, CONVERSATION, id) {
            true => Ok(Answer::json(&Deleted {
                id,
                object: "conversation.deleted",
                deleted: true,
            })),
            false => Err(not_found("Conversation", id)),
        },
        State::ListItems(id) => {
            let q = page_query(info, true)?;
            let found = get(id)?;
            let listed = found
                .items
                .iter()
                .map(|item| (item["id"].as_str().unwrap_or("").to_string(), item))
                .collect();
            Ok(Answer::json(&page(listed, &q)?))
        }
        State::CreateItems(id) => {
            let obj = body_object(body)?;
            let f = Fields::new(&obj, "");
            if f.get("items").is_none() {
                return Err(f.missing("items"));
            }
            let added = new_items(&f)?;
            stored::append(app, scope, id, added.clone())?;
            Ok(Answer::json(&Page {
                object: "list",
                first_id: added
                    .first()
                    .map(|i| i["id"].as_str().unwrap_or("").to_string()),
                last_id: added
                    .last()
                    .map(|i| i["id"].as_str().unwrap_or("").to_string()),
                has_more: false,
                data: added,
            }))
        }
        State::GetItem(id, item) => {
            let found = get(id)?;
            match found.items.iter().find(|i| i["id"] == item.as_str()) {
                Some(found) => Ok(Answer::json(found)),
                None => Err(not_found("Item", item)),
            }
        }
        State::DeleteItem(id, item) => {
            let removed = app.store.update::<Conversation, Option<Value>>(
                scope,
                CONVERSATION,
                id,
                Conversation::size,
                |c| {
                    let before = c.items.len();
                    c.items.retain(|i| i["id"] != item.as_str());
                    Ok((c.items.len() < before).then(|| c.resource()))
                },
            )?;
            match removed {
                None => Err(not_found("Conversation", id)),
                Some(None) => Err(not_found("Item", item)),
                Some(Some(resource)) => Ok(Answer::json(&resource)),
            }
        }
        _ => Err(ApiError::internal("not a conversation operation")),
    }
}
