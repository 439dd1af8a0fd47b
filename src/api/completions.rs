//! `POST /v1/completions` (legacy): prompts in any of the four shapes, one choice per prompt × `n`,
//! as one `text_completion` object or as `text_completion` chunks ending in `data: [DONE]`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::{Fields, parse_object};
use super::usage::Usage;
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Event};
use crate::script::{self, Endpoint, Said, View};
use crate::text::{self, Text};

/// A validated legacy completions request.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    pub model: String,
    /// One entry per prompt; a token-array prompt is already turned into text (see [`token_text`]).
    pub prompts: Vec<String>,
    pub n: u32,
    pub max_tokens: u64,
    pub echo: bool,
    pub stop: Vec<String>,
    pub stream: bool,
    pub include_usage: bool,
    /// `logprobs` (0..=5): when set, each choice carries a logprobs object (see [`Logprobs`]).
    pub logprobs: Option<u8>,
}

const EMPTY_ARRAY: &str =
    "empty array. Expected an array with minimum length 1, but got an empty array instead.";

impl CompletionRequest {
    /// Validates the body. `suffix` is checked to be a string and otherwise ignored: as on the
    /// API, the returned text is only what goes between the prompt and the suffix, never the
    /// suffix itself.
    #[cfg(test)]
    pub fn parse(body: &[u8]) -> Result<CompletionRequest, ApiError> {
        CompletionRequest::from_object(&parse_object(body)?)
    }

    pub fn from_object(obj: &Map<String, Value>) -> Result<CompletionRequest, ApiError> {
        let f = Fields::new(obj, "");
        let model = f.required_string("model")?.to_string();
        let prompts = parse_prompts(&f)?;
        f.number("temperature", 0.0, 2.0)?;
        f.number("top_p", 0.0, 1.0)?;
        f.number("presence_penalty", -2.0, 2.0)?;
        f.number("frequency_penalty", -2.0, 2.0)?;
        f.integer("seed", i64::MIN, i64::MAX)?;
        f.string("suffix")?;
        f.string("user")?;
        if let Some(bias) = f.object("logit_bias")? {
            let keys = f.get("logit_bias").and_then(Value::as_object);
            for key in keys.into_iter().flat_map(|m| m.keys()) {
                bias.number(key, -100.0, 100.0)?;
            }
        }
        let echo = f.boolean("echo")?.unwrap_or(false);
        let logprobs = f.integer("logprobs", 0, 5)?.map(|l| l as u8);
        let n = f.integer("n", 1, 128)?.unwrap_or(1) as u32;
        let max_tokens = f.integer("max_tokens", 0, i64::MAX)?.unwrap_or(16) as u64;
        let stop = f.stop("stop", 4)?;
        let stream = f.boolean("stream")?.unwrap_or(false);
        if let Some(best_of) = f.integer("best_of", 0, 20)? {
            if best_of < i64::from(n) {
                return Err(f.invalid_value(
                    "best_of",
                    format!("best_of must be greater than or equal to n, but got best_of={best_of} and n={n}."),
                ));
            }
            if stream && best_of > 1 {
                return Err(f.invalid_value(
                    "best_of",
                    "best_of > 1 cannot be used with stream: results cannot be streamed.",
                ));
            }
        }
        let options = f.object("stream_options")?;
        if options.is_some() && !stream {
            return Err(f.invalid_value(
                "stream_options",
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            ));
        }
        let include_usage = match &options {
            Some(o) => o.boolean("include_usage")?.unwrap_or(false),
            None => false,
        };
        Ok(CompletionRequest {
            model,
            prompts,
            n,
            max_tokens,
            echo,
            stop,
            stream,
            include_usage,
            logprobs,
        })
    }
}

/// `prompt`: a string, an array of strings, an array of tokens or an array of token arrays.
/// Absent or `null` is a 400: the mock has no use for the `<|endoftext|>` default.
fn parse_prompts(f: &Fields) -> Result<Vec<String>, ApiError> {
    let items = match f.get("prompt") {
        None => return Err(f.missing("prompt")),
        Some(Value::String(s)) => return Ok(vec![s.clone()]),
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(f.invalid_value("prompt", EMPTY_ARRAY));
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(f.wrong_type("prompt", "a string or an array", other));
        }
    };
    let bad_token = |name: &str, i: usize, tokens: &[Value]| {
        f.wrong_type(
            &format!("{name}[{i}]"),
            "a non-negative integer",
            &tokens[i],
        )
    };
    match &items[0] {
        Value::Number(_) => Ok(vec![
            token_text(items).map_err(|i| bad_token("prompt", i, items))?,
        ]),
        Value::String(_) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(f.wrong_type(&format!("prompt[{i}]"), "a string", other)),
            })
            .collect(),
        Value::Array(_) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let name = format!("prompt[{i}]");
                match item {
                    Value::Array(tokens) if tokens.is_empty() => {
                        Err(f.invalid_value(&name, EMPTY_ARRAY))
                    }
                    Value::Array(tokens) => {
                        token_text(tokens).map_err(|j| bad_token(&name, j, tokens))
                    }
                    other => Err(f.wrong_type(&name, "an array of integers", other)),
                }
            })
            .collect(),
        other => Err(f.wrong_type(
            "prompt[0]",
            "a string, an integer or an array of integers",
            other,
        )),
    }
}

/// The mock has no tokenizer, so a token-array prompt reads as its numbers joined by spaces
/// (`[1212, 318]` → `"1212 318"`): one word per token, which keeps `usage` honest. `Err` holds the
/// index of the first item that is not a non-negative integer.
pub fn token_text(tokens: &[Value]) -> Result<String, usize> {
    let mut text = String::with_capacity(tokens.len() * 6);
    for (i, token) in tokens.iter().enumerate() {
        let id = token.as_u64().ok_or(i)?;
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&id.to_string());
    }
    Ok(text)
}

#[derive(Serialize)]
struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'a str,
    choices: Vec<Choice>,
    /// Always set on the whole object; on chunks absent unless `include_usage`, then `null` on
    /// every chunk but the usage one.
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Option<Usage>>,
}

#[derive(Serialize)]
struct Choice {
    text: String,
    index: u32,
    logprobs: Option<Logprobs>,
    finish_reason: Option<&'static str>,
}

/// A plausible logprobs object for the tokens of a text: the mock is certain of every word, so
/// each logprob is `0.0` and each `top_logprobs` entry holds only the chosen token. `text_offset`
/// counts characters from the start of the prompt, as if it were echoed.
#[derive(Serialize, Debug, Default, PartialEq)]
pub struct Logprobs {
    pub tokens: Vec<String>,
    pub token_logprobs: Vec<f64>,
    pub top_logprobs: Vec<BTreeMap<String, f64>>,
    pub text_offset: Vec<usize>,
}

impl Logprobs {
    fn push(&mut self, piece: &Piece) {
        for (token, offset) in &piece.tokens {
            self.tokens.push(token.clone());
            self.token_logprobs.push(0.0);
            self.top_logprobs
                .push(BTreeMap::from([(token.clone(), 0.0)]));
            self.text_offset.push(*offset);
        }
    }
}

/// One streamed piece of a choice: the echoed prompt, or one completion token.
#[derive(Debug, Clone, PartialEq)]
struct Piece {
    text: String,
    /// The tokens in `text` with their character offsets from the start of the prompt.
    tokens: Vec<(String, usize)>,
    /// Generated tokens are paced; the echoed prompt is not.
    paced: bool,
}

/// What one prompt's choices say: the pieces in order and why they end.
struct Planned {
    pieces: Vec<Piece>,
    finish: &'static str,
    /// Generated tokens, for `usage`.
    generated: u64,
}

/// One prompt's choices: the scripted text when a fixture rule answered, else `--reply` or the
/// echo of this prompt.
fn plan(app: &App, rq: &CompletionRequest, prompt: &str, scripted: Option<&str>) -> Planned {
    let full = match (scripted, &app.config.reply) {
        (Some(text), _) => text.to_string(),
        (None, Some(fixed)) => fixed.clone(),
        (None, None) => text::echo(prompt),
    };
    let choices = rq.prompts.len() as u64 * u64::from(rq.n);
    let text = Text::plan_shared(&full, &rq.stop, Some(rq.max_tokens), choices);
    let prompt_chars = prompt.chars().count();
    let mut pieces = Vec::with_capacity(text.count() as usize + 1);
    if rq.echo && !prompt.is_empty() {
        // The echoed prompt shares the response budget too: n copies of an 8 MB prompt would not fit.
        let share = text::MAX_RESPONSE_BYTES / choices as usize;
        let prompt = &prompt[..text::floor_char_boundary(prompt, prompt.len().min(share))];
        pieces.push(Piece {
            text: prompt.to_string(),
            tokens: with_offsets(Text::plan(prompt, &[], None).tokens(), 0),
            paced: false,
        });
    }
    let mut offset = prompt_chars;
    for token in text.tokens() {
        pieces.push(Piece {
            text: token.to_string(),
            tokens: vec![(token.to_string(), offset)],
            paced: true,
        });
        offset += token.chars().count();
    }
    Planned {
        pieces,
        finish: text.finish.as_str(),
        generated: text.count(),
    }
}

fn with_offsets<'a>(tokens: impl Iterator<Item = &'a str>, start: usize) -> Vec<(String, usize)> {
    let mut offset = start;
    tokens
        .map(|t| {
            let at = offset;
            offset += t.chars().count();
            (t.to_string(), at)
        })
        .collect()
}

pub fn handle(app: &App, body: &[u8], headers: &[(String, String)]) -> Result<Answer, ApiError> {
    let obj = parse_object(body)?;
    let rq = CompletionRequest::from_object(&obj)?;
    app.check_model(&rq.model)?;
    let mut view = View::new(Endpoint::Completions, &rq.model, &obj, headers);
    view.last = rq.prompts.last().map_or("", String::as_str);
    view.last_user = view.last;
    // Tool calls and refusals have no place here: they are sent as text (see `script::as_text`).
    let said = match script::scripted(&app.script(), &view) {
        Some(said) => Some(said?),
        None => None,
    };
    let scripted = said.as_ref().map(|s| script::as_text(&s.content));
    let mut planned: Vec<Planned> = rq
        .prompts
        .iter()
        .map(|p| plan(app, &rq, p, scripted.as_deref()))
        .collect();
    let said = said.unwrap_or_else(|| Said::plain(script::Content::Text(String::new())));
    if let Some(finish) = said.finish {
        planned.iter_mut().for_each(|p| p.finish = finish.as_str());
    }
    let prompt_tokens = rq.prompts.iter().map(|p| text::count_words(p)).sum();
    let generated: u64 = planned.iter().map(|p| p.generated).sum();
    let usage = Usage::new(said.usage, prompt_tokens, generated * u64::from(rq.n));
    let frame = Frame {
        id: crate::ids::alnum("cmpl-", 29),
        created: crate::ids::unix_now(),
        model: &rq.model,
        fingerprint: &app.fingerprint,
    };
    if rq.stream {
        return Ok(super::said_stream(
            app,
            &said,
            stream_events(&rq, &planned, &frame, usage),
        ));
    }
    let mut choices = Vec::with_capacity(planned.len() * rq.n as usize);
    for (p, plan) in planned.iter().enumerate() {
        let text: String = plan
            .pieces
            .iter()
            .map(|piece| piece.text.as_str())
            .collect();
        for k in 0..rq.n {
            let logprobs = rq.logprobs.map(|_| {
                let mut l = Logprobs::default();
                plan.pieces.iter().for_each(|piece| l.push(piece));
                l
            });
            choices.push(Choice {
                text: text.clone(),
                index: p as u32 * rq.n + k,
                logprobs,
                finish_reason: Some(plan.finish),
            });
        }
    }
    Ok(super::said_json(
        &said,
        &frame.object(choices, Some(Some(usage))),
    ))
}

/// The chunk sequence: for each step, the step's piece of every choice that still has one (the
/// first paced piece of a step carries the pause), then a finish chunk per choice with `text: ""`,
/// the usage chunk when asked, then `[DONE]`.
fn stream_events(
    rq: &CompletionRequest,
    planned: &[Planned],
    frame: &Frame,
    usage: Usage,
) -> Vec<Event> {
    let pending = rq.include_usage.then_some(None);
    let steps = planned.iter().map(|p| p.pieces.len()).max().unwrap_or(0);
    let mut events = Vec::with_capacity((steps + 1) * planned.len() * rq.n as usize + 2);
    for step in 0..steps {
        let mut paused = false;
        for (p, plan) in planned.iter().enumerate() {
            let Some(piece) = plan.pieces.get(step) else {
                continue;
            };
            for k in 0..rq.n {
                let paced = piece.paced && !paused;
                paused |= paced;
                let logprobs = rq.logprobs.map(|_| {
                    let mut l = Logprobs::default();
                    l.push(piece);
                    l
                });
                let choice = Choice {
                    text: piece.text.clone(),
                    index: p as u32 * rq.n + k,
                    logprobs,
                    finish_reason: None,
                };
                events.push(Event::json(
                    None,
                    &frame.object(vec![choice], pending),
                    paced,
                ));
            }
        }
    }
    for (p, plan) in planned.iter().enumerate() {
        for k in 0..rq.n {
            let choice = Choice {
                text: String::new(),
                index: p as u32 * rq.n + k,
                logprobs: rq.logprobs.map(|_| Logprobs::default()),
                finish_reason: Some(plan.finish),
            };
            events.push(Event::json(
                None,
                &frame.object(vec![choice], pending),
                false,
            ));
        }
    }
    if rq.include_usage {
        events.push(Event::json(
            None,
            &frame.object(Vec::new(), Some(Some(usage))),
            false,
        ));
    }
    events.push(Event::done());
    events
}

/// What the whole object and every chunk of one stream share.
struct Frame<'a> {
    id: String,
    created: u64,
    model: &'a str,
    fingerprint: &'a str,
}

impl Frame<'_> {
    fn object(&self, choices: Vec<Choice>, usage: Option<Option<Usage>>) -> Completion<'_> {
        Completion {
            id: &self.id,
            object: "text_completion",
            created: self.created,
            model: self.model,
            system_fingerprint: self.fingerprint,
            choices,
            usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<CompletionRequest, ApiError> {
        CompletionRequest::parse(v.to_string().as_bytes())
    }

    #[test]
    fn token_prompts_read_as_numbers_joined_by_spaces() {
        assert_eq!(
            token_text(&[json!(1212), json!(318)]),
            Ok("1212 318".into())
        );
        assert_eq!(token_text(&[json!(7)]), Ok("7".into()));
        assert_eq!(token_text(&[json!(1), json!(-2)]), Err(1));
        assert_eq!(token_text(&[json!(1.5)]), Err(0));
    }

    #[test]
    fn all_four_prompt_shapes_parse() {
        let prompts = |p: Value| parse(json!({"model": "m", "prompt": p})).map(|r| r.prompts);
        assert_eq!(prompts(json!("hi")).unwrap(), ["hi"]);
        assert_eq!(prompts(json!(["a", "b"])).unwrap(), ["a", "b"]);
        assert_eq!(prompts(json!([1, 2])).unwrap(), ["1 2"]);
        assert_eq!(prompts(json!([[1], [2, 3]])).unwrap(), ["1", "2 3"]);
        let param = |p: Value| prompts(p).unwrap_err().param.clone().unwrap();
        assert_eq!(param(json!([])), "prompt");
        assert_eq!(param(json!(["a", 1])), "prompt[1]");
        assert_eq!(param(json!([1, "a"])), "prompt[1]");
        assert_eq!(param(json!([[1], []])), "prompt[1]");
        assert_eq!(param(json!([[1], [2, 0.5]])), "prompt[1][1]");
        assert_eq!(param(json!([true])), "prompt[0]");
        assert_eq!(param(json!(3)), "prompt");
    }

    #[test]
    fn defaults_follow_the_spec() {
        let rq = parse(json!({"model": "m", "prompt": "x"})).unwrap();
        assert_eq!(
            (rq.n, rq.max_tokens, rq.echo, rq.logprobs),
            (1, 16, false, None)
        );
    }

    #[test]
    fn offsets_count_characters() {
        let t = with_offsets(["hé", " llo"].into_iter(), 3);
        assert_eq!(t, [("hé".to_string(), 3), (" llo".to_string(), 5)]);
    }
}
