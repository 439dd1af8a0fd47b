//! `--upstream`: a request no fixture rule answers is forwarded with ureq to an OpenAI-compatible
//! base URL, and the upstream's answer relayed: status, the headers clients read, and the body —
//! whole (up to [`MAX_UPSTREAM_BODY`]) or, for a stream, chunk by chunk as it arrives
//! ([`relay`]). With `--record DIR` each exchange is also written as a fixture rule ([`record`]).
//! An unreachable upstream is a 502, a silent one a 504, both in OpenAI's envelope.

pub(crate) mod record;
mod relay;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::conversation::Endpoint;
use crate::error::ApiError;
use crate::http::{Answer, Body, Head};

/// The largest whole (not streamed) answer relayed from the upstream; a larger one is a 502 that
/// names this limit. The same as the largest reply oaimock builds itself.
pub(crate) const MAX_UPSTREAM_BODY: usize = crate::text::MAX_RESPONSE_BYTES;

/// The most bytes one relayed stream may carry; past them the stream is ended broken.
pub(crate) const MAX_RELAY_BYTES: u64 = 64 * 1024 * 1024;

/// The longest one relayed stream may last; past it the stream is ended broken.
pub(crate) const MAX_RELAY_TIME: Duration = Duration::from_secs(30 * 60);

/// Request headers that are not forwarded: hop-by-hop ones (RFC 9110 §7.6.1), those ureq sets
/// from the body and URL, `accept-encoding` (the upstream then sends bytes we can relay and
/// record as they are), and oaimock's own `x-oaimock-*` (they steer this mock, not the upstream).
const NOT_FORWARDED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "accept-encoding",
    "expect",
];

/// Response headers that are not relayed: hop-by-hop ones, and those the writer sets itself.
const NOT_RELAYED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "content-type",
    "access-control-allow-origin",
];

/// The client for one upstream, shared by every worker.
pub(crate) struct Upstream {
    agent: ureq::Agent,
    base: String,
    key: Option<String>,
    recorder: Option<Arc<record::Recorder>>,
}

// A panic elsewhere (a handler, the accept loop's restart) cannot leave the agent half-changed:
// its only shared state is ureq's connection pool, kept behind ureq's own lock, and a connection
// left in it by a panicking request is one ureq already handles going bad.
impl std::panic::RefUnwindSafe for Upstream {}
impl std::panic::UnwindSafe for Upstream {}

impl Upstream {
    /// The client `config` asks for; `Err` names the problem (an unreadable `--upstream-ca`).
    pub(crate) fn new(config: &Config) -> Result<Option<Upstream>, String> {
        let Some(base) = &config.upstream else {
            return match config.record {
                Some(_) => Err("--record needs --upstream (what would it record?)".into()),
                None => Ok(None),
            };
        };
        let builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(config.upstream_connect_timeout))
            .timeout_per_read(Some(config.upstream_timeout))
            .timeout_recv_body(Some(MAX_RELAY_TIME))
            .user_agent(concat!("oaimock/", env!("CARGO_PKG_VERSION")))
            .accept_encoding("");
        let builder = tls(builder, config)?;
        let recorder = match &config.record {
            Some(dir) => Some(Arc::new(record::Recorder::new(dir, config)?)),
            None => None,
        };
        Ok(Some(Upstream {
            agent: builder.build().new_agent(),
            base: base.clone(),
            key: config.upstream_key.clone(),
            recorder,
        }))
    }

    /// The URL a request for `head` goes to: the base, then the path and query. A base that
    /// ends in `/v1` takes the path without its own `/v1`.
    fn url(&self, head: &Head) -> String {
        let path = match self.base.ends_with("/v1") {
            true => head.path.strip_prefix("/v1").unwrap_or(&head.path),
            false => &head.path,
        };
        match head.query.is_empty() {
            true => format!("{}{path}", self.base),
            false => format!("{}{path}?{}", self.base, head.query),
        }
    }

    /// Forwards the request and relays what the upstream answers. `endpoint` is the family the
    /// path belongs to; only those exchanges are recorded (fixture rules answer only them).
    pub(crate) fn forward(&self, head: &Head, endpoint: Option<Endpoint>, body: &[u8]) -> Answer {
        let url = self.url(head);
        let mut request = ureq::http::Request::builder()
            .method(head.method.as_ref())
            .uri(&url);
        for (name, value) in &head.headers {
            let skipped = NOT_FORWARDED.contains(&name.as_str())
                || name.starts_with("x-oaimock-")
                || (self.key.is_some() && name == "authorization");
            if !skipped {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        if let Some(key) = &self.key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let started = Instant::now();
        let sent = if body.is_empty() {
            request
                .body(())
                .map_err(ureq::Error::from)
                .and_then(|r| self.agent.run(r))
        } else {
            request
                .body(body.to_vec())
                .map_err(ureq::Error::from)
                .and_then(|r| self.agent.run(r))
        };
        let response = match sent {
            Ok(response) => response,
            Err(error) => return failed(&self.base, &error),
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(n, _)| !NOT_RELAYED.contains(&n.as_str()))
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let recording = match (&self.recorder, endpoint) {
            (Some(recorder), Some(endpoint)) => {
                let recorder = recorder.clone();
                record::Exchange::start(
                    recorder,
                    endpoint,
                    body,
                    started,
                    status,
                    &content_type,
                    &headers,
                )
            }
            _ => None,
        };
        let mut answer = if content_type.starts_with("text/event-stream") {
            let reader = response.into_body().into_reader();
            let chunks = relay::Chunks::new(reader, started, recording);
            Answer::new(
                status,
                Body::Relay(crate::http::Relay {
                    content_type,
                    chunks: Box::new(chunks),
                    pace: None,
                }),
            )
        } else {
            let mut body = response.into_body();
            let read = body
                .with_config()
                .limit(MAX_UPSTREAM_BODY as u64)
                .read_to_vec();
            let bytes = match read {
                Ok(bytes) => bytes,
                Err(error) => return failed(&self.base, &error),
            };
            if let Some(recording) = recording {
                recording.whole(&bytes);
            }
            let content_type = match content_type.is_empty() {
                true => "application/octet-stream".to_string(),
                false => content_type,
            };
            Answer::new(status, Body::Data(content_type.into(), bytes))
        };
        answer.headers = headers;
        answer.source = Some("upstream".into());
        answer
    }
}

/// The TLS settings: rustls with Mozilla's roots, or the roots of `--upstream-ca`.
#[cfg(feature = "tls")]
fn tls(
    builder: ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    config: &Config,
) -> Result<ureq::config::ConfigBuilder<ureq::typestate::AgentScope>, String> {
    use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
    let Some(path) = &config.upstream_ca else {
        return Ok(builder);
    };
    let name = path.display();
    let pem = std::fs::read(path).map_err(|e| format!("--upstream-ca {name}: {e}"))?;
    let mut roots: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => roots.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("--upstream-ca {name}: {e}")),
        }
    }
    if roots.is_empty() {
        return Err(format!(
            "--upstream-ca {name}: no PEM certificate in the file"
        ));
    }
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&roots))
        .build();
    Ok(builder.tls_config(tls))
}

/// Without the `tls` feature there is no HTTPS, so no roots to name.
#[cfg(not(feature = "tls"))]
fn tls(
    builder: ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    config: &Config,
) -> Result<ureq::config::ConfigBuilder<ureq::typestate::AgentScope>, String> {
    match &config.upstream_ca {
        Some(_) => Err("--upstream-ca needs the `tls` feature (built without it)".into()),
        None => Ok(builder),
    }
}

/// The 502 or 504 for an upstream that could not be reached or did not answer in time.
fn failed(base: &str, error: &ureq::Error) -> Answer {
    let error = match error {
        ureq::Error::Timeout(_) => ApiError::new(
            504,
            "server_error",
            Some("upstream_timeout"),
            format!(
                "The upstream {base} did not answer in time ({error}; see \
                 --upstream-connect-timeout-ms and --upstream-timeout-ms)."
            ),
        ),
        ureq::Error::BodyExceedsLimit(_) => ApiError::new(
            502,
            "server_error",
            Some("upstream_body_too_large"),
            format!(
                "The upstream {base} answered with a body over the limit of \
                 {MAX_UPSTREAM_BODY} bytes (MAX_UPSTREAM_BODY)."
            ),
        ),
        other => ApiError::new(
            502,
            "server_error",
            Some("upstream_unreachable"),
            format!("The upstream {base} could not be reached: {other}."),
        ),
    };
    let mut answer = Answer::error(error);
    answer.source = Some("upstream".into());
    answer
}
