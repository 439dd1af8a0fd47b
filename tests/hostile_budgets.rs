//! Hostile inputs that cost the server more than their own size: each is refused by a documented
//! limit (a 400 naming it), or answered within a budget, and the server settles afterwards
//! (`common::hostile::Watch`: alive, threads and descriptors back, peak RSS within 64 MiB plus
//! four times the attack's bytes). Each attack is sized so that the code before its limit would
//! have broken that bound; each test prints the RSS rise it measured.

mod common;

use std::time::Duration;

use common::hostile::Watch;
use common::post;

/// `n` copies of `item` joined by commas.
fn repeat(item: &str, n: usize) -> String {
    let mut out = String::with_capacity((item.len() + 1) * n);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out
}

/// Asserts a 400 whose message contains `names` (the limit and its value).
fn refused(got: &common::Got, names: &str) {
    assert_eq!(got.status, 400, "{}", got.body);
    let message = got.error()["message"].as_str().unwrap_or("").to_string();
    assert!(message.contains(names), "{message}");
}

#[test]
fn a_body_of_tiny_objects_is_refused_before_its_tree_is_built() {
    let mut watch = Watch::start(&[]);
    // 300,000 `{"":0}` in 2 MiB: about 200 MiB of tree before the budget, each time.
    let body = format!(
        r#"{{"model":"m","prompt":"x","user":[{}]}}"#,
        repeat(r#"{"":0}"#, 300_000)
    );
    let url = format!("{}/v1/completions", watch.url());
    for _ in 0..4 {
        refused(&post(&url, &body), "500000 JSON values");
        watch.answers_within(Duration::from_secs(1));
    }
    let rise = watch.settles(body.len());
    eprintln!(
        "parse budget: 4 x {} KiB bodies, RSS rise {rise} KiB",
        body.len() / 1024
    );
    // Just under the budget: accepted, and its tree fits the same bound.
    let body = format!(
        r#"{{"model":"m","max_tokens":1,"prompt":[{}]}}"#,
        repeat("7", 490_000)
    );
    let got = post(&format!("{}/v1/completions", watch.url()), &body);
    assert_eq!(got.status, 200, "{}", got.body);
    let rise = watch.settles(body.len());
    eprintln!(
        "parse budget: an accepted {} KiB body, RSS rise {rise} KiB",
        body.len() / 1024
    );
}
