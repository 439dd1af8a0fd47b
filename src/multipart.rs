//! A `multipart/form-data` parser of our own (RFC 7578 over RFC 2046): the request's
//! `Content-Type` and body in, the parts out, each with its name, file name, content type and a
//! slice of the body. Pure: no socket, no copy of a part's bytes. Every limit below is checked
//! before the work it bounds, and a malformed form is a 400 that names what is wrong with it.

#[cfg(test)]
mod tests;

use crate::error::ApiError;

/// The largest form parsed, in bytes. `--max-body-bytes` (8 MiB by default) refuses larger bodies
/// with a 413 before they are read; this bounds the parser when that flag is raised.
pub(crate) const MAX_FORM_BYTES: usize = 64 * 1024 * 1024;
/// The most parts a form may have (an image edit has at most 16 images and a dozen fields).
pub(crate) const MAX_PARTS: usize = 100;
/// The most header lines one part may have.
pub(crate) const MAX_PART_HEADERS: usize = 16;
/// The longest header line of a part, in bytes (without its line end).
pub(crate) const MAX_HEADER_LINE: usize = 4096;
/// The longest boundary RFC 2046 allows.
const MAX_BOUNDARY: usize = 70;

/// One part of a form. `data` borrows the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part<'a> {
    pub name: String,
    /// Present for a file upload (even when empty).
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: &'a [u8],
}

impl Part<'_> {
    /// Whether the part is a file rather than a plain field.
    pub(crate) fn is_file(&self) -> bool {
        self.filename.is_some()
    }
}

/// A parsed form: its parts in the order they were sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form<'a> {
    pub parts: Vec<Part<'a>>,
}

impl<'a> Form<'a> {
    /// The first part called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Part<'a>> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// Every part called `name` or `name[]` (how the SDKs send arrays), in order.
    pub(crate) fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Part<'a>> + 's {
        self.parts.iter().filter(move |p| {
            p.name == name || p.name.strip_suffix("[]").is_some_and(|base| base == name)
        })
    }
}

/// The 400 for a form that cannot be read: `invalid_request_error`, code `invalid_multipart`.
pub(crate) fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::new(
        400,
        "invalid_request_error",
        Some("invalid_multipart"),
        message,
    )
}

/// The 400 for a body that is not a form, as the API words it.
fn unsupported(content_type: Option<&str>) -> ApiError {
    let given = content_type.unwrap_or("(none)");
    ApiError::new(
        400,
        "invalid_request_error",
        Some("unsupported_content_type"),
        format!(
            "Unsupported content type: '{given}'. This API method only accepts \
             'multipart/form-data' requests, but you specified the header \
             'Content-Type: {given}'. Please try again with a supported content type."
        ),
    )
}

/// The boundary a `multipart/form-data` content type names.
fn boundary(content_type: Option<&str>) -> Result<String, ApiError> {
    let value = content_type.unwrap_or("");
    let mut params = split_params(value).into_iter();
    let media = params.next().unwrap_or_default();
    if !media.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(unsupported(content_type));
    }
    let boundary = params
        .filter_map(|p| {
            let (key, value) = p.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| unquote(value.trim()))
        })
        .next()
        .ok_or_else(|| {
            malformed("The multipart/form-data Content-Type has no boundary parameter.")
        })?;
    if boundary.is_empty() || boundary.len() > MAX_BOUNDARY {
        return Err(malformed(format!(
            "The multipart boundary is {} characters long; it must be 1 to {MAX_BOUNDARY} characters.",
            boundary.len()
        )));
    }
    Ok(boundary)
}

/// Splits a header value at the `;`s that are outside quoted strings.
fn split_params(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

/// A parameter value without its quotes and backslash escapes.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// `filename*=utf-8''caf%C3%A9.wav` (RFC 5987) decoded; `None` when it is not in that form.
fn extended(value: &str) -> Option<String> {
    let (charset, rest) = value.split_once('\'')?;
    let (_, encoded) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The position of `needle` in `haystack` at or after `from`. The needles here start with
/// `\r\n--`, so a candidate is only compared where a CR is: hostile bodies cost a few
/// comparisons a byte at most.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let last_start = haystack.len().checked_sub(needle.len())?;
    let mut i = from;
    while i <= last_start {
        let offset = haystack[i..=last_start].iter().position(|&b| b == first)?;
        i += offset;
        if haystack[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Parses a `multipart/form-data` body sent with `content_type` (the header's value).
pub(crate) fn parse<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Form<'a>, ApiError> {
    let boundary = boundary(content_type)?;
    if body.len() > MAX_FORM_BYTES {
        return Err(malformed(format!(
            "The form is {} bytes, more than the limit of {MAX_FORM_BYTES} bytes on a multipart body (MAX_FORM_BYTES).",
            body.len()
        )));
    }
    // Every delimiter after the first is preceded by CRLF; the first may start the body.
    let mut delimiter = Vec::with_capacity(boundary.len() + 4);
    delimiter.extend_from_slice(b"\r\n--");
    delimiter.extend_from_slice(boundary.as_bytes());
    let mut pos = if body.starts_with(&delimiter[2..]) {
        delimiter.len() - 2
    } else {
        match find(body, &delimiter, 0) {
            Some(at) => at + delimiter.len(),
            None => {
                return Err(malformed(format!(
                    "The form has no part: its boundary '{boundary}' does not occur in the body."
                )));
            }
        }
    };
    let mut form = Form::default();
    loop {
        // After a delimiter: `--` closes the form; otherwise optional spaces, then CRLF.
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(form);
        }
        let blanks = rest
            .iter()
            .take_while(|b| **b == b' ' || **b == b'\t')
            .count();
        if !rest[blanks..].starts_with(b"\r\n") {
            return Err(malformed(if rest.len() == blanks {
                "The form ends after a boundary, before its closing boundary.".to_string()
            } else {
                format!(
                    "A boundary line in the form is followed by other text (after part {}).",
                    form.parts.len()
                )
            }));
        }
        if form.parts.len() == MAX_PARTS {
            return Err(malformed(format!(
                "The form has more than {MAX_PARTS} parts, the limit on parts in a multipart form."
            )));
        }
        pos += blanks + 2;
        let index = form.parts.len();
        let (headers, data_start) = part_headers(body, pos, index)?;
        // From the blank line's CRLF on: a part with no data nor blank line before the delimiter
        // (`name="x"\r\n\r\n--b`) shares that CRLF with it, and is read as empty.
        let end = find(body, &delimiter, data_start - 2).ok_or_else(|| {
                malformed(format!(
                    "Part {index} of the form is not terminated: the body ends before the next boundary."
                ))
            })?;
        let data = &body[data_start.min(end)..end];
        form.parts.push(headers.into_part(data, index)?);
        pos = end + delimiter.len();
    }
}

/// What a part's headers say.
#[derive(Default)]
struct PartHeaders {
    disposition: Option<String>,
    content_type: Option<String>,
}

/// Reads the header lines of part `index` from `start`, up to its blank line; returns them and
/// where its data starts. Each line's length and the number of lines are checked as they come.
fn part_headers(body: &[u8], start: usize, index: usize) -> Result<(PartHeaders, usize), ApiError> {
    let mut headers = PartHeaders::default();
    let mut pos = start;
    let mut count = 0;
    loop {
        let window = &body[pos..body.len().min(pos + MAX_HEADER_LINE + 2)];
        let Some(len) = window.windows(2).position(|w| w == b"\r\n") else {
            return Err(if window.len() > MAX_HEADER_LINE {
                malformed(format!(
                    "A header line of part {index} of the form is longer than {MAX_HEADER_LINE} bytes, the limit on a part's header line."
                ))
            } else {
                malformed(format!(
                    "Part {index} of the form is not terminated: the body ends in its headers."
                ))
            });
        };
        let line = &body[pos..pos + len];
        pos += len + 2;
        if line.is_empty() {
            return Ok((headers, pos));
        }
        count += 1;
        if count > MAX_PART_HEADERS {
            return Err(malformed(format!(
                "Part {index} of the form has more than {MAX_PART_HEADERS} header lines, the limit on a part's headers."
            )));
        }
        let line = String::from_utf8_lossy(line);
        let Some((name, value)) = line.split_once(':') else {
            return Err(malformed(format!(
                "Part {index} of the form has a header line without a colon: '{}'.",
                line.chars().take(80).collect::<String>()
            )));
        };
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => headers.disposition = Some(value),
            "content-type" => headers.content_type = Some(value),
            _ => {}
        }
    }
}

impl PartHeaders {
    fn into_part(self, data: &[u8], index: usize) -> Result<Part<'_>, ApiError> {
        let disposition = self.disposition.ok_or_else(|| {
            malformed(format!(
                "Part {index} of the form has no Content-Disposition header."
            ))
        })?;
        let mut params = split_params(&disposition).into_iter();
        let kind = params.next().unwrap_or_default().trim();
        if !kind.eq_ignore_ascii_case("form-data") {
            return Err(malformed(format!(
                "Part {index} of the form has Content-Disposition '{kind}'; expected 'form-data'."
            )));
        }
        let (mut name, mut filename, mut extended_name) = (None, None, None);
        for param in params {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(unquote(value)),
                "filename" => filename = Some(unquote(value)),
                "filename*" => extended_name = extended(&unquote(value)),
                _ => {}
            }
        }
        let name = name.ok_or_else(|| {
            malformed(format!(
                "Part {index} of the form has no name in its Content-Disposition header."
            ))
        })?;
        Ok(Part {
            name,
            filename: extended_name.or(filename),
            content_type: self.content_type,
            data,
        })
    }
}
