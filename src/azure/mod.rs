//! Azure OpenAI in front of the route table: `/openai/deployments/{deployment}/…` and
//! `/openai/…` with `api-version`, and the `/openai/v1/…` surface without it, rewritten onto the
//! OpenAI paths every family already answers, so a family added to the table gets its Azure
//! routes with no code here. This module also checks Azure's keys (`api-key` or a bearer token),
//! puts the deployment's model into the body, and turns answers into Azure's: its error bodies,
//! its headers, its rate-limit headers, and the content-filter results of [`filter`].

mod body;
mod errors;
pub(crate) mod filter;

use crate::api::{self, Route};
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Body, Head};

pub(crate) use filter::Filter;

/// The longest deployment name, as Azure allows when a deployment is created; a longer one in a
/// path or in `--azure-deployments` is refused.
pub(crate) const MAX_DEPLOYMENT_BYTES: usize = 64;

/// The oldest dated `api-version` accepted (Azure's first GA version of the data plane).
const OLDEST_VERSION: &str = "2022-12-01";

/// An admitted request on an Azure path.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// The deployment named in the path, if any.
    pub deployment: Option<String>,
    /// The model the deployment answers as (the name itself unless `--azure-deployments` maps it).
    pub model: Option<String>,
    /// What `x-oaimock-azure-filter` asks the content filter to do.
    pub filter: Option<Filter>,
}

/// An Azure path split into its deployment and the OpenAI path it stands for.
struct Parsed<'a> {
    deployment: Option<&'a str>,
    rest: &'a str,
    classic: bool,
}

fn split(path: &str) -> Option<Parsed<'_>> {
    let rest = path.strip_prefix("/openai")?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    if let Some(v1) = rest.strip_prefix("/v1")
        && (v1.is_empty() || v1.starts_with('/'))
    {
        return Some(Parsed {
            deployment: None,
            rest: v1,
            classic: false,
        });
    }
    if let Some(scoped) = rest.strip_prefix("/deployments/") {
        let name = scoped.split('/').next().unwrap_or(scoped);
        return Some(Parsed {
            deployment: Some(name),
            rest: &scoped[name.len()..],
            classic: true,
        });
    }
    Some(Parsed {
        deployment: None,
        rest,
        classic: true,
    })
}

/// The route and call for an Azure path, `None` for any other path. An `Err` is the answer:
/// Azure's 404 for a path it does not serve or a classic route without `api-version`, its 400 for
/// a version it does not support, its 401 for a missing or wrong key.
pub(crate) fn admit(app: &App, head: &Head) -> Option<Result<(Route, Call), Box<Answer>>> {
    let parsed = split(&head.path)?;
    Some(admit_parsed(app, head, parsed))
}

fn admit_parsed(app: &App, head: &Head, parsed: Parsed<'_>) -> Result<(Route, Call), Box<Answer>> {
    let deployment = match parsed.deployment {
        None => None,
        Some(raw) => {
            let name = api::percent_decode(raw);
            if name.is_empty() {
                return Err(errors::not_found());
            }
            if name.len() > MAX_DEPLOYMENT_BYTES {
                return Err(Box::new(Answer::error(ApiError::invalid(
                    "deployment",
                    "invalid_value",
                    format!(
                        "The deployment name has {} bytes, more than the limit of {MAX_DEPLOYMENT_BYTES} bytes.",
                        name.len()
                    ),
                ))));
            }
            Some(name)
        }
    };
    let route = match api::route(&head.method, parsed.rest) {
        Ok(route) if route.is_api() || route == Route::Preflight => route,
        Ok(_) => return Err(errors::not_found()),
        // With --upstream, an Azure path oaimock does not serve is the upstream's, as it came.
        Err(e) if e.status == 404 && app.upstream.is_some() => Route::Upstream,
        Err(e) if e.status == 404 => return Err(errors::not_found()),
        Err(e) => return Err(Box::new(Answer::error(e))),
    };
    if route == Route::Preflight {
        return Ok((route, call(app, deployment, None)));
    }
    check_version(
        query_value(&head.query, "api-version").as_deref(),
        parsed.classic,
    )?;
    authorize(app, head)?;
    let filter = filter::requested(&head.headers).map_err(|e| Box::new(Answer::error(e)))?;
    Ok((route, call(app, deployment, filter)))
}

fn call(app: &App, deployment: Option<String>, filter: Option<Filter>) -> Call {
    let model = deployment.as_ref().map(|name| {
        app.config
            .azure_deployments
            .iter()
            .find(|(d, _)| d == name)
            .map_or_else(|| name.clone(), |(_, model)| model.clone())
    });
    Call {
        deployment,
        model,
        filter,
    }
}

/// `api-version`: required on classic routes, a date from [`OLDEST_VERSION`] on, `-preview`
/// allowed; on `/openai/v1/…` absent, `preview`, `latest` or `v1`.
fn check_version(version: Option<&str>, classic: bool) -> Result<(), Box<Answer>> {
    let supported = match (version, classic) {
        (None, true) => return Err(errors::not_found()),
        (None, false) => true,
        (Some(v), false) => matches!(v, "preview" | "latest" | "v1"),
        (Some(v), true) => {
            let date = v.strip_suffix("-preview").unwrap_or(v);
            is_date(date) && date >= OLDEST_VERSION
        }
    };
    if supported {
        Ok(())
    } else {
        Err(errors::version_not_supported())
    }
}

/// `YYYY-MM-DD` with a month 01-12 and a day 01-31.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && ("01"..="12").contains(&&s[5..7])
        && ("01"..="31").contains(&&s[8..10])
}

/// The first value of `key` in a query string, percent-decoded.
fn query_value(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| api::percent_decode(&v.replace('+', " ")))
}

/// The `api-key` header or `Authorization: Bearer` (an Entra ID token), against `--api-key`.
fn authorize(app: &App, head: &Head) -> Result<(), Box<Answer>> {
    let Some(expected) = &app.config.api_key else {
        return Ok(());
    };
    let key = head
        .headers
        .iter()
        .find(|(n, _)| n == "api-key")
        .map(|(_, v)| v.trim());
    if let Some(key) = key {
        return match api::constant_time_eq(key.as_bytes(), expected.as_bytes()) {
            true => Ok(()),
            false => Err(errors::bad_key()),
        };
    }
    api::authorize(app, head).map_err(|_| match head.authorization {
        Some(_) => errors::bad_token(),
        None => errors::missing_key(),
    })
}

/// The body the family reads: on a deployment route, its `model` is the deployment's model
/// (Azure ignores the client's), in a JSON object or a multipart form; any other body goes to
/// the family unchanged.
pub(crate) fn body(call: &Call, head: &Head, body: &[u8]) -> Option<Vec<u8>> {
    let content_type = head
        .headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str());
    body::with_model(content_type, body, call.model.as_ref()?)
}

/// Makes an answer Azure's: its error bodies (401, 404 and 429 are Azure's own; a 400 with code
/// `content_filter` gets Azure's inner error), its response headers, and its rate-limit headers.
pub(crate) fn finish(call: &Call, answer: &mut Answer) {
    if answer.status >= 400
        && let Some(replaced) = errors::azure_body(call, answer)
    {
        answer.body = Body::Json(replaced);
    }
    // Azure reports what is left, and when to come back after a 429; not the window's limit or
    // reset, which are OpenAI's headers.
    answer.headers.retain(|(name, _)| {
        !(name.starts_with("x-ratelimit-limit-") || name.starts_with("x-ratelimit-reset-"))
    });
    let id = uuid();
    answer.headers.push(("apim-request-id".into(), id));
    answer
        .headers
        .push(("x-ms-region".into(), "East US".into()));
    if let Some(deployment) = &call.deployment {
        answer
            .headers
            .push(("x-ms-deployment-name".into(), deployment.clone()));
    }
}

/// The filtered prompt's 400 when `x-oaimock-azure-filter: prompt` asks for it on a route whose
/// prompt Azure filters (chat, completions, responses); elsewhere the header changes nothing.
pub(crate) fn refuse_prompt(call: &Call, route: &Route) -> Option<Answer> {
    let filtered = matches!(
        route,
        Route::ChatCompletions | Route::Completions | Route::Responses
    );
    if call.filter != Some(Filter::Prompt) || !filtered {
        return None;
    }
    let mut answer = Answer::new(
        400,
        Body::Json(crate::http::to_json(&errors::prompt_filtered(), 512)),
    );
    answer.source = Some("azure content filter".into());
    Some(answer)
}

/// `x-oaimock-azure-filter` on an OpenAI route is a 400: the filter exists only on Azure routes.
pub(crate) fn refuse_outside(head: &Head) -> Result<(), ApiError> {
    match head.headers.iter().any(|(n, _)| n == filter::HEADER) {
        false => Ok(()),
        true => Err(ApiError::invalid(
            filter::HEADER,
            "invalid_value",
            format!(
                "'{}' applies only to Azure routes (/openai/...).",
                filter::HEADER
            ),
        )),
    }
}

/// A random UUID (version 4 layout), as Azure's request ids are.
fn uuid() -> String {
    let (a, b) = (crate::ids::next_u64(), crate::ids::next_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests;
