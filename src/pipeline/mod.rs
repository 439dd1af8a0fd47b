//! Between the transport and the endpoints, with no socket in sight: [`admit`] a request head
//! (header limits, route, API key, `x-oaimock-*` headers), then [`answer`] it (random faults, the
//! rate limit, the handler under `catch_unwind`, stream faults), and record it in the journal.

mod guards;

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use crate::api::{self, Route};
use crate::app::App;
use crate::azure;
use crate::error::{ApiError, Exit};
use crate::faults::RequestFaults;
use crate::http::{Answer, Head};
use crate::journal::Record;

/// The most request headers, and header bytes, answered normally; beyond either, 431. The
/// transport has already read them into memory by then (quirk Q4), but the client learns why.
const MAX_HEADERS: usize = 200;
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// A head that may go on to its handler.
pub(crate) struct Admitted {
    pub route: Route,
    faults: RequestFaults,
    journaled: bool,
    /// An admin path: its answers carry no CORS headers.
    admin: bool,
    /// An Azure path (`/openai/...`): its deployment, and its answers made Azure's.
    azure: Option<azure::Call>,
}

impl Admitted {
    /// What the journal keeps of this request when it ends before the handler runs.
    pub(crate) fn exchange(&self, body: Vec<u8>) -> Exchange {
        Exchange {
            journaled: self.journaled,
            scope: self.faults.scope.clone(),
            body,
        }
    }
}

/// What the journal keeps of a request.
#[derive(Default)]
pub(crate) struct Exchange {
    journaled: bool,
    scope: Option<String>,
    body: Vec<u8>,
}

/// Checks the head: header limits, route, key and `x-oaimock-*` headers. An `Err` is the answer.
pub(crate) fn admit(app: &App, head: &Head) -> Result<Admitted, Box<Answer>> {
    let header_bytes: usize = head
        .headers
        .iter()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum();
    if head.headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        let message = format!(
            "Request header fields too large: {} headers, {header_bytes} bytes (at most {MAX_HEADERS} headers and {MAX_HEADER_BYTES} bytes).",
            head.headers.len()
        );
        return Err(Box::new(Answer::closing(ApiError::new(
            431,
            "invalid_request_error",
            Some("request_header_fields_too_large"),
            message,
        ))));
    }
    guards::framing(head).map_err(|e| Box::new(Answer::closing(e)))?;
    let refuse = |e| Box::new(Answer::error(e));
    let (route, azure) = match azure::admit(app, head) {
        Some(admitted) => {
            let (route, call) = admitted?;
            (route, Some(call))
        }
        None => {
            azure::refuse_outside(head).map_err(refuse)?;
            let route = match api::route(&head.method, &head.path) {
                Ok(route) => route,
                // With --upstream, a path oaimock does not know is the upstream's (never an admin one).
                Err(_) if app.upstream.is_some() && !head.path.starts_with("/_oaimock") => {
                    Route::Upstream
                }
                Err(e) => return Err(refuse(e)),
            };
            (route, None)
        }
    };
    let admin = guards::is_admin(&route, head);
    if admin && let Err(e) = guards::admin(head, &app.config.host) {
        let mut answer = Answer::error(e);
        answer.cors = false;
        return Err(Box::new(answer));
    }
    // An Azure route has checked its own keys (`api-key` or a bearer token).
    if route.needs_key() && azure.is_none() {
        api::authorize(app, head).map_err(refuse)?;
    }
    let faults = RequestFaults::from_headers(&head.headers).map_err(refuse)?;
    let journaled = route.is_api() && app.journal.enabled();
    Ok(Admitted {
        route,
        faults,
        journaled,
        admin,
        azure,
    })
}

/// Answers an admitted request: an injected or random fault, the rate limit, or the handler's
/// answer (a panic becomes a 500) with the stream faults the request asks for. On an Azure route
/// the answer is then made Azure's, whichever of these decided it.
pub(crate) fn answer(
    app: &App,
    head: &Head,
    admitted: Admitted,
    body: Vec<u8>,
) -> (Answer, Exchange) {
    let call = admitted.azure.clone();
    let (mut answer, exchange) = answer_openai(app, head, admitted, body);
    if let Some(call) = call.filter(|_| !relayed(&answer)) {
        azure::finish(&call, &mut answer);
    }
    (answer, exchange)
}

fn answer_openai(app: &App, head: &Head, admitted: Admitted, body: Vec<u8>) -> (Answer, Exchange) {
    let Admitted {
        route,
        faults,
        journaled,
        admin,
        azure,
    } = admitted;
    let mut exchange = Exchange {
        journaled,
        scope: faults.scope.clone(),
        body: Vec::new(),
    };
    let (chaos, seed) = if route.is_api() {
        app.chaos.draw()
    } else {
        (None, 0)
    };
    if let Some(error) = faults.error.or(chaos) {
        let mut answer = Answer::error(error);
        answer.source = Some("fault".into());
        exchange.body = body;
        return (answer, exchange);
    }
    let mut limit_headers = Vec::new();
    if route.is_api() && app.limits.enabled() {
        let scope = faults.scope.as_deref().unwrap_or("");
        match app.limits.admit(scope, prompt_tokens(&body)) {
            Ok(headers) => limit_headers = headers,
            Err(error) => {
                exchange.body = body;
                let mut answer = Answer::error(error);
                answer.source = Some("rate limit".into());
                return (answer, exchange);
            }
        }
    }
    if let Some(answer) = azure
        .as_ref()
        .and_then(|call| azure::refuse_prompt(call, &route))
    {
        exchange.body = body;
        return (answer, exchange);
    }
    // On a deployment route the family reads the deployment's model; the upstream and the journal
    // get the body as it was sent.
    let rewritten = azure
        .as_ref()
        .and_then(|call| azure::body(call, head, &body));
    let input = rewritten.as_deref().unwrap_or(&body);
    let handled = catch_unwind(AssertUnwindSafe(|| api::handle(app, &route, head, input)));
    let forwarded = match (&handled, &app.upstream) {
        (Ok(Err(e)), Some(upstream)) if route.is_api() && forwards(e) => {
            Some(upstream.forward(head, route.endpoint(), &body))
        }
        _ => None,
    };
    if exchange.journaled {
        exchange.body = body;
    }
    let mut answer = match (forwarded, handled) {
        (Some(forwarded), _) => forwarded,
        (None, Ok(Ok(answer))) => answer,
        (None, Ok(Err(exit))) => Answer::exit(exit),
        (None, Err(panic)) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a handler panicked".to_string());
            Answer::error(ApiError::internal(&detail))
        }
    };
    // An upstream's answer (--upstream) is relayed as it came, Azure's fields included.
    if let Some(call) = azure.as_ref().filter(|_| !relayed(&answer)) {
        azure::filter::apply(call.filter, &mut answer);
    }
    faults.stream.apply(&mut answer, seed);
    answer.headers.extend(limit_headers);
    answer.cors = !admin;
    (answer, exchange)
}

/// Whether the answer is an upstream's, relayed as it came (Azure's fields included).
fn relayed(answer: &Answer) -> bool {
    answer.source.as_deref() == Some("upstream")
}

/// Whether a handler's exit sends the request upstream: no fixture rule matched it, or the
/// handler refused it before any rule was tried (the upstream is the judge of what it accepts).
/// A rule's own error or recording is answered here.
fn forwards(exit: &Exit) -> bool {
    match exit {
        Exit::Forward => true,
        Exit::Refused(error) => error.source.is_none(),
        Exit::Replay(_) => false,
    }
}

/// Records the request in the journal before its answer is written; the entry's number, if kept.
pub(crate) fn journal(
    app: &App,
    head: &Head,
    exchange: &Exchange,
    status: u16,
    source: Option<&str>,
) -> Option<u64> {
    exchange.journaled.then(|| {
        let fallback = if status < 400 { "built-in" } else { "error" };
        app.journal.record(Record {
            scope: exchange.scope.as_deref(),
            method: &head.method,
            path: &head.path,
            headers: &head.headers,
            body: &exchange.body,
            answered_by: source.unwrap_or(fallback),
            status,
        })
    })
}

/// How the writing went, for the journal's timings and the access log.
pub(crate) struct Done {
    pub started: Instant,
    pub first_byte: Option<Instant>,
    pub status: u16,
    /// Why the client stopped reading, if it did.
    pub written: Option<io::Error>,
}

/// Completes the journal entry and writes the access-log line (unless `--quiet`).
pub(crate) fn finish(app: &App, head: &Head, entry: Option<u64>, done: Done) {
    if let Some(seq) = entry {
        let ttft = done
            .first_byte
            .map(|t| t.duration_since(done.started).as_millis() as u64);
        app.journal
            .finish(seq, ttft, done.started.elapsed().as_millis() as u64);
    }
    if !app.config.quiet {
        let ms = done.started.elapsed().as_millis();
        let note = match done.written {
            None => String::new(),
            Some(e) => format!(" (client gone: {e})"),
        };
        let line = format!(
            "{} {} {} {ms}ms{note}\n",
            head.method, head.path, done.status
        );
        crate::stderr::line(line);
    }
}

/// What a rate limit counts for a request: the words in its JSON strings (the prompt, roughly).
fn prompt_tokens(body: &[u8]) -> u64 {
    fn words(value: &serde_json::Value) -> u64 {
        match value {
            serde_json::Value::String(s) => crate::text::count_words(s),
            serde_json::Value::Array(items) => items.iter().map(words).sum(),
            serde_json::Value::Object(map) => map.values().map(words).sum(),
            _ => 0,
        }
    }
    // A body over the parse budget is refused by its handler; its tree is not built here either.
    if api::fields::check_budget(body).is_err() {
        return 0;
    }
    serde_json::from_slice(body).map_or(0, |v| words(&v))
}
