//! The multipart forms of `/images/edits` and `/images/variations`: the text fields read as the
//! JSON request's fields (so both endpoints share its validation), and the uploaded images and
//! mask checked as the API checks them: PNG, JPEG or WebP (dall-e-2: one square PNG under 4 MB),
//! at most 16, a mask the size of the first image. Only headers are read, never pixels.

use serde_json::{Map, Value};

use super::objects::input_image_tokens;
use super::request::{self, Endpoint, Family, Job};
use crate::api::form::FormFields;
use crate::error::ApiError;
use crate::imaging::{self, Format, pattern};
use crate::multipart::{Form, Part};

/// The most images one edit takes (the API's limit).
pub(crate) const MAX_IMAGES: usize = 16;
/// The largest image dall-e-2 takes, and the largest mask.
pub(crate) const MAX_PNG_BYTES: usize = 4 * 1024 * 1024;
/// The widest or tallest input image whose header is believed (nothing here decodes pixels, but
/// the usage counts tiles).
pub(crate) const MAX_INPUT_SIDE: u32 = 16384;

/// A validated upload: the job, a seed from the images' bytes, and what the images count for.
pub(crate) struct Upload {
    pub job: Job,
    pub seed: u64,
    pub image_tokens: u64,
}

/// Reads and validates the form of an edit or a variation.
pub(crate) fn read(form: &Form, endpoint: Endpoint) -> Result<Upload, ApiError> {
    let fields = FormFields::new(form);
    let mut obj = Map::new();
    for part in &form.parts {
        let name = part.name.as_str();
        if matches!(name, "image" | "image[]" | "mask") || obj.contains_key(name) {
            continue;
        }
        let value = match name {
            "n" | "output_compression" | "partial_images" => {
                fields.integer(name, i64::MIN, i64::MAX)?.map(Value::from)
            }
            "stream" => fields.boolean(name)?.map(Value::Bool),
            _ => fields.string(name)?.map(|s| Value::String(s.to_string())),
        };
        if let Some(value) = value {
            obj.insert(name.to_string(), value);
        }
    }
    let images: Vec<&Part> = form.all("image").collect();
    if images.is_empty() {
        return Err(fields.missing("image"));
    }
    let job = request::read(&obj, endpoint)?;
    let single = job.family == Family::DallE2;
    if images.len() > MAX_IMAGES || (single && images.len() > 1) {
        let most = if single { 1 } else { MAX_IMAGES };
        return Err(ApiError::invalid(
            "image",
            "invalid_value",
            format!(
                "Invalid 'image': {} images, more than the {most} this model takes.",
                images.len()
            ),
        ));
    }
    let mut seed = 0u64;
    let mut image_tokens = 0u64;
    let mut first = None;
    for part in &images {
        let (_, w, h) = image(part, "image", single)?;
        first.get_or_insert((w, h));
        seed = seed.rotate_left(5) ^ pattern::seed_bytes(part.data);
        image_tokens += input_image_tokens(w, h);
    }
    if let Some(mask) = form.get("mask") {
        let (format, w, h) = image(mask, "mask", true)?;
        let (iw, ih) = first.unwrap_or((w, h));
        if format != Format::Png || (w, h) != (iw, ih) {
            return Err(ApiError::invalid(
                "mask",
                "invalid_value",
                format!(
                    "Invalid 'mask': the mask must be a PNG of the same size as the image ({iw}x{ih}), but got a {} of {w}x{h}.",
                    format.name()
                ),
            ));
        }
    }
    Ok(Upload {
        job,
        seed,
        image_tokens,
    })
}

/// One uploaded image: a file whose header says PNG, JPEG or WebP (only a square PNG under
/// 4 MB when `png_only`), no larger than [`MAX_INPUT_SIDE`] a side.
fn image(part: &Part, param: &str, png_only: bool) -> Result<(Format, u32, u32), ApiError> {
    if !part.is_file() {
        return Err(ApiError::invalid(
            param,
            "invalid_type",
            format!("Invalid type for '{param}': expected a file, but got a string instead."),
        ));
    }
    let Some((format, w, h)) = imaging::dimensions(part.data) else {
        let given = part
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        let shown: String = given.chars().take(100).collect();
        return Err(ApiError::invalid(
            param,
            "invalid_image_format",
            format!(
                "Invalid file '{param}': unsupported mimetype ('{shown}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'."
            ),
        ));
    };
    if w == 0 || h == 0 || w > MAX_INPUT_SIDE || h > MAX_INPUT_SIDE {
        return Err(ApiError::invalid(
            param,
            "invalid_value",
            format!(
                "Invalid '{param}': an image of {w}x{h}; each side must be from 1 to {MAX_INPUT_SIDE} pixels."
            ),
        ));
    }
    if png_only && (format != Format::Png || part.data.len() >= MAX_PNG_BYTES) {
        return Err(ApiError::invalid(
            param,
            "invalid_image_format",
            format!("Invalid '{param}': uploaded image must be a PNG and less than 4 MB."),
        ));
    }
    if png_only && param == "image" && w != h {
        return Err(ApiError::invalid(
            param,
            "invalid_value",
            format!("Invalid '{param}': uploaded image must be square, but it is {w}x{h}."),
        ));
    }
    Ok((format, w, h))
}
