//! The image request's fields, validated per model as the API does: which sizes, qualities and
//! formats each model takes, `n` (1 for dall-e-3), `response_format` (dall-e only), and the
//! pixel budget every image and partial image of one request shares.

use serde_json::{Map, Value};

use crate::api::fields::Fields;
use crate::error::ApiError;
use crate::imaging::{self, Format};

/// The most pixels one request may draw: every image and every partial image, at its size.
/// Ten 1536×1024 images with three partial images each (62,914,560) fit; past it, a 400 names
/// the limit before a pixel is drawn.
pub(crate) const MAX_PIXELS: u64 = 64 * 1024 * 1024;

/// The image models, as their rules group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    DallE2,
    DallE3,
    /// gpt-image-1, gpt-image-1-mini, gpt-image-1.5, chatgpt-image-latest: three sizes and `auto`.
    GptImage,
    /// gpt-image-2: also any `WIDTHxHEIGHT` within its edge and pixel limits.
    GptImage2,
}

impl Family {
    pub(crate) fn of(model: &str) -> Option<Family> {
        Some(match model {
            "dall-e-2" => Family::DallE2,
            "dall-e-3" => Family::DallE3,
            "gpt-image-1" | "gpt-image-1-mini" | "gpt-image-1.5" | "chatgpt-image-latest" => {
                Family::GptImage
            }
            "gpt-image-2" | "gpt-image-2-2026-04-21" => Family::GptImage2,
            _ => return None,
        })
    }

    pub(crate) fn is_gpt(self) -> bool {
        matches!(self, Family::GptImage | Family::GptImage2)
    }

    /// The longest prompt, in characters.
    fn max_prompt(self) -> usize {
        match self {
            Family::DallE2 => 1000,
            Family::DallE3 => 4000,
            _ => 32000,
        }
    }
}

/// The models an image endpoint takes, as its error lists them.
pub(crate) const MODELS: [&str; 8] = [
    "dall-e-2",
    "dall-e-3",
    "gpt-image-1",
    "gpt-image-1-mini",
    "gpt-image-1.5",
    "gpt-image-2",
    "gpt-image-2-2026-04-21",
    "chatgpt-image-latest",
];

/// What an image request asks for, validated.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub model: String,
    pub family: Family,
    pub prompt: String,
    pub n: u32,
    pub width: u32,
    pub height: u32,
    /// `low`, `medium`, `high` (GPT image models), `standard` or `hd` (dall-e).
    pub quality: &'static str,
    pub transparent: bool,
    pub format: Format,
    /// JPEG quality (`output_compression`, 100 by default).
    pub compression: u8,
    /// `url` rather than `b64_json` (dall-e only; GPT image models always send base64).
    pub url: bool,
    pub stream: bool,
    pub partials: u32,
}

impl Job {
    pub(crate) fn size(&self) -> String {
        format!("{}x{}", self.width, self.height)
    }

    /// The pixels this job draws: each image, and each partial image when streamed.
    pub(crate) fn pixels(&self) -> u64 {
        let per = 1 + u64::from(if self.stream { self.partials } else { 0 });
        u64::from(self.n) * per * u64::from(self.width) * u64::from(self.height)
    }
}

/// Which endpoint a request came to: their defaults and sizes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Generations,
    Edits,
    Variations,
}

/// Parameters only the GPT image models take, and only dall-e takes.
const GPT_ONLY: [&str; 5] = [
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "partial_images",
];

/// Validates a request to `endpoint` (a JSON body, or a form's fields read as JSON values).
pub(crate) fn read(obj: &Map<String, Value>, endpoint: Endpoint) -> Result<Job, ApiError> {
    let f = Fields::new(obj, "");
    let gpt_asked = GPT_ONLY.iter().any(|k| f.get(k).is_some())
        || f.get("stream").is_some_and(|v| v == &Value::Bool(true));
    let model = match f.string("model")? {
        Some(m) => m.to_string(),
        None if endpoint == Endpoint::Variations => "dall-e-2".to_string(),
        // Generations default to dall-e-2 unless a GPT-image parameter is used; edits to
        // gpt-image-1.5.
        None if endpoint == Endpoint::Edits => "gpt-image-1.5".to_string(),
        None if gpt_asked => "gpt-image-1".to_string(),
        None => "dall-e-2".to_string(),
    };
    let family = Family::of(&model)
        .filter(|fam| match endpoint {
            Endpoint::Generations => true,
            Endpoint::Edits => *fam != Family::DallE3,
            Endpoint::Variations => *fam == Family::DallE2,
        })
        .ok_or_else(|| {
            let allowed: Vec<&str> = match endpoint {
                Endpoint::Generations => MODELS.to_vec(),
                Endpoint::Edits => MODELS
                    .iter()
                    .copied()
                    .filter(|m| *m != "dall-e-3")
                    .collect(),
                Endpoint::Variations => vec!["dall-e-2"],
            };
            not_one_of("model", &model, &allowed)
        })?;
    let prompt = if endpoint == Endpoint::Variations {
        String::new()
    } else {
        let prompt = f.required_string("prompt")?;
        let chars = prompt.chars().count();
        if chars > family.max_prompt() {
            return Err(ApiError::invalid(
                "prompt",
                "string_above_max_length",
                format!(
                    "Invalid 'prompt': string too long. Expected a string with maximum length {}, but got a string with length {chars} instead.",
                    family.max_prompt()
                ),
            ));
        }
        prompt.to_string()
    };
    if family.is_gpt() {
        for name in ["response_format", "style"] {
            if f.get(name).is_some() {
                return Err(unknown(name));
            }
        }
    } else {
        for name in GPT_ONLY.iter().chain(["stream"].iter()) {
            if f.get(name).is_some_and(|v| v != &Value::Bool(false)) {
                return Err(unknown(name));
            }
        }
        if family == Family::DallE2 && f.get("style").is_some() {
            return Err(unknown("style"));
        }
    }
    let n = f.integer("n", 1, 10)?.unwrap_or(1) as u32;
    if family == Family::DallE3 && n > 1 {
        return Err(ApiError::new(
            400,
            "invalid_request_error",
            None,
            "You must provide n=1 for this model.",
        ));
    }
    let (width, height) = size(&f, family)?;
    let quality = quality(&f, family)?;
    if family == Family::DallE3 {
        one_of(&f, "style", &["vivid", "natural"])?;
    }
    let url = match one_of(&f, "response_format", &["url", "b64_json"])? {
        Some("b64_json") => false,
        Some(_) => true,
        None => !family.is_gpt(),
    };
    one_of(&f, "moderation", &["low", "auto"])?;
    let background = one_of(&f, "background", &["transparent", "opaque", "auto"])?;
    let format = one_of(&f, "output_format", &["png", "jpeg", "webp"])?
        .and_then(Format::parse)
        .unwrap_or(Format::Png);
    let transparent = background == Some("transparent");
    if transparent && format == Format::Jpeg {
        return Err(ApiError::invalid(
            "background",
            "invalid_value",
            "Transparent background is not supported for the jpeg output format; use png or webp.",
        ));
    }
    let compression = f.integer("output_compression", 0, 100)?;
    if format == Format::Png && compression.is_some_and(|c| c < 100) {
        return Err(ApiError::invalid(
            "output_compression",
            "invalid_value",
            "Compression less than 100 is not supported for PNG output format.",
        ));
    }
    let stream = f.boolean("stream")?.unwrap_or(false);
    if stream && endpoint == Endpoint::Variations {
        return Err(unknown("stream"));
    }
    let partials = f.integer("partial_images", 0, 3)?.unwrap_or(0) as u32;
    let job = Job {
        model,
        family,
        prompt,
        n,
        width,
        height,
        quality,
        transparent,
        format,
        compression: compression.unwrap_or(100) as u8,
        url,
        stream,
        partials,
    };
    if job.pixels() > MAX_PIXELS {
        return Err(ApiError::invalid(
            "size",
            "invalid_value",
            format!(
                "Invalid 'size': {} image(s) of {}{} are {} pixels, more than the limit of {MAX_PIXELS} pixels per request.",
                job.n,
                job.size(),
                if job.stream && job.partials > 0 {
                    format!(" with {} partial image(s) each", job.partials)
                } else {
                    String::new()
                },
                job.pixels()
            ),
        ));
    }
    Ok(job)
}

/// `size`, resolved (`auto` is 1024x1024), within the model's sizes.
fn size(f: &Fields, family: Family) -> Result<(u32, u32), ApiError> {
    let given = f.string("size")?;
    let standard: &[&str] = match family {
        Family::DallE2 => &["256x256", "512x512", "1024x1024"],
        Family::DallE3 => &["1024x1024", "1792x1024", "1024x1792"],
        _ => &["1024x1024", "1536x1024", "1024x1536", "auto"],
    };
    let text = match given {
        None | Some("auto") => return Ok((1024, 1024)),
        Some(s) => s,
    };
    if standard.contains(&text) {
        return Ok(parse_size(text).expect("standard sizes parse"));
    }
    if family == Family::GptImage2
        && let Some((w, h)) = parse_size(text)
    {
        let (long, short) = (w.max(h), w.min(h));
        let problem = if w % 16 != 0 || h % 16 != 0 {
            Some("width and height must both be divisible by 16")
        } else if long > 3 * short {
            Some("the aspect ratio must be between 1:3 and 3:1")
        } else if long > 3840 || u64::from(w) * u64::from(h) > 3840 * 2160 {
            Some("the largest supported resolution is 3840x2160")
        } else {
            None
        };
        return match problem {
            None => Ok((w, h)),
            Some(why) => Err(ApiError::invalid(
                "size",
                "invalid_value",
                format!("Invalid size '{text}': {why}."),
            )),
        };
    }
    if family.is_gpt() {
        return Err(not_one_of("size", text, standard));
    }
    Err(ApiError::new(
        400,
        "invalid_request_error",
        Some("invalid_size"),
        "The size is not supported by this model.",
    ))
}

/// `WIDTHxHEIGHT` with both sides from 1 to [`imaging::MAX_SIDE`].
fn parse_size(text: &str) -> Option<(u32, u32)> {
    let (w, h) = text.split_once('x')?;
    let side = |s: &str| {
        s.parse::<u32>()
            .ok()
            .filter(|v| (1..=imaging::MAX_SIDE).contains(v) && !s.starts_with('+'))
    };
    Some((side(w)?, side(h)?))
}

/// `quality`, as reported: `auto` is `high` for GPT image models and `standard` for dall-e.
fn quality(f: &Fields, family: Family) -> Result<&'static str, ApiError> {
    let allowed: &[&'static str] = match family {
        Family::DallE2 => &["standard", "auto"],
        Family::DallE3 => &["standard", "hd", "auto"],
        _ => &["low", "medium", "high", "auto"],
    };
    Ok(match one_of(f, "quality", allowed)? {
        Some("auto") | None if family.is_gpt() => "high",
        Some("auto") | None => "standard",
        Some(q) => allowed
            .iter()
            .copied()
            .find(|a| *a == q)
            .unwrap_or("standard"),
    })
}

/// A string field that must be one of `allowed`.
fn one_of<'a>(f: &Fields<'a>, name: &str, allowed: &[&str]) -> Result<Option<&'a str>, ApiError> {
    match f.string(name)? {
        Some(v) if !allowed.contains(&v) => Err(not_one_of(name, v, allowed)),
        other => Ok(other),
    }
}

/// `Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'.`
pub(crate) fn not_one_of(param: &str, value: &str, allowed: &[&str]) -> ApiError {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    let list = match quoted.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
        [] => String::new(),
    };
    let shown: String = value.chars().take(100).collect();
    ApiError::invalid(
        param,
        "invalid_value",
        format!("Invalid value: '{shown}'. Supported values are: {list}."),
    )
}

/// The 400 for a parameter the model does not take.
pub(crate) fn unknown(name: &str) -> ApiError {
    ApiError::invalid(
        name,
        "unknown_parameter",
        format!("Unknown parameter: '{name}'."),
    )
}

#[cfg(test)]
mod tests;
