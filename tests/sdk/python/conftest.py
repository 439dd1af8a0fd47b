"""Shared fixtures for the official-SDK suite: oaimock servers, SDK clients whose traffic is
recorded (the `wire` fixture) and checked by `exchanges.check_exchange` when each test ends, and
which test files are not collected for the installed SDK. The checks themselves live beside it:
`schemas.py` (the OpenAPI spec), `exchanges.py` (recording and check_exchange), `azure_checks.py`."""

import importlib.util
import json
import os
import pathlib
import re
import subprocess

import openai
import pytest

from exchanges import AsyncTee, recorded, Tee, check_exchange, httpx
from schemas import SPEC

REPO = pathlib.Path(__file__).resolve().parents[3]
# Fixture files (`--fixtures`) shared by the Python and Node suites.
SDK_FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
BINARY = pathlib.Path(os.environ.get("OAIMOCK_BIN", REPO / "target" / "release" / "oaimock"))

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


# ---------------------------------------------------------------- recording and clients
@pytest.fixture(autouse=True)
def wire(monkeypatch):
    """Every exchange any SDK client (sync or async, however it was built) made during the test,
    recorded at the HTTP transport and validated against the spec when the test ends."""
    log = []
    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self, request):
        return recorded(log, request, sync_send(self, request), Tee)

    async def handle_async_request(self, request):
        return recorded(log, request, await async_send(self, request), AsyncTee)

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

