//! Every refusal of `POST /v1/images/generations` as the API words it (param, code, message),
//! strict models, and hostile sizes and counts refused before a pixel is drawn.

mod common;

use common::{post, start};
use serde_json::{Value, json};

fn generate(base: &str, body: Value) -> common::Got {
    post(&format!("{base}/v1/images/generations"), &body.to_string())
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
