"""Shared fixtures for the official-SDK suite: oaimock servers, SDK clients whose traffic is
recorded, and validation of every recorded body against OpenAI's published OpenAPI schemas."""

import array
import base64
import binascii
import copy
import functools
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import openai
import pytest

try:  # openai >= 3.0 talks through the httpx2 fork; older releases use httpx itself.
    import httpx2 as httpx
except ImportError:
    import httpx

REPO = pathlib.Path(__file__).resolve().parents[3]
# Fixture files (`--fixtures`) shared by the Python and Node suites.
SDK_FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
BINARY = pathlib.Path(os.environ.get("OAIMOCK_BIN", REPO / "target" / "release" / "oaimock"))
SPEC = pathlib.Path(os.environ.get("OAIMOCK_OPENAPI", REPO.parent / "shared" / "spec" / "openapi.yaml"))

ECHO = "As a mock AI Assistant, I can only echo your last message: "
REQUEST_ID = re.compile(r"req_[0-9a-f]{32}")

SDK_VERSION = tuple(int(part) for part in re.findall(r"\d+", openai.__version__)[:3])

# The Responses API (client.responses) arrived in openai 1.66.0; older SDKs have
# no such attribute, so its tests are not collected at all for them (said in the header and the
# summary), rather than collected and skipped.
HAS_RESPONSES = importlib.util.find_spec("openai.resources.responses") is not None
NOT_COLLECTED = {}
if not HAS_RESPONSES:
    for _name in ("test_responses.py", "test_responses_tools.py", "test_responses_agents.py", "test_azure_responses.py"):
        NOT_COLLECTED[_name] = f"openai {openai.__version__} has no Responses API (client.responses came in 1.66.0)"
# The stateful API: stored responses and background mode need client.responses (above); the
# Conversations API (client.conversations) and the stored chat completions (chat.completions.list,
# retrieve, update, delete, messages) came in later 1.x releases than 1.55.3.
HAS_CONVERSATIONS = importlib.util.find_spec("openai.resources.conversations") is not None
HAS_STORED_CHAT = hasattr(openai.resources.chat.completions.Completions, "list")
if not HAS_RESPONSES:
    NOT_COLLECTED["test_state_responses.py"] = NOT_COLLECTED["test_responses.py"]
if not HAS_CONVERSATIONS:
    NOT_COLLECTED["test_state_conversations.py"] = (
        f"openai {openai.__version__} has no Conversations API (client.conversations)"
    )
if not HAS_STORED_CHAT:
    NOT_COLLECTED["test_state_chat.py"] = (
        f"openai {openai.__version__} has no stored chat completions (client.chat.completions.list)"
    )
# The Azure state tests use stored responses, stored chat completions and conversations.
if not (HAS_RESPONSES and HAS_STORED_CHAT and HAS_CONVERSATIONS):
    NOT_COLLECTED["test_azure_state.py"] = (
        f"openai {openai.__version__} has no stored responses, stored chat completions or conversations"
    )
# The OpenAI Agents SDK (openai-agents) is installed in the latest SDK's venv only.
if importlib.util.find_spec("agents") is None:
    NOT_COLLECTED["test_state_agents_sdk.py"] = "the OpenAI Agents SDK (openai-agents) is not installed with this SDK"
# Streamed transcriptions, `include`, speech `instructions` and `stream_format` (the gpt-4o audio
# models) arrived in openai 1.68.0: test_audio_gpt4o.py is not collected for older SDKs.
from openai.resources.audio.transcriptions import Transcriptions as _Transcriptions  # noqa: E402

if "stream" not in __import__("inspect").signature(_Transcriptions.create).parameters:
    NOT_COLLECTED["test_audio_gpt4o.py"] = (
        f"openai {openai.__version__} has no streamed transcriptions nor speech instructions (they came in 1.68.0)"
    )
# Image streams, `partial_images` and the GPT-image parameters (`output_format`, `background`, ...)
# came to images.generate/edit later than 1.55.3: test_images_gpt.py is not collected there.
from openai.resources.images import Images as _Images  # noqa: E402

if "stream" not in __import__("inspect").signature(_Images.generate).parameters:
    NOT_COLLECTED["test_images_gpt.py"] = (
        f"openai {openai.__version__} has no image streams nor GPT-image parameters in images.generate/edit"
    )
collect_ignore = list(NOT_COLLECTED)


# ---------------------------------------------------------------- servers


class Server:
    """One oaimock process on a free port; the first stdout line says where it listens."""

    def __init__(self, *flags, fixtures=None):
        if fixtures is not None:
            flags = (*flags, "--fixtures", str(fixtures))
        self.proc = subprocess.Popen(
            [str(BINARY), "--port", "0", "--quiet", *flags], stdout=subprocess.PIPE, text=True
        )
        line = self.proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line)
        if not match:
            self.stop()
            # A bad fixture file stops the server; its problems went to stderr, one per line.
            raise RuntimeError(f"oaimock {' '.join(flags)}: unexpected first line {line!r} (see stderr)")
        self.url, self.port = match[1], int(match[2])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _server(*flags, fixtures=None):
    server = Server(*flags, fixtures=fixtures)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server():
    # A 1 ms pause still writes every streamed token separately, but keeps the suite fast.
    yield from _server("--token-delay-ms", "1")


@pytest.fixture(scope="session")
def keyed_server():
    yield from _server("--token-delay-ms", "0", "--api-key", "sk-test")


@pytest.fixture(scope="session")
def scripted_server():
    """A server scripted by the committed `tests/sdk/fixtures/tools.json` (also used by Node)."""
    yield from _server("--token-delay-ms", "1", fixtures=SDK_FIXTURES / "tools.json")


@pytest.fixture
def server_with_rules(tmp_path):
    """`server_with_rules(rules, *flags)`: a server started with `--fixtures <file>`, where the file
    is `{"rules": rules}` written by the test into its temp dir. Stopped when the test ends."""
    started = []

    def start(rules, *flags):
        path = tmp_path / f"rules-{len(started)}.json"
        path.write_text(json.dumps({"rules": rules}), encoding="utf-8")
        server = Server("--token-delay-ms", "0", *flags, fixtures=path)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


FT_MODEL = "ft:gpt-4o-mini:acme:custom/x"


@pytest.fixture(scope="session")
def strict_server():
    yield from _server("--token-delay-ms", "0", "--strict-models", "--models", f"gpt-4o-mini,{FT_MODEL}")


# ---------------------------------------------------------------- recording


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


class _Tee(httpx.SyncByteStream):
    """Passes a response body through unchanged while keeping a copy."""

    def __init__(self, inner, sink):
        self.inner, self.sink = inner, sink

    def __iter__(self):
        for part in self.inner:
            self.sink.extend(part)
            yield part

    def close(self):
        self.inner.close()


class _AsyncTee(httpx.AsyncByteStream):
    def __init__(self, inner, sink):
        self.inner, self.sink = inner, sink

    async def __aiter__(self):
        async for part in self.inner:
            self.sink.extend(part)
            yield part

    async def aclose(self):
        await self.inner.aclose()


def _recorded(log, request, response, tee):
    exchange = Exchange(request, response)
    log.append(exchange)
    return httpx.Response(
        status_code=response.status_code,
        headers=response.headers,
        stream=tee(response.stream, exchange.body),
        extensions=response.extensions,
        request=request,
    )


@pytest.fixture(autouse=True)
def wire(monkeypatch):
    """Every exchange any SDK client (sync or async, however it was built) made during the test,
    recorded at the HTTP transport and validated against the spec when the test ends."""
    log = []
    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self, request):
        return _recorded(log, request, sync_send(self, request), _Tee)

    async def handle_async_request(self, request):
        return _recorded(log, request, await async_send(self, request), _AsyncTee)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)
    yield log
    for exchange in log:
        check_exchange(exchange)


@pytest.fixture
def client_for():
    """`client_for(server, **options)`: an SDK client on `server`, built the ordinary way."""
    made = []

    def make(srv, **options):
        options.setdefault("api_key", "sk-anything")
        options.setdefault("timeout", 10.0)  # an SDK waiting for an EOF that never comes fails, not hangs
        client = openai.OpenAI(base_url=srv.url + "/v1", **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(client_for, server):
    return client_for(server)


def stream_helper(client):
    """`client.chat.completions.stream`, which lived under `client.beta` before openai 1.92."""
    return getattr(client.chat.completions, "stream", None) or client.beta.chat.completions.stream


def parse_helper(client):
    return getattr(client.chat.completions, "parse", None) or client.beta.chat.completions.parse


def raises(cls, call):
    """Runs `call`, which must raise exactly `cls` carrying the error body's fields."""
    with pytest.raises(cls) as caught:
        call()
    err = caught.value
    assert type(err) is cls, f"expected exactly {cls.__name__}, got {type(err).__name__}"
    body = err.response.json()["error"]
    assert set(body) >= {"message", "type", "param", "code"}
    # The SDK copies the envelope's fields onto the exception.
    assert (err.type, err.code, err.param) == (body["type"], body["code"], body["param"])
    assert isinstance(err.type, str) and err.type
    assert err.code is None or isinstance(err.code, str)
    assert REQUEST_ID.fullmatch(err.request_id)
    assert err.response.headers["x-request-id"] == err.request_id
    return err


# ---------------------------------------------------------------- schemas


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


def _nullable_to_null(node):
    """OpenAPI 3.0's `nullable: true` (still used inside this 3.1 spec) as a JSON-schema null."""
    if isinstance(node, list):
        return [_nullable_to_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_to_null(value) for key, value in node.items()}
    if out.get("nullable") in (True, False):
        if out.pop("nullable"):
            out = {"anyOf": [out, {"type": "null"}]}
    return out


# The stateful API's cursor lists: `first_id`/`last_id` are null exactly when `data` is empty.
CURSOR_LISTS = ("ResponseItemList", "ConversationItemList", "ChatCompletionList", "ChatCompletionMessageList")
# Files and batches are listed with the same cursor fields (null on an empty page).
CURSOR_LISTS += ("ListFilesResponse", "ListBatchesResponse")

# Legacy completion stream chunks: CreateCompletionResponse with the two nulls the spec's own text
# puts on chunks (see _spec_text_over_schema).
COMPLETION_CHUNK = "CreateCompletionResponse.stream_chunk"


def _or_null(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def _spec_text_over_schema(schemas):
    """Where a schema contradicts the spec's own examples or prose (which show what the live API
    sends), the examples win; each change is no wider than the contradiction."""
    # ModelResponseProperties (part of `Response`) types `user` as a plain string, but every
    # Response example in the spec has `"user": null` (e.g. the /responses streaming example and
    # the "The response object" example), as do recordings of the live API.
    props = schemas["ModelResponseProperties"]["properties"]
    props["user"] = _or_null(props["user"])
    # Response.usage is a plain ResponseUsage, but the spec's /responses streaming example has
    # `"usage": null` in response.created and response.in_progress, before any token is counted.
    [own] = [part for part in schemas["Response"]["allOf"] if "usage" in part.get("properties", {})]
    own["properties"]["usage"] = _or_null(own["properties"]["usage"])
    # Completion chunks reuse CreateCompletionResponse, whose `finish_reason` is a non-null enum,
    # but the spec's /completions streaming example has `"finish_reason": null` on a text chunk;
    # and /completions takes ChatCompletionStreamOptions, whose `include_usage`
    # says "All other chunks will also include a `usage` field, but with a null value".
    chunk = copy.deepcopy(schemas["CreateCompletionResponse"])
    choice = chunk["properties"]["choices"]["items"]["properties"]
    choice["finish_reason"] = _or_null(choice["finish_reason"])
    chunk["properties"]["usage"] = _or_null(chunk["properties"]["usage"])
    schemas[COMPLETION_CHUNK] = chunk
    # ChatCompletionMessageList lists a stored completion's request messages, but its items reuse
    # ChatCompletionResponseMessage (role `assistant` only, `refusal` required); the spec's own
    # example of the list has `"role": "user"` and no `refusal` (with `name` and `content_parts`).
    [_, own] = schemas["ChatCompletionMessageList"]["properties"]["data"]["items"]["allOf"]
    message = copy.deepcopy(schemas["ChatCompletionResponseMessage"])
    message["properties"]["role"] = {"type": "string", "enum": ["developer", "system", "user", "assistant", "tool", "function"]}
    message["required"] = [r for r in message["required"] if r != "refusal"]
    schemas["ChatCompletionMessageList"]["properties"]["data"]["items"]["allOf"] = [message, own]
    # The cursor lists of the stateful API type `first_id`/`last_id` as strings, but an empty page
    # has no first or last item; the spec's newer cursor lists (VideoListResource,
    # ThreadItemListResource, SkillListResource, ...) declare both nullable. Here they may be null
    # only on an empty page (check_exchange asserts that).
    for name in CURSOR_LISTS:
        props = schemas[name]["properties"]
        props["first_id"] = _or_null(props["first_id"])
        props["last_id"] = _or_null(props["last_id"])
    return schemas


@functools.lru_cache(maxsize=None)
def _schemas():
    if not SPEC.is_file():
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open("rb") as f:
        spec = yaml.load(f, Loader=loader)
    return _spec_text_over_schema(_nullable_to_null(spec["components"]["schemas"]))


@functools.lru_cache(maxsize=None)
def _validator(name):
    import jsonschema

    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": _schemas()}}
    return jsonschema.Draft202012Validator(root)


def validate(name, instance):
    """Checks `instance` against `components.schemas[name]`; a no-op when the spec is missing."""
    if _schemas() is None:
        return
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        detail = "\n".join(f"  at {list(e.absolute_path)}: {e.message}" for e in errors[:5])
        raise AssertionError(f"body does not match the spec's {name}:\n{detail}\nbody: {json.dumps(instance)[:600]}")


@functools.lru_cache(maxsize=None)
def _stream_event_schemas():
    """`type` -> member schema of the ResponseStreamEvent union. The union is an anyOf with a
    `type` discriminator, and every member pins `type` to one value, so validating against the
    member the discriminator picks is what the union means, with readable errors."""
    schemas = _schemas()
    out = {}
    for ref in schemas["ResponseStreamEvent"]["anyOf"]:
        name = ref["$ref"].rsplit("/", 1)[1]
        [kind] = schemas[name]["properties"]["type"]["enum"]
        assert kind not in out, f"two ResponseStreamEvent members for {kind}"
        out[kind] = name
    return out


def validate_stream_event(event):
    """Checks one Responses stream event against the ResponseStreamEvent member for its `type`."""
    if _schemas() is None:
        return
    name = _stream_event_schemas().get(event.get("type"))
    assert name, f"{event.get('type')!r} is not a ResponseStreamEvent type in the spec"
    validate(name, event)


# Audio streams are data-only; each event is validated against the schema its `type` names.
AUDIO_EVENTS = {
    "speech.audio.delta": "SpeechAudioDeltaEvent",
    "speech.audio.done": "SpeechAudioDoneEvent",
    "transcript.text.delta": "TranscriptTextDeltaEvent",
    "transcript.text.done": "TranscriptTextDoneEvent",
}
# What a non-JSON answer may be: speech's audio, and transcripts as text, SRT or WebVTT.
NON_JSON = {
    "/audio/speech": re.compile(r"audio/(mpeg|ogg|aac|flac|wav|pcm)"),
    "/audio/transcriptions": re.compile(r"text/(plain|vtt); charset=utf-8"),
    "/audio/translations": re.compile(r"text/(plain|vtt); charset=utf-8"),
    "/files/{id}/content": re.compile(r"application/(octet-stream|jsonl)|text/plain"),
}


# Image streams name their events (`event:` equal to the JSON's `type`) and end without [DONE].
IMAGE_STREAMS = {"/images/generations": "ImageGenStreamEvent", "/images/edits": "ImageEditStreamEvent"}
# The files `url` answers point to, served by oaimock itself.
IMAGE_FILE = re.compile(r"image/(png|jpeg|webp)")


def schema_for(method, path, status, streamed):
    bare = path[len("/v1"):] if path.startswith("/v1/") else path
    if status >= 400:
        return "ErrorResponse"
    if bare == "/chat/completions" and method == "GET":
        return "ChatCompletionList"
    if bare in IMAGE_STREAMS and streamed:
        return IMAGE_STREAMS[bare]
    if bare in ("/images/generations", "/images/edits", "/images/variations"):
        return "ImagesResponse"
    if bare == "/moderations" and not streamed:
        return "CreateModerationResponse"
    if bare in ("/audio/speech", "/audio/transcriptions") and streamed:
        return "AUDIO_EVENTS"
    if bare == "/audio/speech":
        return None  # audio bytes, checked by their Content-Type and length
    if FILE_CONTENT.fullmatch(bare):
        return None  # a file's bytes, with the content type it was uploaded with
    if bare == "/audio/transcriptions":
        return "CreateTranscriptionResponseJson"
    if bare == "/audio/translations" and not streamed:
        return "CreateTranslationResponseJson"
    if bare == "/chat/completions":
        return "CreateChatCompletionStreamResponse" if streamed else "CreateChatCompletionResponse"
    if bare == "/completions":
        return COMPLETION_CHUNK if streamed else "CreateCompletionResponse"
    if bare == "/embeddings" and not streamed:
        return "CreateEmbeddingResponse"
    if bare == "/responses":
        return "ResponseStreamEvent" if streamed else "Response"
    state = _state_schema(method, bare)
    if state is not None:
        return "ResponseStreamEvent" if streamed and state == "Response" else state
    if bare == "/models":
        return "ListModelsResponse"
    if bare.startswith("/models/"):
        return "Model"
    raise AssertionError(f"no schema known for {method} {path} -> {status}")


# The stateful API's paths with ids, by shape (`*` one id), and the schema of each method's 200.
# DELETE /responses/{id} has no schema in the spec: RESPONSE_DELETED stands for its shape.
RESPONSE_DELETED = "(response deleted)"
_STATE_SCHEMAS = {
    ("responses", "input_tokens"): {"POST": "TokenCountsResource"},
    ("responses", "*"): {"GET": "Response", "DELETE": RESPONSE_DELETED},
    ("responses", "*", "cancel"): {"POST": "Response"},
    ("responses", "*", "input_items"): {"GET": "ResponseItemList"},
    ("chat", "completions", "*"): {
        "GET": "CreateChatCompletionResponse",
        "POST": "CreateChatCompletionResponse",
        "DELETE": "ChatCompletionDeleted",
    },
    ("chat", "completions", "*", "messages"): {"GET": "ChatCompletionMessageList"},
    ("conversations",): {"POST": "ConversationResource"},
    ("conversations", "*"): {
        "GET": "ConversationResource",
        "POST": "ConversationResource",
        "DELETE": "DeletedConversationResource",
    },
    ("conversations", "*", "items"): {"GET": "ConversationItemList", "POST": "ConversationItemList"},
    ("conversations", "*", "items", "*"): {"GET": "ConversationItem", "DELETE": "ConversationResource"},
}

# Files, Uploads and Batches, by the same shapes. A file's content is its bytes (see NON_JSON).
FILE_CONTENT = re.compile(r"/files/[^/]+/content")
_STATE_SCHEMAS.update({
    ("files",): {"POST": "OpenAIFile", "GET": "ListFilesResponse"},
    ("files", "*"): {"GET": "OpenAIFile", "DELETE": "DeleteFileResponse"},
    ("uploads",): {"POST": "Upload"},
    ("uploads", "*", "parts"): {"POST": "UploadPart"},
    ("uploads", "*", "complete"): {"POST": "Upload"},
    ("uploads", "*", "cancel"): {"POST": "Upload"},
    ("batches",): {"POST": "Batch", "GET": "ListBatchesResponse"},
    ("batches", "*"): {"GET": "Batch"},
    ("batches", "*", "cancel"): {"POST": "Batch"},
})


def _state_schema(method, bare):
    parts = tuple(bare.strip("/").split("/"))
    for shape, methods in _STATE_SCHEMAS.items():
        if len(shape) == len(parts) and all(s in ("*", p) for s, p in zip(shape, parts)):
            return methods.get(method)
    return None


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


# ---------------------------------------------------------------- Azure

# An Azure path and the OpenAI path it stands for: /openai/deployments/{name}/X, /openai/v1/X and
# /openai/X all carry the body of /v1/X, plus Azure's own fields.
AZURE_PATH = re.compile(r"/openai(?:/deployments/[^/]+|/v1)?(?=/)")

_SEVERITY = {
    "type": "object",
    "required": ["filtered", "severity"],
    "properties": {"filtered": {"type": "boolean"}, "severity": {"enum": ["safe", "low", "medium", "high"]}},
    "additionalProperties": False,
}
_DETECTED = {
    "type": "object",
    "required": ["filtered", "detected"],
    "properties": {"filtered": {"type": "boolean"}, "detected": {"type": "boolean"}},
    "additionalProperties": False,
}
_CATEGORIES = {name: _SEVERITY for name in ("hate", "self_harm", "sexual", "violence")}
# Azure's data-plane spec (azure-rest-api-specs, inference.json): contentFilterPromptResults and
# contentFilterChoiceResults; a streamed chunk without text carries an empty object.
AZURE_SCHEMAS = {
    "prompt_filter_results": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["prompt_index", "content_filter_results"],
            "additionalProperties": False,
            "properties": {
                "prompt_index": {"type": "integer", "minimum": 0},
                "content_filter_results": {
                    "type": "object",
                    "properties": {**_CATEGORIES, "jailbreak": _DETECTED},
                    "additionalProperties": False,
                },
            },
        },
    },
    "content_filter_results": {
        "type": "object",
        "properties": {**_CATEGORIES, "protected_material_code": _DETECTED, "protected_material_text": _DETECTED},
        "additionalProperties": False,
    },
    # Azure's own errors: {"code", "message"}, or the content filter's 400 with its innererror.
    "error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "null"},
                    "param": {"type": ["string", "null"]},
                    "status": {"type": "integer"},
                    "innererror": {
                        "type": "object",
                        "required": ["code", "content_filter_result"],
                        "properties": {
                            "code": {"const": "ResponsibleAIPolicyViolation"},
                            "content_filter_result": {
                                "type": "object",
                                "properties": {**_CATEGORIES, "jailbreak": _DETECTED},
                                "additionalProperties": False,
                            },
                        },
                    },
                },
                "additionalProperties": False,
            }
        },
    },
}


def validate_azure(name, instance):
    import jsonschema

    errors = list(jsonschema.Draft202012Validator(AZURE_SCHEMAS[name]).iter_errors(instance))
    assert not errors, f"not Azure's {name}: {errors[0].message}: {json.dumps(instance)[:400]}"


def strip_azure(body, where):
    """Checks and removes Azure's content-filter fields, leaving the OpenAI body. Returns None for
    Azure's first stream chunk (prompt results, empty choices), which has no OpenAI schema."""
    if "prompt_filter_results" in body:
        validate_azure("prompt_filter_results", body.pop("prompt_filter_results"))
        if body.get("choices") == [] and body.get("object") == "":
            assert body == {"choices": [], "created": 0, "id": "", "model": "", "object": ""}, f"{where}: {body}"
            return None
    for choice in body.get("choices") or []:
        if "content_filter_results" in choice:
            validate_azure("content_filter_results", choice.pop("content_filter_results"))
    return body


def _check_azure_error(exchange, where):
    """An Azure route's error: OpenAI's envelope when a family refused the body, else Azure's."""
    body = json.loads(bytes(exchange.body))
    if isinstance(body.get("error", {}).get("type"), str):
        validate("ErrorResponse", body)
    else:
        validate_azure("error", body)


def check_exchange(exchange):
    azure = AZURE_PATH.match(exchange.path)
    if azure and exchange.status >= 400:
        return _check_azure_error(exchange, f"{exchange.method} {exchange.path} -> {exchange.status}")
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
        if azure:
            body = strip_azure(body, where)
        validate(name, body)


def pytest_report_header(config):
    lines = [f"openai {openai.__version__} (httpx module: {httpx.__name__} {httpx.__version__})", f"oaimock binary: {BINARY}"]
    if SPEC.is_file():
        lines.append(f"schema validation: on, against {SPEC}")
    else:
        lines.append(f"schema validation: SKIPPED, the OpenAPI spec file is missing at {SPEC} (set OAIMOCK_OPENAPI)")
    lines += [f"not collected: {name}: {why}" for name, why in NOT_COLLECTED.items()]
    return lines


def pytest_terminal_summary(terminalreporter):
    for name, why in NOT_COLLECTED.items():
        terminalreporter.write_line(f"NOTE: {name} was not collected: {why}")
    if not SPEC.is_file():
        terminalreporter.write_line(f"NOTE: schema validation was skipped because {SPEC} is missing (set OAIMOCK_OPENAPI)")


# ---------------------------------------------------------------- JSON Schema formats


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*")


def format_checker():
    """A jsonschema FormatChecker that really checks `date-time`, `date`, `email`, `uuid` and `uri`.
    jsonschema's default one checks `date-time` and `uri` only when optional packages are
    installed (the venvs have none, so they would pass silently); these checks need nothing."""
    import datetime
    import jsonschema

    checker = jsonschema.FormatChecker()

    def strings(check):
        return lambda value: not isinstance(value, str) or check(value)

    def date_time(value):
        if not _DATE_TIME.fullmatch(value):
            return False
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # ValueError if not a real instant
        return True

    def date(value):
        if not _DATE.fullmatch(value):
            return False
        datetime.date.fromisoformat(value)
        return True

    for name, check in {
        "date-time": date_time,
        "date": date,
        "email": lambda v: bool(_EMAIL.fullmatch(v)),
        "uuid": lambda v: bool(_UUID.fullmatch(v)),
        "uri": lambda v: bool(_URI.fullmatch(v)),
    }.items():
        checker.checks(name, raises=ValueError)(strings(check))
    return checker
