"""Faults and the request journal through the official SDK: retries, counted by the server's
journal (`GET /_oaimock/requests?scope=`), scripted error sequences,
`x-should-retry: false`, and the stream faults (mid-stream error, truncation, disconnect,
malformed event) as the SDK and its stream helper see them. Each test has its own scope."""

import json
import time
import uuid

import httpx  # plain httpx, as in the journal docs' example (the SDK's own may be httpx2)
import openai
import pytest

from conftest import SDK_VERSION, Server, raises, stream_helper

MESSAGES = [{"role": "user", "content": "one two three four five six"}]

# The example (tests/docs/journal.md) names the server `BASE`; here it is this module's server.
BASE = None


@pytest.fixture(scope="module")
def fault_server():
    # Its own server: the runtime fixtures added here never meet the other modules' requests.
    server = Server("--token-delay-ms", "0")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _base(fault_server):
    global BASE
    BASE = fault_server.url


@pytest.fixture
def scope():
    """A fresh `x-oaimock-scope` for this test: its journal entries and sequences are its own."""
    return f"py-{openai.__version__}-{uuid.uuid4().hex[:12]}"


def journal(server, scope):
    got = httpx.get(f"{server.url}/_oaimock/requests", params={"scope": scope})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["object"] == "list"
    return body["data"]


def check_entry(entry, scope, status, answered_by):
    assert set(entry) >= {"method", "path", "headers", "body", "answered_by", "status", "ttft_ms", "total_ms"}
    assert (entry["method"], entry["path"], entry["scope"]) == ("POST", "/v1/chat/completions", scope)
    assert (entry["status"], entry["answered_by"]) == (status, answered_by), entry
    assert entry["headers"]["authorization"] == "Bearer [redacted]"
    assert all(name == name.lower() for name in entry["headers"])
    # Both timings are set once the response is written; it is, since the SDK has it.
    assert isinstance(entry["total_ms"], int) and isinstance(entry["ttft_ms"], int)
    # Last, so that it fails alone: the README promises "the parsed body" for every entry,
    # including those answered by an `x-oaimock-error` fault.
    assert entry["body"] is not None, f"{answered_by} entry without its request body: {entry}"
    assert entry["body"]["messages"] == MESSAGES


# ---------------------------------------------------------------- the example of tests/docs/journal.md, as it stands


def test_the_client_retries_a_rate_limit_then_gives_up():
    scope = {"x-oaimock-scope": "retry-test"}
    httpx.post(f"{BASE}/_oaimock/reset", headers=scope, json={})
    client = openai.OpenAI(api_key="test", base_url=f"{BASE}/v1", max_retries=2)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={**scope, "x-oaimock-error": "429", "x-oaimock-retry-after-ms": "10"},
        )
    sent = httpx.get(f"{BASE}/_oaimock/requests", params={"scope": "retry-test"}).json()["data"]
    assert [r["headers"]["x-stainless-retry-count"] for r in sent] == ["0", "1", "2"]
    assert {r["status"] for r in sent} == {429}


# ---------------------------------------------------------------- retries


def test_a_429_with_retry_after_ms_is_retried_twice_then_raised(client_for, fault_server, scope, wire):
    client = client_for(fault_server)  # the default max_retries=2
    started = time.monotonic()
    err = raises(
        openai.RateLimitError,
        lambda: client.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            extra_headers={"x-oaimock-scope": scope, "x-oaimock-error": "429", "x-oaimock-retry-after-ms": "10"},
        ),
    )
    # `retry-after-ms: 10` replaces the SDK's 0.5 s+ backoff (and `Retry-After: 1`): three
    # attempts in well under the 1.5 s the backoff alone would take.
    assert time.monotonic() - started < 1.0
    assert err.response.headers["retry-after-ms"] == "10"
    entries = journal(fault_server, scope)
    assert len(entries) == 3, entries
    assert [e["status"] for e in entries] == [429, 429, 429]
    # Both pinned SDKs (1.55.3 and 3.x) send X-Stainless-Retry-Count on every attempt.
    assert [e["headers"]["x-stainless-retry-count"] for e in entries] == ["0", "1", "2"]
    # What the journal saw is what the SDK sent.
    sdk_calls = [x for x in wire if x.path == "/v1/chat/completions"]
    assert [x.request_headers["x-stainless-retry-count"] for x in sdk_calls] == ["0", "1", "2"]
    assert [x.status for x in sdk_calls] == [429, 429, 429]
    for entry in entries:
        check_entry(entry, scope, 429, "fault")


@pytest.mark.parametrize("status,cls", [(429, openai.RateLimitError), (500, openai.InternalServerError)])
def test_should_retry_false_stops_the_retries(client_for, fault_server, scope, status, cls):
    client = client_for(fault_server, max_retries=2)
    err = raises(
        cls,
        lambda: client.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            extra_headers={"x-oaimock-scope": scope, "x-oaimock-error": str(status), "x-oaimock-should-retry": "false"},
        ),
    )
    assert err.status_code == status
    assert err.response.headers["x-should-retry"] == "false"
    entries = journal(fault_server, scope)
    assert len(entries) == 1, entries
    assert (entries[0]["status"], entries[0]["headers"]["x-stainless-retry-count"]) == (status, "0")
    check_entry(entries[0], scope, status, "fault")


@pytest.fixture
def runtime_rules(fault_server):
    """`runtime_rules(rules)`: POST /_oaimock/fixtures; DELETE /_oaimock/fixtures when the test ends."""

    def add(rules):
        got = httpx.post(f"{fault_server.url}/_oaimock/fixtures", json={"rules": rules})
        assert got.status_code == 200, got.text
        assert got.json()["added"] == len(rules)

    yield add
    removed = httpx.delete(f"{fault_server.url}/_oaimock/fixtures")
    assert removed.status_code == 200, removed.text


def test_a_scripted_429_then_success_is_retried_once(client_for, fault_server, scope, runtime_rules):
    runtime_rules(
        [
            {
                "name": "flaky upstream",
                "match": {"headers": {"x-test-case": "flaky-then-ok"}},
                "reply": {
                    "sequence": [
                        {"error": {"status": 429, "headers": {"retry-after-ms": "10"}}},
                        {"text": "recovered"},
                    ]
                },
            }
        ]
    )
    client = client_for(fault_server)
    done = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        extra_headers={"x-oaimock-scope": scope, "x-test-case": "flaky-then-ok"},
    )
    assert done.choices[0].message.content == "recovered"
    assert done.choices[0].finish_reason == "stop"
    entries = journal(fault_server, scope)
    assert [e["status"] for e in entries] == [429, 200]
    assert [e["headers"]["x-stainless-retry-count"] for e in entries] == ["0", "1"]
    for entry in entries:
        assert entry["body"]["messages"] == MESSAGES
    # The README: the journal says what answered, `rule N (name)` for a fixture rule. Both
    # answers came from rule 0's sequence (the only runtime rule; the server has no file).
    assert [e["answered_by"] for e in entries] == ["rule 0 (flaky upstream)"] * 2, [e["answered_by"] for e in entries]


# ---------------------------------------------------------------- stream faults


def test_a_mid_stream_error_raises_api_error_and_is_not_retried(client_for, fault_server, scope):
    client = client_for(fault_server)  # retries on: a mid-stream error must still not be retried
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        extra_headers={"x-oaimock-scope": scope, "x-oaimock-stream-error-after": "2"},
    )
    seen = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            seen.append(chunk)
    err = caught.value
    # A mid-stream error: exactly APIError, not an APIStatusError (the status was already 200).
    assert type(err) is openai.APIError
    assert not isinstance(err, openai.APIStatusError)
    assert len(seen) == 2
    assert (err.type, err.code, err.param) == ("server_error", None, None)
    assert err.body == {"message": err.message, "type": "server_error", "param": None, "code": None}
    assert err.message  # the body's message, not the SDK's generic "An error occurred during streaming"
    entries = journal(fault_server, scope)
    assert len(entries) == 1, entries
    check_entry(entries[0], scope, 200, "built-in")


def test_a_truncated_stream_reaches_the_helper_without_a_finish_reason(client_for, fault_server, scope):
    client = client_for(fault_server)
    with stream_helper(client)(
        model="gpt-4o-mini",
        messages=MESSAGES,
        extra_headers={"x-oaimock-scope": scope, "x-oaimock-truncate-after": "3"},
    ) as stream:
        events = [event.type for event in stream]
        # The helper raises nothing: neither iterating nor the final completion notices the
        # missing finish chunk and [DONE] (1.55.3 and 3.x alike). The final completion is built
        # without validation, so its `finish_reason` is None although the type says it is a
        # Literal, and no `content.done` event was sent.
        final = stream.get_final_completion()
    assert events == ["chunk", "content.delta"] * 3
    assert "content.done" not in events
    [choice] = final.choices
    assert choice.finish_reason is None
    assert choice.message.role == "assistant"
    # Three events: the role chunk (empty content), then two words of the echo.
    assert choice.message.content == "As a"
    assert final.usage is None


def test_a_disconnect_raises_a_connection_error_not_a_hang(client_for, fault_server, scope):
    client = client_for(fault_server, timeout=10.0)
    started = time.monotonic()
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        extra_headers={"x-oaimock-scope": scope, "x-oaimock-disconnect-after": "2"},
    )
    seen = []
    # The server breaks the chunked framing (a chunk-size line that is not hex), which httpx
    # reports as RemoteProtocolError. openai 3.x wraps transport errors met while reading a stream
    # in APIConnectionError (the httpx2 error is its __cause__); 1.55.3 lets the httpx error out.
    if SDK_VERSION >= (3,):
        import httpx2

        expected, cause = openai.APIConnectionError, httpx2.RemoteProtocolError
    else:
        expected, cause = httpx.RemoteProtocolError, None
    with pytest.raises(Exception) as caught:
        for chunk in stream:
            seen.append(chunk)
    assert type(caught.value) is expected, repr(caught.value)
    if cause is not None:
        assert type(caught.value.__cause__) is cause, repr(caught.value.__cause__)
    assert len(seen) == 2
    assert time.monotonic() - started < 5.0, "a broken stream must fail at once, not wait for the timeout"
    entries = journal(fault_server, scope)
    assert len(entries) == 1, entries
    # The journal records the 200 it started to send; a broken stream is not retried.
    check_entry(entries[0], scope, 200, "built-in")
    # The server and a fresh connection are fine afterwards.
    assert client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES).choices[0].finish_reason == "stop"


def test_a_malformed_event_raises_a_json_error(client_for, fault_server, scope):
    client = client_for(fault_server)
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        extra_headers={"x-oaimock-scope": scope, "x-oaimock-malformed-after": "1"},
    )
    seen = []
    # The SDK json.loads every non-[DONE] event.
    with pytest.raises(json.JSONDecodeError):
        for chunk in stream:
            seen.append(chunk)
    assert len(seen) == 1
    assert len(journal(fault_server, scope)) == 1


# ---------------------------------------------------------------- a real rate limit


@pytest.fixture
def limited_server():
    server = Server("--token-delay-ms", "0", "--rpm", "2")
    yield server
    server.stop()


def test_rpm_limit_raises_rate_limit_error_with_the_headers(client_for, limited_server):
    client = client_for(limited_server, max_retries=0)
    for remaining in ("1", "0"):
        ok = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
        assert ok.headers["x-ratelimit-limit-requests"] == "2"
        assert ok.headers["x-ratelimit-remaining-requests"] == remaining
        assert ok.parse().choices[0].finish_reason == "stop"
    err = raises(openai.RateLimitError, lambda: client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    assert (err.status_code, err.type, err.code) == (429, "requests", "rate_limit_exceeded")
    headers = err.response.headers
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-limit-requests"] == "2"
    assert 1 <= int(headers["retry-after"]) <= 61
    assert 1 <= float(headers["retry-after-ms"]) <= 60_000
    entries = httpx.get(f"{limited_server.url}/_oaimock/requests").json()["data"]
    assert [(e["status"], e["answered_by"]) for e in entries] == [(200, "built-in"), (200, "built-in"), (429, "rate limit")]
