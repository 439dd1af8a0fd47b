//! `GET /v1/models` and `GET /v1/models/{id}`: the ids from `--models`.

use serde::Serialize;

use crate::app::App;
use crate::error::ApiError;
use crate::http::Answer;

/// A fixed creation time, so listings are the same from run to run.
const CREATED: u64 = 1_700_000_000;

#[derive(Serialize)]
struct Model<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    owned_by: &'static str,
}

#[derive(Serialize)]
struct ModelList<'a> {
    object: &'static str,
    data: Vec<Model<'a>>,
}

fn model(id: &str) -> Model<'_> {
    let owned_by = if id.starts_with("text-embedding") {
        "system"
    } else {
        "openai"
    };
    Model {
        id,
        object: "model",
        created: CREATED,
        owned_by,
    }
}

pub(crate) fn list(app: &App) -> Answer {
    let data = app.config.models.iter().map(|id| model(id)).collect();
    Answer::json(&ModelList {
        object: "list",
        data,
    })
}

pub(crate) fn retrieve(app: &App, id: &str) -> Result<Answer, ApiError> {
    match app.config.models.iter().find(|m| *m == id) {
        Some(found) => Ok(Answer::json(&model(found))),
        None => Err(ApiError::model_not_found(id)),
    }
}
