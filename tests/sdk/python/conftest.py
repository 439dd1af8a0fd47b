"""Shared fixtures for the official-SDK suite: oaimock servers, SDK clients whose traffic is
recorded, and validation of every recorded body against OpenAI's published OpenAPI schemas."""

import functools
import json
import os
import pathlib
import re
import subprocess

import openai
import pytest

try:  # openai >= 3.0 talks through the httpx2 fork; older releases use httpx itself.
    import httpx2 as httpx
except ImportError:
    import httpx

REPO = pathlib.Path(__file__).resolve().parents[3]
BINARY = pathlib.Path(os.environ.get("OAIMOCK_BIN", REPO / "target" / "release" / "oaimock"))
SPEC = pathlib.Path(os.environ.get("OAIMOCK_OPENAPI", REPO.parent / "shared" / "spec" / "openapi.yaml"))

ECHO = "As a mock AI Assistant, I can only echo your last message: "
REQUEST_ID = re.compile(r"req_[0-9a-f]{32}")


# ---------------------------------------------------------------- servers


class Server:
    """One oaimock process on a free port; the first stdout line says where it listens."""

    def __init__(self, *flags):
        self.proc = subprocess.Popen(
            [str(BINARY), "--port", "0", "--quiet", *flags], stdout=subprocess.PIPE, text=True
        )
        line = self.proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line)
        if not match:
            self.stop()
            raise RuntimeError(f"oaimock {' '.join(flags)}: unexpected first line {line!r}")
        self.url, self.port = match[1], int(match[2])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _server(*flags):
    server = Server(*flags)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server():
    # A 1 ms pause still writes every streamed token separately, but keeps the suite fast.
    yield from _server("--token-delay-ms", "1")


@pytest.fixture(scope="session")
def keyed_server():
    yield from _server("--token-delay-ms", "0", "--api-key", "sk-test")


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
        self.status = response.status_code
        self.headers = response.headers
        self.body = bytearray()

    @property
    def content_type(self):
        return self.headers.get("content-type", "")


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


# ---------------------------------------------------------------- schemas


def sse_payloads(body):
    """The `data:` payloads of complete events (a stream left early ends mid-event)."""
    text = bytes(body).decode("utf-8")
    events = text.split("\n\n")[:-1]
    out = []
    for event in events:
        data = [line[len("data: "):] for line in event.split("\n") if line.startswith("data: ")]
        if data:
            out.append("\n".join(data))
    return out


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


@functools.lru_cache(maxsize=None)
def _schemas():
    if not SPEC.is_file():
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open("rb") as f:
        spec = yaml.load(f, Loader=loader)
    return _nullable_to_null(spec["components"]["schemas"])


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


def schema_for(method, path, status, streamed):
    bare = path[len("/v1"):] if path.startswith("/v1/") else path
    if status >= 400:
        return "ErrorResponse"
    if bare == "/chat/completions":
        return "CreateChatCompletionStreamResponse" if streamed else "CreateChatCompletionResponse"
    if bare == "/models":
        return "ListModelsResponse"
    if bare.startswith("/models/"):
        return "Model"
    raise AssertionError(f"no schema known for {method} {path} -> {status}")


def check_exchange(exchange):
    streamed = exchange.content_type.startswith("text/event-stream")
    name = schema_for(exchange.method, exchange.path, exchange.status, streamed)
    where = f"{exchange.method} {exchange.path} -> {exchange.status}"
    if streamed:
        for payload in sse_payloads(exchange.body):
            if payload != "[DONE]":
                validate(name, json.loads(payload))
    else:
        assert re.fullmatch(r"application/json(; *charset=utf-8)?", exchange.content_type, re.I), (
            f"{where}: Content-Type {exchange.content_type!r}"
        )
        validate(name, json.loads(bytes(exchange.body)))


def pytest_report_header(config):
    lines = [f"openai {openai.__version__} (httpx module: {httpx.__name__} {httpx.__version__})", f"oaimock binary: {BINARY}"]
    if SPEC.is_file():
        lines.append(f"schema validation: on, against {SPEC}")
    else:
        lines.append(f"schema validation: SKIPPED, the OpenAPI spec file is missing at {SPEC} (set OAIMOCK_OPENAPI)")
    return lines


def pytest_terminal_summary(terminalreporter):
    if not SPEC.is_file():
        terminalreporter.write_line(f"NOTE: schema validation was skipped because {SPEC} is missing (set OAIMOCK_OPENAPI)")
