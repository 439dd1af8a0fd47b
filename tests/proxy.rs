//! `--upstream`: a second oaimock in-process is the upstream; requests no rule answers are
//! forwarded, and its answers relayed (status, headers, body, streams as they arrive).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Got, chat_body, get, post, post_with, start};
use oaimock::Server;

/// A proxy in front of `upstream`, with `tweak` applied.
fn proxy(upstream: &Server, tweak: impl FnOnce(&mut oaimock::Config)) -> Server {
    let base = upstream.url();
    start(move |c| {
        c.upstream = Some(base);
        tweak(c);
    })
}

fn chat(server: &Server, body: &str) -> Got {
    post(&format!("{}/v1/chat/completions", server.url()), body)
}

#[test]
fn an_unmatched_request_is_forwarded_and_the_answer_relayed() {
    let upstream = start(|c| c.reply = Some("Hello from upstream".into()));
    let proxy = proxy(&upstream, |_| {});
    let got = chat(&proxy, &chat_body("hi", r#""temperature":0.5"#));
    assert_eq!(got.status, 200, "{}", got.body);
    let body = got.json();
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Hello from upstream"
    );
    assert_eq!(body["object"], "chat.completion");
    // The upstream's request id, not one of the proxy's own, and only one of them.
    let ids: Vec<_> = got
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-request-id"))
        .collect();
    assert_eq!(ids.len(), 1, "{:?}", got.headers);
    let seen = upstream.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/chat/completions");
    assert_eq!(seen[0].body["temperature"], 0.5);
    // The proxy's journal says who answered.
    assert_eq!(proxy.requests()[0].answered_by, "upstream");
}

#[test]
fn a_rule_answers_before_the_upstream_and_other_paths_are_forwarded() {
    let upstream = start(|c| c.reply = Some("upstream".into()));
    let proxy = proxy(&upstream, |_| {});
    proxy
        .mount_json(
            r#"[{"match": {"user": {"equals": "local"}}, "reply": {"text": "from a rule"}}]"#,
        )
        .unwrap();
    let got = chat(&proxy, &chat_body("local", ""));
    assert_eq!(
        got.json()["choices"][0]["message"]["content"],
        "from a rule"
    );
    assert!(upstream.requests().is_empty());
    // A path oaimock does not know goes upstream too, with its query string; the upstream's
    // 404 comes back as it was.
    let got = get(&format!("{}/v1/vector_stores?limit=2", proxy.url()));
    assert_eq!(got.status, 404);
    assert!(
        got.error()["message"]
            .as_str()
            .unwrap()
            .contains("/v1/vector_stores"),
        "{}",
        got.body
    );
    // The models are the upstream's.
    let got = get(&format!("{}/v1/models", proxy.url()));
    assert_eq!(got.status, 200);
    assert_eq!(upstream.requests().last().unwrap().path, "/v1/models");
}

#[test]
fn the_key_is_the_client_s_own_or_the_upstream_key() {
    let upstream = start(|c| c.api_key = Some("sk-upstream".into()));
    let url = |s: &Server| format!("{}/v1/chat/completions", s.url());
    let plain = proxy(&upstream, |_| {});
    let body = chat_body("hi", "");
    let got = post_with(
        &url(&plain),
        &body,
        &[("Authorization", "Bearer sk-upstream")],
    );
    assert_eq!(got.status, 200, "{}", got.body);
    let got = post_with(&url(&plain), &body, &[("Authorization", "Bearer wrong")]);
    assert_eq!(got.status, 401);
    assert_eq!(got.error()["code"], "invalid_api_key");
    let keyed = proxy(&upstream, |c| c.upstream_key = Some("sk-upstream".into()));
    let got = post_with(&url(&keyed), &body, &[("Authorization", "Bearer wrong")]);
    assert_eq!(got.status, 200, "{}", got.body);
}

#[test]
fn errors_and_rate_limits_keep_their_status_body_and_retry_headers() {
    let upstream = start(|c| c.rpm = Some(100));
    upstream
        .mount_json(
            r#"[{"match": {"user": {"equals": "slow down"}},
                 "reply": {"error": {"status": 429, "message": "Rate limit reached.",
                                     "headers": {"retry-after": "7", "x-should-retry": "true"}}}}]"#,
        )
        .unwrap();
    let proxy = proxy(&upstream, |_| {});
    let got = chat(&proxy, &chat_body("slow down", ""));
    assert_eq!(got.status, 429);
    assert_eq!(got.header("retry-after"), Some("7"));
    assert_eq!(got.header("x-should-retry"), Some("true"));
    assert_eq!(got.error()["message"], "Rate limit reached.");
    let got = chat(&proxy, &chat_body("fine", ""));
    assert_eq!(got.status, 200);
    assert_eq!(got.header("x-ratelimit-limit-requests"), Some("100"));
    assert!(
        got.header("x-ratelimit-remaining-requests").is_some(),
        "{:?}",
        got.headers
    );
}

#[test]
fn an_unreachable_upstream_is_a_502_and_a_silent_one_a_504() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unreachable = start(|c| c.upstream = Some(base.clone()));
    let got = chat(&unreachable, &chat_body("hi", ""));
    assert_eq!(got.status, 502, "{}", got.body);
    assert_eq!(got.error()["code"], "upstream_unreachable");
    assert!(got.error()["message"].as_str().unwrap().contains(&base));

    let upstream = start(|_| {});
    upstream
        .mount_json(r#"[{"reply": {"text": "late", "ttft_ms": 5000}}]"#)
        .unwrap();
    let proxy = proxy(&upstream, |c| {
        c.upstream_timeout = Duration::from_millis(200)
    });
    let started = Instant::now();
    let got = chat(&proxy, &chat_body("hi", ""));
    assert_eq!(got.status, 504, "{}", got.body);
    assert_eq!(got.error()["code"], "upstream_timeout");
    assert!(
        got.error()["message"]
            .as_str()
            .unwrap()
            .contains(&upstream.url())
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout did not apply"
    );
}

/// Reads a chunked SSE response from a raw socket, noting when each `data:` line arrived.
fn timed_events(addr: std::net::SocketAddr, body: &str) -> (Vec<String>, Vec<Instant>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut events = Vec::new();
    let mut times = Vec::new();
    for line in BufReader::new(stream).lines() {
        let line = line.unwrap();
        if let Some(data) = line.strip_prefix("data: ") {
            times.push(Instant::now());
            events.push(data.to_string());
        }
    }
    (events, times)
}

#[test]
fn a_stream_is_relayed_event_by_event_as_it_arrives() {
    // Five words 150 ms apart upstream. Relayed as they arrive, the client sees the first word
    // at least 4 × 150 ms before the last; a proxy that buffered the stream would hand them
    // over together. (A lower bound only: the upstream cannot send faster than its clock.)
    let upstream = start(|c| {
        c.reply = Some("one two three four five".into());
        c.token_delay = Duration::from_millis(150);
    });
    let proxy = proxy(&upstream, |_| {});
    let (events, times) = timed_events(proxy.addr(), &chat_body("hi", r#""stream":true"#));
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let words: String = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str::<serde_json::Value>(e).unwrap())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(String::from)
        })
        .collect();
    assert_eq!(words, "one two three four five");
    let first_word = 1; // the role chunk comes first, then the first word
    let spread = times[times.len() - 2].duration_since(times[first_word]);
    assert!(
        spread >= Duration::from_millis(550),
        "events arrived together: {spread:?}"
    );
}

/// A CONNECT proxy that answers every tunnelled request itself with `{"via": "proxy"}`, and
/// sends each CONNECT line it saw on the channel.
fn connect_proxy() -> (std::net::SocketAddr, std::sync::mpsc::Receiver<String>) {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let head = |reader: &mut BufReader<TcpStream>| {
                let mut lines = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        return lines;
                    }
                    lines.push(line.trim_end().to_string());
                }
            };
            let connect = head(&mut reader);
            let _ = seen.send(connect.first().cloned().unwrap_or_default());
            let mut stream = reader.get_ref().try_clone().unwrap();
            stream
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            let request = head(&mut reader);
            let length: usize = request
                .iter()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let answer = r#"{"via":"proxy"}"#;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
        }
    });
    (addr, lines)
}

#[test]
fn https_proxy_and_no_proxy_are_honoured() {
    let (proxy_addr, connects) = connect_proxy();
    let upstream = start(|c| c.reply = Some("direct".into()));
    let upstream_url = upstream.url();
    let proxy_url = format!("http://{proxy_addr}");
    let args = ["--upstream", upstream_url.as_str(), "--quiet"];
    let via = common::Binary::start_with_env(&args, &[("HTTPS_PROXY", proxy_url.as_str())]);
    let got = post(
        &format!("{}/v1/chat/completions", via.url),
        &chat_body("hi", ""),
    );
    assert_eq!(got.body, r#"{"via":"proxy"}"#);
    let host = upstream_url.strip_prefix("http://").unwrap();
    assert_eq!(connects.recv().unwrap(), format!("CONNECT {host} HTTP/1.1"));
    // NO_PROXY naming the upstream's host: straight to it, the proxy sees nothing.
    let direct = common::Binary::start_with_env(
        &args,
        &[
            ("HTTPS_PROXY", proxy_url.as_str()),
            ("NO_PROXY", "127.0.0.1"),
        ],
    );
    let got = post(
        &format!("{}/v1/chat/completions", direct.url),
        &chat_body("hi", ""),
    );
    assert_eq!(got.json()["choices"][0]["message"]["content"], "direct");
    assert!(connects.try_recv().is_err());
}

#[test]
fn admin_paths_stay_local_even_when_they_refuse() {
    // The upstream has no admin paths: forwarded, the bad post would be its 404, not our 400.
    let upstream = start(|c| c.no_admin = true);
    let proxy = proxy(&upstream, |_| {});
    let got = post(&format!("{}/_oaimock/fixtures", proxy.url()), "not json");
    assert_eq!(got.status, 400, "{}", got.body);
    assert_eq!(got.error()["code"], "invalid_fixture");
    assert_eq!(proxy.requests().len(), 0);
}

#[test]
fn an_upstream_ca_file_without_certificates_stops_the_start() {
    let path = std::env::temp_dir().join(format!("oaimock-not-a-ca-{}.pem", std::process::id()));
    std::fs::write(&path, "not a certificate\n").unwrap();
    let started = oaimock::Server::builder()
        .config(|c| {
            c.upstream = Some("https://localhost:1".into());
            c.upstream_ca = Some(path.clone());
        })
        .start();
    let _ = std::fs::remove_file(&path);
    let error = started.err().expect("refused").to_string();
    assert!(error.contains("no PEM certificate in the file"), "{error}");
}
