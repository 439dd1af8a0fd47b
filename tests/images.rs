//! `POST /v1/images/generations` over HTTP: each model's answer shape, real files of the asked
//! size and format, `url` answers served by oaimock for a bounded time, streams of partial
//! images, and every validation error as the API words it.

mod common;

use common::pictures::{header, named_events, unbase64};
use common::{get, get_with, post, start};
use serde_json::{Value, json};

fn generate(base: &str, body: Value) -> common::Got {
    post(&format!("{base}/v1/images/generations"), &body.to_string())
}

#[test]
fn dall_e_2_answers_urls_that_oaimock_serves() {
    let server = start(|_| {});
    let base = server.url();
    let got = generate(
        &base,
        json!({"prompt": "a red barn", "n": 2, "size": "512x512"}),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["created", "data"],
        "dall-e answers carry no GPT-image fields"
    );
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    let mut files = Vec::new();
    for item in data {
        assert_eq!(item.as_object().unwrap().len(), 1, "{item}");
        let url = item["url"].as_str().unwrap();
        let path = url
            .strip_prefix(&base)
            .expect("the url points at this server");
        assert!(
            path.starts_with("/_oaimock/images/img_") && path.ends_with(".png"),
            "{path}"
        );
        let file = get(url);
        assert_eq!(file.status, 200);
        assert_eq!(file.header("content-type"), Some("image/png"));
        assert_eq!(header(&file.bytes), ("png", 512, 512, false));
        files.push(file.bytes);
    }
    assert_ne!(files[0], files[1], "each of n images is its own");
    // HEAD says the same without the body; the URL needs no key, like the API's signed links.
    let head = common::agent()
        .head(data[0]["url"].as_str().unwrap())
        .call()
        .unwrap();
    assert_eq!(head.status(), 200);
    let keyed = start(|c| c.api_key = Some("sk-test".into()));
    let kb = keyed.url();
    let got = common::post_with(
        &format!("{kb}/v1/images/generations"),
        r#"{"prompt": "x"}"#,
        &[("Authorization", "Bearer sk-test")],
    );
    let url = got.json()["data"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(get(&url).status, 200);
    // An unknown id is a 404 that says how long images are kept; a reset forgets them all.
    let missing = get(&format!("{base}/_oaimock/images/img_nope.png"));
    assert_eq!(missing.status, 404);
    assert!(
        missing.error()["message"]
            .as_str()
            .unwrap()
            .contains("kept 60 minutes")
    );
    assert_eq!(post(&format!("{base}/_oaimock/reset"), "").status, 200);
    assert_eq!(get(data[1]["url"].as_str().unwrap()).status, 404);
}

#[test]
fn the_url_names_the_host_the_client_used() {
    let server = start(|_| {});
    let base = server.url();
    let got = common::post_with(
        &format!("{base}/v1/images/generations"),
        r#"{"prompt": "x"}"#,
        &[("Host", "mock.example:8080")],
    );
    let url = got.json()["data"][0]["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("http://mock.example:8080/_oaimock/images/"),
        "{url}"
    );
    let path = url.trim_start_matches("http://mock.example:8080");
    assert_eq!(get_with(&format!("{base}{path}"), &[]).status, 200);
}

#[test]
fn dall_e_3_revises_the_prompt_and_sends_base64_when_asked() {
    let server = start(|_| {});
    let base = server.url();
    let body = json!({"model": "dall-e-3", "prompt": "an otter", "size": "1792x1024",
        "quality": "hd", "style": "natural", "response_format": "b64_json"});
    let v = generate(&base, body.clone()).json();
    let item = &v["data"][0];
    assert_eq!(
        item["revised_prompt"],
        "A pattern of coloured cells drawn for the prompt: an otter"
    );
    let png = unbase64(item["b64_json"].as_str().unwrap());
    assert_eq!(header(&png), ("png", 1792, 1024, false));
    assert!(item.get("url").is_none());
    // The same prompt draws the same picture; another prompt another one.
    let again = generate(&base, body).json();
    assert_eq!(again["data"][0]["b64_json"], item["b64_json"]);
    let other = generate(
        &base,
        json!({"model": "dall-e-3", "prompt": "a heron", "response_format": "b64_json"}),
    )
    .json();
    assert_ne!(other["data"][0]["b64_json"], item["b64_json"]);
}

#[test]
fn gpt_image_models_answer_base64_in_each_format_with_usage() {
    let server = start(|_| {});
    let base = server.url();
    for (model, format, background, size, alpha) in [
        ("gpt-image-1", "png", "transparent", "1536x1024", true),
        ("gpt-image-1-mini", "jpeg", "opaque", "1024x1536", false),
        ("gpt-image-1", "webp", "transparent", "1024x1024", true),
        ("gpt-image-1.5", "webp", "auto", "auto", false),
        ("gpt-image-2", "png", "opaque", "1536x864", false),
    ] {
        let body = json!({"model": model, "prompt": "four words in it", "size": size,
            "output_format": format, "background": background, "quality": "low",
            "output_compression": if format == "png" { 100 } else { 60 }});
        let got = generate(&base, body);
        assert_eq!(got.status, 200, "{}", got.body);
        let v = got.json();
        let (w, h) = match size {
            "auto" => (1024, 1024),
            s => {
                let (w, h) = s.split_once('x').unwrap();
                (w.parse().unwrap(), h.parse().unwrap())
            }
        };
        assert_eq!(v["output_format"], format);
        assert_eq!(
            v["background"],
            if alpha { "transparent" } else { "opaque" }
        );
        assert_eq!(v["size"], format!("{w}x{h}"));
        assert_eq!(v["quality"], "low");
        let file = unbase64(v["data"][0]["b64_json"].as_str().unwrap());
        assert_eq!(header(&file), (format, w, h, alpha), "{model} {format}");
        let usage = &v["usage"];
        assert_eq!(usage["input_tokens_details"]["text_tokens"], 4);
        assert_eq!(usage["input_tokens_details"]["image_tokens"], 0);
        let output = usage["output_tokens"].as_u64().unwrap();
        assert_eq!(usage["total_tokens"].as_u64().unwrap(), 4 + output);
        if size == "1536x1024" {
            assert_eq!(output, 400, "the API's table for low quality");
        }
    }
}

#[test]
fn gpt_image_streams_partial_images_then_the_completed_one() {
    let server = start(|_| {});
    let base = server.url();
    let got = generate(
        &base,
        json!({"model": "gpt-image-1", "prompt": "p", "stream": true, "partial_images": 2,
            "n": 2, "output_format": "jpeg", "size": "1024x1536"}),
    );
    assert_eq!(got.status, 200);
    assert!(
        got.header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(!got.body.contains("[DONE]"));
    let events = named_events(&got.body);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    let round = [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ];
    assert_eq!(names, [round, round].concat());
    for (i, (name, event)) in events.iter().enumerate() {
        assert_eq!(event["type"], name.as_str());
        assert_eq!(event["size"], "1024x1536");
        assert_eq!(event["output_format"], "jpeg");
        assert_eq!(event["background"], "opaque");
        assert_eq!(event["quality"], "high");
        assert!(event["created_at"].as_u64().unwrap() > 1_700_000_000);
        let file = unbase64(event["b64_json"].as_str().unwrap());
        assert_eq!(header(&file), ("jpeg", 1024, 1536, false));
        if name.ends_with("partial_image") {
            assert_eq!(event["partial_image_index"], i % 3);
            assert!(event.get("usage").is_none());
        } else {
            assert!(event.get("partial_image_index").is_none());
            assert_eq!(event["usage"]["output_tokens"], 2 * 6240);
        }
    }
    // partial_images 0: one completed event per image.
    let got = generate(
        &base,
        json!({"model": "gpt-image-1", "prompt": "p", "stream": true}),
    );
    let events = named_events(&got.body);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "image_generation.completed");
}

/// (status, param, code, message) of a refused generation.
fn refused(base: &str, body: Value) -> (u16, Value, Value, String) {
    let got = generate(base, body);
    let e = got.error();
    let message = e["message"].as_str().unwrap().to_string();
    (got.status, e["param"].clone(), e["code"].clone(), message)
}

#[test]
fn every_validation_error_is_worded_as_the_api_words_it() {
    let server = start(|_| {});
    let base = server.url();
    let cases = [
        (
            json!({}),
            "prompt",
            "missing_required_parameter",
            "Missing required parameter: 'prompt'.",
        ),
        (
            json!({"prompt": 5}),
            "prompt",
            "invalid_type",
            "Invalid type for 'prompt': expected a string, but got an integer instead.",
        ),
        (
            json!({"prompt": "x", "model": "dall-e-4"}),
            "model",
            "invalid_value",
            "Invalid value: 'dall-e-4'. Supported values are: 'dall-e-2', 'dall-e-3', 'gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'gpt-image-2', 'gpt-image-2-2026-04-21', and 'chatgpt-image-latest'.",
        ),
        (
            json!({"prompt": "x".repeat(1001)}),
            "prompt",
            "string_above_max_length",
            "Invalid 'prompt': string too long. Expected a string with maximum length 1000, but got a string with length 1001 instead.",
        ),
        (
            json!({"prompt": "x".repeat(4001), "model": "dall-e-3"}),
            "prompt",
            "string_above_max_length",
            "Invalid 'prompt': string too long. Expected a string with maximum length 4000, but got a string with length 4001 instead.",
        ),
        (
            json!({"prompt": "x", "n": 0}),
            "n",
            "invalid_value",
            "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
        ),
        (
            json!({"prompt": "x", "n": 11}),
            "n",
            "invalid_value",
            "Invalid 'n': integer above maximum value. Expected a value <= 10, but got 11 instead.",
        ),
        (
            json!({"prompt": "x", "n": "2"}),
            "n",
            "invalid_type",
            "Invalid type for 'n': expected an integer, but got a string instead.",
        ),
        (
            json!({"prompt": "x", "size": "1536x1024"}),
            "null",
            "invalid_size",
            "The size is not supported by this model.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-1", "size": "512x512"}),
            "size",
            "invalid_value",
            "Invalid value: '512x512'. Supported values are: '1024x1024', '1536x1024', '1024x1536', and 'auto'.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-2", "size": "1000x1000"}),
            "size",
            "invalid_value",
            "Invalid size '1000x1000': width and height must both be divisible by 16.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-2", "size": "3840x1024"}),
            "size",
            "invalid_value",
            "Invalid size '3840x1024': the aspect ratio must be between 1:3 and 3:1.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-2", "size": "4096x4096"}),
            "size",
            "invalid_value",
            "Invalid size '4096x4096': the largest supported resolution is 3840x2160.",
        ),
        (
            json!({"prompt": "x", "quality": "hd"}),
            "quality",
            "invalid_value",
            "Invalid value: 'hd'. Supported values are: 'standard', and 'auto'.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-1", "quality": "hd"}),
            "quality",
            "invalid_value",
            "Invalid value: 'hd'. Supported values are: 'low', 'medium', 'high', and 'auto'.",
        ),
        (
            json!({"prompt": "x", "model": "dall-e-3", "style": "pop"}),
            "style",
            "invalid_value",
            "Invalid value: 'pop'. Supported values are: 'vivid', and 'natural'.",
        ),
        (
            json!({"prompt": "x", "style": "vivid"}),
            "style",
            "unknown_parameter",
            "Unknown parameter: 'style'.",
        ),
        (
            json!({"prompt": "x", "response_format": "png"}),
            "response_format",
            "invalid_value",
            "Invalid value: 'png'. Supported values are: 'url', and 'b64_json'.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-1", "response_format": "b64_json"}),
            "response_format",
            "unknown_parameter",
            "Unknown parameter: 'response_format'.",
        ),
        (
            json!({"prompt": "x", "model": "dall-e-3", "output_format": "png"}),
            "output_format",
            "unknown_parameter",
            "Unknown parameter: 'output_format'.",
        ),
        (
            json!({"prompt": "x", "model": "dall-e-2", "stream": true}),
            "stream",
            "unknown_parameter",
            "Unknown parameter: 'stream'.",
        ),
        (
            json!({"prompt": "x", "output_format": "gif"}),
            "output_format",
            "invalid_value",
            "Invalid value: 'gif'. Supported values are: 'png', 'jpeg', and 'webp'.",
        ),
        (
            json!({"prompt": "x", "background": "clear"}),
            "background",
            "invalid_value",
            "Invalid value: 'clear'. Supported values are: 'transparent', 'opaque', and 'auto'.",
        ),
        (
            json!({"prompt": "x", "background": "transparent", "output_format": "jpeg"}),
            "background",
            "invalid_value",
            "Transparent background is not supported for the jpeg output format; use png or webp.",
        ),
        (
            json!({"prompt": "x", "output_compression": 80}),
            "output_compression",
            "invalid_value",
            "Compression less than 100 is not supported for PNG output format.",
        ),
        (
            json!({"prompt": "x", "output_format": "webp", "output_compression": -1}),
            "output_compression",
            "invalid_value",
            "Invalid 'output_compression': integer below minimum value. Expected a value >= 0, but got -1 instead.",
        ),
        (
            json!({"prompt": "x", "moderation": "none"}),
            "moderation",
            "invalid_value",
            "Invalid value: 'none'. Supported values are: 'low', and 'auto'.",
        ),
        (
            json!({"prompt": "x", "partial_images": 4}),
            "partial_images",
            "invalid_value",
            "Invalid 'partial_images': integer above maximum value. Expected a value <= 3, but got 4 instead.",
        ),
        (
            json!({"prompt": "x", "stream": "yes", "model": "gpt-image-1"}),
            "stream",
            "invalid_type",
            "Invalid type for 'stream': expected a boolean, but got a string instead.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-2", "size": "3840x2160", "n": 10}),
            "size",
            "invalid_value",
            "Invalid 'size': 10 image(s) of 3840x2160 are 82944000 pixels, more than the limit of 67108864 pixels per request.",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-2", "size": "2048x2048", "n": 5, "stream": true, "partial_images": 3}),
            "size",
            "invalid_value",
            "Invalid 'size': 5 image(s) of 2048x2048 with 3 partial image(s) each are 83886080 pixels, more than the limit of 67108864 pixels per request.",
        ),
    ];
    for (body, param, code, message) in cases {
        let (status, got_param, got_code, got_message) = refused(&base, body.clone());
        assert_eq!(status, 400, "{body}");
        let want_param = if param == "null" {
            Value::Null
        } else {
            json!(param)
        };
        assert_eq!((got_param, got_code), (want_param, json!(code)), "{body}");
        assert_eq!(got_message, message, "{body}");
    }
    let (status, param, code, message) =
        refused(&base, json!({"prompt": "x", "model": "dall-e-3", "n": 2}));
    assert_eq!((status, param, code), (400, Value::Null, Value::Null));
    assert_eq!(message, "You must provide n=1 for this model.");
}

#[test]
fn strict_models_and_hostile_sizes_are_refused_before_any_drawing() {
    let server = start(|c| {
        c.strict_models = true;
        c.models = vec!["dall-e-2".into()];
    });
    let base = server.url();
    let got = generate(&base, json!({"prompt": "x", "model": "dall-e-3"}));
    assert_eq!(got.status, 404);
    assert_eq!(got.error()["code"], "model_not_found");
    assert_eq!(generate(&base, json!({"prompt": "x"})).status, 200);
    let open = start(|_| {});
    let base = open.url();
    for size in [
        "99999999999x99999999999",
        "16384x16384",
        "4294967296x1",
        "1x1",
        "-16x16",
        "16x16x16",
        "١٦x16",
    ] {
        let started = std::time::Instant::now();
        let got = generate(
            &base,
            json!({"prompt": "x", "model": "gpt-image-2", "size": size}),
        );
        assert_eq!(got.status, 400, "{size}: {}", got.body);
        assert_eq!(got.error()["param"], "size");
        assert!(started.elapsed().as_secs() < 2, "{size}");
    }
    for n in [json!(1e12), json!(-1), json!(u64::MAX), json!(1.5)] {
        let got = generate(&base, json!({"prompt": "x", "n": n}));
        assert_eq!(got.status, 400, "{n}");
        assert_eq!(got.error()["param"], "n");
    }
    assert_eq!(generate(&base, json!({"prompt": "still here"})).status, 200);
}

#[test]
fn fixture_rules_script_errors_and_usage_for_image_requests() {
    let server = oaimock::Server::builder()
        .rule(
            oaimock::Rule::new()
                .endpoint("images")
                .user_contains("forbidden")
                .reply_error(400, "Your request was rejected by the safety system."),
        )
        .rule(
            oaimock::Rule::new()
                .endpoint("images")
                .user_contains("counted")
                .reply_text("ignored: the image is drawn from the prompt")
                .reply_with("usage", json!({"prompt_tokens": 7, "completion_tokens": 9})),
        )
        .rule(
            oaimock::Rule::new()
                .endpoint("chat")
                .reply_error(500, "chat only"),
        )
        .start()
        .unwrap();
    let base = server.url();
    let got = generate(&base, json!({"prompt": "something forbidden"}));
    assert_eq!(got.status, 400);
    assert_eq!(
        got.error()["message"],
        "Your request was rejected by the safety system."
    );
    let got = generate(&base, json!({"prompt": "counted", "model": "gpt-image-1"}));
    let usage = &got.json()["usage"];
    assert_eq!(
        (
            &usage["input_tokens"],
            &usage["output_tokens"],
            &usage["total_tokens"]
        ),
        (&json!(7), &json!(9), &json!(16))
    );
    // An edit is matched on its prompt too; a rule for another endpoint does not apply.
    let png = common::pictures::png_header(64, 64);
    let got = common::post_form(
        &format!("{base}/v1/images/edits"),
        &[
            common::field("prompt", "forbidden edit"),
            common::file("image", "a.png", &png),
        ],
    );
    assert_eq!(got.status, 400, "{}", got.body);
    assert_eq!(generate(&base, json!({"prompt": "fine"})).status, 200);
}
