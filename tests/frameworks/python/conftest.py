"""Shared fixtures for the frameworks suite: an oaimock binary per test on a free port, its
journal, the exchange log (exchange_log.py) and small checks shared by the test files. Each
framework talks to the server over HTTP exactly as it would to the OpenAI API."""

import json
import os
import pathlib
import re
import subprocess
import urllib.request

import pytest

import exchange_log

REPO = pathlib.Path(__file__).resolve().parents[3]
BINARY = pathlib.Path(os.environ.get("OAIMOCK_BIN", REPO / "target" / "release" / "oaimock"))

ECHO = "As a mock AI Assistant, I can only echo your last message: "
MODEL = "gpt-4o-mini"


class Server:
    """One oaimock process on a free port; the first stdout line says where it listens."""

    def __init__(self, *flags):
        self.proc = subprocess.Popen(
            [str(BINARY), "--port", "0", "--quiet", "--token-delay-ms", "0", *flags],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line)
        if not match:
            self.stop()
            raise RuntimeError(f"oaimock {' '.join(flags)}: unexpected first line {line!r} (see stderr)")
        self.url = match[1]
        self.base_url = f"{self.url}/v1"

    def journal(self):
        """The API requests answered so far, oldest first, each with its JSON `body` parsed."""
        with urllib.request.urlopen(f"{self.url}/_oaimock/requests", timeout=10) as response:
            entries = json.load(response)["data"]
        for entry in entries:
            if isinstance(entry.get("body"), str):
                entry["body"] = json.loads(entry["body"])
        return entries

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(autouse=True)
def logged_exchanges(monkeypatch, request):
    """When OAIMOCK_EXCHANGE_LOG names a directory (tests/frameworks/run sets it), every exchange
    the test's frameworks make is logged there, for tests/sdk/python/check_exchange_log.py."""
    if not exchange_log.DIRECTORY:
        yield None
        return
    entries = exchange_log.install(monkeypatch, request.node.path.name)
    yield entries
    exchange_log.flush(entries)


@pytest.fixture
def start_server(tmp_path):
    """`start_server(*flags, rules=None)`: an oaimock for this test (stopped when it ends); `rules`
    are written to a fixture file in the test's temp dir and passed with `--fixtures`."""
    started = []

    def start(*flags, rules=None):
        if rules is not None:
            path = tmp_path / f"rules-{len(started)}.json"
            path.write_text(json.dumps({"rules": rules}), encoding="utf-8")
            flags = (*flags, "--fixtures", str(path))
        server = Server(*flags)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def assert_inside(value, low, high):
    """A bounded integer a user would believe: an int strictly between its bounds, not a bound."""
    assert isinstance(value, int) and not isinstance(value, bool), value
    assert low < value < high, f"{value} is not strictly inside [{low}, {high}]"


def assert_logprobs(entries, text, top):
    """Per-token logprobs as the API gives them: one entry per token, the tokens joined are the
    text, each `logprob` ≤ 0 with the token's UTF-8 `bytes`, and `top` alternatives, best first.
    Entries may be dicts (LangChain) or the SDK's models (Agents SDK)."""
    entries = [entry if isinstance(entry, dict) else entry.model_dump() for entry in entries]
    assert "".join(entry["token"] for entry in entries) == text
    for entry in entries:
        assert entry["logprob"] <= 0
        assert bytes(entry["bytes"]) == entry["token"].encode()
        alternatives = entry["top_logprobs"]
        assert len(alternatives) == top
        assert all(alt["logprob"] <= 0 and bytes(alt["bytes"]) == alt["token"].encode() for alt in alternatives)
        assert [alt["logprob"] for alt in alternatives] == sorted((alt["logprob"] for alt in alternatives), reverse=True)
