//! Shared test helpers: start oaimock in-process or as the real binary on port 0, and talk HTTP to it.
#![allow(dead_code)]

pub(crate) mod azure;
pub(crate) mod budgets;
pub(crate) mod completions;
pub(crate) mod dirs;
pub(crate) mod errors;
pub(crate) mod exhaustion;
pub(crate) mod faults;
pub(crate) mod hardening;
pub(crate) mod hostile;
pub(crate) mod pictures;
pub(crate) mod responses;
pub(crate) mod scripted;
pub(crate) mod stored;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use oaimock::{Config, Server};
use serde_json::Value;

/// An in-process server with the builder's test defaults and `tweak` applied to its config.
pub(crate) fn start(tweak: impl FnOnce(&mut Config)) -> Server {
    Server::builder()
        .config(tweak)
        .start()
        .expect("server starts")
}

/// A ureq agent that returns 4xx/5xx responses instead of errors, so tests can read error bodies.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_per_call(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// A response reduced to what tests assert on.
pub(crate) struct Got {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as sent (`body` is it read as UTF-8, lossily).
    pub bytes: Vec<u8>,
}

impl Got {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts a 400 whose error names `param` and whose message contains `message_part`.
    pub(crate) fn assert_invalid(&self, param: &str, message_part: &str) {
        let e = self.error();
        assert_eq!(
            (self.status, e["param"].as_str()),
            (400, Some(param)),
            "{}",
            self.body
        );
        assert!(
            e["message"].as_str().unwrap().contains(message_part),
            "{}",
            self.body
        );
    }

    /// The `{"error": {...}}` object, checking that all four keys are present.
    pub(crate) fn error(&self) -> Value {
        let v = self.json();
        let e = v["error"].clone();
        for key in ["message", "type", "param", "code"] {
            assert!(
                e.get(key).is_some(),
                "error envelope lacks '{key}': {}",
                self.body
            );
        }
        e
    }

    /// The JSON chunks of a chat or completions stream, checking it ends with exactly `[DONE]`.
    pub(crate) fn chunks(&self) -> Vec<Value> {
        let events = self.events();
        assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
        let chunks = &events[..events.len() - 1];
        chunks
            .iter()
            .map(|e| serde_json::from_str(e).unwrap())
            .collect()
    }

    /// The `data:` payloads of an SSE body, checking the framing on the way.
    pub(crate) fn events(&self) -> Vec<String> {
        sse_data(&self.body)
    }

    /// The `data:` payloads of an SSE body that has no `[DONE]` (audio streams), each parsed.
    pub(crate) fn json_events(&self) -> Vec<Value> {
        self.events()
            .iter()
            .map(|e| serde_json::from_str(e).unwrap_or_else(|err| panic!("{err}: {e}")))
            .collect()
    }

    /// The named events of a 200 stream (Responses, image streams): every event exactly
    /// `event: NAME\ndata: JSON\n\n`, NAME equal to the JSON's `type`; `(NAME, JSON)` each.
    pub(crate) fn named_events(&self) -> Vec<(String, Value)> {
        assert_eq!(self.status, 200, "{}", self.body);
        let body = &self.body;
        assert!(!body.contains('\r') && body.ends_with("\n\n"), "{body:?}");
        body.trim_end_matches('\n')
            .split("\n\n")
            .map(|event| {
                let (name, data) = event.split_once('\n').expect("two lines");
                let name = name.strip_prefix("event: ").expect("an event line");
                let data = data.strip_prefix("data: ").expect("a data line");
                assert!(!data.contains('\n'), "one data line: {event}");
                let value: Value = serde_json::from_str(data).expect("JSON");
                assert_eq!(value["type"], name);
                (name.to_string(), value)
            })
            .collect()
    }
}

/// A response read into a [`Got`] (for requests built with [`agent`] directly).
pub(crate) fn got_of(resp: ureq::http::Response<ureq::Body>) -> Got {
    got(resp)
}

fn got(mut resp: ureq::http::Response<ureq::Body>) -> Got {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    Got {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

pub(crate) fn post(url: &str, body: &str) -> Got {
    post_with(url, body, &[])
}

pub(crate) fn post_with(url: &str, body: &str, headers: &[(&str, &str)]) -> Got {
    let mut rq = agent().post(url).header("Content-Type", "application/json");
    for (n, v) in headers {
        rq = rq.header(*n, *v);
    }
    got(rq.send(body).expect("request is sent"))
}

/// `seconds` of 16-bit mono silence at 16 kHz as a WAV file.
pub(crate) fn wav(seconds: f64) -> Vec<u8> {
    let data = (seconds * 16_000.0) as u32 * 2;
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00");
    out.extend_from_slice(&16_000u32.to_le_bytes());
    out.extend_from_slice(&32_000u32.to_le_bytes());
    out.extend_from_slice(b"\x02\x00\x10\x00data");
    out.extend_from_slice(&data.to_le_bytes());
    out.resize(44 + data as usize, 0);
    out
}

/// The boundary of the forms [`form`] builds.
pub(crate) const BOUNDARY: &str = "oaimock-test-7f3a";

/// One part of a test form: a field (`file: None`) or a file with its name and content type.
pub(crate) struct FormPart<'a> {
    pub name: &'a str,
    pub file: Option<(&'a str, &'a str)>,
    pub data: &'a [u8],
}

/// A text field of a test form.
pub(crate) fn field<'a>(name: &'a str, value: &'a str) -> FormPart<'a> {
    FormPart {
        name,
        file: None,
        data: value.as_bytes(),
    }
}

/// A file part of a test form.
pub(crate) fn file<'a>(name: &'a str, filename: &'a str, data: &'a [u8]) -> FormPart<'a> {
    FormPart {
        name,
        file: Some((filename, "application/octet-stream")),
        data,
    }
}

/// A `multipart/form-data` body with [`BOUNDARY`], as the SDKs send one.
pub(crate) fn form(parts: &[FormPart]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match part.file {
            None => format!("Content-Disposition: form-data; name=\"{}\"\r\n", part.name),
            Some((filename, content_type)) => format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n",
                part.name
            ),
        };
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(part.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// Posts a form built by [`form`].
pub(crate) fn post_form(url: &str, parts: &[FormPart]) -> Got {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    post_bytes(url, &content_type, &form(parts))
}

/// Posts `body` as it is, with `content_type`.
pub(crate) fn post_bytes(url: &str, content_type: &str, body: &[u8]) -> Got {
    let rq = agent().post(url).header("Content-Type", content_type);
    got(rq.send(body).expect("request is sent"))
}

pub(crate) fn delete(url: &str) -> Got {
    got(agent().delete(url).call().expect("request is sent"))
}

pub(crate) fn delete_with(url: &str, headers: &[(&str, &str)]) -> Got {
    let mut rq = agent().delete(url);
    for (n, v) in headers {
        rq = rq.header(*n, *v);
    }
    got(rq.call().expect("request is sent"))
}

pub(crate) fn get(url: &str) -> Got {
    get_with(url, &[])
}

pub(crate) fn get_with(url: &str, headers: &[(&str, &str)]) -> Got {
    let mut rq = agent().get(url);
    for (n, v) in headers {
        rq = rq.header(*n, *v);
    }
    got(rq.call().expect("request is sent"))
}

/// The `data:` payloads of an SSE body. Every event must be exactly `data: <payload>\n\n`.
pub(crate) fn sse_data(body: &str) -> Vec<String> {
    assert!(!body.contains('\r'), "SSE body must not use CR: {body:?}");
    assert!(
        body.ends_with("\n\n"),
        "SSE body must end with a blank line: {body:?}"
    );
    body.trim_end_matches('\n')
        .split("\n\n")
        .map(|event| {
            event
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data event: {event:?}"))
                .to_string()
        })
        .collect()
}

/// Sends raw bytes and reads until the server closes or `timeout` passes.
pub(crate) fn raw(addr: std::net::SocketAddr, request: &[u8], timeout: Duration) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(timeout)).unwrap();
    stream.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The real `oaimock` binary on a free port; killed on drop.
pub(crate) struct Binary {
    pub child: Child,
    pub url: String,
    pub stderr: Option<std::process::ChildStderr>,
}

impl Binary {
    /// Starts the binary and waits for its `listening on` line (no sleeps).
    pub(crate) fn start(args: &[&str]) -> Binary {
        Binary::start_with_env(args, &[])
    }

    /// Like `start`, with extra environment variables.
    pub(crate) fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Binary {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oaimock"));
        command
            .args(["--port", "0"])
            .args(args)
            .envs(env.iter().copied());
        Binary::spawn(command)
    }

    /// Like `start`, under a limit of `nofile` open descriptors (`ulimit -n`, then exec: the pid
    /// is the server's).
    pub(crate) fn start_limited(nofile: u32, args: &[&str]) -> Binary {
        let mut command = Command::new("sh");
        command.args([
            "-c",
            &format!("ulimit -n {nofile} && exec \"$0\" --port 0 \"$@\"",),
            env!("CARGO_BIN_EXE_oaimock"),
        ]);
        command.args(args);
        Binary::spawn(command)
    }

    pub(crate) fn spawn(mut command: Command) -> Binary {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("reads stdout");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let stderr = child.stderr.take();
        Binary { child, url, stderr }
    }

    /// Threads of the process, from /proc.
    pub(crate) fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal valid chat request body.
pub(crate) fn chat_body(content: &str, extra: &str) -> String {
    let content = serde_json::to_string(content).unwrap();
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(",{extra}")
    };
    format!(
        r#"{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":{content}}}]{extra}}}"#
    )
}
