//! `POST /v1/images/edits` and `/v1/images/variations` over HTTP: multipart forms with one or
//! more images (`image` and `image[]`) and a mask, edit streams, and hostile forms and headers,
//! after which the server still answers (the refusals are in `image_upload_errors.rs`).

mod common;

use common::pictures::{header, png_header, real_png, typed, unbase64};
use common::{BOUNDARY, field, file, post_bytes, post_form, start};

#[test]
fn edits_take_several_images_and_a_mask() {
    let server = start(|_| {});
    let base = server.url();
    let png = real_png(&base, "256x256");
    let url = format!("{base}/v1/images/edits");
    let got = post_form(
        &url,
        &[
            field("model", "gpt-image-1"),
            field("prompt", "add a hat"),
            typed("image[]", "a.png", "image/png", &png),
            typed("image[]", "b.png", "image/png", &png_header(1024, 1536)),
            typed("mask", "m.png", "image/png", &png),
            field("n", "2"),
            field("size", "1536x1024"),
            field("output_format", "webp"),
            field("background", "transparent"),
            field("quality", "medium"),
        ],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    for item in v["data"].as_array().unwrap() {
        let file = unbase64(item["b64_json"].as_str().unwrap());
        assert_eq!(header(&file), ("webp", 1536, 1024, true));
    }
    // Each input image counts 85 + 170 per 512-pixel tile: 1 tile, then 2 × 3 tiles.
    assert_eq!(
        v["usage"]["input_tokens_details"]["image_tokens"],
        85 + 170 + 85 + 170 * 6
    );
    assert_eq!(v["usage"]["input_tokens_details"]["text_tokens"], 3);
    assert_eq!(v["usage"]["output_tokens"], 2 * 1568);
    // One image sent as `image`; the edit depends on the image as well as the prompt.
    let one = |image: &[u8]| {
        let got = post_form(
            &url,
            &[
                field("prompt", "add a hat"),
                typed("image", "a.png", "image/png", image),
            ],
        );
        assert_eq!(got.status, 200, "{}", got.body);
        got.json()["data"][0]["b64_json"].clone()
    };
    assert_eq!(one(&png), one(&png));
    assert_ne!(one(&png), one(&png_header(256, 256)));
}

#[test]
fn dall_e_2_edits_and_variations_answer_urls() {
    let server = start(|_| {});
    let base = server.url();
    let png = real_png(&base, "256x256");
    let got = post_form(
        &format!("{base}/v1/images/edits"),
        &[
            field("model", "dall-e-2"),
            field("prompt", "x"),
            file("image", "a.png", &png),
            field("size", "512x512"),
        ],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let url = got.json()["data"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(header(&common::get(&url).bytes), ("png", 512, 512, false));
    let got = post_form(
        &format!("{base}/v1/images/variations"),
        &[
            file("image", "a.png", &png),
            field("n", "3"),
            field("size", "256x256"),
        ],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["created", "data"]
    );
    let urls: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 3);
    for url in urls {
        assert_eq!(header(&common::get(url).bytes), ("png", 256, 256, false));
    }
    let got = post_form(
        &format!("{base}/v1/images/variations"),
        &[
            file("image", "a.png", &png),
            field("response_format", "b64_json"),
        ],
    );
    let file = unbase64(got.json()["data"][0]["b64_json"].as_str().unwrap());
    assert_eq!(header(&file), ("png", 1024, 1024, false));
}

#[test]
fn edits_stream_image_edit_events() {
    let server = start(|_| {});
    let base = server.url();
    let png = real_png(&base, "256x256");
    let got = post_form(
        &format!("{base}/v1/images/edits"),
        &[
            field("prompt", "x"),
            file("image", "a.png", &png),
            field("stream", "true"),
            field("partial_images", "1"),
            field("output_format", "jpeg"),
            field("output_compression", "30"),
        ],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let events = got.named_events();
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["image_edit.partial_image", "image_edit.completed"]);
    assert_eq!(events[0].1["partial_image_index"], 0);
    for (_, e) in &events {
        let file = unbase64(e["b64_json"].as_str().unwrap());
        assert_eq!(header(&file), ("jpeg", 1024, 1024, false));
    }
    assert!(events[1].1["usage"]["total_tokens"].as_u64().unwrap() > 0);
}

#[test]
fn hostile_forms_are_refused_and_the_server_keeps_answering() {
    let server = start(|c| c.max_body_bytes = 2 * 1024 * 1024);
    let base = server.url();
    let url = format!("{base}/v1/images/edits");
    let png = real_png(&base, "256x256");
    let good = common::form(&[field("prompt", "x"), file("image", "a.png", &png)]);
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    // A JSON body where a form belongs, a form with no boundary, a truncated form.
    for (content_type, body) in [
        ("application/json", br#"{"prompt": "x"}"#.to_vec()),
        ("multipart/form-data", good.clone()),
        (multipart.as_str(), good[..good.len() / 2].to_vec()),
        (multipart.as_str(), Vec::new()),
    ] {
        let got = post_bytes(&url, content_type, &body);
        assert_eq!(got.status, 400, "{content_type}: {}", got.body);
        let code = got.error()["code"].as_str().unwrap().to_string();
        assert!(
            ["unsupported_content_type", "invalid_multipart"].contains(&code.as_str()),
            "{code}"
        );
    }
    // An upload over --max-body-bytes is a 413 before it is read.
    let huge = vec![0u8; 3 * 1024 * 1024];
    let got = post_form(&url, &[field("prompt", "x"), file("image", "a.png", &huge)]);
    assert_eq!(got.status, 413);
    // A header that claims a huge image costs nothing: only the header is read.
    let got = post_form(
        &url,
        &[
            field("prompt", "x"),
            file("image", "a.png", &png_header(16384, 16384)),
        ],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(post_bytes(&url, &multipart, &good).status, 200);
}
