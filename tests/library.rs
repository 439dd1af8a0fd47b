//! The library as a Rust test uses it: a server from the builder, rules mounted in-process (typed
//! and as fixture JSON), the journal read without HTTP, reset, and start errors.

mod common;

use oaimock::{Rule, Server, StartError};
use serde_json::{Value, json};

fn chat(server: &Server, user: &str) -> Value {
    let body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": user}]});
    common::agent()
        .post(format!("{}/v1/chat/completions", server.url()))
        .send_json(&body)
        .expect("answered")
        .body_mut()
        .read_json()
        .expect("JSON")
}

fn content(answer: &Value) -> &str {
    answer["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_else(|| panic!("no content: {answer}"))
}

#[test]
fn a_rule_answers_and_the_journal_shows_what_was_sent() {
    let server = Server::builder()
        .rule(
            Rule::new()
                .named("weather")
                .user("*weather*")
                .reply_text("Sunny"),
        )
        .start()
        .unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert_eq!(content(&chat(&server, "what's the weather?")), "Sunny");
    let echo = chat(&server, "hello");
    assert_eq!(
        content(&echo),
        "As a mock AI Assistant, I can only echo your last message: hello"
    );
    let seen = server.requests();
    let answered: Vec<(&str, &str, u16)> = seen
        .iter()
        .map(|r| (r.path.as_str(), r.answered_by.as_str(), r.status))
        .collect();
    assert_eq!(
        answered,
        [
            ("/v1/chat/completions", "rule 0 (weather)", 200),
            ("/v1/chat/completions", "built-in", 200)
        ]
    );
    assert_eq!(seen[1].body["messages"][0]["content"], "hello");
    assert_eq!(seen[0].method, "POST");
}

#[test]
fn typed_rules_speak_the_fixture_vocabulary() {
    let server = Server::builder().start().unwrap();
    server
        .mount(
            Rule::new()
                .endpoint("chat")
                .user_contains("Paris")
                .reply_tool_call("get_weather", json!({"city": "Paris"})),
        )
        .unwrap();
    server
        .mount(
            Rule::new()
                .header("x-test", "boom")
                .reply_error(429, "slow down"),
        )
        .unwrap();
    let call = chat(&server, "weather in Paris");
    let calls = &call["choices"][0]["message"]["tool_calls"];
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    assert_eq!(calls[0]["function"]["arguments"], r#"{"city":"Paris"}"#);
    assert_eq!(call["choices"][0]["finish_reason"], "tool_calls");
    let limited = common::agent()
        .post(format!("{}/v1/chat/completions", server.url()))
        .header("x-test", "boom")
        .send_json(json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}))
        .unwrap();
    assert_eq!(limited.status(), 429);
    // A rule without a reply is refused, and nothing is mounted.
    let error = server.mount(Rule::new().user("*")).unwrap_err();
    assert!(error.to_string().contains("reply"), "{error}");
    assert_eq!(content(&chat(&server, "hi")).split(": ").last(), Some("hi"));
}

#[test]
fn fixture_json_mounts_all_or_nothing_and_clear_and_reset_start_over() {
    let server = Server::builder().start().unwrap();
    let sequence = r#"[{"reply": {"sequence": [{"text": "one"}, {"text": "two"}]}}]"#;
    assert_eq!(server.mount_json(sequence).unwrap(), 1);
    assert!(
        server
            .mount_json(
                r#"[{"reply": {"text": "x"}}, {"match": {"modle": "m"}, "reply": {"text": "y"}}]"#
            )
            .is_err()
    );
    assert_eq!(content(&chat(&server, "a")), "one");
    assert_eq!(content(&chat(&server, "b")), "two");
    server.reset();
    assert!(server.requests().is_empty());
    assert_eq!(content(&chat(&server, "c")), "one");
    server.clear_rules();
    assert!(content(&chat(&server, "d")).ends_with(": d"));
}

#[test]
fn the_builder_sets_any_flag_and_a_busy_port_is_a_bind_error() {
    let server = Server::builder()
        .reply("fixed")
        .config(|c| c.models = vec!["only-model".into()])
        .start()
        .unwrap();
    assert_eq!(content(&chat(&server, "hi")), "fixed");
    let port = server.addr().port();
    let taken = Server::builder().config(|c| c.port = port).start();
    assert!(
        matches!(taken, Err(StartError::Bind(_))),
        "{:?}",
        taken.err()
    );
}
