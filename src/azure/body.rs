//! The deployment's model put into a request body, as Azure reads it: the `model` member of a JSON
//! object, or the `model` field of a multipart form (an audio or image upload). Any other body, or
//! one over the parse budget, reaches its family unchanged.

use serde_json::Value;

use crate::api;

/// `body` with `model` in place of the client's, if it is a JSON object or a form with a `model`
/// field; `None` leaves the body as it is.
pub(super) fn with_model(content_type: Option<&str>, body: &[u8], model: &str) -> Option<Vec<u8>> {
    if body.trim_ascii_start().starts_with(b"{") {
        return json(body, model);
    }
    let boundary = content_type?
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    form(boundary, body, model)
}

fn json(body: &[u8], model: &str) -> Option<Vec<u8>> {
    api::fields::check_budget(body).ok()?;
    let mut value: Value = serde_json::from_slice(body).ok()?;
    value
        .as_object_mut()?
        .insert("model".into(), Value::String(model.to_string()));
    serde_json::to_vec(&value).ok()
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The form with the value of its first `model` field replaced. Parts are found by their
/// delimiter (`\r\n--boundary`), which a part's content cannot hold; a part's headers end at its
/// first blank line.
fn form(boundary: &str, body: &[u8], model: &str) -> Option<Vec<u8>> {
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("\r\n--{boundary}");
    let delimiter = delimiter.as_bytes();
    // The first delimiter may open the body without its CRLF.
    let mut at = if body.starts_with(&delimiter[2..]) {
        delimiter.len() - 2
    } else {
        find(body, delimiter, 0)? + delimiter.len()
    };
    loop {
        let head_end = find(body, b"\r\n\r\n", at)?;
        let next = find(body, delimiter, head_end)?;
        let head = String::from_utf8_lossy(&body[at..head_end]).to_ascii_lowercase();
        let is_model = head.split("\r\n").any(|line| {
            line.starts_with("content-disposition:") && line.contains("; name=\"model\"")
        });
        if is_model && !head.contains("filename=") {
            let start = head_end + 4;
            let mut out = Vec::with_capacity(body.len() + model.len());
            out.extend_from_slice(&body[..start]);
            out.extend_from_slice(model.as_bytes());
            out.extend_from_slice(&body[next..]);
            return Some(out);
        }
        at = next + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_gets_the_model_in_its_model_field_only() {
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nname=\"model\"\r\n--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ndalle2\r\n--xyz\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhat\r\n--xyz--\r\n";
        let out = with_model(Some("multipart/form-data; boundary=xyz"), body, "dall-e-2").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("name=\"model\"\r\n\r\ndall-e-2\r\n--xyz\r\n"),
            "{text}"
        );
        assert!(
            text.contains("\r\n\r\nname=\"model\"\r\n--xyz"),
            "the file part is untouched"
        );
        assert!(text.ends_with("hat\r\n--xyz--\r\n"));
    }

    #[test]
    fn bodies_without_a_model_field_are_left_alone() {
        let body =
            b"--xyz\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhat\r\n--xyz--\r\n";
        assert_eq!(
            with_model(Some("multipart/form-data; boundary=xyz"), body, "m"),
            None
        );
        assert_eq!(with_model(None, body, "m"), None);
        assert_eq!(
            with_model(Some("multipart/form-data; boundary=\"\""), body, "m"),
            None
        );
        assert_eq!(with_model(None, b"[1]", "m"), None);
        let json = with_model(None, br#"{"model": "d", "input": "x"}"#, "gpt-4o").unwrap();
        assert_eq!(json, br#"{"input":"x","model":"gpt-4o"}"#);
    }
}
