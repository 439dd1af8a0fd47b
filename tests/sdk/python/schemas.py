"""OpenAI's OpenAPI spec as the SDK suites read it: loading `components.schemas` (with the named
exceptions where the spec's examples contradict its schemas), validating a body against a schema,
which schema an endpoint's answer has, and a JSON Schema format checker that really checks."""

import copy
import functools
import json
import os
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parents[3]
SPEC = pathlib.Path(os.environ.get("OAIMOCK_OPENAPI", REPO.parent / "shared" / "spec" / "openapi.yaml"))


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

# ImagesResponse for an answer to a gpt-image-2 request, whose `size` may be any WIDTHxHEIGHT
# (see _spec_text_over_schema); check_exchange picks it by the recorded request's model.
IMAGES_FREE_SIZE = "ImagesResponse.gpt-image-2"
FREE_SIZE_MODELS = re.compile(r"gpt-image-2(-.*)?")


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
    # A known inconsistency of the spec: ImagesResponse.size is an enum of the three standard
    # sizes, but the request's `size` says "For `gpt-image-2` and `gpt-image-2-2026-04-21`,
    # arbitrary resolutions are supported as `WIDTHxHEIGHT` strings, for example `1536x864`", and
    # the answer reports the size generated. Only for answers to a gpt-image-2* request may `size`
    # also be any WIDTHxHEIGHT; every other answer keeps the enum. (The request's own limits,
    # multiples of 16 and at most 3840x2160, are the server's to enforce, not the answer's.)
    free = copy.deepcopy(schemas["ImagesResponse"])
    free["properties"]["size"] = {"anyOf": [free["properties"]["size"], {"type": "string", "pattern": r"^\d+x\d+$"}]}
    schemas[IMAGES_FREE_SIZE] = free
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
