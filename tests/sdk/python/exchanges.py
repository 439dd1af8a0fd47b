"""Recorded HTTP exchanges and their checks: the `Exchange` a test's SDK traffic is recorded as
(the httpx transport tees each body), SSE and base64-embedding decoding, and `check_exchange`,
which validates one exchange's answer against the OpenAPI schema its endpoint names."""

import array
import base64
import json
import re
import sys

try:  # openai >= 3.0 talks through the httpx2 fork; older releases use httpx itself.
    import httpx2 as httpx
except ImportError:
    import httpx

from azure_checks import AZURE_PATH, check_azure_error, strip_azure
from schemas import (
    AUDIO_EVENTS,
    CURSOR_LISTS,
    FILE_CONTENT,
    FREE_SIZE_MODELS,
    IMAGE_FILE,
    IMAGE_STREAMS,
    IMAGES_FREE_SIZE,
    NON_JSON,
    RESPONSE_DELETED,
    schema_for,
    validate,
    validate_stream_event,
)

class Exchange:
    def __init__(self, request, response):
        self.method = request.method
        self.path = request.url.path
        self.request_headers = request.headers
        try:
            self.request_body = bytes(request.content)
        except Exception:  # a streamed request body; the SDKs only send JSON bytes
            self.request_body = b""
        self.status = response.status_code
        self.headers = response.headers
        self.body = bytearray()

    @property
    def content_type(self):
        return self.headers.get("content-type", "")

    @property
    def request_json(self):
        return json.loads(self.request_body) if self.request_body else None


class Tee(httpx.SyncByteStream):
    """Passes a response body through unchanged while keeping a copy."""

    def __init__(self, inner, sink):
        self.inner, self.sink = inner, sink

    def __iter__(self):
        for part in self.inner:
            self.sink.extend(part)
            yield part

    def close(self):
        self.inner.close()


class AsyncTee(httpx.AsyncByteStream):
    def __init__(self, inner, sink):
        self.inner, self.sink = inner, sink

    async def __aiter__(self):
        async for part in self.inner:
            self.sink.extend(part)
            yield part

    async def aclose(self):
        await self.inner.aclose()


def recorded(log, request, response, tee):
    exchange = Exchange(request, response)
    log.append(exchange)
    return httpx.Response(
        status_code=response.status_code,
        headers=response.headers,
        stream=tee(response.stream, exchange.body),
        extensions=response.extensions,
        request=request,
    )



def sse_events(body):
    """`(event name or None, data)` of each complete event (a stream left early ends mid-event)."""
    text = bytes(body).decode("utf-8")
    out = []
    for event in text.split("\n\n")[:-1]:
        name, data = None, []
        for line in event.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data.append(line[len("data: "):])
        if data:
            out.append((name, "\n".join(data)))
    return out


def sse_payloads(body):
    """The `data:` payloads of complete events."""
    return [data for _, data in sse_events(body)]


def decode_embedding(text):
    """An `encoding_format: "base64"` vector: standard base64, `=`-padded, of
    little-endian float32s. Stricter than the SDKs' decoders, which drop stray characters."""
    assert isinstance(text, str), f"a base64 embedding must be a string, got {type(text).__name__}"
    raw = base64.b64decode(text, validate=True)
    assert base64.b64encode(raw).decode() == text, "not canonical standard base64"
    assert len(raw) % 4 == 0, f"{len(raw)} bytes is not a whole number of float32s"
    values = array.array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def embeddings_as_floats(body, asked):
    """The spec's Embedding knows only float arrays, though its request documents
    `encoding_format: "base64"`: a base64 answer must hold a strict base64 string per vector and
    is validated decoded; a float answer (asked or defaulted) must hold arrays."""
    for item in body.get("data", []):
        if asked == "base64":
            item["embedding"] = decode_embedding(item["embedding"])
        else:
            assert isinstance(item["embedding"], list), f"encoding_format {asked!r} must give float arrays"
    return body


def _stream_payloads(exchange, where):
    """`(event name, parsed JSON or None for [DONE])` of a stream's complete events. A request that
    asked for `x-oaimock-malformed-after` gets exactly that one event whose data is not JSON,
    which is dropped here (the fault, not the server, made it); any other non-JSON data fails."""
    malformed_asked = "x-oaimock-malformed-after" in exchange.request_headers
    malformed = 0
    out = []
    for event_name, payload in sse_events(exchange.body):
        if payload == "[DONE]":
            out.append((event_name, None))
            continue
        try:
            out.append((event_name, json.loads(payload)))
        except ValueError:
            malformed += 1
            assert malformed_asked and malformed == 1, f"{where}: event data is not JSON: {payload[:200]!r}"
    if malformed_asked:
        assert malformed == 1, f"{where}: x-oaimock-malformed-after sent {malformed} non-JSON events, expected 1"
    return out


def _stream_error_ends(where, events, i):
    """After an error event the stream ends (a `[DONE]` after it is harmless)."""
    rest = [event for _, event in events[i + 1:]]
    assert rest in ([], [None]), f"{where}: events after the stream's error event: {rest[:3]}"



def _json_request_model(exchange):
    """The `model` of a JSON request body, else "" (multipart bodies are not recorded)."""
    if not exchange.request_headers.get("content-type", "").startswith("application/json"):
        return ""
    return str((exchange.request_json or {}).get("model", ""))


def check_exchange(exchange):
    azure = AZURE_PATH.match(exchange.path)
    if azure and exchange.status >= 400:
        return check_azure_error(exchange, f"{exchange.method} {exchange.path} -> {exchange.status}")
    if azure:
        exchange.path = exchange.path[azure.end():]
    where = f"{exchange.method} {exchange.path} -> {exchange.status}"
    if exchange.path.startswith("/_oaimock/images/") and exchange.status < 400:
        # An image a `url` answer pointed to: its bytes, with an image type and their length.
        assert IMAGE_FILE.fullmatch(exchange.content_type), f"{where}: {exchange.content_type!r}"
        assert int(exchange.headers["content-length"]) == len(exchange.body), f"{where}: Content-Length"
        return
    if exchange.path.startswith("/_oaimock/") and exchange.status < 400:
        # oaimock's own admin API (journal, fixtures, reset): no OpenAI schema, but JSON.
        assert exchange.content_type.startswith("application/json"), f"{where}: {exchange.content_type!r}"
        assert isinstance(json.loads(bytes(exchange.body)), dict), f"{where}: not a JSON object"
        return
    streamed = exchange.content_type.startswith("text/event-stream")
    name = schema_for(exchange.method, exchange.path, exchange.status, streamed)
    if name == "ResponseStreamEvent":
        # Named events whose name is the JSON's `type`, no [DONE].
        events = _stream_payloads(exchange, where)
        for i, (event_name, event) in enumerate(events):
            assert event is not None, f"{where}: a Responses stream has no [DONE]"
            assert event_name == event["type"], f"{where}: `event: {event_name}` carries type {event['type']!r}"
            if event["type"] == "error":
                # oaimock sends both shapes in one event: the spec's flat ResponseErrorEvent
                # (`code`, `message`, `param`) and the live API's nested `error` object, on
                # whose top-level `error` key both SDKs raise APIError. The flat fields must
                # repeat the nested ones, and the nested object is an `Error`.
                want = {"type", "code", "message", "param", "error", "sequence_number"}
                assert set(event) == want, f"{where}: error event keys {sorted(event)}"
                assert isinstance(event["sequence_number"], int)
                nested = event["error"]
                assert isinstance(nested, dict), f"{where}: error event without a nested error"
                for key in ("code", "message", "param"):
                    assert event[key] == nested.get(key), f"{where}: error event {key} differs from error.{key}"
                validate_stream_event(event)
                validate("ErrorResponse", {"error": nested})
                _stream_error_ends(where, events, i)
            else:
                validate_stream_event(event)
    elif name in IMAGE_STREAMS.values():
        events = _stream_payloads(exchange, where)
        assert events, f"{where}: an empty image stream"
        for event_name, event in events:
            assert event is not None, f"{where}: an image stream has no [DONE]"
            assert event_name == event["type"], f"{where}: `event: {event_name}` carries type {event['type']!r}"
            validate(name, event)
        assert events[-1][1]["type"].endswith(".completed"), f"{where}: the stream ends with a completed image"
    elif streamed:
        events = _stream_payloads(exchange, where)
        for i, (event_name, event) in enumerate(events):
            assert event_name is None, f"{where}: no `event:` lines on a data-only stream"
            if event is None:
                continue
            if "error" in event:
                # A mid-stream error is the error envelope as an event, not a chunk.
                validate("ErrorResponse", event)
                _stream_error_ends(where, events, i)
            elif name == "AUDIO_EVENTS":
                assert event.get("type") in AUDIO_EVENTS, f"{where}: unknown audio event {event.get('type')!r}"
                validate(AUDIO_EVENTS[event["type"]], event)
            elif not azure:
                validate(name, event)
            elif (event := strip_azure(event, where)) is not None:
                validate(name, event)
    elif exchange.status < 400 and not exchange.content_type.startswith("application/json"):
        bare = exchange.path[len("/v1"):] if exchange.path.startswith("/v1/") else exchange.path
        allowed = NON_JSON.get("/files/{id}/content" if FILE_CONTENT.fullmatch(bare) else bare)
        assert allowed and allowed.fullmatch(exchange.content_type), f"{where}: Content-Type {exchange.content_type!r}"
        if bare == "/audio/speech":
            # Speech is written as it is made, as the API sends it: chunked, no length announced.
            assert exchange.headers.get("transfer-encoding") == "chunked", f"{where}: not chunked"
            assert "content-length" not in exchange.headers, f"{where}: a Content-Length on speech"
        else:
            assert int(exchange.headers["content-length"]) == len(exchange.body), f"{where}: Content-Length"
    else:
        assert re.fullmatch(r"application/json(; *charset=utf-8)?", exchange.content_type, re.I), (
            f"{where}: Content-Type {exchange.content_type!r}"
        )
        body = json.loads(bytes(exchange.body))
        if name in CURSOR_LISTS:
            empty = body.get("data") == []
            assert (body.get("first_id") is None, body.get("last_id") is None) == (empty, empty), f"{where}: {body}"
        if name == RESPONSE_DELETED:
            assert body == {"id": body["id"], "object": "response", "deleted": True}, f"{where}: {body}"
            return
        if name == "CreateEmbeddingResponse":
            body = embeddings_as_floats(body, (exchange.request_json or {}).get("encoding_format", "float"))
        if name in ("CreateTranscriptionResponseJson", "CreateTranslationResponseJson") and "duration" in body:
            # A multipart request body is streamed, so its response_format is not recorded; the
            # verbose form is the one with a `duration` (which it requires).
            name = name.replace("Json", "VerboseJson")
        if name == "ImagesResponse" and FREE_SIZE_MODELS.fullmatch(_json_request_model(exchange)):
            # gpt-image-2 answers any WIDTHxHEIGHT it was asked for: the spec's one named
            # inconsistency about images (schemas._spec_text_over_schema).
            name = IMAGES_FREE_SIZE
        if azure:
            body = strip_azure(body, where)
        validate(name, body)

