//! Routing and the endpoint families: a route enum over method and path (`/v1` optional), the API
//! key check, and dispatch from a parsed request to a `Answer`.

pub(crate) mod admin;
pub(crate) mod audio;
pub(crate) mod batches;
pub(crate) mod chat;
pub(crate) mod completions;
pub(crate) mod conversations;
pub(crate) mod embeddings;
pub(crate) mod fields;
pub(crate) mod file_paths;
pub(crate) mod files;
pub(crate) mod filestore;
pub(crate) mod form;
pub(crate) mod images;
pub(crate) mod items;
mod key;
pub(crate) mod logprobs;
pub(crate) mod models;
pub(crate) mod moderations;
pub(crate) mod pages;
pub(crate) mod paths;
pub(crate) mod prompts;
pub(crate) mod responses;
mod said;
pub(crate) mod sampling;
pub(crate) mod stored;
pub(crate) mod tools;
pub(crate) mod usage;

use serde::Serialize;
use serde_json::{Map, Value};

pub(crate) use admin::Admin;
pub(crate) use file_paths::FileOp;
pub(crate) use key::{authorize, constant_time_eq};
pub(crate) use paths::State;
pub(crate) use said::{end_stream, said_data, said_json, said_relay, said_stream};

use crate::app::App;
use crate::error::{ApiError, Exit};
use crate::http::{Answer, Head};

/// Every endpoint oaimock answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    ChatCompletions,
    Completions,
    Embeddings,
    Responses,
    Moderations,
    Speech,
    Transcriptions,
    Translations,
    ImageGenerations,
    ImageEdits,
    ImageVariations,
    /// `GET /_oaimock/images/{id}`: an image a `url` answer points to (no API key: the API's
    /// image URLs are signed links anyone holding them may fetch).
    ImageFile(String),
    ListModels,
    RetrieveModel(String),
    Health,
    /// `POST /_oaimock/panic`: panics inside the handler, to prove a panic becomes a 500.
    Panic,
    /// `OPTIONS` on any known path: a CORS preflight.
    Preflight,
    /// The journal, run-time fixtures and reset under `/_oaimock/`.
    Admin(Admin),
    /// Any other method and path, with `--upstream`: forwarded as it is.
    Upstream,
    /// Stored responses, chat completions and conversations.
    State(State),
    /// Files, Uploads and Batches.
    Files(FileOp),
}

/// What a route reads as its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    None,
    /// A JSON object, which the family parses itself (chat has a fast path of its own).
    Json,
    /// A `multipart/form-data` form, parsed by [`handle`] before the family sees it.
    Form,
    /// Bytes forwarded as they are (`--upstream`).
    Raw,
}

impl Route {
    /// What kind of body the route reads.
    pub(crate) fn body(&self) -> BodyKind {
        match self {
            Route::ChatCompletions
            | Route::Completions
            | Route::Embeddings
            | Route::Responses
            | Route::ImageGenerations
            | Route::Moderations
            | Route::Speech
            | Route::Admin(Admin::AddFixtures) => BodyKind::Json,
            Route::Transcriptions
            | Route::Translations
            | Route::ImageEdits
            | Route::ImageVariations => BodyKind::Form,
            Route::State(op) if op.has_body() => BodyKind::Json,
            Route::Files(op) if op.is_json() => BodyKind::Json,
            Route::Files(op) if op.is_form() => BodyKind::Form,
            Route::Upstream => BodyKind::Raw,
            _ => BodyKind::None,
        }
    }

    /// Whether the route reads a body at all.
    pub(crate) fn has_body(&self) -> bool {
        self.body() != BodyKind::None
    }

    /// Whether `--api-key` guards the route (health checks and preflights stay open).
    pub(crate) fn needs_key(&self) -> bool {
        !matches!(self, Route::Health | Route::Preflight | Route::ImageFile(_))
    }

    /// The OpenAI endpoints: what random faults, rate limits and the journal apply to.
    pub(crate) fn is_api(&self) -> bool {
        matches!(
            self,
            Route::ChatCompletions
                | Route::Completions
                | Route::Embeddings
                | Route::Responses
                | Route::Moderations
                | Route::Speech
                | Route::Transcriptions
                | Route::Translations
                | Route::ImageGenerations
                | Route::ImageEdits
                | Route::ImageVariations
                | Route::ListModels
                | Route::RetrieveModel(_)
                | Route::Upstream
                | Route::State(_)
                | Route::Files(_)
        )
    }

    /// The endpoint family whose forwarded exchanges `--record` turns into fixture rules: the four
    /// JSON text families (audio and moderation answers are relayed, not recorded).
    pub(crate) fn endpoint(&self) -> Option<crate::conversation::Endpoint> {
        use crate::conversation::Endpoint;
        match self {
            Route::ChatCompletions => Some(Endpoint::Chat),
            Route::Completions => Some(Endpoint::Completions),
            Route::Embeddings => Some(Endpoint::Embeddings),
            Route::Responses => Some(Endpoint::Responses),
            _ => None,
        }
    }
}

/// Every fixed path with a method it answers, and the route; `/models/{id}` is matched apart.
/// One table gives both the route and, for a 405, the methods a path answers.
const ROUTES: &[(&str, &str, Route)] = &[
    ("/chat/completions", "POST", Route::ChatCompletions),
    ("/chat/completions", "GET", Route::State(State::ListChats)),
    (
        "/conversations",
        "POST",
        Route::State(State::CreateConversation),
    ),
    ("/completions", "POST", Route::Completions),
    ("/embeddings", "POST", Route::Embeddings),
    ("/responses", "POST", Route::Responses),
    ("/moderations", "POST", Route::Moderations),
    ("/audio/speech", "POST", Route::Speech),
    ("/audio/transcriptions", "POST", Route::Transcriptions),
    ("/audio/translations", "POST", Route::Translations),
    ("/images/generations", "POST", Route::ImageGenerations),
    ("/images/edits", "POST", Route::ImageEdits),
    ("/images/variations", "POST", Route::ImageVariations),
    ("/models", "GET", Route::ListModels),
    ("/health", "GET", Route::Health),
    ("/_oaimock/panic", "POST", Route::Panic),
    ("/_oaimock/requests", "GET", Route::Admin(Admin::Requests)),
    (
        "/_oaimock/requests",
        "DELETE",
        Route::Admin(Admin::ClearRequests),
    ),
    (
        "/_oaimock/fixtures",
        "POST",
        Route::Admin(Admin::AddFixtures),
    ),
    (
        "/_oaimock/fixtures",
        "DELETE",
        Route::Admin(Admin::ClearFixtures),
    ),
    ("/_oaimock/reset", "POST", Route::Admin(Admin::Reset)),
];

/// Maps method and path to a route: 404 `unknown_url` for unknown paths, 405 for a known path
/// with the wrong method. `HEAD` is answered like `GET`, without the body.
pub(crate) fn route(method: &str, path: &str) -> Result<Route, ApiError> {
    let bare = path
        .strip_prefix("/v1")
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        .unwrap_or(path);
    let bare = if bare.len() > 1 {
        bare.trim_end_matches('/')
    } else {
        bare
    };
    let model = bare.strip_prefix("/models/").filter(|id| !id.is_empty());
    // Image files live at oaimock's own path only, without `/v1`.
    let image = path
        .strip_prefix("/_oaimock/images/")
        .filter(|id| !id.is_empty() && !id.contains('/'));
    let known = || ROUTES.iter().filter(|(p, _, _)| *p == bare);
    if let Some(id) = image {
        return match method {
            "OPTIONS" => Ok(Route::Preflight),
            "GET" | "HEAD" => Ok(Route::ImageFile(id.to_string())),
            _ => Err(ApiError::method_not_allowed(method, path, "GET")),
        };
    }
    let wanted = if method == "HEAD" { "GET" } else { method };
    if model.is_none() && known().next().is_none() {
        let found = match paths::match_path(wanted, bare) {
            Some(found) => Some(found.map(Route::State)),
            None => file_paths::match_path(wanted, bare).map(|f| f.map(Route::Files)),
        };
        return match found {
            None => Err(ApiError::unknown_url(method, path)),
            Some(_) if method == "OPTIONS" => Ok(Route::Preflight),
            Some(found) => found.map_err(|allow| ApiError::method_not_allowed(method, path, allow)),
        };
    }
    if method == "OPTIONS" {
        return Ok(Route::Preflight);
    }
    if let Some(id) = model {
        return match wanted {
            "GET" => Ok(Route::RetrieveModel(percent_decode(id))),
            _ => Err(ApiError::method_not_allowed(method, path, "GET")),
        };
    }
    match known().find(|(_, m, _)| *m == wanted) {
        Some((_, _, route)) => Ok(route.clone()),
        None => {
            let allow: Vec<&str> = known().map(|(_, m, _)| *m).collect();
            Err(ApiError::method_not_allowed(
                method,
                path,
                &allow.join(", "),
            ))
        }
    }
}

/// Decodes `%XX` escapes (the SDKs encode `/` in model ids as `%2F`); a malformed escape stays as
/// it is, and bytes that do not form UTF-8 become U+FFFD.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A request body an endpoint validates into typed fields.
pub(crate) trait Request: Sized {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError>;
    fn model(&self) -> &str;
}

/// Parses and validates a body, and checks its model (`--strict-models`); the JSON object comes
/// back too, for fixture rules that match on the body.
pub(crate) fn read<R: Request>(
    app: &App,
    body: &[u8],
) -> Result<(Map<String, Value>, R), ApiError> {
    let obj = fields::parse_object(body)?;
    let rq = R::from_object(&obj)?;
    app.check_model(rq.model())?;
    Ok((obj, rq))
}

/// A body validated as `R` (for unit tests of the request parsers).
#[cfg(test)]
pub(crate) fn parse<R: Request>(body: &[u8]) -> Result<R, ApiError> {
    R::from_object(&fields::parse_object(body)?)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Answers one routed request. `body` is the request body for routes that read one (a form is
/// parsed here, so a family that reads one gets its parts); `info` carries the headers fixture
/// rules match on.
pub(crate) fn handle(app: &App, route: &Route, info: &Head, body: &[u8]) -> Result<Answer, Exit> {
    let headers = info.headers.as_slice();
    match route {
        Route::ChatCompletions => chat::handle(app, body, headers),
        Route::Completions => completions::handle(app, body, headers),
        Route::Embeddings => embeddings::handle(app, body, headers),
        Route::Responses => responses::handle(app, body, headers),
        Route::Moderations => moderations::handle(app, body, headers),
        Route::Speech => audio::speech(app, body, headers),
        Route::Transcriptions | Route::Translations => {
            let form = form::parse(info, body)?;
            let translate = *route == Route::Translations;
            audio::transcribe(app, &form, translate, headers)
        }
        Route::ImageGenerations => images::generations(app, info, body),
        Route::ImageEdits => images::edits(app, info, &form::parse(info, body)?),
        Route::ImageVariations => images::variations(app, info, &form::parse(info, body)?),
        Route::ImageFile(id) => Ok(images::file(app, id)?),
        // With --upstream, the models are the upstream's, and any other path is its to answer.
        Route::ListModels | Route::RetrieveModel(_) | Route::Upstream
            if app.config.upstream.is_some() =>
        {
            Err(Exit::Forward)
        }
        Route::Upstream => Err(ApiError::unknown_url(&info.method, &info.path).into()),
        Route::ListModels => Ok(models::list(app)),
        Route::RetrieveModel(id) => Ok(models::retrieve(app, id)?),
        Route::Health => Ok(Answer::json(&Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
        })),
        Route::Admin(_) | Route::Panic if !app.admin => {
            Err(ApiError::unknown_url(&info.method, &info.path).into())
        }
        Route::Admin(admin) => Ok(admin::handle(app, *admin, info, body)?),
        Route::State(op) => Ok(paths::handle(app, op, info, body)?),
        Route::Files(op) => Ok(file_paths::handle(app, op, info, body)?),
        Route::Panic => panic!("panic requested by POST /_oaimock/panic"),
        Route::Preflight => Ok(Answer::empty(
            204,
            vec![
                (
                    "Access-Control-Allow-Methods".into(),
                    "GET, POST, DELETE, OPTIONS".into(),
                ),
                ("Access-Control-Allow-Headers".into(), "*".into()),
                ("Access-Control-Max-Age".into(), "86400".into()),
            ],
        )),
    }
}

#[cfg(test)]
mod tests;
