//! Azure's content filter over HTTP: `prompt_filter_results` and `content_filter_results` in
//! plain replies and streams, and the prompt or completion filtered by a header or a fixture —
//! on Azure routes only.

mod common;

use common::azure::{VERSION, completion_results, safe_prompt, url};
use common::{chat_body, post, post_with, start};
use serde_json::{Value, json};

#[test]
fn a_stream_opens_with_the_prompt_results_and_marks_each_text_chunk() {
    let server = start(|_| {});
    let got = post(
        &url(
            &server,
            &format!("/openai/deployments/d/chat/completions?{VERSION}"),
        ),
        &chat_body("one two three", r#""stream":true"#),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let chunks = got.chunks();
    assert_eq!(
        chunks[0],
        json!({"choices": [], "created": 0, "id": "", "model": "", "object": "",
               "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": safe_prompt()}]})
    );
    let rest = &chunks[1..];
    assert!(
        rest.iter()
            .all(|c| c["object"] == "chat.completion.chunk" && c["model"] == "d")
    );
    let text: String = rest
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(text.ends_with(": one two three"), "{text}");
    for chunk in rest {
        let choice = &chunk["choices"][0];
        let has_text = choice["delta"]["content"]
            .as_str()
            .is_some_and(|t| !t.is_empty());
        let expected = if has_text {
            completion_results(false)
        } else {
            json!({})
        };
        assert_eq!(choice["content_filter_results"], expected, "{chunk}");
    }
    assert_eq!(rest.last().unwrap()["choices"][0]["finish_reason"], "stop");
}

#[test]
fn the_filter_header_refuses_the_prompt_or_filters_the_completion() {
    let server = start(|_| {});
    let chat = url(
        &server,
        &format!("/openai/deployments/d/chat/completions?{VERSION}"),
    );
    let got = post_with(
        &chat,
        &chat_body("x", ""),
        &[("x-oaimock-azure-filter", "prompt")],
    );
    assert_eq!(got.status, 400);
    let e = &got.json()["error"];
    assert_eq!(e["code"], "content_filter");
    assert_eq!(e["param"], "prompt");
    assert_eq!(e["type"], Value::Null);
    assert_eq!(e["status"], 400);
    assert_eq!(e["innererror"]["code"], "ResponsibleAIPolicyViolation");
    assert_eq!(
        e["innererror"]["content_filter_result"]["violence"],
        json!({"filtered": true, "severity": "medium"})
    );

    let got = post_with(
        &chat,
        &chat_body("x y", ""),
        &[("x-oaimock-azure-filter", "completion")],
    );
    let choice = &got.json()["choices"][0];
    assert_eq!(choice["finish_reason"], "content_filter");
    assert_eq!(choice["content_filter_results"], completion_results(true));

    let got = post_with(
        &chat,
        &chat_body("x y", r#""stream":true"#),
        &[("x-oaimock-azure-filter", "completion")],
    );
    let chunks = got.chunks();
    let last = &chunks.last().unwrap()["choices"][0];
    assert_eq!(last["finish_reason"], "content_filter");
    assert_eq!(last["content_filter_results"], completion_results(true));

    let bad = post_with(
        &chat,
        &chat_body("x", ""),
        &[("x-oaimock-azure-filter", "all")],
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.error()["param"], "x-oaimock-azure-filter");
    // Only on Azure routes: OpenAI's answers carry no filter fields and refuse the header.
    let openai = post(&url(&server, "/v1/chat/completions"), &chat_body("x", ""));
    assert!(openai.json().get("prompt_filter_results").is_none());
    assert!(
        openai.json()["choices"][0]
            .get("content_filter_results")
            .is_none()
    );
    let refused = post_with(
        &url(&server, "/v1/chat/completions"),
        &chat_body("x", ""),
        &[("x-oaimock-azure-filter", "prompt")],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.error()["message"]
            .as_str()
            .unwrap()
            .contains("only to Azure routes")
    );
}

#[test]
fn fixture_rules_filter_the_prompt_or_the_completion() {
    let server = start(|_| {});
    server
        .mount_json(
            r#"[{"match": {"user": {"contains": "forbidden"}}, "reply": {"error": {"status": 400, "code": "content_filter"}}},
                {"match": {"user": {"contains": "cut"}}, "reply": {"text": "partial", "finish_reason": "content_filter"}}]"#,
        )
        .unwrap();
    let chat = url(
        &server,
        &format!("/openai/deployments/d/chat/completions?{VERSION}"),
    );
    let got = post(&chat, &chat_body("a forbidden prompt", ""));
    assert_eq!(got.status, 400);
    assert_eq!(
        got.json()["error"]["innererror"]["code"],
        "ResponsibleAIPolicyViolation"
    );
    let got = post(&chat, &chat_body("cut it", ""));
    let choice = &got.json()["choices"][0];
    assert_eq!(choice["message"]["content"], "partial");
    assert_eq!(choice["content_filter_results"], completion_results(true));
}

#[test]
fn the_prompt_filter_covers_chat_completions_and_responses_not_embeddings() {
    let server = start(|_| {});
    let prompt = [("x-oaimock-azure-filter", "prompt")];
    let responses = post_with(
        &url(&server, &format!("/openai/responses?{VERSION}")),
        r#"{"model": "gpt-4o", "input": "x"}"#,
        &prompt,
    );
    assert_eq!(responses.status, 400);
    assert_eq!(responses.json()["error"]["code"], "content_filter");
    let completions = post_with(
        &url(
            &server,
            &format!("/openai/deployments/d/completions?{VERSION}"),
        ),
        r#"{"prompt": "x"}"#,
        &prompt,
    );
    assert_eq!(completions.status, 400);
    let embeddings = post_with(
        &url(
            &server,
            &format!("/openai/deployments/d/embeddings?{VERSION}"),
        ),
        r#"{"input": "x"}"#,
        &prompt,
    );
    assert_eq!(embeddings.status, 200, "{}", embeddings.body);
}
