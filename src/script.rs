//! What the "model" says to one request, decided once for every endpoint. Each endpoint reduces
//! its request to a [`View`] of the conversation; [`decide`] then takes the first fixture rule that
//! matches it, or else the built-in behaviour:
//! 1. `tool_choice` names a function → a call of it, whatever the conversation holds;
//! 2. `tool_choice` is `"required"` → a call: before any call, of the tool named in the last user
//!    message, else the first; after one, of the first tool (in declaration order) not called yet
//!    in the conversation, else the last declared. A forced choice is always a call, as the API's
//!    is, even when the conversation ends with tool results;
//! 3. the conversation ends with tool results → the echo of them (or `--reply`): text, so agent
//!    loops with `"auto"` end;
//! 4. `tool_choice` is `"auto"` and `--auto-tool-calls` is on → a call as for `"required"`
//!    before any call;
//! 5. otherwise the echo (or `--reply`), shaped as JSON when `response_format` / `text.format`
//!    asks for `json_schema` (an instance of the schema) or `json_object`: an instance of the
//!    JSON Schema or of the example object the messages show (`schema::prompted`), else
//!    `{"echo": ...}`.
//!
//! A call's arguments are generated from the tool's JSON Schema.

use std::sync::Arc;

use serde::Serialize;

use serde_json::Value;

use crate::conversation::{Call, Content, Endpoint, Format, Said, Tool, ToolChoice, View};
use crate::error::{ApiError, Exit};
use crate::fixtures::RuleSet;
use crate::schema::{self, Limit, MAX_INSTANCE_BYTES};
use crate::text::{self, MAX_RESPONSE_BYTES};

mod plan;
pub(crate) use plan::{Plan, argument_pieces};

/// What the script reads besides the request: the rules in the order they are tried, and the
/// flags that change the built-in reply.
pub(crate) struct Script<'a> {
    /// Rules added at run time, oldest first, then the `--fixtures` rules.
    pub rules: Vec<Arc<RuleSet>>,
    pub file_rules: Option<&'a RuleSet>,
    /// `--reply`: said instead of the echo.
    pub reply: Option<&'a str>,
    /// `--auto-tool-calls`.
    pub auto_tool_calls: bool,
    /// What a request no rule matches gets.
    pub unmatched: Unmatched,
}

/// What a request that no fixture rule matches gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unmatched {
    /// The built-in reply (the echo, generated calls, schema instances).
    BuiltIn,
    /// Forwarded to `--upstream` by the pipeline.
    Forward,
    /// `--strict`: a 400 naming the closest rules.
    Refuse,
}

/// The reply to `view`: the first matching fixture rule's, else the built-in one. A scripted
/// error or recording comes back as `Err`, carrying its `ttft_ms` as the delay before it is sent.
pub(crate) fn decide(script: &Script, view: &View) -> Result<Said, Exit> {
    match scripted(script, view) {
        Some(said) => said,
        None => Ok(built_in(script, view)?),
    }
}

/// The built-in reply alone, for a caller that has seen no fixture rules are loaded.
pub(crate) fn built_in(script: &Script, view: &View) -> Result<Said, ApiError> {
    built_in_content(script, view).map(Said::plain)
}

/// The reply of the first matching fixture rule, if one matches. When none does and the
/// built-in reply is not wanted, the exit that says so: forward (`--upstream`) or refuse
/// (`--strict`).
pub(crate) fn scripted(script: &Script, view: &View) -> Option<Result<Said, Exit>> {
    let picked = script
        .rules
        .iter()
        .find_map(|rules| rules.pick(view))
        .or_else(|| script.file_rules?.pick(view));
    match (picked, script.unmatched) {
        (Some(picked), _) => Some(picked),
        (None, Unmatched::BuiltIn) => None,
        (None, Unmatched::Forward) => Some(Err(Exit::Forward)),
        (None, Unmatched::Refuse) => {
            let sets = script.rules.iter().map(|r| r.as_ref());
            let sets: Vec<&RuleSet> = sets.chain(script.file_rules).collect();
            Some(Err(crate::fixtures::nearest::refusal(&sets, view).into()))
        }
    }
}

#[derive(Serialize)]
struct CallText<'a> {
    name: &'a str,
    arguments: &'a str,
}

/// The content as plain text, for endpoints without tool calls or refusals: the text, the
/// refusal's text, or the calls as a JSON array of `{"name", "arguments"}`.
pub(crate) fn as_text(content: &Content) -> String {
    match content {
        Content::Text(text) | Content::Refusal(text) => text.clone(),
        Content::Calls(calls) => {
            let calls: Vec<CallText> = calls
                .iter()
                .map(|c| CallText {
                    name: &c.name,
                    arguments: &c.arguments,
                })
                .collect();
            serde_json::to_string(&calls).expect("serializes")
        }
    }
}

fn built_in_content(script: &Script, view: &View) -> Result<Content, ApiError> {
    let fixed = script.reply;
    let ends_with_results = !view.trailing_results.is_empty();
    let tool = match &view.tool_choice {
        ToolChoice::Named(name) => view.tools.iter().find(|t| &t.name == name),
        ToolChoice::Required => forced_tool(view),
        ToolChoice::Auto if script.auto_tool_calls && !ends_with_results => mentioned_tool(view),
        _ => None,
    };
    if tool.is_none() && ends_with_results {
        let quoted = view.trailing_results.join("\n");
        let text = match fixed {
            Some(text) => text.to_string(),
            None => text::echo(&quoted),
        };
        return Ok(Content::Text(shape(view, text, fixed.unwrap_or(&quoted))?));
    }
    if let Some(tool) = tool {
        let seed = fixed.unwrap_or(view.last_user);
        return Ok(Content::Calls(vec![Call {
            name: tool.name.clone(),
            arguments: arguments(view, tool, seed)?,
        }]));
    }
    let text = match fixed {
        Some(text) => text.to_string(),
        None => text::echo(view.last),
    };
    Ok(Content::Text(shape(
        view,
        text,
        fixed.unwrap_or(view.last),
    )?))
}

/// How many choices the response carries: chat's `n` (validated by then: an integer from 1 to
/// 128, perhaps written `128.0`), else one.
fn choices(view: &View) -> usize {
    let n = match (view.endpoint, view.body.get("n")) {
        (Endpoint::Chat, Some(Value::Number(n))) => n.as_f64().unwrap_or(1.0),
        _ => 1.0,
    };
    n.clamp(1.0, 128.0) as usize
}

/// Generated arguments for a call of `tool`, as JSON text. Every choice carries them, so they
/// get the choice's share of `MAX_RESPONSE_BYTES` (and at most `MAX_INSTANCE_BYTES`): generation
/// stops at the share, and the 400 names the tool's schema.
fn arguments(view: &View, tool: &Tool, seed: &str) -> Result<String, ApiError> {
    let choices = choices(view);
    let share = MAX_RESPONSE_BYTES / choices;
    let (max, bound) = if share < MAX_INSTANCE_BYTES {
        let bound = format!(
            "{share} bytes, the share of each of the n = {choices} choices (each carries the \
             arguments) in the response limit of {MAX_RESPONSE_BYTES} bytes (MAX_RESPONSE_BYTES)"
        );
        (share, bound)
    } else {
        (MAX_INSTANCE_BYTES, instance_bound())
    };
    match schema::instance(&tool.parameters, Some(seed), max) {
        Ok(arguments) => Ok(arguments.to_string()),
        Err(limit) => Err(refusal(&tool_param(view, tool), &limit, &bound)),
    }
}

fn instance_bound() -> String {
    format!("{MAX_INSTANCE_BYTES} bytes (MAX_INSTANCE_BYTES)")
}

/// The 400 for a schema past a limit, naming the schema's parameter.
fn refusal(param: &str, limit: &Limit, bound: &str) -> ApiError {
    ApiError::invalid(
        param,
        "invalid_value",
        format!("Invalid '{param}': {}", limit.message(bound)),
    )
}

/// Where `tool`'s schema is in the request: `tools[i].function.parameters` in chat,
/// `tools[i].parameters` in the Responses API, `i` counting every tool (`view.tools` has only
/// the function tools).
fn tool_param(view: &View, tool: &Tool) -> String {
    let nth = view.tools.iter().position(|t| std::ptr::eq(t, tool));
    let listed = view.body.get("tools").and_then(Value::as_array);
    let is_function = |t: &&Value| t.get("type").and_then(Value::as_str) == Some("function");
    let index = match (nth, listed) {
        (Some(nth), Some(listed)) => listed
            .iter()
            .enumerate()
            .filter(|(_, t)| is_function(t))
            .nth(nth)
            .map_or(nth, |(i, _)| i),
        (nth, _) => nth.unwrap_or(0),
    };
    match view.endpoint {
        Endpoint::Chat => format!("tools[{index}].function.parameters"),
        _ => format!("tools[{index}].parameters"),
    }
}

/// The tool `"required"` calls: before any call, the mentioned tool; after one, the first tool
/// not called yet, else the last declared.
fn forced_tool<'v>(view: &'v View) -> Option<&'v Tool> {
    if view.called.is_empty() {
        return mentioned_tool(view);
    }
    view.tools
        .iter()
        .find(|t| !view.called.contains(&t.name))
        .or(view.tools.last())
}

/// The tool whose name the last user message mentions, else the first tool.
fn mentioned_tool<'v>(view: &'v View) -> Option<&'v Tool> {
    view.tools
        .iter()
        .find(|t| view.last_user.contains(t.name.as_str()))
        .or(view.tools.first())
}

#[derive(Serialize)]
struct Echo<'a> {
    echo: &'a str,
}

/// The text as the requested format wants it: itself, `{"echo": seed}`, or a schema instance
/// whose first free string is `seed` (of at most `MAX_INSTANCE_BYTES`: text is cut to each
/// choice's share afterwards, as any text is).
fn shape(view: &View, text: String, seed: &str) -> Result<String, ApiError> {
    Ok(match &view.format {
        // instructor's MD_JSON: no JSON mode, the schema in the prompt, the answer wanted in a
        // fenced block. Without a schema or example in the prompt, the text stays the echo.
        // The view collects the prompts in text mode only for such an ask.
        Format::Text if !view.prompts.is_empty() => match prompted(view, seed) {
            Some(instance) => format!("```json\n{instance}\n```"),
            None => text,
        },
        Format::Text => text,
        Format::JsonObject => prompted(view, seed)
            .unwrap_or_else(|| serde_json::to_string(&Echo { echo: seed }).expect("serializes")),
        Format::JsonSchema(schema) => {
            match schema::instance(schema, Some(seed), MAX_INSTANCE_BYTES) {
                Ok(instance) => instance.to_string(),
                Err(limit) => {
                    let param = match view.endpoint {
                        Endpoint::Chat => "response_format",
                        _ => "text.format",
                    };
                    return Err(refusal(param, &limit, &instance_bound()));
                }
            }
        }
    })
}

/// JSON mode's answer when the prompt shows a JSON Schema or an example object: an instance of
/// it whose first free string is `seed` (less the schema, when `seed` is the message holding
/// it). `None` when the prompt shows neither, or when its schema passes a generation limit: the
/// prompt is not a parameter to refuse, so the echo object answers then.
fn prompted(view: &View, seed: &str) -> Option<String> {
    let scan = schema::prompted::scan(&view.prompts)?;
    let rest = (scan.text == seed).then(|| scan.rest());
    let text = match &rest {
        Some(rest) if rest.is_empty() => None,
        Some(rest) => Some(rest.as_str()),
        None => Some(seed),
    };
    let schema = scan.found.schema();
    let instance = schema::instance(&schema, text, MAX_INSTANCE_BYTES).ok()?;
    Some(instance.to_string())
}
