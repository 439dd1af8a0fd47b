//! The wire shapes: `ImagesResponse` and its `Image`s, the usage the GPT image models report,
//! and the `image_generation.*` / `image_edit.*` stream events.

use serde::Serialize;

use super::request::Job;

#[derive(Serialize)]
pub(crate) struct ImagesResponse {
    pub created: u64,
    pub data: Vec<Image>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

#[derive(Serialize)]
pub(crate) struct Image {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b64_json: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
}

#[derive(Serialize, Clone, Copy)]
pub(crate) struct Usage {
    pub total_tokens: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub input_tokens_details: InputDetails,
}

#[derive(Serialize, Clone, Copy)]
pub(crate) struct InputDetails {
    pub text_tokens: u64,
    pub image_tokens: u64,
}

/// One `*.partial_image` or `*.completed` event.
#[derive(Serialize)]
pub(crate) struct StreamEvent<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub b64_json: String,
    pub created_at: u64,
    pub size: &'a str,
    pub quality: &'static str,
    pub background: &'static str,
    pub output_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_image_index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// The output tokens of one image: the API's table for gpt-image-1 at its three sizes, and
/// other sizes in proportion to their pixels.
pub(crate) fn output_tokens(job: &Job) -> u64 {
    let (square, portrait, landscape) = match job.quality {
        "low" => (272, 408, 400),
        "medium" => (1056, 1584, 1568),
        _ => (4160, 6240, 6208),
    };
    match (job.width, job.height) {
        (1024, 1024) => square,
        (1024, 1536) => portrait,
        (1536, 1024) => landscape,
        (w, h) => (square * u64::from(w) * u64::from(h)).div_ceil(1024 * 1024),
    }
}

/// The tokens an input image counts for: 85, and 170 for each 512-pixel tile it covers.
pub(crate) fn input_image_tokens(width: u32, height: u32) -> u64 {
    85 + 170 * u64::from(width.div_ceil(512)) * u64::from(height.div_ceil(512))
}
