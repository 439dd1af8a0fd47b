//! Routing: paths with and without `/v1`, methods, percent-decoding, the key comparison.

use super::key::constant_time_eq;
use super::*;

#[test]
fn routes_work_with_and_without_v1() {
    assert_eq!(
        route("POST", "/v1/chat/completions"),
        Ok(Route::ChatCompletions)
    );
    assert_eq!(
        route("POST", "/chat/completions"),
        Ok(Route::ChatCompletions)
    );
    assert_eq!(
        route("GET", "/models/ft%3Agpt-4o%2Fx"),
        Ok(Route::RetrieveModel("ft:gpt-4o/x".into()))
    );
    assert_eq!(route("HEAD", "/v1/models"), Ok(Route::ListModels));
    assert_eq!(route("POST", "/v1/completions"), Ok(Route::Completions));
    assert_eq!(route("POST", "/embeddings"), Ok(Route::Embeddings));
    assert_eq!(route("POST", "/v1/responses/"), Ok(Route::Responses));
    assert_eq!(route("GET", "/v1/responses").unwrap_err().status, 405);
    assert_eq!(
        route("GET", "/v1/chat/completions"),
        Ok(Route::State(State::ListChats))
    );
    assert_eq!(
        route("GET", "/v1/responses/resp_1"),
        Ok(Route::State(State::GetResponse("resp_1".into())))
    );
    assert_eq!(
        route("POST", "/v1/responses/input_tokens"),
        Ok(Route::State(State::InputTokens))
    );
    assert_eq!(
        route("DELETE", "/v1/conversations/c%2F1/items/i"),
        Ok(Route::State(State::DeleteItem("c/1".into(), "i".into())))
    );
    let e = route("PUT", "/v1/responses/resp_1").unwrap_err();
    assert_eq!((e.status, e.headers[0].1.as_str()), (405, "GET, DELETE"));
    assert_eq!(route("GET", "/v1/responses//x").unwrap_err().status, 404);
    assert_eq!(
        route("POST", "/v1/foo").unwrap_err().code.as_deref(),
        Some("unknown_url")
    );
    assert_eq!(
        route("POST", "/v1x/chat/completions").unwrap_err().status,
        404
    );
}

#[test]
fn image_files_have_their_own_path_without_v1() {
    assert_eq!(
        route("GET", "/_oaimock/images/img_a.png"),
        Ok(Route::ImageFile("img_a.png".into()))
    );
    assert_eq!(
        route("HEAD", "/_oaimock/images/img_a.png"),
        Ok(Route::ImageFile("img_a.png".into()))
    );
    assert_eq!(
        route("POST", "/_oaimock/images/img_a.png")
            .unwrap_err()
            .status,
        405
    );
    assert_eq!(
        route("GET", "/v1/_oaimock/images/x").unwrap_err().status,
        404
    );
    assert_eq!(
        route("GET", "/_oaimock/images/a/b").unwrap_err().status,
        404
    );
    assert_eq!(route("POST", "/v1/images/edits"), Ok(Route::ImageEdits));
    assert!(!Route::ImageFile("x".into()).needs_key());
}

#[test]
fn percent_decoding_tolerates_bad_escapes() {
    assert_eq!(percent_decode("a%2Fb"), "a/b");
    assert_eq!(percent_decode("a%2"), "a%2");
    assert_eq!(percent_decode("%zz%41"), "%zzA");
    assert_eq!(percent_decode("%ff"), "\u{fffd}");
}

#[test]
fn constant_time_eq_compares_whole_inputs() {
    assert!(constant_time_eq(b"secret", b"secret"));
    assert!(!constant_time_eq(b"secret", b"secreT"));
    assert!(!constant_time_eq(b"secret", b"secret2"));
}
