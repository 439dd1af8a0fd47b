//! `POST /v1/moderations` over HTTP: ordinary text is not flagged, markers and fixture rules flag
//! chosen categories, every input shape, the applied input types, and the validation errors.

mod common;

use common::{post, start};
use serde_json::{Value, json};

const CATEGORIES: [&str; 13] = [
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
];

fn moderate(url: &str, body: Value) -> common::Got {
    post(&format!("{url}/v1/moderations"), &body.to_string())
}

fn flagged(result: &Value) -> Vec<&str> {
    CATEGORIES
        .iter()
        .copied()
        .filter(|c| result["categories"][*c] == true)
        .collect()
}

#[test]
fn ordinary_text_scores_near_zero_and_is_not_flagged() {
    let server = start(|_| {});
    let got = moderate(&server.url(), json!({"input": "I love sunny days."}));
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    assert!(v["id"].as_str().unwrap().starts_with("modr-"));
    assert_eq!(v["model"], "omni-moderation-2024-09-26");
    let result = &v["results"][0];
    assert_eq!(result["flagged"], false);
    for c in CATEGORIES {
        assert_eq!(result["categories"][c], false, "{c}");
        let score = result["category_scores"][c].as_f64().unwrap();
        assert!(score > 0.0 && score < 0.001, "{c}: {score}");
        assert_eq!(result["category_applied_input_types"][c], json!(["text"]));
    }
    // The same text scores the same.
    let again = moderate(&server.url(), json!({"input": "I love sunny days."})).json();
    assert_eq!(again["results"], v["results"]);
}

#[test]
fn markers_flag_categories_and_subcategories_flag_their_parents() {
    let server = start(|_| {});
    let got = moderate(
        &server.url(),
        json!({"input": ["fine", "bad [flag:violence/graphic] [flag:hate]"], "model": "text-moderation-latest"}),
    );
    let v = got.json();
    assert_eq!(v["model"], "text-moderation-007");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["flagged"], false);
    assert_eq!(results[1]["flagged"], true);
    assert_eq!(
        flagged(&results[1]),
        ["hate", "violence", "violence/graphic"]
    );
    let score = results[1]["category_scores"]["violence"].as_f64().unwrap();
    assert!((0.9..1.0).contains(&score), "{score}");
    assert_eq!(
        flagged(&moderate(&server.url(), json!({"input": "[flag:all]"})).json()["results"][0])
            .len(),
        13
    );
}

#[test]
fn a_multimodal_input_is_one_result_with_image_types_where_images_apply() {
    let server = start(|_| {});
    let input = json!([
        {"type": "text", "text": "look [flag:sexual]"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]);
    let v = moderate(&server.url(), json!({"input": input})).json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(flagged(&results[0]), ["sexual"]);
    let applied = &results[0]["category_applied_input_types"];
    assert_eq!(applied["violence"], json!(["text", "image"]));
    assert_eq!(applied["hate"], json!(["text"]));
    let image_only =
        json!([{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]);
    let v = moderate(&server.url(), json!({"input": image_only})).json();
    let applied = &v["results"][0]["category_applied_input_types"];
    assert_eq!(
        (applied["self-harm"].clone(), applied["illicit"].clone()),
        (json!(["image"]), json!([]))
    );
}

#[test]
fn fixture_rules_flag_the_categories_their_reply_lists() {
    let server = start(|_| {});
    server
        .mount_json(r#"[{"name": "threats", "match": {"endpoint": "moderations", "user": {"contains": "threat"}}, "reply": {"text": "harassment/threatening, violence"}},
                      {"name": "typo", "match": {"endpoint": "moderations", "user": {"contains": "typo"}}, "reply": {"text": "violense"}}]"#)
        .unwrap();
    let v = moderate(&server.url(), json!({"input": ["a threat", "hello"]})).json();
    assert_eq!(
        flagged(&v["results"][0]),
        ["harassment", "harassment/threatening", "violence"]
    );
    assert_eq!(v["results"][1]["flagged"], false);
    assert_eq!(server.requests()[0].answered_by, "rule 0 (threats)");
    let got = moderate(&server.url(), json!({"input": "a typo"}));
    assert_eq!(got.status, 400);
    assert!(
        got.error()["message"]
            .as_str()
            .unwrap()
            .contains("rule 1 (typo): unknown moderation category 'violense'"),
        "{}",
        got.body
    );
}

#[test]
fn every_validation_error_names_its_parameter() {
    let server = start(|_| {});
    let cases = [
        (json!({}), "input", "Missing required parameter: 'input'."),
        (
            json!({"input": 3}),
            "input",
            "expected a string or an array",
        ),
        (
            json!({"input": "[flag:gore]"}),
            "input",
            "unknown moderation category 'gore'",
        ),
        (
            json!({"input": vec!["x"; 2049]}),
            "input",
            "maximum length 2048",
        ),
        (
            json!({"input": [{"type": "audio"}]}),
            "input[0].type",
            "'audio' is not one of",
        ),
        (
            json!({"input": [{"type": "text"}]}),
            "input[0].text",
            "Missing required parameter",
        ),
        (
            json!({"input": [{"type": "image_url", "image_url": {}}]}),
            "input[0].image_url.url",
            "Missing required parameter",
        ),
        (
            json!({"input": ["a", 1]}),
            "input[1]",
            "expected a string, but got an integer instead",
        ),
        (
            json!({"input": [1]}),
            "input[0]",
            "expected a string or an object",
        ),
        (
            json!({"input": [{"type": "image_url", "image_url": {"url": "u"}}], "model": "text-moderation-latest"}),
            "input[0].type",
            "does not support image inputs",
        ),
        (
            json!({"input": "x", "model": 4}),
            "model",
            "expected a string",
        ),
    ];
    for (body, param, message) in cases {
        let got = moderate(&server.url(), body);
        got.assert_invalid(param, message);
    }
}
