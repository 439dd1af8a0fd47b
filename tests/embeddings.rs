//! `POST /v1/embeddings` over real HTTP: the exact shape, sizes by model and `dimensions`, unit
//! length, determinism, similarity, the base64 form decoded back to the floats, and every 400.

mod common;

use common::{post, start};
use serde_json::{Value, json};

fn body(model: &str, input: Value, extra: Value) -> String {
    let mut v = json!({"model": model, "input": input});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

fn embed_with(url: &str, model: &str, input: Value, extra: Value) -> Value {
    let got = post(&format!("{url}/v1/embeddings"), &body(model, input, extra));
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.header("content-type"), Some("application/json"));
    got.json()
}

fn embed(model: &str, input: Value, extra: Value) -> Value {
    let server = start(|_| {});
    embed_with(&server.url(), model, input, extra)
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn vectors(v: &Value) -> Vec<Vec<f32>> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| floats(&d["embedding"]))
        .collect()
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (norm(a) * norm(b))
}

/// Standard base64 with padding, as Python's `b64decode` reads it.
fn unbase64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    assert_eq!(s.len() % 4, 0, "padded to a multiple of 4");
    let mut out = Vec::new();
    for quad in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &c in quad {
            n <<= 6;
            if c == b'=' {
                pad += 1;
            } else {
                n |= ALPHABET.iter().position(|&a| a == c).expect("base64 char") as u32;
            }
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    out
}

fn from_le(bytes: &[u8]) -> Vec<f32> {
    assert_eq!(bytes.len() % 4, 0);
    bytes
        .chunks(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[test]
fn response_has_the_exact_api_shape() {
    let v = embed(
        "text-embedding-3-small",
        json!("The food was delicious"),
        json!({}),
    );
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["data", "model", "object", "usage"]);
    assert_eq!(v["object"], "list");
    assert_eq!(v["model"], "text-embedding-3-small");
    assert_eq!(v["usage"], json!({"prompt_tokens": 4, "total_tokens": 4}));
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    let keys: Vec<&str> = data[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["embedding", "index", "object"]);
    assert_eq!(data[0]["object"], "embedding");
    assert_eq!(data[0]["index"], 0);
    let e = floats(&data[0]["embedding"]);
    assert_eq!(e.len(), 1536);
    assert!((norm(&e) - 1.0).abs() < 1e-4, "{}", norm(&e));
}

#[test]
fn the_path_without_v1_works() {
    let server = start(|_| {});
    let got = post(
        &format!("{}/embeddings", server.url()),
        &body("m", json!("x"), json!({})),
    );
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["object"], "list");
}

#[test]
fn vectors_are_deterministic_distinct_and_rank_similar_texts_closer() {
    let a = embed(
        "text-embedding-3-small",
        json!("The cat sat on the mat"),
        json!({}),
    );
    // A second server answers with the same vector: nothing random goes in.
    let again = embed(
        "text-embedding-3-small",
        json!("The cat sat on the mat"),
        json!({}),
    );
    assert_eq!(vectors(&a), vectors(&again));
    let v = embed(
        "text-embedding-3-small",
        json!([
            "The cat sat on the mat",
            "A cat was sitting on the mat",
            "Quarterly revenue grew by eight percent",
        ]),
        json!({}),
    );
    let vs = vectors(&v);
    assert_eq!(
        vs[0],
        vectors(&a)[0],
        "an input embeds the same alone or in a list"
    );
    assert_ne!(vs[0], vs[1]);
    for e in &vs {
        assert!((norm(e) - 1.0).abs() < 1e-4);
    }
    let near = cosine(&vs[0], &vs[1]);
    let far = cosine(&vs[0], &vs[2]);
    assert!(near > far + 0.2, "near {near} far {far}");
    let indices: Vec<u64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [0, 1, 2]);
    assert_eq!(v["usage"], json!({"prompt_tokens": 19, "total_tokens": 19}));
}

#[test]
fn sizes_follow_the_model_and_dimensions() {
    let server = start(|_| {});
    let url = server.url();
    let len = |model: &str, extra: Value| {
        let v = embed_with(&url, model, json!("hello world"), extra);
        let e = &vectors(&v)[0];
        assert!((norm(e) - 1.0).abs() < 1e-4, "{model} {}", norm(e));
        e.len()
    };
    assert_eq!(len("text-embedding-3-small", json!({})), 1536);
    assert_eq!(len("text-embedding-3-large", json!({})), 3072);
    assert_eq!(len("text-embedding-ada-002", json!({})), 1536);
    assert_eq!(len("my-own-embedder", json!({})), 1536);
    assert_eq!(
        len("text-embedding-3-small", json!({"dimensions": 256})),
        256
    );
    assert_eq!(
        len("text-embedding-3-large", json!({"dimensions": 3072})),
        3072
    );
    assert_eq!(len("text-embedding-3-large", json!({"dimensions": 1})), 1);
    assert_eq!(len("my-own-embedder", json!({"dimensions": 64})), 64);
    assert_eq!(
        len("text-embedding-ada-002", json!({"dimensions": null})),
        1536
    );
}

#[test]
fn base64_decodes_to_the_same_floats_as_the_float_format() {
    let server = start(|_| {});
    let url = server.url();
    let input = json!(["first text", "second, longer text here"]);
    for (model, dims) in [
        ("text-embedding-3-small", 1536),
        ("text-embedding-3-large", 3072),
    ] {
        let plain = embed_with(
            &url,
            model,
            input.clone(),
            json!({"encoding_format": "float"}),
        );
        let packed = embed_with(
            &url,
            model,
            input.clone(),
            json!({"encoding_format": "base64"}),
        );
        let expected = vectors(&plain);
        let data = packed["data"].as_array().unwrap();
        assert_eq!(data.len(), 2);
        for (i, d) in data.iter().enumerate() {
            assert_eq!(d["object"], "embedding");
            assert_eq!(d["index"], i);
            let text = d["embedding"].as_str().expect("a base64 string");
            assert!(
                text.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
            );
            let decoded = from_le(&unbase64(text));
            assert_eq!(decoded.len(), dims);
            assert_eq!(decoded, expected[i], "float32 values survive exactly");
        }
        assert_eq!(packed["usage"], plain["usage"]);
    }
}

#[test]
fn token_inputs_embed_like_their_numbers_as_words() {
    let server = start(|_| {});
    let url = server.url();
    let m = "text-embedding-3-small";
    let tokens = embed_with(&url, m, json!([1212, 318, 257]), json!({}));
    let text = embed_with(&url, m, json!("1212 318 257"), json!({}));
    assert_eq!(vectors(&tokens), vectors(&text));
    assert_eq!(tokens["usage"]["prompt_tokens"], 3);
    let many = embed_with(&url, m, json!([[1212, 318], [257]]), json!({}));
    let vs = vectors(&many);
    assert_eq!(vs.len(), 2);
    assert_ne!(vs[0], vs[1]);
    assert_eq!(
        many["usage"],
        json!({"prompt_tokens": 3, "total_tokens": 3})
    );
}

#[test]
fn a_full_batch_of_2048_inputs_is_accepted() {
    let inputs: Vec<String> = (0..2048).map(|i| format!("input {i}")).collect();
    let v = embed(
        "text-embedding-3-small",
        json!(inputs),
        json!({"dimensions": 8}),
    );
    assert_eq!(v["data"].as_array().unwrap().len(), 2048);
    assert_eq!(v["data"][2047]["index"], 2047);
}

#[test]
fn strict_models_refuses_unlisted_models() {
    let server = start(|c| c.strict_models = true);
    let url = server.url();
    embed_with(&url, "text-embedding-3-small", json!("x"), json!({}));
    let got = post(
        &format!("{url}/v1/embeddings"),
        &body("my-own-embedder", json!("x"), json!({})),
    );
    assert_eq!(got.status, 404);
    assert_eq!(got.error()["code"], "model_not_found");
}

#[test]
fn every_invalid_field_is_a_400_naming_it() {
    let server = start(|_| {});
    let url = format!("{}/v1/embeddings", server.url());
    let m = "text-embedding-3-small";
    let too_many: Vec<&str> = vec!["x"; 2049];
    let too_long = "word ".repeat(8193);
    let cases: Vec<(String, &str)> = vec![
        (json!({"input": "x"}).to_string(), "model"),
        (json!({"model": m}).to_string(), "input"),
        (body(m, json!(""), json!({})), "input"),
        (body(m, json!([]), json!({})), "input"),
        (body(m, json!(too_many), json!({})), "input"),
        (body(m, json!(5), json!({})), "input"),
        (body(m, json!({"text": "x"}), json!({})), "input"),
        (body(m, json!(["a", ""]), json!({})), "input"),
        (body(m, json!(["a", 1]), json!({})), "input"),
        (body(m, json!([1, "a"]), json!({})), "input"),
        (body(m, json!([1, 2.5]), json!({})), "input"),
        (body(m, json!([1, -2]), json!({})), "input"),
        (body(m, json!([[1], []]), json!({})), "input"),
        (body(m, json!([[1], ["a"]]), json!({})), "input"),
        (body(m, json!([[1], 2]), json!({})), "input"),
        (body(m, json!([true]), json!({})), "input"),
        (body(m, json!(too_long), json!({})), "input"),
        (body(m, json!("x"), json!({"dimensions": 0})), "dimensions"),
        (
            body(m, json!("x"), json!({"dimensions": 1537})),
            "dimensions",
        ),
        (
            body(m, json!("x"), json!({"dimensions": "8"})),
            "dimensions",
        ),
        (
            body(
                "text-embedding-3-large",
                json!("x"),
                json!({"dimensions": 3073}),
            ),
            "dimensions",
        ),
        (
            body(
                "text-embedding-ada-002",
                json!("x"),
                json!({"dimensions": 256}),
            ),
            "dimensions",
        ),
        (
            body("custom", json!("x"), json!({"dimensions": 1537})),
            "dimensions",
        ),
        (
            body(m, json!("x"), json!({"encoding_format": "int8"})),
            "encoding_format",
        ),
        (
            body(m, json!("x"), json!({"encoding_format": 1})),
            "encoding_format",
        ),
        (body(m, json!("x"), json!({"user": 1})), "user"),
    ];
    for (body, param) in cases {
        let got = post(&url, &body);
        assert_eq!(
            got.status,
            400,
            "{} → {}",
            &body[..body.len().min(200)],
            got.body
        );
        let e = got.error();
        assert_eq!(e["type"], "invalid_request_error");
        assert_eq!(
            e["param"],
            param,
            "{} → {}",
            &body[..body.len().min(200)],
            got.body
        );
    }
}
