//! Every refusal of an image edit or variation form, each naming its parameter with the API's
//! code and message.

mod common;

use common::pictures::{png_header, real_png, typed, unbase64};
use common::{FormPart, field, file, post_form, start};
use serde_json::Value;

#[test]
fn every_upload_error_names_its_parameter() {
    let server = start(|_| {});
    let base = server.url();
    let png = real_png(&base, "256x256");
    let jpeg = {
        let got = common::post(
            &format!("{base}/v1/images/generations"),
            r#"{"prompt": "j", "model": "gpt-image-1", "output_format": "jpeg"}"#,
        );
        unbase64(got.json()["data"][0]["b64_json"].as_str().unwrap())
    };
    let wide = png_header(512, 256);
    let big = png_header(20000, 20000);
    let many = || -> Vec<FormPart> {
        let mut parts = vec![field("prompt", "x"), field("model", "gpt-image-1")];
        parts.extend((0..17).map(|_| typed("image[]", "a.png", "image/png", &png)));
        parts
    };
    let edits = format!("{base}/v1/images/edits");
    let variations = format!("{base}/v1/images/variations");
    let gpt = || field("model", "gpt-image-1");
    let cases: Vec<(&str, Vec<FormPart>, &str, &str, &str)> = vec![
        (
            &edits,
            vec![field("prompt", "x")],
            "image",
            "missing_required_parameter",
            "Missing required parameter: 'image'.",
        ),
        (
            &edits,
            vec![file("image", "a.png", &png)],
            "prompt",
            "missing_required_parameter",
            "Missing required parameter: 'prompt'.",
        ),
        (
            &edits,
            vec![field("prompt", "x"), field("image", "not a file")],
            "image",
            "invalid_type",
            "Invalid type for 'image': expected a file, but got a string instead.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                typed("image", "a.txt", "text/plain", b"hello"),
            ],
            "image",
            "invalid_image_format",
            "Invalid file 'image': unsupported mimetype ('text/plain'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                typed("image", "a.gif", "image/gif", b"GIF89a\x01\x00\x01\x00"),
            ],
            "image",
            "invalid_image_format",
            "Invalid file 'image': unsupported mimetype ('image/gif'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                field("model", "dall-e-2"),
                file("image", "a.jpg", &jpeg),
            ],
            "image",
            "invalid_image_format",
            "Invalid 'image': uploaded image must be a PNG and less than 4 MB.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                field("model", "dall-e-2"),
                file("image", "w.png", &wide),
            ],
            "image",
            "invalid_value",
            "Invalid 'image': uploaded image must be square, but it is 512x256.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                field("model", "dall-e-2"),
                file("image[]", "a.png", &png),
                file("image[]", "b.png", &png),
            ],
            "image",
            "invalid_value",
            "Invalid 'image': 2 images, more than the 1 this model takes.",
        ),
        (
            &edits,
            many(),
            "image",
            "invalid_value",
            "Invalid 'image': 17 images, more than the 16 this model takes.",
        ),
        (
            &edits,
            vec![field("prompt", "x"), gpt(), file("image", "big.png", &big)],
            "image",
            "invalid_value",
            "Invalid 'image': an image of 20000x20000; each side must be from 1 to 16384 pixels.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                gpt(),
                file("image", "a.png", &png),
                file("mask", "m.jpg", &jpeg),
            ],
            "mask",
            "invalid_image_format",
            "Invalid 'mask': uploaded image must be a PNG and less than 4 MB.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                gpt(),
                file("image", "a.png", &png),
                file("mask", "m.png", &wide),
            ],
            "mask",
            "invalid_value",
            "Invalid 'mask': the mask must be a PNG of the same size as the image (256x256), but got a png of 512x256.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                gpt(),
                file("image", "a.png", &png),
                field("n", "two"),
            ],
            "n",
            "invalid_type",
            "Invalid type for 'n': expected an integer, but got 'two' instead.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                gpt(),
                file("image", "a.png", &png),
                field("n", "11"),
            ],
            "n",
            "invalid_value",
            "Invalid 'n': integer above maximum value. Expected a value <= 10, but got 11 instead.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                gpt(),
                file("image", "a.png", &png),
                field("stream", "maybe"),
            ],
            "stream",
            "invalid_type",
            "Invalid type for 'stream': expected a boolean, but got 'maybe' instead.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                field("model", "dall-e-3"),
                file("image", "a.png", &png),
            ],
            "model",
            "invalid_value",
            "Invalid value: 'dall-e-3'. Supported values are: 'dall-e-2', 'gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'gpt-image-2', 'gpt-image-2-2026-04-21', and 'chatgpt-image-latest'.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                gpt(),
                file("image", "a.png", &png),
                field("response_format", "url"),
            ],
            "response_format",
            "unknown_parameter",
            "Unknown parameter: 'response_format'.",
        ),
        (
            &edits,
            vec![
                field("prompt", "x"),
                gpt(),
                file("image", "a.png", &png),
                file("size", "s.txt", b"1024x1024"),
            ],
            "size",
            "invalid_type",
            "Invalid type for 'size': expected a string, but got a file instead.",
        ),
        (
            &variations,
            vec![field("n", "1")],
            "image",
            "missing_required_parameter",
            "Missing required parameter: 'image'.",
        ),
        (
            &variations,
            vec![file("image", "a.png", &png), gpt()],
            "model",
            "invalid_value",
            "Invalid value: 'gpt-image-1'. Supported values are: 'dall-e-2'.",
        ),
        (
            &variations,
            vec![file("image", "a.jpg", &jpeg)],
            "image",
            "invalid_image_format",
            "Invalid 'image': uploaded image must be a PNG and less than 4 MB.",
        ),
        (
            &variations,
            vec![file("image", "a.png", &png), field("size", "1536x1024")],
            "null",
            "invalid_size",
            "The size is not supported by this model.",
        ),
    ];
    for (url, parts, param, code, message) in cases {
        let got = post_form(url, &parts);
        assert_eq!(got.status, 400, "{message}: {}", got.body);
        let e = got.error();
        let want_param = if param == "null" {
            Value::Null
        } else {
            Value::from(param)
        };
        assert_eq!(
            (&e["param"], &e["code"]),
            (&want_param, &Value::from(code)),
            "{}",
            got.body
        );
        assert_eq!(e["message"], message);
    }
}
