//! The per-model rules, read from JSON bodies.

use serde_json::{Value, json};

use super::*;

fn job(body: Value) -> Result<Job, ApiError> {
    read(body.as_object().unwrap(), Endpoint::Generations)
}

fn err(body: Value) -> (Option<String>, Option<String>, String) {
    let e = job(body).unwrap_err();
    assert_eq!(e.status, 400);
    (e.param.clone(), e.code.clone(), e.message.clone())
}

#[test]
fn defaults_follow_the_model() {
    let j = job(json!({"prompt": "x"})).unwrap();
    assert_eq!(
        (j.model.as_str(), j.url, j.quality),
        ("dall-e-2", true, "standard")
    );
    assert_eq!((j.width, j.height, j.n), (1024, 1024, 1));
    let j = job(json!({"prompt": "x", "output_format": "webp"})).unwrap();
    assert_eq!(
        (j.model.as_str(), j.url, j.format),
        ("gpt-image-1", false, Format::Webp)
    );
    let j = job(json!({"prompt": "x", "model": "gpt-image-1", "size": "auto"})).unwrap();
    assert_eq!((j.width, j.height, j.quality), (1024, 1024, "high"));
    let j = job(json!({"prompt": "x", "model": "gpt-image-2", "size": "1536x864"})).unwrap();
    assert_eq!((j.width, j.height), (1536, 864));
}

#[test]
fn each_model_takes_its_own_sizes() {
    let (param, code, message) =
        err(json!({"prompt": "x", "model": "dall-e-3", "size": "256x256"}));
    assert_eq!((param, code.as_deref()), (None, Some("invalid_size")));
    assert_eq!(message, "The size is not supported by this model.");
    let (param, _, message) =
        err(json!({"prompt": "x", "model": "gpt-image-1", "size": "1792x1024"}));
    assert_eq!(param.as_deref(), Some("size"));
    assert_eq!(
        message,
        "Invalid value: '1792x1024'. Supported values are: '1024x1024', '1536x1024', '1024x1536', and 'auto'."
    );
    for bad in ["1000x1000", "3840x640", "4096x4096", "0x16", "x", "16x-16"] {
        let (param, _, _) = err(json!({"prompt": "x", "model": "gpt-image-2", "size": bad}));
        assert_eq!(param.as_deref(), Some("size"), "{bad}");
    }
}

#[test]
fn model_specific_parameters_are_refused_elsewhere() {
    let (param, code, message) =
        err(json!({"prompt": "x", "model": "gpt-image-1", "response_format": "url"}));
    assert_eq!(
        (param.as_deref(), code.as_deref()),
        (Some("response_format"), Some("unknown_parameter"))
    );
    assert_eq!(message, "Unknown parameter: 'response_format'.");
    let (param, _, _) = err(json!({"prompt": "x", "model": "dall-e-2", "background": "opaque"}));
    assert_eq!(param.as_deref(), Some("background"));
    let (_, code, message) = err(json!({"prompt": "x", "model": "dall-e-3", "n": 2}));
    assert_eq!(
        (code, message.as_str()),
        (None, "You must provide n=1 for this model.")
    );
    let (param, _, _) = err(json!({"prompt": "x", "model": "dall-e-3", "quality": "low"}));
    assert_eq!(param.as_deref(), Some("quality"));
    let (param, _, _) = err(json!({"prompt": "x", "model": "dall-e-3", "style": "pop"}));
    assert_eq!(param.as_deref(), Some("style"));
}

#[test]
fn formats_backgrounds_and_compression_agree() {
    let (param, _, _) = err(
        json!({"prompt": "x", "model": "gpt-image-1", "background": "transparent", "output_format": "jpeg"}),
    );
    assert_eq!(param.as_deref(), Some("background"));
    let (param, _, _) =
        err(json!({"prompt": "x", "model": "gpt-image-1", "output_compression": 50}));
    assert_eq!(param.as_deref(), Some("output_compression"));
    let (param, _, _) = err(
        json!({"prompt": "x", "model": "gpt-image-1", "output_format": "jpeg", "output_compression": 101}),
    );
    assert_eq!(param.as_deref(), Some("output_compression"));
    let j = job(json!({"prompt": "x", "model": "gpt-image-1", "output_format": "jpeg", "output_compression": 40})).unwrap();
    assert_eq!(j.compression, 40);
}

#[test]
fn prompts_n_and_partials_are_bounded() {
    let (param, code, _) = err(json!({"model": "dall-e-2", "prompt": "a".repeat(1001)}));
    assert_eq!(
        (param.as_deref(), code.as_deref()),
        (Some("prompt"), Some("string_above_max_length"))
    );
    assert!(job(json!({"model": "dall-e-3", "prompt": "é".repeat(4000)})).is_ok());
    let (param, _, _) = err(json!({"prompt": "x", "n": 11}));
    assert_eq!(param.as_deref(), Some("n"));
    let (param, _, _) = err(json!({"prompt": "x", "model": "gpt-image-1", "partial_images": 4}));
    assert_eq!(param.as_deref(), Some("partial_images"));
    let (param, code, _) = err(json!({"model": "dall-e-2"}));
    assert_eq!(
        (param.as_deref(), code.as_deref()),
        (Some("prompt"), Some("missing_required_parameter"))
    );
    let (param, _, message) = err(json!({"prompt": "x", "model": "dall-e-9"}));
    assert_eq!(param.as_deref(), Some("model"));
    assert!(
        message.starts_with("Invalid value: 'dall-e-9'. Supported values are: 'dall-e-2'"),
        "{message}"
    );
}

#[test]
fn the_pixel_budget_counts_images_and_partial_images() {
    let most = json!({"prompt": "x", "model": "gpt-image-1", "n": 10, "size": "1536x1024", "stream": true, "partial_images": 3});
    assert_eq!(job(most).unwrap().pixels(), 62_914_560);
    let (param, _, message) =
        err(json!({"prompt": "x", "model": "gpt-image-2", "n": 10, "size": "3840x2160"}));
    assert_eq!(param.as_deref(), Some("size"));
    assert!(
        message.contains("more than the limit of 67108864 pixels per request"),
        "{message}"
    );
}

#[test]
fn auto_is_1024_square_for_every_model() {
    for model in ["dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-2"] {
        let j = job(json!({"prompt": "x", "model": model, "size": "auto"})).unwrap();
        assert_eq!((j.width, j.height), (1024, 1024), "{model}");
    }
}
