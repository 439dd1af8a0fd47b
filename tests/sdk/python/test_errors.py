"""Every error status reaches the caller as the SDK's own exception class, with the body's fields."""

import time

import openai
import pytest

from conftest import httpx, raises

MESSAGES = [{"role": "user", "content": "hi"}]


def test_bad_request_names_the_parameter(client):
    err = raises(
        openai.BadRequestError,
        lambda: client.chat.completions.create(model="gpt-4o", messages=MESSAGES, temperature=5),
    )
    assert (err.status_code, err.type, err.code, err.param) == (400, "invalid_request_error", "invalid_value", "temperature")
    assert "temperature" in err.message


def test_bad_request_on_a_stream_request(client):
    err = raises(
        openai.BadRequestError,
        lambda: client.chat.completions.create(model="gpt-4o", messages=[], stream=True),
    )
    assert err.param == "messages"


def test_empty_embeddings_input_names_input(client):
    for empty in ("", []):
        err = raises(
            openai.BadRequestError,
            lambda: client.embeddings.create(model="text-embedding-3-small", input=empty),
        )
        assert (err.status_code, err.type, err.code, err.param) == (400, "invalid_request_error", "invalid_value", "input")


def test_unknown_encoding_format_is_a_bad_request(client):
    # The spec's CreateEmbeddingRequest allows only "float" and "base64".
    err = raises(
        openai.BadRequestError,
        lambda: client.embeddings.create(model="text-embedding-3-small", input="hi", encoding_format="float16"),
    )
    assert (err.status_code, err.type, err.param) == (400, "invalid_request_error", "encoding_format")
    assert "float16" in err.message


def test_completions_logprobs_above_5_is_a_bad_request(client):
    # Legacy `logprobs` is an integer 0..5.
    err = raises(
        openai.BadRequestError,
        lambda: client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi", logprobs=6),
    )
    assert (err.status_code, err.type, err.code, err.param) == (400, "invalid_request_error", "invalid_value", "logprobs")
    raises(
        openai.BadRequestError,
        lambda: client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi", logprobs=6, stream=True),
    )


def test_wrong_api_key_is_an_authentication_error(client_for, keyed_server):
    bad = client_for(keyed_server, api_key="sk-wrong")
    err = raises(openai.AuthenticationError, lambda: bad.chat.completions.create(model="gpt-4o", messages=MESSAGES))
    assert (err.status_code, err.type, err.code) == (401, "invalid_request_error", "invalid_api_key")
    raises(openai.AuthenticationError, lambda: bad.models.list())
    raises(openai.AuthenticationError, lambda: bad.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    good = client_for(keyed_server, api_key="sk-test")
    assert good.chat.completions.create(model="gpt-4o", messages=MESSAGES).choices[0].message.content.endswith("hi")


def test_unknown_model_is_not_found(client):
    err = raises(openai.NotFoundError, lambda: client.models.retrieve("nope"))
    assert (err.status_code, err.type, err.code) == (404, "invalid_request_error", "model_not_found")
    assert "nope" in err.message


def test_strict_models_rejects_unknown_chat_model(client_for, strict_server):
    strict = client_for(strict_server)
    err = raises(
        openai.NotFoundError,
        lambda: strict.chat.completions.create(model="gpt-1337-turbo-pro-max", messages=MESSAGES),
    )
    # The API's answer to a chat request for an unknown model:
    # {"message": "The model `gpt-4o` does not exist or you do not have access to it.",
    #  "type": "invalid_request_error", "param": null, "code": "model_not_found"}
    assert (err.status_code, err.type, err.code, err.param) == (404, "invalid_request_error", "model_not_found", None)
    raises(
        openai.NotFoundError,
        lambda: strict.chat.completions.create(model="gpt-1337-turbo-pro-max", messages=MESSAGES, stream=True),
    )
    assert strict.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES).choices[0].finish_reason == "stop"


INJECTED = [
    (403, openai.PermissionDeniedError),
    (422, openai.UnprocessableEntityError),
    (429, openai.RateLimitError),
    (500, openai.InternalServerError),
    (503, openai.InternalServerError),
]


@pytest.mark.parametrize("status,cls", INJECTED, ids=[str(s) for s, _ in INJECTED])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_injected_status_maps_to_sdk_exception(client_for, server, status, cls, stream):
    no_retry = client_for(server, max_retries=0)
    err = raises(
        cls,
        lambda: no_retry.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=stream, extra_headers={"x-oaimock-error": str(status)}
        ),
    )
    assert err.status_code == status
    if status in (429, 503):
        assert err.response.headers["retry-after"] == "1"
    # Expected bodies: what the real API sends for these statuses.
    if status == 403:
        assert err.type == "invalid_request_error"
    if status == 429:
        assert (err.type, err.code, err.param) in [("requests", "rate_limit_exceeded", None), ("tokens", "rate_limit_exceeded", None)]
    if status == 500:
        assert (err.type, err.code, err.param) == ("server_error", None, None)
    if status == 503:
        assert err.type in ("server_error", "service_unavailable_error")
        assert err.code in (None, "server_is_overloaded")


def test_rate_limit_is_retried_after_retry_after(client_for, server, wire):
    retrying = client_for(server, max_retries=1)
    started = time.monotonic()
    raises(
        openai.RateLimitError,
        lambda: retrying.chat.completions.create(model="gpt-4o", messages=MESSAGES, extra_headers={"x-oaimock-error": "429"}),
    )
    assert time.monotonic() - started >= 0.9, "Retry-After: 1 should pace the retry"
    assert [x.request_headers.get("x-stainless-retry-count") for x in wire] == ["0", "1"]


def test_panic_endpoint_is_a_server_error(client_for, server):
    no_retry = client_for(server, max_retries=0)
    err = raises(openai.InternalServerError, lambda: no_retry.post("/_oaimock/panic", cast_to=httpx.Response, body={}))
    assert (err.status_code, err.type, err.code, err.param) == (500, "server_error", None, None)
    # The server survives the panic.
    assert no_retry.models.retrieve("gpt-4o").id == "gpt-4o"
