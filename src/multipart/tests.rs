//! Unit tests of the multipart parser: well-formed forms as the SDKs and browsers send them, and
//! every refusal with the problem it names.

use super::*;

const CT: &str = "multipart/form-data; boundary=XyZ";

fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, filename, data) in parts {
        out.extend_from_slice(b"--XyZ\r\n");
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = filename {
            disposition.push_str(&format!("; filename=\"{f}\"\r\nContent-Type: audio/wav"));
        }
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--XyZ--\r\n");
    out
}

fn refusal(content_type: Option<&str>, body: &[u8]) -> String {
    let error = parse(content_type, body).expect_err("refused");
    assert_eq!(error.status, 400);
    error.message.clone()
}

#[test]
fn fields_and_files_are_read_with_their_bytes() {
    let audio: &[u8] = b"RIFF\x00\r\n--Xy\r\n\x00\xff";
    let body = form(&[
        ("model", None, b"whisper-1"),
        ("file", Some("a.wav"), audio),
        ("empty", None, b""),
        ("timestamp_granularities[]", None, b"word"),
        ("timestamp_granularities[]", None, b"segment"),
    ]);
    let parsed = parse(Some(CT), &body).unwrap();
    assert_eq!(parsed.parts.len(), 5);
    assert_eq!(parsed.get("model").unwrap().data, b"whisper-1");
    assert!(!parsed.get("model").unwrap().is_file());
    let file = parsed.get("file").unwrap();
    assert_eq!(file.data, audio);
    assert_eq!(file.filename.as_deref(), Some("a.wav"));
    assert_eq!(file.content_type.as_deref(), Some("audio/wav"));
    assert_eq!(parsed.get("empty").unwrap().data, b"");
    let all: Vec<&[u8]> = parsed
        .all("timestamp_granularities")
        .map(|p| p.data)
        .collect();
    assert_eq!(all, [&b"word"[..], b"segment"]);
}

#[test]
fn preamble_epilogue_quoted_boundaries_and_extended_names_are_understood() {
    let body = b"preamble\r\n--a b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\\\"y;z.txt\"\r\n\r\nhi\r\n--a b\r\ncontent-disposition: form-data; name=g; filename*=UTF-8''caf%C3%A9.wav\r\n\r\n\r\n--a b--  epilogue";
    let parsed = parse(
        Some("Multipart/Form-Data; charset=x; boundary=\"a b\""),
        body,
    )
    .unwrap();
    assert_eq!(parsed.parts[0].filename.as_deref(), Some("x\"y;z.txt"));
    assert_eq!(parsed.parts[0].data, b"hi");
    assert_eq!(parsed.parts[1].name, "g");
    assert_eq!(parsed.parts[1].filename.as_deref(), Some("café.wav"));
    assert_eq!(parsed.parts[1].data, b"");
}

#[test]
fn a_body_that_is_not_a_form_is_refused_naming_its_content_type() {
    let message = refusal(Some("application/json"), b"{}");
    assert!(
        message.starts_with("Unsupported content type: 'application/json'"),
        "{message}"
    );
    assert!(refusal(None, b"").contains("'(none)'"));
    let e = parse(Some("text/plain"), b"").unwrap_err();
    assert_eq!(e.code.as_deref(), Some("unsupported_content_type"));
}

#[test]
fn boundaries_are_required_and_bounded() {
    assert!(refusal(Some("multipart/form-data"), b"").contains("no boundary parameter"));
    assert!(refusal(Some("multipart/form-data; boundary="), b"").contains("1 to 70"));
    let long = format!("multipart/form-data; boundary={}", "b".repeat(71));
    assert!(refusal(Some(&long), b"").contains("71 characters"));
    assert!(refusal(Some(CT), b"no delimiter here").contains("does not occur"));
}

#[test]
fn truncated_forms_name_where_they_end() {
    let body = form(&[("model", None, b"whisper-1"), ("file", Some("a"), b"abc")]);
    let cut = &body[..body.len() - 12];
    assert!(refusal(Some(CT), cut).contains("Part 1 of the form is not terminated"));
    assert!(refusal(Some(CT), b"--XyZ\r\nContent-Disp").contains("ends in its headers"));
    assert!(refusal(Some(CT), b"--XyZ").contains("before its closing boundary"));
    assert!(refusal(Some(CT), b"--XyZjunk\r\n").contains("followed by other text"));
}

#[test]
fn part_headers_are_bounded_in_length_and_number() {
    let mut long = b"--XyZ\r\nContent-Disposition: form-data; name=\"".to_vec();
    long.extend(std::iter::repeat_n(b'a', 100_000));
    let message = refusal(Some(CT), &long);
    assert!(message.contains("longer than 4096 bytes"), "{message}");
    let mut many = b"--XyZ\r\n".to_vec();
    for i in 0..17 {
        many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\nx\r\n--XyZ--");
    assert!(refusal(Some(CT), &many).contains("more than 16 header lines"));
}

#[test]
fn ten_thousand_parts_are_refused_at_the_limit() {
    let parts: Vec<(String, Option<&str>, &[u8])> = (0..10_000)
        .map(|i| (format!("f{i}"), None, &b"1"[..]))
        .collect();
    let refs: Vec<(&str, Option<&str>, &[u8])> =
        parts.iter().map(|(n, f, d)| (n.as_str(), *f, *d)).collect();
    let body = form(&refs);
    assert!(refusal(Some(CT), &body).contains("more than 100 parts"));
    assert_eq!(
        parse(Some(CT), &form(&refs[..100])).unwrap().parts.len(),
        100
    );
}

#[test]
fn parts_need_a_form_data_disposition_with_a_name() {
    let body = b"--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--";
    assert!(refusal(Some(CT), body).contains("no Content-Disposition"));
    let body = b"--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--";
    assert!(refusal(Some(CT), body).contains("expected 'form-data'"));
    let body = b"--XyZ\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--XyZ--";
    assert!(refusal(Some(CT), body).contains("no name"));
    let body = b"--XyZ\r\nno colon\r\n\r\nx\r\n--XyZ--";
    assert!(refusal(Some(CT), body).contains("without a colon"));
}

#[test]
fn an_oversized_form_is_refused_before_it_is_scanned() {
    let body = vec![b'-'; MAX_FORM_BYTES + 1];
    assert!(refusal(Some(CT), &body).contains("MAX_FORM_BYTES"));
}

#[test]
fn a_hostile_body_of_near_delimiters_is_scanned_in_linear_time() {
    // Every CR starts a near match of the delimiter; the scan stays a few compares a byte.
    let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n".to_vec();
    while body.len() < 8 * 1024 * 1024 {
        body.extend_from_slice(b"\r\n--Xy");
    }
    assert!(refusal(Some(CT), &body).contains("not terminated"));
}
