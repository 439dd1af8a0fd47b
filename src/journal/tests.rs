//! The journal without a server: bounds, redaction, slot reuse and pages.

use super::*;

fn headers() -> Vec<(String, String)> {
    vec![
        ("authorization".into(), "Bearer sk-secret".into()),
        ("x-a".into(), "1".into()),
    ]
}

fn record<'a>(
    path: &'a str,
    scope: Option<&'a str>,
    headers: &'a [(String, String)],
) -> Record<'a> {
    Record {
        scope,
        method: "POST",
        path,
        headers,
        body: b"{\"model\":\"m\"}",
        answered_by: "built-in",
        status: 200,
    }
}

#[test]
fn keeps_the_last_n_redacted_and_filters_by_path_and_scope() {
    let journal = Journal::new(2, &[]);
    let h = headers();
    journal.record(record("/v1/chat/completions", None, &h));
    journal.record(record("/chat/completions", Some("t1"), &h));
    journal.record(record("/v1/models", Some("t1"), &h));
    let all = journal.list(None, None);
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(all[0].headers["authorization"], "Bearer [redacted]");
    assert_eq!(all[0].body["model"], "m");
    assert_eq!(journal.list(Some("/v1/chat/completions"), None).len(), 1);
    assert_eq!(journal.list(None, Some("t1")).len(), 2);
    assert_eq!(journal.clear(Some("t1")), 2);
    assert!(journal.list(None, None).is_empty());
}

#[test]
fn a_reused_slot_holds_only_its_own_exchange() {
    let journal = Journal::new(1, &[]);
    let h = headers();
    journal.record(record("/v1/chat/completions", Some("t1"), &h));
    let big = vec![b'x'; MAX_BODY + 10];
    let mut long = record("/v1/embeddings", None, &h[1..]);
    long.body = &big;
    long.status = 400;
    journal.record(long);
    let e = &journal.list(None, None)[0];
    assert_eq!((e.seq, e.scope.as_deref(), e.status), (1, None, 400));
    assert_eq!(e.headers.len(), 1);
    assert_eq!(e.body.as_str().map(str::len), Some(MAX_BODY));
    assert!(e.body_truncated);
    journal.record(record("/v1/models", Some("t2"), &h));
    let e = &journal.list(None, None)[0];
    assert_eq!(
        (e.path.as_str(), e.scope.as_deref()),
        ("/v1/models", Some("t2"))
    );
    assert_eq!(e.headers["authorization"], "Bearer [redacted]");
    assert_eq!(
        (e.body["model"].as_str(), e.body_truncated),
        (Some("m"), false)
    );
    let slot_body = journal.entries.lock().unwrap()[0].body.capacity();
    assert!(slot_body < SHRINK_ABOVE, "large buffer kept: {slot_body}");
}

#[test]
fn cookies_keys_and_named_headers_are_redacted_whole() {
    let journal = Journal::new(1, &["X-Tenant-Token".to_string()]);
    let h: Vec<(String, String)> = [
        ("cookie", "session=abc; theme=dark"),
        ("set-cookie", "id=1"),
        ("x-goog-api-key", "AIza"),
        ("x-tenant-token", "Bearer t"),
        ("proxy-authorization", "Basic dXNlcg=="),
        ("x-other", "kept"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    journal.record(record("/v1/chat/completions", None, &h));
    let e = &journal.list(None, None)[0];
    for name in ["cookie", "set-cookie", "x-goog-api-key", "x-tenant-token"] {
        assert_eq!(e.headers[name], "[redacted]", "{name}");
    }
    assert_eq!(e.headers["proxy-authorization"], "Basic [redacted]");
    assert_eq!(e.headers["x-other"], "kept");
}

#[test]
fn pages_end_at_their_limit_or_their_bytes_and_continue_after_a_seq() {
    let journal = Journal::new(100, &[]);
    let h = headers();
    let big = vec![b'1'; MAX_BODY];
    for i in 0..80 {
        let mut r = record("/v1/embeddings", None, &h);
        if i % 2 == 0 {
            r.body = &big;
        }
        journal.record(r);
    }
    let seqs = |page: &Page| page.entries.iter().map(|(e, _)| e.seq).collect::<Vec<_>>();
    let all = Filter::default();
    let page = journal.page(&all, None, 3);
    assert_eq!((seqs(&page), page.has_more), (vec![0, 1, 2], true));
    let page = journal.page(&all, Some(77), 10);
    assert_eq!((seqs(&page), page.has_more), (vec![78, 79], false));
    // 31 bodies of 256 KiB and the small ones between them: the 32nd would pass 8 MiB.
    let page = journal.page(&all, None, MAX_LIST_ENTRIES);
    let bytes: usize = page.entries.iter().map(|(_, b)| b.len()).sum();
    assert!(page.has_more && bytes <= MAX_LIST_BYTES, "{bytes}");
    assert_eq!(page.entries.len(), 62);
}

#[test]
fn a_listed_entry_is_the_recorded_request_with_its_body_as_sent() {
    let journal = Journal::new(3, &[]);
    let h = headers();
    let mut r = record("/v1/chat/completions", Some("s"), &h);
    journal.record(r.clone());
    r.body = b"not json";
    journal.record(r.clone());
    r.body = b"";
    journal.record(r);
    let parsed = journal.list(None, None);
    let page = journal.page(&Filter::default(), None, 10);
    for (entry, (copy, body)) in parsed.iter().zip(&page.entries) {
        let listed = ListedEntry {
            entry: copy,
            body: Listed::of(body),
        };
        assert_eq!(
            serde_json::to_string(&listed).unwrap(),
            serde_json::to_string(entry).unwrap()
        );
    }
}
