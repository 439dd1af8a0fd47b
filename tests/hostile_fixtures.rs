//! Hostile fixture rules that cost the server more than their own size: run-time rules, bytes and
//! sequence replies are capped, usage saturates, silent duplicates are refused, globs cost about
//! their text, and scripted error headers cannot add header lines. Each is refused by a documented
//! limit (a 400 naming it) and the server settles afterwards (`common::hostile::Watch`); each test
//! prints the RSS rise it measured. The other budgets are in hostile_budgets.rs, whose notes on
//! `settles` hold here too.

mod common;

use std::time::Duration;

use common::budgets::{refused, repeat};
use common::hostile::Watch;
use common::{agent, chat_body, post};

/// `DELETE url`, its status; the connection is closed before this returns.
fn delete(url: &str) -> u16 {
    agent().delete(url).call().expect("sent").status().as_u16()
}

#[test]
fn fixtures_added_at_run_time_are_capped_in_rules_bytes_and_sequence_replies() {
    let mut watch = Watch::start(&[]);
    let url = format!("{}/_oaimock/fixtures", watch.url());
    // A 599,000-reply sequence in 7.4 MiB: 1.9 GiB, and 1.67 GB kept after DELETE.
    let huge = format!(
        r#"[{{"reply":{{"sequence":[{}]}}}}]"#,
        repeat(r#"{"text":""}"#, 599_000)
    );
    refused(
        &post(&url, &huge),
        "limit of 1048576 bytes added at run time",
    );
    let long = format!(
        r#"[{{"reply":{{"sequence":[{}]}}}}]"#,
        repeat(r#"{"text":""}"#, 1001)
    );
    refused(&post(&url, &long), "limit of 1000 replies in a sequence");
    // Up to the rule limit, in posts of 250 rules of 30 replies each; then one rule more.
    let rule = |i: usize| {
        format!(
            r#"{{"match":{{"user":{{"contains":"zz{i}"}}}},"reply":{{"sequence":[{}]}}}}"#,
            repeat(r#"{"text":"a"}"#, 30)
        )
    };
    let mut posted = 0;
    for post_no in 0..4 {
        let rules: Vec<String> = (0..250).map(|i| rule(post_no * 250 + i)).collect();
        let body = format!("[{}]", rules.join(","));
        posted += body.len();
        let got = post(&url, &body);
        assert_eq!(got.status, 200, "{}", got.body);
        watch.answers_within(Duration::from_secs(1));
    }
    refused(
        &post(&url, &format!("[{}]", rule(1000))),
        "limit of 1000 rules added at run time",
    );
    assert_eq!(delete(&url), 200);
    let rise = watch.settles(huge.len() + posted);
    eprintln!(
        "run-time fixtures: a {} KiB post refused, 1000 rules ({} KiB) kept: RSS rise {rise} KiB",
        huge.len() / 1024,
        posted / 1024
    );
}

#[test]
fn fixture_usage_saturates_and_silent_duplicates_are_refused() {
    let mut watch = Watch::start(&[]);
    let fixtures = format!("{}/_oaimock/fixtures", watch.url());
    // Sums that wrapped: a total of 0 in a release build, a 500 in a debug one.
    let usage = r#"[{"reply":{"text":"hi","usage":{"prompt_tokens":18446744073709551615,"completion_tokens":1}}}]"#;
    assert_eq!(post(&fixtures, usage).status, 200);
    let got = post(
        &format!("{}/v1/chat/completions", watch.url()),
        &chat_body("x", ""),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.json()["usage"]["total_tokens"], u64::MAX);
    assert_eq!(delete(&fixtures), 200);
    // Keys given twice, and header matchers that differ only in case, passed silently.
    refused(
        &post(&fixtures, r#"[{"reply":{"text":"a","text":"b"}}]"#),
        "rule 0: reply: duplicate key `text`",
    );
    refused(
        &post(
            &fixtures,
            r#"[{"match":{"headers":{"X-A":"1","x-a":"2"}},"reply":{"text":"a"}}]"#,
        ),
        "`X-A` and `x-a` name the same header",
    );
    let rise = watch.settles(0);
    eprintln!("fixture sums and duplicates: RSS rise {rise} KiB");
}

#[test]
fn globs_cost_about_their_text_and_are_bounded() {
    let mut watch = Watch::start(&[]);
    let fixtures = format!("{}/_oaimock/fixtures", watch.url());
    // 1 KB globs over a 4 MB message took 6.7 s a request: pattern × text.
    let long = format!(
        r#"[{{"match":{{"user":{{"glob":"*{}"}}}},"reply":{{"text":"a"}}}}]"#,
        "a".repeat(1023)
    );
    refused(&post(&fixtures, &long), "limit of 256 characters in a glob");
    // The longest globs, each a worst case for backtracking: a long literal and a long piece with
    // `?`, never matching a message of 4 MB of `a`.
    let rules = format!(
        r#"[{{"match":{{"user":{{"glob":"*{}b"}}}},"reply":{{"text":"no"}}}},
            {{"match":{{"user":{{"glob":"*{}b*"}}}},"reply":{{"text":"no"}}}}]"#,
        "a".repeat(254),
        "a?".repeat(126)
    );
    let message = "a".repeat(4 * 1024 * 1024);
    let chat = format!("{}/v1/chat/completions", watch.url());
    // The fastest of two requests, so one stall of a shared machine does not decide the ratio.
    let fastest = || {
        (0..2)
            .map(|_| {
                let started = std::time::Instant::now();
                let got = post(&chat, &chat_body(&message, r#""max_tokens":1"#));
                assert_eq!(got.status, 200);
                assert!(!got.body.contains("\"no\""), "{}", &got.body[..200]);
                started.elapsed()
            })
            .min()
            .unwrap()
    };
    let without = fastest();
    assert_eq!(post(&fixtures, &rules).status, 200);
    let took = fastest();
    // Matching costs about the text once per glob, so the two rules add about two passes to a
    // request that parses and echoes 4 MB; pattern × text (256 × 4 MB) would be hundreds of times
    // the request. The bound compares two timings of the same run, not a wall-clock figure.
    assert!(
        took < without * 4 + Duration::from_millis(500),
        "two globs over 4 MB took {took:?}, the request without them {without:?}"
    );
    watch.answers_within(Duration::from_secs(1));
    let rise = watch.settles(message.len());
    eprintln!(
        "globs: two of 256 characters over 4 MB in {took:?} ({without:?} without), RSS rise {rise} KiB"
    );
}

#[test]
fn scripted_error_headers_cannot_add_header_lines() {
    let mut watch = Watch::start(&[]);
    let fixtures = format!("{}/_oaimock/fixtures", watch.url());
    // A name with CR/LF added any header to the response (`Set-Cookie`); framing headers broke it.
    for (headers, names) in [
        (
            r#"{"x-a\r\nSet-Cookie":"session=stolen"}"#,
            "is not a header name",
        ),
        (
            r#"{"x-a":"1\r\nSet-Cookie: session=stolen"}"#,
            "holds a line break",
        ),
        (
            r#"{"Transfer-Encoding":"identity"}"#,
            "is set by the server",
        ),
    ] {
        let rule = format!(r#"[{{"reply":{{"error":{{"status":429,"headers":{headers}}}}}}}]"#);
        refused(&post(&fixtures, &rule), names);
    }
    let got = post(
        &format!("{}/v1/chat/completions", watch.url()),
        &chat_body("x", ""),
    );
    assert_eq!(got.status, 200, "no rule was added");
    assert!(got.header("set-cookie").is_none());
    let rise = watch.settles(0);
    eprintln!("error headers: RSS rise {rise} KiB");
}
