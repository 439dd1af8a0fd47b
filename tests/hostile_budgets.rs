//! Hostile inputs that cost the server more than their own size: each is refused by a documented
//! limit (a 400 naming it), or answered within a budget, and the server settles afterwards
//! (`common::hostile::Watch`: alive, threads and descriptors back, peak RSS within 64 MiB plus
//! four times the attack's bytes). Each attack is sized so that the code before its limit would
//! have broken that bound (or, for the scope and delay limits, kept memory or a worker for good);
//! each test prints the RSS rise it measured.
//!
//! One `settles` per test, at its end: every call waits for the threads to come back to the
//! baseline, and when the baseline caught a pool thread between two connections, that is the 12 s
//! the janitor and the idle pool threads take to wind down (Q1 in `src/architecture.md`).
//!
//! Hostile fixtures (run-time rules, usage, globs, scripted error headers) are in hostile_fixtures.rs.

mod common;

use std::time::Duration;

use common::budgets::{refused, repeat};
use common::hostile::Watch;
use common::{chat_body, get, post, post_with};

/// Posts `body` over a raw socket and returns the whole response, head included: ureq reads
/// at most 10 MB of a body.
fn post_raw(watch: &Watch, path: &str, body: &str) -> String {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    common::raw(watch.addr(), request.as_bytes(), Duration::from_secs(30))
}

#[test]
fn a_body_of_tiny_objects_is_refused_before_its_tree_is_built() {
    let mut watch = Watch::start(&[]);
    let url = format!("{}/v1/completions", watch.url());
    // 300,000 `{"":0}` in 2 MiB: about 200 MiB of tree each time, before the budget.
    let attack = format!(
        r#"{{"model":"m","prompt":"x","user":[{}]}}"#,
        repeat(r#"{"":0}"#, 300_000)
    );
    for _ in 0..4 {
        refused(&post(&url, &attack), "500000 JSON values");
        watch.answers_within(Duration::from_secs(1));
    }
    // Just under the budget: accepted, and its tree fits the same bound.
    let under = format!(
        r#"{{"model":"m","max_tokens":1,"prompt":[{}]}}"#,
        repeat("7", 490_000)
    );
    let got = post(&url, &under);
    assert_eq!(got.status, 200, "{}", got.body);
    let rise = watch.settles(attack.len());
    eprintln!(
        "parse budget: 4 bodies of {} KiB refused, one of {} KiB parsed: RSS rise {rise} KiB",
        attack.len() / 1024,
        under.len() / 1024
    );
}

#[test]
fn legacy_completions_cap_their_choices_and_what_the_choices_cost() {
    let mut watch = Watch::start(&["--token-delay-ms", "0"]);
    let url = format!("{}/v1/completions", watch.url());
    // 200,000 empty prompts × n 128: 25.6 million choices (5.1 GiB) from a 781 KiB body.
    let attack = format!(
        r#"{{"model":"m","n":128,"prompt":[{}]}}"#,
        repeat(r#""""#, 200_000)
    );
    refused(&post(&url, &attack), "limit of 2048 choices per request");
    // The most choices, echoing long prompts with logprobs, streamed and not: 8 GB of logprobs
    // maps before each choice's chunks and logprobs counted against the budget.
    let prompts = repeat(&format!("\"{}\"", "w ".repeat(100_000)), 16);
    let mut sizes = Vec::new();
    for stream in [true, false] {
        let body = format!(
            r#"{{"model":"m","n":128,"echo":true,"logprobs":5,"stream":{stream},"prompt":[{prompts}]}}"#
        );
        let got = post_raw(&watch, "/v1/completions", &body);
        assert!(got.starts_with("HTTP/1.1 200 "), "{}", &got[..200]);
        assert!(got.contains(r#""finish_reason":"length""#));
        sizes.push(got.len() / 1024);
        watch.answers_within(Duration::from_secs(1));
    }
    let rise = watch.settles(prompts.len());
    eprintln!(
        "completion choices: {} KiB of empty prompts refused, 2048 echoes with logprobs answered in {sizes:?} KiB: RSS rise {rise} KiB",
        attack.len() / 1024
    );
}

/// A page of the journal, without its bodies.
#[derive(serde::Deserialize)]
struct Page {
    data: Vec<Listed>,
    has_more: bool,
}

#[derive(serde::Deserialize)]
struct Listed {
    seq: u64,
}

#[test]
fn the_journal_lists_its_bodies_as_sent_a_page_at_a_time() {
    let mut watch = Watch::start(&["--journal-size", "200"]);
    // 100 bodies of 256 KiB of `[0,0,…]`: a listing parsed each into a tree of 4 to 8 MiB.
    let body = format!("[{}]", repeat("0", 131_071));
    assert!(body.len() <= 256 * 1024);
    let url = format!("{}/v1/chat/completions", watch.url());
    let headers = [("x-oaimock-error", "400"), ("x-oaimock-scope", "attack")];
    for _ in 0..100 {
        assert_eq!(post_with(&url, &body, &headers).status, 400);
    }
    let mut listed = 0;
    let mut after = String::new();
    loop {
        let got = get(&format!(
            "{}/_oaimock/requests?scope=attack&limit=1000{after}",
            watch.url()
        ));
        assert_eq!(got.status, 200, "{}", &got.body[..200.min(got.body.len())]);
        assert!(got.body.contains(r#""body":[0,0,0,"#), "listed as sent");
        let page: Page = serde_json::from_str(&got.body).unwrap();
        assert!(
            page.data.len() <= 32,
            "a page holds at most 8 MiB of bodies"
        );
        listed += page.data.len();
        watch.answers_within(Duration::from_secs(1));
        if !page.has_more {
            break;
        }
        after = format!("&after={}", page.data.last().unwrap().seq);
    }
    assert_eq!(listed, 100);
    refused(
        &get(&format!("{}/_oaimock/requests?limit=5000", watch.url())),
        "expected 1 to 1000 (the limit on entries per page)",
    );
    let rise = watch.settles(100 * body.len());
    eprintln!("journal listing: 100 bodies of 256 KiB, RSS rise {rise} KiB");
}

#[test]
fn scopes_are_bounded_in_length_and_in_number() {
    let mut watch = Watch::start(&["--rpm", "1000", "--max-scopes", "100"]);
    let url = format!("{}/v1/chat/completions", watch.url());
    let fixtures = r#"[{"match":{"user":{"equals":"count"}},"reply":{"sequence":[{"text":"first"},{"text":"again"}]}}]"#;
    let added = post(&format!("{}/_oaimock/fixtures", watch.url()), fixtures);
    assert_eq!(added.status, 200, "{}", added.body);
    // Scopes of 60 KB: each was kept for good, in the rate limit's table and the sequence's.
    let long = "s".repeat(60_000);
    for i in 0..50 {
        let scope = format!("{i}{long}");
        let got = post_with(
            &url,
            &chat_body("count", ""),
            &[("x-oaimock-scope", &scope)],
        );
        refused(&got, "limit of 256 bytes in a scope");
    }
    // Past --max-scopes distinct scopes, the least recently used are forgotten: the first
    // scope's window and sequence start over. Each request: what is left of its window, its reply.
    let send = |scope: &str| {
        let got = post_with(&url, &chat_body("count", ""), &[("x-oaimock-scope", scope)]);
        assert_eq!(got.status, 200, "{}", got.body);
        let left = got.header("x-ratelimit-remaining-requests").unwrap_or("");
        (left.to_string(), got.body)
    };
    let (left, body) = send("first");
    assert!(left == "999" && body.contains("\"first\""), "{left} {body}");
    let (left, body) = send("first");
    assert!(left == "998" && body.contains("\"again\""), "{left} {body}");
    for i in 0..300 {
        send(&format!("scope-{i}"));
    }
    let (left, body) = send("first");
    assert_eq!(left, "999", "the window was forgotten");
    assert!(
        body.contains("\"first\""),
        "the sequence starts over: {body}"
    );
    let rise = watch.settles(50 * long.len());
    eprintln!("scopes: 50 of 60 KB refused, 300 past --max-scopes 100: RSS rise {rise} KiB");
}

#[test]
fn delays_are_capped_like_the_stall() {
    let mut watch = Watch::start(&[]);
    let chat = format!("{}/v1/chat/completions", watch.url());
    for name in ["ttft-ms", "token-delay-ms", "jitter-ms", "stall-ms"] {
        let got = post_with(
            &chat,
            &chat_body("hi", r#""stream":true"#),
            &[(&format!("x-oaimock-{name}"), "18446744073709551615")],
        );
        refused(&got, "limit of 60000 ms on a delay");
    }
    // A word pause near u64::MAX over 1,001 words passed `oaimock check`, then a streamed
    // Responses request overflowed its duration arithmetic (a 500).
    let words = "w ".repeat(1001);
    let fixture =
        format!(r#"[{{"reply":{{"text":"{words}","token_delay_ms":18446744073709551615}}}}]"#);
    refused(
        &post(&format!("{}/_oaimock/fixtures", watch.url()), &fixture),
        "reply.token_delay_ms: 18446744073709551615 ms, more than the limit of 60000 ms on a delay",
    );
    let file = std::env::temp_dir().join(format!("oaimock-delay-{}.json", std::process::id()));
    std::fs::write(&file, &fixture).unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_oaimock"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(check.status.code(), Some(1));
    let problems = String::from_utf8_lossy(&check.stderr);
    assert!(
        problems.contains("limit of 60000 ms on a delay"),
        "{problems}"
    );
    let rise = watch.settles(fixture.len());
    eprintln!("delays: RSS rise {rise} KiB");
}

#[test]
fn the_journal_redacts_cookies_keys_and_the_headers_it_is_told_to() {
    let mut watch = Watch::start(&["--redact-header", "X-Tenant-Token"]);
    let secrets = [
        ("cookie", "session=s3cret; theme=dark"),
        ("x-goog-api-key", "AIzaS3cret"),
        ("x-tenant-token", "tenant-s3cret"),
        ("authorization", "Bearer sk-s3cret"),
        ("x-oaimock-scope", "secrets"),
    ];
    let got = post_with(
        &format!("{}/v1/chat/completions", watch.url()),
        &chat_body("hi", ""),
        &secrets,
    );
    assert_eq!(got.status, 200);
    let listing = get(&format!("{}/_oaimock/requests?scope=secrets", watch.url()));
    assert!(!listing.body.contains("s3cret"), "{}", listing.body);
    let entry = &listing.json()["data"][0];
    assert_eq!(entry["headers"]["cookie"], "[redacted]");
    assert_eq!(entry["headers"]["x-tenant-token"], "[redacted]");
    assert_eq!(entry["headers"]["authorization"], "Bearer [redacted]");
    let rise = watch.settles(0);
    eprintln!("journal redaction: RSS rise {rise} KiB");
}
