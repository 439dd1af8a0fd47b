//! `POST /v1/moderations`: one result per input with every category, its score and the input
//! types it was applied to. Deterministic: ordinary text scores near zero and is not flagged; a
//! `[flag:...]` marker in the text, or a fixture rule for the `moderations` endpoint whose reply
//! text lists categories, flags them (scores from 0.9).

mod categories;
mod request;

use serde_json::{Map, Value, json};

use crate::api;
use crate::app::App;
use crate::conversation::{Content, Endpoint, Said, View};
use crate::error::{ApiError, Exit};
use crate::http::Answer;
use crate::ids::splitmix64;
use crate::script;
use categories::{CATEGORIES, Flags};
use request::{Input, ModerationRequest};

/// The snapshot each alias answers as, as the API reports it.
fn snapshot(model: &str) -> &str {
    match model {
        "omni-moderation-latest" => "omni-moderation-2024-09-26",
        "text-moderation-latest" | "text-moderation-stable" => "text-moderation-007",
        other => other,
    }
}

/// A stable hash of the text, for scores that differ by input but not from run to run.
fn fnv(text: &str) -> u64 {
    crate::ids::fnv1a(crate::ids::FNV_OFFSET, text.bytes())
}

/// One input's result: flagged categories score 0.9 to 0.9999, the others 1e-6 to 1e-3.
fn result(input: &Input, flags: Flags, text_only: bool) -> Value {
    let seed = fnv(&input.text);
    let (mut categories, mut scores, mut applied) = (Map::new(), Map::new(), Map::new());
    for (i, (name, images)) in CATEGORIES.iter().enumerate() {
        let draw = (splitmix64(seed, i as u64) % 1000) as f64;
        let flagged = flags.has(i);
        let score = if flagged {
            0.9 + draw / 10_000.0
        } else {
            1e-6 * (1.0 + draw)
        };
        categories.insert((*name).into(), json!(flagged));
        scores.insert((*name).into(), json!(score));
        let mut types = Vec::new();
        if input.has_text {
            types.push("text");
        }
        if input.has_image && *images && !text_only {
            types.push("image");
        }
        applied.insert((*name).into(), json!(types));
    }
    json!({
        "flagged": flags.0 != 0,
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": applied,
    })
}

/// The categories a fixture rule's reply flags; a reply naming an unknown category is a 400
/// naming the rule.
fn rule_flags(said: &Said) -> Result<Flags, ApiError> {
    let text = script::as_text(&said.content);
    categories::list(&text).map_err(|message| {
        let rule = said.source.as_deref().unwrap_or("a fixture rule");
        ApiError::new(
            400,
            "invalid_request_error",
            Some("invalid_fixture"),
            format!("The reply of {rule}: {message}"),
        )
    })
}

pub(crate) fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, Exit> {
    let (obj, rq) = api::read::<ModerationRequest>(app, body)?;
    let script = app.script();
    let mut stamp: Option<Said> = None;
    let mut results = Vec::with_capacity(rq.inputs.len());
    for input in &rq.inputs {
        let view = View::prompt(Endpoint::Moderations, &rq.model, &input.text, &obj, headers);
        let mut flags = input.flags;
        if let Some(said) = script::scripted(&script, &view) {
            let said = said?;
            flags.0 |= rule_flags(&said)?.0;
            stamp.get_or_insert(said);
        }
        results.push(result(input, flags, rq.text_only()));
    }
    let said = stamp.unwrap_or_else(|| Said::plain(Content::Text(String::new())));
    let response = json!({
        "id": crate::ids::hex("modr-", 32),
        "model": snapshot(&rq.model),
        "results": results,
    });
    Ok(api::said_json(&said, &response))
}
