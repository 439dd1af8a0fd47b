//! `POST /v1/images/generations` over HTTP: each model's answer shape, real files of the asked
//! size and format, `url` answers served by oaimock for a bounded time, streams of partial
//! images, and fixture rules (the refusals are in `image_errors.rs`).

mod common;

use common::pictures::{header, unbase64, vp8_quantizer};
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
    let events = got.named_events();
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
    let events = got.named_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "image_generation.completed");
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

#[test]
fn without_a_host_header_the_url_names_the_bound_address() {
    let server = start(|_| {});
    let request =
        b"POST /v1/images/generations HTTP/1.0\r\nContent-Length: 15\r\n\r\n{\"prompt\": \"x\"}";
    let answer = common::raw(server.addr(), request, std::time::Duration::from_secs(10));
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let v: Value = serde_json::from_str(body).unwrap();
    let url = v["data"][0]["url"].as_str().unwrap();
    let base = server.url();
    assert!(
        url.starts_with(&format!("{base}/_oaimock/images/")),
        "{url}"
    );
    assert_eq!(get(url).status, 200);
}

#[test]
fn output_compression_is_the_jpeg_quality() {
    let server = start(|_| {});
    let base = server.url();
    let jpeg = |compression: u32| {
        let body = json!({"model": "gpt-image-1", "prompt": "same", "output_format": "jpeg",
            "output_compression": compression});
        unbase64(
            generate(&base, body).json()["data"][0]["b64_json"]
                .as_str()
                .unwrap(),
        )
    };
    let (best, worst) = (jpeg(100), jpeg(5));
    // The first quantization table follows its DQT marker, length and table id: all ones at
    // quality 100; at 5 the IJG scaling of Annex K's 16 is 160.
    let table = |file: &[u8]| {
        let at = file.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap() + 5;
        file[at]
    };
    assert_eq!((table(&best), table(&worst)), (1, 160));
    assert!(
        worst.len() < best.len(),
        "{} vs {}",
        worst.len(),
        best.len()
    );
}

#[test]
fn output_compression_sets_the_webp_quantizer() {
    let server = start(|_| {});
    let base = server.url();
    let webp = |compression: u32, background: &str| {
        let body = json!({"model": "gpt-image-1", "prompt": "an otter", "output_format": "webp",
            "output_compression": compression, "background": background, "size": "1536x1024"});
        unbase64(
            generate(&base, body).json()["data"][0]["b64_json"]
                .as_str()
                .unwrap(),
        )
    };
    let (fine, middle, coarse) = (webp(100, "opaque"), webp(50, "opaque"), webp(10, "opaque"));
    for file in [&fine, &middle, &coarse] {
        assert_eq!(&file[..4], b"RIFF");
        assert_eq!(&file[8..16], b"WEBPVP8 ", "a lossy WebP");
        assert_eq!(header(file), ("webp", 1536, 1024, false));
    }
    // 127 steps over 0 to 100: 100 is the finest quantizer, lower values coarser ones.
    let q: Vec<u32> = [&fine, &middle, &coarse].map(|f| vp8_quantizer(f)).to_vec();
    assert_eq!(q, [0, 63, 114]);
    assert!(
        fine.len() > middle.len() && middle.len() > coarse.len(),
        "{} {} {}",
        fine.len(),
        middle.len(),
        coarse.len()
    );
    let clear = webp(50, "transparent");
    assert_eq!(&clear[8..16], b"WEBPVP8X");
    assert_eq!(&clear[30..34], b"ALPH");
    assert_eq!(header(&clear), ("webp", 1536, 1024, true));
    assert_eq!(vp8_quantizer(&clear), 63);
}
