//! A batch's timeline and its work. Over its duration D from creation: `validating` for the
//! first tenth, `in_progress` to eight tenths (line i is due at an even share of that span),
//! `finalizing` to D, then `completed`. A cancel at c is `cancelling` for a tenth of D, then
//! `cancelled` with the lines due before c; past its window a batch is `expired`.
//!
//! Nothing runs in the background: a read of the batch ([`advance`]: a retrieve, a cancel, or a
//! list for the batches on its page) runs the lines that are due (at most [`MAX_LINES_PER_READ`]
//! per read, a list sharing them over its page, outside the store's lock, through
//! [`crate::api::handle`] as a live request would), and the read that finds the batch over
//! writes its output and error files.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Value, json};

use super::{BATCH, Batch, Done, Line, errors_object};
use crate::api::filestore::{self, StoredFile};
use crate::app::App;
use crate::error::ApiError;
use crate::http::{Answer, Body, Head};

/// The most lines one read runs: a retrieve or cancel of a batch, or a list over the batches on
/// its page together; the rest wait for the next read.
pub(crate) const MAX_LINES_PER_READ: usize = 1000;

/// The timeline of a batch, in unix milliseconds.
struct Times {
    in_progress: u64,
    finalizing: u64,
    end: u64,
    expires: u64,
}

fn times(b: &Batch) -> Times {
    let d = b.duration_ms;
    Times {
        in_progress: b.created_ms + d / 10,
        finalizing: b.created_ms + d * 8 / 10,
        end: b.created_ms + d,
        expires: b.created_ms.saturating_add(b.window_ms),
    }
}

/// How many lines are due by `at`.
fn due(b: &Batch, at: u64) -> usize {
    let t = times(b);
    let n = b.lines.len();
    if at < t.in_progress {
        return 0;
    }
    let span = t.finalizing - t.in_progress;
    if span == 0 {
        return n;
    }
    let done = (at - t.in_progress) as u128 * n as u128 / span as u128;
    done.min(n as u128) as usize
}

/// The last moment lines may run: now, or the cancel, or the end of the window.
fn run_until(b: &Batch, now: u64) -> u64 {
    now.min(b.cancel_ms.unwrap_or(u64::MAX))
        .min(times(b).expires)
}

/// Where the batch ends and when, once that time has come.
fn ending(b: &Batch, now: u64) -> Option<(&'static str, u64)> {
    let t = times(b);
    let mut ends = vec![("completed", t.end), ("expired", t.expires)];
    if let Some(c) = b.cancel_ms {
        ends.push(("cancelled", c + b.duration_ms / 10));
    }
    ends.into_iter()
        .filter(|(_, at)| *at <= now)
        .min_by_key(|(_, at)| *at)
}

/// The status at `now`; an end whose files are not written yet shows as the step before it.
pub(crate) fn status(b: &Batch, now: u64) -> &'static str {
    if let Some(done) = &b.done {
        return done.status;
    }
    let t = times(b);
    if now < t.in_progress {
        return "validating";
    }
    if !b.errors.is_empty() {
        return "failed";
    }
    if b.cancel_ms.is_some() {
        return "cancelling";
    }
    match ending(b, now) {
        Some(_) => "finalizing",
        None if now < t.finalizing => "in_progress",
        None => "finalizing",
    }
}

/// The `batch` object at `now`.
pub(crate) fn resource(b: &Batch, now: u64) -> Value {
    let t = times(b);
    let s = |ms: u64| ms / 1000;
    let status = status(b, now);
    let mut v = json!({
        "id": b.id,
        "object": "batch",
        "endpoint": b.endpoint,
        "input_file_id": b.input_file_id,
        "completion_window": "24h",
        "status": status,
        "created_at": s(b.created_ms),
        "expires_at": s(t.expires),
    });
    let mut set = |key: &str, value: Value| {
        v[key] = value;
    };
    if let Some(model) = &b.model {
        set("model", json!(model));
    }
    if let Some(m) = &b.metadata {
        set("metadata", json!(m));
    }
    let failed = status == "failed";
    if failed && b.done.is_none() {
        set("errors", errors_object(&b.errors));
        set("failed_at", json!(s(t.in_progress)));
    } else if status != "validating" {
        set("in_progress_at", json!(s(t.in_progress)));
    }
    let stopped = b.cancel_ms.unwrap_or(u64::MAX).min(t.expires);
    if now >= t.finalizing && stopped >= t.finalizing && !failed {
        set("finalizing_at", json!(s(t.finalizing)));
    }
    if let Some(c) = b.cancel_ms {
        set("cancelling_at", json!(s(c)));
    }
    if let Some(done) = &b.done {
        let key = match done.status {
            "completed" => "completed_at",
            "cancelled" => "cancelled_at",
            "expired" => "expired_at",
            _ => "failed_at",
        };
        set(key, json!(s(done.at_ms)));
        if let Some(id) = &done.output_file_id {
            set("output_file_id", json!(id));
        }
        if let Some(id) = &done.error_file_id {
            set("error_file_id", json!(id));
        }
        if done.status == "failed" {
            set("errors", errors_object(&b.errors));
        }
    }
    let ok = b.results.iter().filter(|r| r.1).count();
    let total = if b.errors.is_empty() {
        b.lines.len()
    } else {
        0
    };
    let mut failed_count = b.results.len() - ok;
    if b.done.as_ref().is_some_and(|d| d.status == "expired") {
        failed_count += b.lines.len() - b.results.len();
    }
    v["request_counts"] = json!({"total": total, "completed": ok, "failed": failed_count});
    v
}

/// Does the work that is due for batch `id` of `scope`: runs the lines due (at most `budget`),
/// and writes the output files once the batch is over. Returns how many lines it ran. A no-op for
/// an unknown id.
pub(crate) fn advance(app: &App, scope: &str, id: &str, budget: usize) -> Result<usize, ApiError> {
    let now = crate::ids::unix_millis();
    // Claim the lines that are due, so that two readers never run the same line.
    let claim = app
        .store
        .update::<Batch, _>(scope, BATCH, id, Batch::size, |b| {
            if b.done.is_some() || !b.errors.is_empty() {
                return Ok(None);
            }
            let until = due(b, run_until(b, now)).min(b.next + budget);
            if until <= b.next {
                return Ok(None);
            }
            let range = b.next..until;
            b.next = until;
            b.running += range.len();
            Ok(Some((
                range,
                b.lines.clone(),
                b.endpoint.clone(),
                b.headers.clone(),
            )))
        })?;
    let mut ran = 0;
    if let Some(Some((range, lines, endpoint, headers))) = claim {
        let head = Head {
            method: "POST".into(),
            path: endpoint.clone(),
            query: String::new(),
            http10: false,
            close: false,
            authorization: None,
            headers,
        };
        let route = crate::api::route("POST", &endpoint)?;
        let count = range.len();
        ran = count;
        let results: Vec<(usize, bool, String)> = range
            .map(|i| {
                let (ok, line) = run_line(app, &route, &head, &lines[i]);
                (i, ok, line)
            })
            .collect();
        let stored = app
            .store
            .update::<Batch, ()>(scope, BATCH, id, Batch::size, |b| {
                b.results.extend(results.iter().cloned());
                b.running -= count;
                Ok(())
            });
        if let Err(e) = stored {
            fail(app, scope, id, now, &e);
            return Ok(ran);
        }
    }
    finish(app, scope, id, now)?;
    Ok(ran)
}

/// Ends a batch whose results outgrew the store: `failed`, with the limit as its error.
fn fail(app: &App, scope: &str, id: &str, now: u64, e: &ApiError) {
    let _ = app.store.update::<Batch, ()>(scope, BATCH, id, |_| 1024, |b| {
        b.results.clear();
        b.running = 0;
        b.errors = vec![json!({"code": "output_too_large", "message": e.message, "param": null, "line": null})];
        b.done = Some(Done {
            status: "failed",
            at_ms: now,
            output_file_id: None,
            error_file_id: None,
        });
        Ok(())
    });
}

/// Writes the output and error files of a batch that is over and has run its lines.
fn finish(app: &App, scope: &str, id: &str, now: u64) -> Result<(), ApiError> {
    let claim = app
        .store
        .update::<Batch, _>(scope, BATCH, id, Batch::size, |b| {
            if b.done.is_some() || b.finalizing || b.running > 0 || !b.errors.is_empty() {
                return Ok(None);
            }
            let Some((end, at)) = ending(b, now) else {
                return Ok(None);
            };
            if b.next < due(b, run_until(b, now)) {
                return Ok(None);
            }
            b.finalizing = true;
            Ok(Some((end, at, b.clone())))
        })?;
    let Some(Some((end, at, b))) = claim else {
        return Ok(());
    };
    let mut results = b.results.clone();
    results.sort_by_key(|r| r.0);
    let mut output = String::new();
    let mut errors = String::new();
    for (_, ok, line) in &results {
        let into = if *ok { &mut output } else { &mut errors };
        into.push_str(line);
        into.push('\n');
    }
    if end == "expired" {
        for line in &b.lines[b.next..] {
            let expired = json!({
                "id": crate::ids::hex("batch_req_", 32),
                "custom_id": line.custom_id,
                "response": null,
                "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."},
            });
            errors.push_str(&expired.to_string());
            errors.push('\n');
        }
    }
    let write = |kind: &str, text: String| -> Result<Option<String>, ApiError> {
        if text.is_empty() {
            return Ok(None);
        }
        filestore::check_size(app, text.len())?;
        let name = format!("{}_{kind}.jsonl", b.id);
        let file = StoredFile::new(
            &name,
            "batch_output",
            "application/octet-stream",
            text.into_bytes(),
        );
        let id = file.id.clone();
        filestore::put(app, scope, file)?;
        Ok(Some(id))
    };
    let files = write("output", output).and_then(|o| Ok((o, write("error", errors)?)));
    let (output_file_id, error_file_id) = match files {
        Ok(ids) => ids,
        Err(e) => {
            fail(app, scope, id, now, &e);
            return Ok(());
        }
    };
    app.store
        .update::<Batch, ()>(scope, BATCH, id, Batch::size, |b| {
            b.done = Some(Done {
                status: end,
                at_ms: at,
                output_file_id: output_file_id.clone(),
                error_file_id: error_file_id.clone(),
            });
            Ok(())
        })?;
    Ok(())
}

/// One line through the live dispatch: a random fault (`--fault-rate`) or the endpoint's answer,
/// with fixture rules and their scripted errors. Whether it succeeded, and its output line.
fn run_line(app: &App, route: &crate::api::Route, head: &Head, line: &Line) -> (bool, String) {
    let answer = match app.chaos.draw().0 {
        Some(error) => Answer::error(error),
        None => {
            let handled = catch_unwind(AssertUnwindSafe(|| {
                crate::api::handle(app, route, head, &line.body)
            }));
            match handled {
                Ok(Ok(answer)) => answer,
                Ok(Err(exit)) => Answer::exit(exit),
                Err(_) => Answer::error(ApiError::internal("a handler panicked")),
            }
        }
    };
    let (status, body) = match &answer.body {
        Body::Json(bytes) => (
            answer.status,
            serde_json::from_slice(bytes).unwrap_or(Value::Null),
        ),
        Body::Events(_) => {
            let e = ApiError::invalid(
                "body.stream",
                "invalid_value",
                "Streaming is not supported in the Batch API: 'stream' must be false or absent.",
            );
            (
                e.status,
                serde_json::from_slice(&e.body()).unwrap_or(Value::Null),
            )
        }
        Body::Data(..) | Body::Empty | Body::Relay(_) => (answer.status, Value::Null),
    };
    let out = json!({
        "id": crate::ids::hex("batch_req_", 32),
        "custom_id": line.custom_id,
        "response": {
            "status_code": status,
            "request_id": crate::ids::hex("req_", 32),
            "body": body,
        },
        "error": null,
    });
    ((200..300).contains(&status), out.to_string())
}
