//! The admin paths under `/_oaimock/`: the request journal, fixture rules added at run time, and
//! a reset. On by default on loopback, behind `--api-key` when one is set, off with `--no-admin`.

use serde::Serialize;

use super::percent_decode;
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Head};
use crate::journal::{self, Filter, Listed, ListedEntry};

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
    /// `POST /_oaimock/reset?scope=…`: sequences, rate-limit counters, random draws, journal,
    /// stored objects.
    Reset,
}

#[derive(Serialize)]
struct List<'a> {
    object: &'static str,
    data: Vec<ListedEntry<'a>>,
    /// More entries match than this page holds: ask again with `?after=` the last `seq`.
    has_more: bool,
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

/// A whole number from the query string, or a 400 naming it.
fn number(info: &Head, name: &str) -> Result<Option<u64>, ApiError> {
    query(info, name)
        .map(|value| {
            value.trim().parse().map_err(|_| {
                ApiError::invalid(
                    name,
                    "invalid_value",
                    format!(
                        "Invalid '{name}': expected a whole number, but got '{value}' instead."
                    ),
                )
            })
        })
        .transpose()
}

/// `GET /_oaimock/requests?path=…&scope=…&after=SEQ&limit=N`: one page of the journal, its bodies
/// listed as sent (see [`journal::MAX_LIST_ENTRIES`] and [`journal::MAX_LIST_BYTES`]).
fn list(app: &App, info: &Head, scope: Option<&str>) -> Result<Answer, ApiError> {
    let path = query(info, "path");
    let limit = match number(info, "limit")? {
        None => journal::MAX_LIST_ENTRIES,
        Some(n @ 1..) if n as usize <= journal::MAX_LIST_ENTRIES => n as usize,
        Some(n) => {
            let max = journal::MAX_LIST_ENTRIES;
            return Err(ApiError::invalid(
                "limit",
                "invalid_value",
                format!(
                    "Invalid 'limit': expected 1 to {max} (the limit on entries per page), but got {n} instead."
                ),
            ));
        }
    };
    let filter = Filter {
        path: path.as_deref(),
        scope,
    };
    let page = app.journal.page(&filter, number(info, "after")?, limit);
    let data = page
        .entries
        .iter()
        .map(|(entry, body)| ListedEntry {
            entry,
            body: Listed::of(body),
        })
        .collect();
    Ok(Answer::json(&List {
        object: "list",
        data,
        has_more: page.has_more,
    }))
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
        Admin::Requests => list(app, info, scope)?,
        Admin::ClearRequests => Answer::json(&Count {
            count: app.journal.clear(scope),
        }),
        Admin::AddFixtures => {
            // The sizes that can be checked before the rules are read are checked first.
            let (count, bytes) = app.runtime_size();
            crate::app::check_runtime(count, bytes + body.len())?;
            super::fields::check_budget(body)?;
            let text = String::from_utf8_lossy(body);
            let rules = crate::fixtures::parse("request body", &text).map_err(|e| {
                ApiError::invalid(
                    "body",
                    "invalid_fixture",
                    format!("Invalid fixture rules: {}", e.problems.join("; ")),
                )
            })?;
            let (added, runtime_rules) = app.post_rules(rules)?;
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
