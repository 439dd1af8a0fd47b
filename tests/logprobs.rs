//! Chat and Responses logprobs over HTTP: one entry per token of the reply (the tokens `usage`
//! counts), deterministic and plausible, `top_logprobs` honoured and validated, in plain answers
//! and in stream chunks and events, and cut to the response budget.

mod common;

use common::{post, start};
use oaimock::{Rule, Server};
use serde_json::{Value, json};

const REPLY: &str = "Hello there, how are you?";

fn server() -> Server {
    start(|c| c.reply = Some(REPLY.into()))
}

fn chat(server: &Server, extra: Value) -> common::Got {
    let mut body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    post(
        &format!("{}/v1/chat/completions", server.url()),
        &body.to_string(),
    )
}

/// Checks one ChatCompletionTokenLogprob-shaped entry for `token` with `top` alternatives.
fn check_entry(entry: &Value, token: &str, top: usize) {
    let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["bytes", "logprob", "token", "top_logprobs"],
        "{entry}"
    );
    assert_eq!(entry["token"], token);
    assert_eq!(entry["bytes"], json!(token.as_bytes()));
    let logprob = entry["logprob"].as_f64().unwrap();
    assert!((-2.5..0.0).contains(&logprob), "{entry}");
    let tops = entry["top_logprobs"].as_array().unwrap();
    assert_eq!(tops.len(), top, "{entry}");
    let lps: Vec<f64> = tops
        .iter()
        .map(|t| t["logprob"].as_f64().unwrap())
        .collect();
    assert!(lps.windows(2).all(|w| w[0] >= w[1]), "sorted: {entry}");
    assert!(lps.iter().map(|lp| lp.exp()).sum::<f64>() <= 1.0 + 1e-6);
    if top > 0 {
        let chosen = tops.iter().find(|t| t["token"] == token).expect("chosen");
        assert_eq!(chosen["logprob"], entry["logprob"]);
    }
    for t in tops {
        assert_eq!(t["bytes"], json!(t["token"].as_str().unwrap().as_bytes()));
        assert_eq!(t.as_object().unwrap().len(), 3);
    }
}

#[test]
fn chat_logprobs_list_every_token_of_the_reply_with_top_logprobs() {
    let server = server();
    let got = chat(&server, json!({"logprobs": true, "top_logprobs": 3}));
    assert_eq!(got.status, 200, "{}", got.body);
    let v = got.json();
    let choice = &v["choices"][0];
    assert_eq!(choice["message"]["content"], REPLY);
    assert_eq!(choice["logprobs"]["refusal"], Value::Null);
    let content = choice["logprobs"]["content"].as_array().unwrap();
    let tokens = ["Hello", " there,", " how", " are", " you?"];
    assert_eq!(content.len(), tokens.len());
    assert_eq!(v["usage"]["completion_tokens"], tokens.len());
    for (entry, token) in content.iter().zip(tokens) {
        check_entry(entry, token, 3);
    }
    // Deterministic: the same reply gets the same values.
    let again = chat(&server, json!({"logprobs": true, "top_logprobs": 3})).json();
    assert_eq!(again["choices"][0]["logprobs"], choice["logprobs"]);
    // Without top_logprobs: empty lists; the values stay the same.
    let bare = chat(&server, json!({"logprobs": true})).json();
    let bare = bare["choices"][0]["logprobs"]["content"]
        .as_array()
        .unwrap();
    for (entry, (full, token)) in bare.iter().zip(content.iter().zip(tokens)) {
        check_entry(entry, token, 0);
        assert_eq!(entry["logprob"], full["logprob"]);
    }
    // All 20, and none when not asked for.
    let most = chat(&server, json!({"logprobs": true, "top_logprobs": 20})).json();
    check_entry(&most["choices"][0]["logprobs"]["content"][4], " you?", 20);
    for extra in [json!({}), json!({"logprobs": false})] {
        let v = chat(&server, extra).json();
        assert_eq!(v["choices"][0]["logprobs"], Value::Null);
    }
}

#[test]
fn top_logprobs_is_validated_as_the_api_does() {
    let server = server();
    for (extra, message) in [
        (
            json!({"top_logprobs": 2}),
            "'logprobs' must be set to true when 'top_logprobs' is used.",
        ),
        (
            json!({"logprobs": false, "top_logprobs": 0}),
            "'logprobs' must be set to true when 'top_logprobs' is used.",
        ),
        (
            json!({"logprobs": true, "top_logprobs": 21}),
            "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead.",
        ),
        (
            json!({"logprobs": true, "top_logprobs": -1}),
            "Invalid 'top_logprobs': integer below minimum value. Expected a value >= 0, but got -1 instead.",
        ),
    ] {
        let got = chat(&server, extra);
        assert_eq!(got.status, 400, "{}", got.body);
        let error = got.error();
        assert_eq!(error["param"], "top_logprobs");
        assert_eq!(error["type"], "invalid_request_error");
        assert!(
            error["message"].as_str().unwrap().ends_with(message),
            "{error}"
        );
    }
}

#[test]
fn streamed_chunks_carry_the_logprobs_of_their_own_tokens() {
    let server = server();
    let plain = chat(&server, json!({"logprobs": true, "top_logprobs": 2})).json();
    let plain = plain["choices"][0]["logprobs"]["content"].clone();
    let got = chat(
        &server,
        json!({"logprobs": true, "top_logprobs": 2, "stream": true}),
    );
    let chunks = got.chunks();
    // The role chunk and the finish chunk have none; each word chunk has its own.
    assert_eq!(chunks[0]["choices"][0]["logprobs"], Value::Null);
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["logprobs"],
        Value::Null
    );
    let words = &chunks[1..chunks.len() - 1];
    assert_eq!(words.len(), 5);
    for (i, chunk) in words.iter().enumerate() {
        let choice = &chunk["choices"][0];
        assert_eq!(
            choice["logprobs"],
            json!({"content": [plain[i].clone()], "refusal": null})
        );
        assert_eq!(choice["delta"]["content"], plain[i]["token"]);
    }
}

#[test]
fn refusals_and_tool_calls_have_their_own_logprobs_shape() {
    let server = Server::builder()
        .rule(
            Rule::new()
                .user_contains("bomb")
                .reply_refusal("I can't help"),
        )
        .start()
        .unwrap();
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "a bomb"}], "logprobs": true, "top_logprobs": 1});
    let url = format!("{}/v1/chat/completions", server.url());
    let v = post(&url, &body.to_string()).json();
    let logprobs = &v["choices"][0]["logprobs"];
    assert_eq!(logprobs["content"], Value::Null);
    let refusal = logprobs["refusal"].as_array().unwrap();
    assert_eq!(refusal.len(), 3);
    check_entry(&refusal[1], " can't", 1);
    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let chunks = post(&url, &streamed.to_string()).chunks();
    assert_eq!(
        chunks[2]["choices"][0]["logprobs"]["refusal"][0],
        refusal[1]
    );
    let calls = json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "logprobs": true,
        "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required"});
    let v = post(&url, &calls.to_string()).json();
    assert_eq!(
        v["choices"][0]["logprobs"],
        json!({"content": [], "refusal": null})
    );
}

#[test]
fn logprobs_count_against_the_response_budget() {
    // 128 choices of 2,000 words with 20 alternatives each would be about 500 MB: each choice
    // keeps what fits in its share of half the response budget, cut for length.
    let long = "word ".repeat(2000);
    let server = start(|c| c.reply = Some(long.clone()));
    for stream in [false, true] {
        let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "logprobs": true, "top_logprobs": 20, "n": 128, "stream": stream});
        let mut resp = common::agent()
            .post(format!("{}/v1/chat/completions", server.url()))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        assert_eq!(resp.status(), 200);
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap();
        assert!(text.len() <= 16 * 1024 * 1024, "{} bytes", text.len());
        if stream {
            let last = text.trim_end().rsplit("\n\n").nth(1).unwrap();
            let last: Value = serde_json::from_str(&last["data: ".len()..]).unwrap();
            assert_eq!(last["choices"][0]["finish_reason"], "length");
            continue;
        }
        let v: Value = serde_json::from_str(&text).unwrap();
        let choice = &v["choices"][127];
        assert_eq!(choice["finish_reason"], "length");
        let kept = choice["logprobs"]["content"].as_array().unwrap().len();
        assert!((10..2000).contains(&kept), "{kept}");
        let words = choice["message"]["content"].as_str().unwrap();
        assert_eq!(words.split_whitespace().count(), kept);
        assert_eq!(v["usage"]["completion_tokens"], kept * 128);
    }
}

fn responses(server: &Server, extra: Value) -> common::Got {
    let mut body = json!({"model": "gpt-4o", "input": "hi"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    post(&format!("{}/v1/responses", server.url()), &body.to_string())
}

const INCLUDE: &str = "message.output_text.logprobs";

#[test]
fn responses_output_text_carries_logprobs_when_included() {
    let server = server();
    let v = responses(&server, json!({"include": [INCLUDE], "top_logprobs": 2})).json();
    assert_eq!(v["top_logprobs"], 2, "echoed as the API does");
    let part = &v["output"][0]["content"][0];
    assert_eq!(part["text"], REPLY);
    let logprobs = part["logprobs"].as_array().unwrap();
    let tokens = ["Hello", " there,", " how", " are", " you?"];
    assert_eq!(logprobs.len(), 5);
    assert_eq!(v["usage"]["output_tokens"], 5);
    for (entry, token) in logprobs.iter().zip(tokens) {
        check_entry(entry, token, 2);
    }
    // The same values as chat's for the same tokens.
    let chat = chat(&server, json!({"logprobs": true, "top_logprobs": 2})).json();
    assert_eq!(
        &chat["choices"][0]["logprobs"]["content"],
        &part["logprobs"]
    );
    // Without the include, or with top_logprobs alone: empty.
    for extra in [json!({}), json!({"top_logprobs": 5})] {
        let v = responses(&server, extra).json();
        assert_eq!(v["output"][0]["content"][0]["logprobs"], json!([]));
    }
    let got = responses(&server, json!({"include": [INCLUDE], "top_logprobs": 21}));
    assert_eq!(
        (got.status, got.error()["param"].as_str()),
        (400, Some("top_logprobs"))
    );
    let got = responses(&server, json!({"include": [5]}));
    assert_eq!(
        (got.status, got.error()["param"].as_str()),
        (400, Some("include[0]"))
    );
}

#[test]
fn responses_stream_deltas_carry_their_token_s_logprobs() {
    let server = server();
    let got = responses(
        &server,
        json!({"include": [INCLUDE], "top_logprobs": 2, "stream": true}),
    );
    assert_eq!(got.status, 200);
    let events: Vec<Value> = got
        .body
        .trim_end()
        .split("\n\n")
        .map(|e| serde_json::from_str(e.split_once("data: ").unwrap().1).unwrap())
        .collect();
    let completed = events.last().unwrap();
    let full = completed["response"]["output"][0]["content"][0]["logprobs"].clone();
    assert_eq!(full.as_array().unwrap().len(), 5);
    let deltas: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .collect();
    assert_eq!(deltas.len(), 5);
    for (i, delta) in deltas.iter().enumerate() {
        // ResponseLogProb: token, logprob and top_logprobs of {token, logprob}; no bytes.
        let mut want = full[i].clone();
        want.as_object_mut().unwrap().remove("bytes");
        for top in want["top_logprobs"].as_array_mut().unwrap() {
            top.as_object_mut().unwrap().remove("bytes");
        }
        assert_eq!(delta["logprobs"], json!([want]));
        assert_eq!(delta["delta"], full[i]["token"]);
    }
    let done = events
        .iter()
        .find(|e| e["type"] == "response.content_part.done")
        .unwrap();
    assert_eq!(done["part"]["logprobs"], full);
    let text_done = events
        .iter()
        .find(|e| e["type"] == "response.output_text.done")
        .unwrap();
    assert_eq!(text_done["logprobs"], json!([]));
}

#[test]
fn responses_logprobs_count_against_the_response_budget() {
    // A stream sends each entry four times (the delta, content_part.done, output_item.done and
    // the final response): 2,000 words with 20 alternatives do not fit in its quarter of the
    // response budget, so the text is cut and the response is incomplete.
    let server = start(|c| c.reply = Some("word ".repeat(2000)));
    let body = json!({"model": "m", "input": "hi", "include": [INCLUDE], "top_logprobs": 20, "stream": true});
    let mut resp = common::agent()
        .post(format!("{}/v1/responses", server.url()))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap();
    assert!(text.len() <= 8 * 1024 * 1024, "{} bytes", text.len());
    let last = text.trim_end().rsplit("\n\n").next().unwrap();
    assert!(
        last.starts_with("event: response.incomplete\n"),
        "{}",
        &last[..80]
    );
    let last: Value = serde_json::from_str(last.split_once("data: ").unwrap().1).unwrap();
    let response = &last["response"];
    assert_eq!(
        response["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    let kept = response["output"][0]["content"][0]["logprobs"]
        .as_array()
        .unwrap()
        .len();
    assert!((100..2000).contains(&kept), "{kept}");
    assert_eq!(response["usage"]["output_tokens"], kept);
    let deltas = text.matches("event: response.output_text.delta\n").count();
    assert_eq!(deltas, kept);
}
