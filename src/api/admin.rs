//! The admin paths under `/_oaimock/`: the request journal, fixture rules added at run time, and
//! a reset. On by default on loopback, behind `--api-key` when one is set, off with `--no-admin`.

use serde::Serialize;

use super::percent_decode;
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};
use crate::journal::RecordedRequest;

/// The admin operations, one per method and path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admin {
    /// `GET /_oaimock/requests?path=…&scope=…`
    Requests,
    /// `DELETE /_oaimock/requests?scope=…`
    ClearRequests,
    /// `POST /_oaimock/fixtures` with a fixture file as the body.
    AddFixtures,
    /// `DELETE /_oaimock/fixtures`: removes the rules added at run time.
    ClearFixtures,
    /// `POST /_oaimock/reset?scope=…`: sequences, rate-limit counters, random draws, journal.
    Reset,
}

#[derive(Serialize)]
struct List {
    object: &'static str,
    data: Vec<RecordedRequest>,
}

#[derive(Serialize)]
struct Count {
    count: usize,
}

#[derive(Serialize)]
struct Added {
    added: usize,
    runtime_rules: usize,
}

#[derive(Serialize)]
struct Reset<'a> {
    reset: bool,
    scope: Option<&'a str>,
}

/// `name=value` from the query string, percent-decoded.
fn query<'a>(info: &'a Head, name: &str) -> Option<String> {
    info.query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value): (&'a str, &'a str)| percent_decode(&value.replace('+', " ")))
}

/// The scope asked for: `?scope=`, else the `x-oaimock-scope` header.
fn scope(info: &Head) -> Option<String> {
    query(info, "scope").or_else(|| crate::faults::scope_of(&info.headers).map(String::from))
}

pub(crate) fn handle(
    app: &App,
    admin: Admin,
    info: &Head,
    body: &[u8],
) -> Result<Answer, ApiError> {
    let scope = scope(info);
    let scope = scope.as_deref();
    Ok(match admin {
        Admin::Requests => {
            let path = query(info, "path");
            Answer::json(&List {
                object: "list",
                data: app.journal.list(path.as_deref(), scope),
            })
        }
        Admin::ClearRequests => Answer::json(&Count {
            count: app.journal.clear(scope),
        }),
        Admin::AddFixtures => {
            let text = String::from_utf8_lossy(body);
            let rules = crate::fixtures::parse("request body", &text).map_err(|e| {
                ApiError::invalid(
                    "body",
                    "invalid_fixture",
                    format!("Invalid fixture rules: {}", e.problems.join("; ")),
                )
            })?;
            let (added, runtime_rules) = app.add_rules(rules);
            Answer::json(&Added {
                added,
                runtime_rules,
            })
        }
        Admin::ClearFixtures => Answer::json(&Count {
            count: app.clear_rules(),
        }),
        Admin::Reset => {
            app.reset(scope);
            Answer::json(&Reset { reset: true, scope })
        }
    })
}
