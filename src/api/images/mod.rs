//! `POST /v1/images/generations`, `/edits` and `/variations`, and the `url` answers' own path
//! `GET /_oaimock/images/{id}`. Every image is a real file of the requested size and format,
//! drawn from the prompt (edits: the prompt; variations: the uploaded image's bytes) by
//! `imaging`; GPT image models may stream `partial_image` events before each `completed` one.

mod objects;
mod request;
mod upload;

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::api::{self, form};
use crate::app::App;
use crate::conversation::{self, Content, Said, View};
use crate::error::{ApiError, Exit};
use crate::http::{Answer, Body, Event, Head};
use crate::imaging::{self, Pattern, pattern};
use crate::multipart::Form;
use crate::script;
use crate::text;
use objects::{Image, ImagesResponse, InputDetails, StreamEvent, Usage};
use request::{Endpoint, Job};

/// `POST /v1/images/generations` (a JSON body).
pub(crate) fn generations(app: &App, head: &Head, body: &[u8]) -> Result<Answer, Exit> {
    let obj = api::fields::parse_object(body)?;
    let job = request::read(&obj, Endpoint::Generations)?;
    app.check_model(&job.model)?;
    let said = scripted(app, head, &job, &obj)?;
    let seed = pattern::seed(&job.prompt);
    Ok(render(app, head, &said, &job, seed, 0, "image_generation"))
}

/// `POST /v1/images/edits` (a multipart form: `image` or `image[]`, optional `mask`).
pub(crate) fn edits(app: &App, head: &Head, form: &Form) -> Result<Answer, Exit> {
    let upload = upload::read(form, Endpoint::Edits)?;
    app.check_model(&upload.job.model)?;
    let said = scripted(app, head, &upload.job, &form::to_json(form))?;
    let seed = pattern::seed(&upload.job.prompt) ^ upload.seed;
    Ok(render(
        app,
        head,
        &said,
        &upload.job,
        seed,
        upload.image_tokens,
        "image_edit",
    ))
}

/// `POST /v1/images/variations` (a multipart form with one `image`).
pub(crate) fn variations(app: &App, head: &Head, form: &Form) -> Result<Answer, Exit> {
    let upload = upload::read(form, Endpoint::Variations)?;
    app.check_model(&upload.job.model)?;
    let said = scripted(app, head, &upload.job, &form::to_json(form))?;
    Ok(render(
        app,
        head,
        &said,
        &upload.job,
        upload.seed,
        0,
        "image_edit",
    ))
}

/// What a fixture rule says about an image request (`endpoint: images`, the prompt as the user's
/// text): its error, its delays, faults and `usage`; the image itself is always drawn here.
fn scripted(app: &App, head: &Head, job: &Job, body: &Map<String, Value>) -> Result<Said, Exit> {
    let view = View::prompt(
        conversation::Endpoint::Images,
        &job.model,
        &job.prompt,
        body,
        &head.headers,
    );
    match script::scripted(&app.script(), &view) {
        Some(said) => said,
        None => Ok(Said::plain(Content::Text(String::new()))),
    }
}

/// `GET /_oaimock/images/{id}`: an image a `url` answer pointed to, while it is kept.
pub(crate) fn file(app: &App, id: &str) -> Result<Answer, ApiError> {
    match app.images.get(id) {
        Some((content_type, bytes)) => Ok(Answer::new(
            200,
            Body::Data(Cow::Borrowed(content_type), bytes),
        )),
        None => Err(ApiError::new(
            404,
            "invalid_request_error",
            Some("not_found"),
            format!(
                "No image '{id}': it was never made here, or it is gone (images are kept {} minutes, at most {} of them and {} MiB together).",
                imaging::store::TTL.as_secs() / 60,
                imaging::store::MAX_IMAGES,
                imaging::store::MAX_BYTES / (1024 * 1024)
            ),
        )),
    }
}

/// Draws and encodes the job's images: one JSON body, or the stream's events (`prefix` is
/// `image_generation` or `image_edit`).
fn render(
    app: &App,
    head: &Head,
    said: &Said,
    job: &Job,
    seed: u64,
    image_tokens: u64,
    prefix: &'static str,
) -> Answer {
    let created = crate::ids::unix_now();
    let size = job.size();
    let alpha = job.transparent;
    let background = if alpha { "transparent" } else { "opaque" };
    let draw = |i: u32| {
        Pattern::new(
            crate::ids::splitmix64(seed, u64::from(i)),
            job.width,
            job.height,
            alpha,
        )
    };
    let encode =
        |p: &Pattern| imaging::encode(p, job.width, job.height, job.format, alpha, job.compression);
    let usage = job.family.is_gpt().then(|| {
        let text_tokens = text::count_words(&job.prompt);
        let (input, output, total) = conversation::UsageOverride::apply(
            said.usage,
            text_tokens + image_tokens,
            u64::from(job.n) * objects::output_tokens(job),
        );
        Usage {
            total_tokens: total,
            input_tokens: input,
            output_tokens: output,
            input_tokens_details: InputDetails {
                text_tokens,
                image_tokens,
            },
        }
    });
    if job.stream {
        let (partial, completed) = match prefix {
            "image_edit" => ("image_edit.partial_image", "image_edit.completed"),
            _ => (
                "image_generation.partial_image",
                "image_generation.completed",
            ),
        };
        let mut events = Vec::new();
        for i in 0..job.n {
            let full = draw(i);
            for k in 0..job.partials {
                let rows = job.height * (k + 1) / (job.partials + 1);
                let event = StreamEvent {
                    kind: partial,
                    b64_json: crate::base64::encode(&encode(&full.clone().partial(rows))),
                    created_at: created,
                    size: &size,
                    quality: job.quality,
                    background,
                    output_format: job.format.name(),
                    partial_image_index: Some(k),
                    usage: None,
                };
                events.push(Event::json(Some(partial), &event, true));
            }
            let event = StreamEvent {
                kind: completed,
                b64_json: crate::base64::encode(&encode(&full)),
                created_at: created,
                size: &size,
                quality: job.quality,
                background,
                output_format: job.format.name(),
                partial_image_index: None,
                usage,
            };
            events.push(Event::json(Some(completed), &event, true));
        }
        return api::said_stream(app, said, events);
    }
    let data = (0..job.n)
        .map(|i| {
            let bytes = encode(&draw(i));
            let (b64_json, url) = if job.url {
                let id = format!("{}.{}", crate::ids::alnum("img_", 24), job.format.name());
                let url = format!("http://{}/_oaimock/images/{id}", host(app, head));
                app.images.keep(id, job.format.content_type(), bytes);
                (None, Some(url))
            } else {
                (Some(crate::base64::encode(&bytes)), None)
            };
            Image {
                b64_json,
                url,
                revised_prompt: (job.family == request::Family::DallE3).then(|| {
                    format!(
                        "A pattern of coloured cells drawn for the prompt: {}",
                        job.prompt
                    )
                }),
            }
        })
        .collect();
    let gpt = job.family.is_gpt();
    api::said_json(
        said,
        &ImagesResponse {
            created,
            data,
            background: gpt.then_some(background),
            output_format: gpt.then_some(job.format.name()),
            size: gpt.then_some(size),
            quality: gpt.then_some(job.quality),
            usage,
        },
    )
}

/// Where the client reached this server: its `Host` header when it is a plain host and port,
/// else the address oaimock was told to listen on.
fn host(app: &App, head: &Head) -> String {
    let given = head
        .headers
        .iter()
        .find(|(n, _)| n == "host")
        .map(|(_, v)| v.trim())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 255
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
        });
    match given {
        Some(h) => h.to_string(),
        None => format!("{}:{}", app.config.host, app.config.port),
    }
}
