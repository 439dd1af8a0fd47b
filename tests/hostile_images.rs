//! Images as an attack: the largest images a request may ask for are drawn a row at a time, so
//! the server's memory grows by about the files it sends, not by their pixels; and uploads whose
//! headers claim enormous images cost only their bytes (nothing here decodes pixels). The server
//! settles afterwards (`common::hostile::Watch`).

mod common;

use common::hostile::Watch;
use common::pictures::{header, png_header, unbase64};
use common::{field, file, post, post_form};

#[test]
fn the_largest_images_cost_their_files_not_their_pixels() {
    let mut watch = Watch::start(&[]);
    let url = format!("{}/v1/images/generations", watch.url());
    // 3840 × 2160: 33 MB of RGBA pixels per image. Two at once: a PNG, and a WebP (a lossy VP8
    // frame coded a macroblock row at a time, with a lossless alpha plane).
    let raw_bytes = 3840 * 2160 * 4;
    let answers: Vec<common::Got> = std::thread::scope(|s| {
        let handles: Vec<_> = ["png", "webp"]
            .iter()
            .map(|format| {
                let url = &url;
                s.spawn(move || {
                    let body = format!(
                        r#"{{"model": "gpt-image-2", "prompt": "big", "size": "3840x2160", "output_format": "{format}", "background": "transparent"}}"#
                    );
                    post(url, &body)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sent = 0;
    for (got, format) in answers.iter().zip(["png", "webp"]) {
        assert_eq!(got.status, 200, "{}", got.body);
        let bytes = unbase64(got.json()["data"][0]["b64_json"].as_str().unwrap());
        assert_eq!(header(&bytes), (format, 3840, 2160, true));
        sent += got.body.len();
    }
    let rise = watch.settles(0);
    println!("two 3840x2160 images ({sent} bytes sent): peak RSS rose {rise} KiB");
    assert!(
        rise * 1024 < raw_bytes as u64 / 2,
        "peak RSS rose {rise} KiB: more than half of one image's pixels ({raw_bytes} bytes)"
    );
}

#[test]
fn uploads_claiming_huge_images_cost_only_their_bytes() {
    let mut watch = Watch::start(&[]);
    let url = format!("{}/v1/images/edits", watch.url());
    let huge = png_header(16384, 16384);
    let mut parts = vec![field("prompt", "x"), field("model", "gpt-image-1")];
    for _ in 0..16 {
        parts.push(file("image[]", "a.png", &huge));
    }
    parts.push(file("mask", "m.png", &huge));
    let got = post_form(&url, &parts);
    assert_eq!(got.status, 200, "{}", got.body);
    // 85 + 170 tokens for each of 32 × 32 tiles, sixteen times: counted, never decoded.
    assert_eq!(
        got.json()["usage"]["input_tokens_details"]["image_tokens"],
        16 * (85 + 170 * 32 * 32)
    );
    let rise = watch.settles(0);
    println!("sixteen uploads claiming 16384x16384: peak RSS rose {rise} KiB");
}
