//! The soak's plan: the request kinds and their mix, a fixed-seed plan of one byte per request,
//! each kind's request bytes, and the status and body marker each must get.

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Chat,
    ChatStream,
    Completion,
    EmbedFloat,
    EmbedBase64,
    Responses,
    ResponsesStream,
    Models,
    BadJson,
    NotFound,
    Injected500,
    StreamError,
    DropStream,
    DropRequest,
}

/// Each kind with its share of the plan, in percent.
pub(crate) const MIX: [(Kind, u32, &str); 14] = [
    (Kind::Chat, 22, "chat"),
    (Kind::ChatStream, 14, "chat stream"),
    (Kind::Completion, 8, "completions"),
    (Kind::EmbedFloat, 5, "embeddings float"),
    (Kind::EmbedBase64, 5, "embeddings base64"),
    (Kind::Responses, 8, "responses"),
    (Kind::ResponsesStream, 8, "responses stream"),
    (Kind::Models, 8, "models"),
    (Kind::BadJson, 4, "malformed JSON (400)"),
    (Kind::NotFound, 4, "unknown path (404)"),
    (Kind::Injected500, 4, "x-oaimock-error 500"),
    (Kind::StreamError, 4, "stream error after 2"),
    (Kind::DropStream, 3, "disconnect mid-stream"),
    (Kind::DropRequest, 3, "disconnect mid-request"),
];
/// Plan byte: the kind's index in `MIX`, plus these flags.
pub(crate) const FRESH: u8 = 0x80;
pub(crate) const VARIANT: u8 = 0x40;

pub(crate) struct XorShift(u64);
impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// The whole run's requests, one byte each, from a fixed seed: the same mix every run.
pub(crate) fn plan(n: usize, seed: u64, fresh_one_in: u64) -> Vec<u8> {
    let mut rng = XorShift(seed | 1);
    let total: u32 = MIX.iter().map(|m| m.1).sum();
    (0..n)
        .map(|_| {
            let r = rng.next();
            let mut pick = (r % total as u64) as u32;
            let index = MIX.iter().position(|m| match pick.checked_sub(m.1) {
                Some(rest) => {
                    pick = rest;
                    false
                }
                None => true,
            });
            let mut byte = index.unwrap() as u8;
            if fresh_one_in > 0 && (r >> 32).is_multiple_of(fresh_one_in) {
                byte |= FRESH;
            }
            if (r >> 40) & 1 == 1 {
                byte |= VARIANT;
            }
            byte
        })
        .collect()
}

/// A request's bytes for each kind, with and without `Connection: close`.
pub(crate) struct Requests {
    pub(crate) keep: Vec<Vec<u8>>,
    pub(crate) close: Vec<Vec<u8>>,
}

pub(crate) fn http_request(method: &str, path: &str, headers: &[&str], body: &str, close: bool) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: oaimock\r\n");
    for h in headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    if close {
        r.push_str("Connection: close\r\n");
    }
    if method == "POST" {
        r.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    r.push_str(body);
    r.into_bytes()
}

pub(crate) const CHAT: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say this is a test"}]}"#;
pub(crate) const CHAT_STREAM: &str =
    r#"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say this is a test"}]}"#;

pub(crate) fn request_for(kind: Kind, close: bool) -> Vec<u8> {
    let post = |path: &str, headers: &[&str], body: &str| http_request("POST", path, headers, body, close);
    match kind {
        Kind::Chat => post("/v1/chat/completions", &[], CHAT),
        Kind::ChatStream | Kind::DropStream => post("/v1/chat/completions", &["Accept: text/event-stream"], CHAT_STREAM),
        Kind::Completion => post(
            "/v1/completions",
            &[],
            r#"{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","max_tokens":16}"#,
        ),
        Kind::EmbedFloat => post(
            "/v1/embeddings",
            &[],
            r#"{"model":"text-embedding-3-small","input":"soak test","encoding_format":"float"}"#,
        ),
        Kind::EmbedBase64 => post(
            "/v1/embeddings",
            &[],
            r#"{"model":"text-embedding-3-small","input":["soak","test"],"encoding_format":"base64"}"#,
        ),
        Kind::Responses => post("/v1/responses", &[], r#"{"model":"gpt-4o-mini","input":"Say this is a test"}"#),
        Kind::ResponsesStream => post(
            "/v1/responses",
            &["Accept: text/event-stream"],
            r#"{"model":"gpt-4o-mini","input":"Say this is a test","stream":true}"#,
        ),
        Kind::Models => http_request("GET", "/v1/models", &[], "", close),
        Kind::BadJson => post("/v1/chat/completions", &[], r#"{"model":"gpt-4o-mini","messages":[{"role":"#),
        Kind::NotFound => post("/v1/no-such-endpoint", &[], CHAT),
        Kind::Injected500 => post("/v1/chat/completions", &["x-oaimock-error: 500"], CHAT),
        Kind::StreamError => post("/v1/chat/completions", &["x-oaimock-stream-error-after: 2"], CHAT_STREAM),
        Kind::DropRequest => unreachable!("built in disconnect()"),
    }
}

/// The status a kind must get, and a string its (de-chunked) body must contain.
pub(crate) fn expected(kind: Kind) -> (u16, &'static str) {
    match kind {
        Kind::Chat => (200, r#""object":"chat.completion""#),
        Kind::ChatStream => (200, "data: [DONE]"),
        Kind::Completion => (200, r#""object":"text_completion""#),
        Kind::EmbedFloat => (200, r#""embedding":["#),
        Kind::EmbedBase64 => (200, r#""embedding":""#),
        Kind::Responses => (200, r#""object":"response""#),
        Kind::ResponsesStream => (200, "event: response.completed"),
        Kind::Models => (200, r#""object":"model""#),
        Kind::BadJson => (400, r#""code":"invalid_json""#),
        Kind::NotFound => (404, r#""error""#),
        Kind::Injected500 => (500, r#""type":"server_error""#),
        Kind::StreamError => (200, r#"data: {"error""#),
        Kind::DropStream | Kind::DropRequest => unreachable!("checked in disconnect()"),
    }
}
