//! The errors: [`ApiError`], the one type for every refusal a client gets, mapped to an HTTP
//! status and rendered as OpenAI's error envelope in one place; and `StartError`, why a server
//! did not start.

use serde::Serialize;

/// An error a client receives. Boxed, so `Result<T, ApiError>` stays one word wide.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError(pub Box<ErrorInfo>);

/// The status, OpenAI's `{"error": {...}}` fields and any extra headers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorInfo {
    pub status: u16,
    pub message: String,
    pub kind: String,
    pub param: Option<String>,
    pub code: Option<String>,
    pub headers: Vec<(String, String)>,
    /// What decided this error, when a fixture rule did (for the request journal).
    pub source: Option<String>,
    /// A scripted time to first token: how long to wait before sending the error.
    pub delay: std::time::Duration,
}

/// Why a handler stops without an answer of its own: a refusal, a recorded answer a fixture rule
/// replays as it was, or a request that `--upstream` is to answer. Handlers return it; the
/// pipeline (and a batch's line) forwards or renders it (`Answer::exit`).
#[derive(Debug)]
pub(crate) enum Exit {
    Refused(ApiError),
    Replay(Replay),
    /// No fixture rule matched, or the object asked for is not stored here, and `--upstream` is set.
    Forward,
}

/// A recorded answer, with what decided it (for the journal) and its scripted time to first token.
#[derive(Debug, Clone)]
pub(crate) struct Replay {
    pub recorded: std::sync::Arc<crate::recorded::Recorded>,
    pub source: Option<String>,
    pub delay: std::time::Duration,
}

impl From<ApiError> for Exit {
    fn from(error: ApiError) -> Exit {
        Exit::Refused(error)
    }
}

impl Exit {
    /// A fixture rule's exit, named for the journal and delayed by the rule's `ttft_ms`.
    pub(crate) fn scripted(self, source: Option<String>, delay: std::time::Duration) -> Exit {
        match self {
            Exit::Refused(mut error) => {
                error.source = source;
                error.delay = delay;
                Exit::Refused(error)
            }
            Exit::Replay(replay) => Exit::Replay(Replay {
                source,
                delay,
                ..replay
            }),
            Exit::Forward => Exit::Forward,
        }
    }
}

impl std::ops::Deref for ApiError {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: ErrorObject<'a>,
}

/// The inner `{"message", "type", "param", "code"}` object, as envelopes and stream error events carry it.
#[derive(Serialize)]
pub(crate) struct ErrorObject<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

impl ApiError {
    pub(crate) fn new(
        status: u16,
        kind: &str,
        code: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        ApiError(Box::new(ErrorInfo {
            status,
            message: message.into(),
            kind: kind.to_string(),
            param: None,
            code: code.map(str::to_string),
            headers: Vec::new(),
            source: None,
            delay: std::time::Duration::ZERO,
        }))
    }

    /// An [`Exit::Forward`] that could not be forwarded (a batch's line: batches are not relayed).
    pub(crate) fn not_forwarded() -> Self {
        ApiError::new(
            502,
            "server_error",
            Some("upstream_not_forwarded"),
            "No fixture rule matched and the request was not forwarded to the upstream.",
        )
    }

    /// A 400 `invalid_request_error` about one request field.
    pub(crate) fn invalid(param: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::new(400, "invalid_request_error", Some(code), message).with_param(param)
    }

    pub(crate) fn with_param(mut self, param: &str) -> Self {
        self.param = Some(param.to_string());
        self
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub(crate) fn malformed_json(detail: &serde_json::Error) -> Self {
        ApiError::new(
            400,
            "invalid_request_error",
            Some("invalid_json"),
            format!(
                "We could not parse the JSON body of your request: {detail}. \
                 The OpenAI API expects a JSON payload."
            ),
        )
    }

    pub(crate) fn unknown_url(method: &str, path: &str) -> Self {
        ApiError::new(
            404,
            "invalid_request_error",
            Some("unknown_url"),
            format!(
                "Unknown request URL: {method} {path}. Please check the URL for typos, \
                 or see the docs at https://platform.openai.com/docs/api-reference/."
            ),
        )
    }

    pub(crate) fn method_not_allowed(method: &str, path: &str, allow: &str) -> Self {
        ApiError::new(
            405,
            "invalid_request_error",
            Some("method_not_allowed"),
            format!("Method {method} is not allowed for {path}; use {allow}."),
        )
        .with_header("Allow", allow)
    }

    pub(crate) fn model_not_found(model: &str) -> Self {
        ApiError::new(
            404,
            "invalid_request_error",
            Some("model_not_found"),
            format!("The model `{model}` does not exist or you do not have access to it."),
        )
    }

    pub(crate) fn unauthorized(provided: bool) -> Self {
        let message = if provided {
            "Incorrect API key provided. You can find your API key at \
             https://platform.openai.com/account/api-keys."
        } else {
            "You didn't provide an API key. You need to provide your API key in an \
             Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        };
        ApiError::new(
            401,
            "invalid_request_error",
            Some("invalid_api_key"),
            message,
        )
    }

    pub(crate) fn body_too_large(limit: usize) -> Self {
        ApiError::new(
            413,
            "invalid_request_error",
            Some("request_too_large"),
            format!(
                "The request body is larger than the limit of {limit} bytes (--max-body-bytes)."
            ),
        )
    }

    pub(crate) fn overloaded(limit: usize) -> Self {
        ApiError::new(
            503,
            "service_unavailable_error",
            Some("server_is_overloaded"),
            format!(
                "The server is answering {limit} requests already (--max-connections). \
                 Please try again later."
            ),
        )
        .with_header("Retry-After", "1")
    }

    /// Out of descriptors or threads: what the stand-in for a dead accept loop answers (Q5).
    pub(crate) fn out_of_resources() -> Self {
        ApiError::new(
            503,
            "service_unavailable_error",
            Some("server_is_overloaded"),
            "The server is out of file descriptors or threads and cannot take this request. \
             Please try again later."
                .to_string(),
        )
        .with_header("Retry-After", "1")
    }

    pub(crate) fn internal(detail: &str) -> Self {
        ApiError::new(
            500,
            "server_error",
            None,
            format!("The server had an error while processing your request: {detail}"),
        )
    }

    /// The error the real API sends for `status`, as injected by the `x-oaimock-error` header.
    pub(crate) fn for_status(status: u16) -> Self {
        let (kind, code, message) = match status {
            400 => (
                "invalid_request_error",
                "invalid_value",
                "Injected bad request.",
            ),
            401 => (
                "invalid_request_error",
                "invalid_api_key",
                "Incorrect API key provided.",
            ),
            403 => (
                "invalid_request_error",
                "unsupported_country_region_territory",
                "Country, region, or territory not supported.",
            ),
            404 => ("invalid_request_error", "not_found", "Injected not found."),
            409 => ("invalid_request_error", "conflict", "Injected conflict."),
            422 => (
                "invalid_request_error",
                "unprocessable_entity",
                "Injected unprocessable entity.",
            ),
            429 => (
                "requests",
                "rate_limit_exceeded",
                "Rate limit reached for requests. Please try again in 1s.",
            ),
            503 => (
                "service_unavailable_error",
                "server_is_overloaded",
                "Our servers are currently overloaded. Please try again later.",
            ),
            // The API sends `code: null` with its 500s.
            s if s >= 500 => (
                "server_error",
                "",
                "The server had an error while processing your request. Sorry about that!",
            ),
            _ => ("invalid_request_error", "injected_error", "Injected error."),
        };
        let code = Some(code).filter(|c| !c.is_empty());
        let error = ApiError::new(status, kind, code, message);
        if status == 429 || status == 503 {
            error.with_header("Retry-After", "1")
        } else {
            error
        }
    }

    /// The inner error object, all four keys present.
    pub(crate) fn object(&self) -> ErrorObject<'_> {
        ErrorObject {
            message: &self.message,
            kind: &self.kind,
            param: self.param.as_deref(),
            code: self.code.as_deref(),
        }
    }

    /// The JSON body: `{"error": {"message", "type", "param", "code"}}`.
    pub(crate) fn body(&self) -> Vec<u8> {
        let envelope = Envelope {
            error: self.object(),
        };
        serde_json::to_vec(&envelope).expect("the envelope serializes")
    }
}

/// "a string", "an integer", ...: how error messages name a JSON value's type.
pub(crate) fn describe(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        serde_json::Value::Number(_) => "a decimal",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Why a server did not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The `--fixtures` rules have problems, each on its own line.
    Fixtures(LoadError),
    /// The address could not be resolved or bound.
    Bind(std::io::Error),
    /// The worker or helper threads could not be started.
    Threads(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Fixtures(e) => write!(f, "invalid fixture rules: {e}"),
            StartError::Bind(e) => write!(f, "cannot listen: {e}"),
            StartError::Threads(e) => write!(f, "cannot start threads: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Fixtures(e) => Some(e),
            StartError::Bind(e) | StartError::Threads(e) => Some(e),
        }
    }
}

/// Every problem found in a fixture path, one line each (`file: rule 3: field: message`).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub problems: Vec<String>,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl std::error::Error for LoadError {}
