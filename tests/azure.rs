//! Azure OpenAI routes over HTTP: deployment and v1 paths onto the OpenAI families, api-version
//! and key errors in Azure's bodies, Azure's headers and rate-limit headers, and OpenAI's routes
//! untouched. The content filter is in `azure_filter.rs`.

mod common;

use common::azure::{VERSION, completion_results, safe_prompt, url};
use common::{chat_body, get, get_with, post, post_with, start};
use serde_json::json;

#[test]
fn a_deployment_route_answers_as_its_model_with_filter_results_and_azure_headers() {
    let server = start(|c| c.azure_deployments = vec![("prod-chat".into(), "gpt-4o".into())]);
    let got = post(
        &url(
            &server,
            &format!("/openai/deployments/prod-chat/chat/completions?{VERSION}"),
        ),
        &chat_body("hello azure", ""),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    assert_eq!(v["model"], "gpt-4o");
    assert!(
        v["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .ends_with(": hello azure")
    );
    assert_eq!(
        v["prompt_filter_results"],
        json!([{"prompt_index": 0, "content_filter_results": safe_prompt()}])
    );
    assert_eq!(
        v["choices"][0]["content_filter_results"],
        completion_results(false)
    );
    assert_eq!(got.header("x-ms-deployment-name"), Some("prod-chat"));
    assert_eq!(got.header("x-ms-region"), Some("East US"));
    let apim = got.header("apim-request-id").unwrap();
    assert_eq!(apim.len(), 36, "{apim}");
    assert!(got.header("x-request-id").is_some());
    // The journal keeps the body as it was sent.
    assert_eq!(server.requests()[0].body["model"], "gpt-4o-mini");

    // An unmapped deployment stands for the model of its name.
    let got = post(
        &url(
            &server,
            &format!("/openai/deployments/my-model/chat/completions?{VERSION}"),
        ),
        r#"{"messages":[{"role":"user","content":"no model in the body"}]}"#,
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.json()["model"], "my-model");
}

#[test]
fn classic_routes_need_a_supported_api_version_and_v1_needs_none() {
    let server = start(|_| {});
    let path = "/openai/deployments/d/chat/completions";
    let missing = post(&url(&server, path), &chat_body("x", ""));
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json(),
        json!({"error": {"code": "404", "message": "Resource not found"}})
    );
    for bad in ["2019-01-01", "latest", "2024-13-01", "2024-10-21-beta"] {
        let got = post(
            &url(&server, &format!("{path}?api-version={bad}")),
            &chat_body("x", ""),
        );
        assert_eq!(got.status, 400, "{bad}");
        assert_eq!(
            got.json(),
            json!({"error": {"code": "BadRequest", "message": "API version not supported"}})
        );
    }
    let preview = post(
        &url(&server, &format!("{path}?api-version=2025-04-01-preview")),
        &chat_body("x", ""),
    );
    assert_eq!(preview.status, 200, "{}", preview.body);
    // The v1 surface: no version, or preview; a dated one is refused as Azure does.
    let v1 = post(
        &url(&server, "/openai/v1/chat/completions"),
        &chat_body("v1", ""),
    );
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(v1.json()["model"], "gpt-4o-mini");
    assert!(v1.json()["prompt_filter_results"].is_array());
    let dated = post(
        &url(&server, &format!("/openai/v1/chat/completions?{VERSION}")),
        &chat_body("x", ""),
    );
    assert_eq!(dated.status, 400);
    // Paths Azure does not serve, and the admin paths, are Azure's 404 under /openai.
    for path in [
        "/openai/foo",
        "/openai/deployments//chat/completions",
        "/openai/_oaimock/requests",
    ] {
        let got = get(&url(&server, &format!("{path}?{VERSION}")));
        assert_eq!(got.status, 404, "{path}");
        assert_eq!(got.json()["error"]["message"], "Resource not found");
    }
    let long = "d".repeat(65);
    let got = post(
        &url(
            &server,
            &format!("/openai/deployments/{long}/chat/completions?{VERSION}"),
        ),
        &chat_body("x", ""),
    );
    assert_eq!(got.status, 400);
    assert!(
        got.error()["message"]
            .as_str()
            .unwrap()
            .contains("limit of 64 bytes")
    );
}

#[test]
fn the_api_key_header_and_bearer_tokens_are_checked_and_refused_in_azure_bodies() {
    let server = start(|c| c.api_key = Some("s3cret".into()));
    let chat = url(
        &server,
        &format!("/openai/deployments/d/chat/completions?{VERSION}"),
    );
    let body = chat_body("x", "");
    assert_eq!(
        post_with(&chat, &body, &[("api-key", "s3cret")]).status,
        200
    );
    assert_eq!(
        post_with(&chat, &body, &[("Authorization", "Bearer s3cret")]).status,
        200
    );
    let wrong = post_with(&chat, &body, &[("api-key", "nope")]);
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["error"]["code"], "401");
    assert!(
        wrong.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Access denied due to invalid subscription key")
    );
    let missing = post(&chat, &body);
    assert_eq!(missing.status, 401);
    assert!(
        missing.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing subscription key")
    );
    let token = post_with(&chat, &body, &[("Authorization", "Bearer nope")]);
    assert_eq!(token.status, 401);
    assert!(
        token.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unauthorized. Access token")
    );
    // OpenAI's routes still take only the bearer key, with OpenAI's body.
    let openai = post_with(
        &url(&server, "/v1/chat/completions"),
        &body,
        &[("api-key", "s3cret")],
    );
    assert_eq!(openai.status, 401);
    assert_eq!(openai.error()["code"], "invalid_api_key");
}

#[test]
fn completions_embeddings_responses_and_models_have_azure_routes() {
    let server = start(|_| {});
    let got = post(
        &url(
            &server,
            &format!("/openai/deployments/instruct/completions?{VERSION}"),
        ),
        r#"{"prompt": "say this"}"#,
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    assert_eq!(
        (v["object"].as_str(), v["model"].as_str()),
        (Some("text_completion"), Some("instruct"))
    );
    assert!(v["prompt_filter_results"].is_array());
    assert_eq!(
        v["choices"][0]["content_filter_results"],
        completion_results(false)
    );

    let got = post(
        &url(
            &server,
            &format!("/openai/deployments/emb/embeddings?{VERSION}"),
        ),
        r#"{"input": "vector me"}"#,
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.json()["model"], "emb");
    assert!(got.json().get("prompt_filter_results").is_none());

    let got = post(
        &url(&server, "/openai/responses?api-version=2025-04-01-preview"),
        r#"{"model": "gpt-4o", "input": "respond"}"#,
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.json()["object"], "response");

    let got = get_with(&url(&server, &format!("/openai/models?{VERSION}")), &[]);
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.json()["object"], "list");
    assert_eq!(get(&url(&server, "/openai/v1/models")).status, 200);
}

#[test]
fn the_rate_limit_speaks_azure_headers_and_body() {
    let server = start(|c| c.rpm = Some(1));
    let chat = url(
        &server,
        &format!("/openai/deployments/d/chat/completions?{VERSION}"),
    );
    let first = post(&chat, &chat_body("x", ""));
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-ratelimit-remaining-requests"), Some("0"));
    assert_eq!(first.header("x-ratelimit-limit-requests"), None);
    assert_eq!(first.header("x-ratelimit-reset-requests"), None);
    let limited = post(&chat, &chat_body("x", ""));
    assert_eq!(limited.status, 429);
    let e = &limited.json()["error"];
    assert_eq!(e["code"], "429");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Please retry after"),
        "{e}"
    );
    assert!(limited.header("retry-after-ms").is_some());
    assert!(limited.header("retry-after").is_some());
    assert_eq!(limited.header("x-ratelimit-remaining-requests"), Some("0"));
}

#[test]
fn an_unknown_deployment_under_strict_models_is_deployment_not_found() {
    let server = start(|c| {
        c.strict_models = true;
        c.azure_deployments = vec![("prod".into(), "gpt-4o".into())];
    });
    let chat = |d: &str| {
        post(
            &url(
                &server,
                &format!("/openai/deployments/{d}/chat/completions?{VERSION}"),
            ),
            &chat_body("x", ""),
        )
    };
    assert_eq!(chat("prod").status, 200);
    let missing = chat("nope");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "DeploymentNotFound");
    // A preflight needs neither a version nor a key.
    let preflight = common::raw(
        server.addr(),
        b"OPTIONS /openai/deployments/prod/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        std::time::Duration::from_secs(5),
    );
    assert!(preflight.starts_with("HTTP/1.1 204 "), "{preflight}");
}

#[test]
fn responses_streams_get_no_filter_fields_and_keep_their_events() {
    let server = start(|_| {});
    let got = post(
        &url(&server, "/openai/v1/responses"),
        r#"{"model": "gpt-4o", "input": "stream it", "stream": true}"#,
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(
        got.body.starts_with("event: response.created\n"),
        "{}",
        &got.body[..80]
    );
    assert!(!got.body.contains("filter_results"));
}

#[test]
fn through_an_upstream_azure_answers_are_relayed_as_they_came() {
    // The upstream is an oaimock too: its Azure answer already carries the filter fields and
    // headers, which the proxy must not add twice.
    let upstream = start(|_| {});
    let proxy = start(|c| c.upstream = Some(upstream.url()));
    let got = post(
        &url(
            &proxy,
            &format!("/openai/deployments/d/chat/completions?{VERSION}"),
        ),
        &chat_body("relayed", r#""stream":true"#),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let chunks = got.chunks();
    let leads = chunks.iter().filter(|c| c["object"] == "").count();
    assert_eq!(leads, 1, "{}", got.body);
    let apim = got
        .headers
        .iter()
        .filter(|(n, _)| n == "apim-request-id")
        .count();
    assert_eq!(apim, 1);
    assert_eq!(
        upstream.requests()[0].path,
        "/openai/deployments/d/chat/completions"
    );
    let unknown = post(
        &url(
            &proxy,
            &format!("/openai/deployments/d/extensions/chat?{VERSION}"),
        ),
        "{}",
    );
    assert_eq!(
        unknown.json(),
        json!({"error": {"code": "404", "message": "Resource not found"}})
    );
    let seen = proxy.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].answered_by, "upstream",
        "the unknown Azure path went upstream"
    );
}

#[test]
fn a_form_on_a_deployment_gets_the_deployment_s_model() {
    let server = start(|c| c.azure_deployments = vec![("dalle2".into(), "dall-e-2".into())]);
    let png = common::pictures::real_png(&server.url(), "256x256");
    let edit = |path: &str| {
        common::post_form(
            &url(&server, &format!("{path}?{VERSION}")),
            &[
                common::field("model", "dalle2"),
                common::field("prompt", "a hat"),
                common::pictures::typed("image", "a.png", "image/png", &png),
                common::field("size", "256x256"),
            ],
        )
    };
    let got = edit("/openai/deployments/dalle2/images/edits");
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.header("x-ms-deployment-name"), Some("dalle2"));
    // Without a deployment in the path the form's own model is read, and refused.
    let got = edit("/openai/images/edits");
    assert_eq!(got.status, 400, "{}", got.body);
    assert_eq!(got.error()["param"], "model");
}
