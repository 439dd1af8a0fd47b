"""Plain HTTP/1.1 over a socket: what the SDKs tolerate but stricter clients (curl scripts, proxies,
other languages' SSE parsers) do not."""

import json
import re
import socket
import struct

import pytest

from conftest import ECHO, REQUEST_ID
from exchanges import decode_embedding, embeddings_as_floats
from schemas import COMPLETION_CHUNK, schema_for, validate, validate_stream_event

JSON_TYPE = re.compile(r"application/json(; *charset=utf-8)?", re.I)
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping pong"}]}
COMPLETION = {"model": "gpt-3.5-turbo-instruct", "prompt": "ping pong"}
EMBEDDING = {"model": "text-embedding-3-large", "input": ["ping", "pong"], "dimensions": 256}
RESPONSE = {"model": "gpt-4o-mini", "input": "ping pong", "instructions": "Be brief."}


class Response:
    def __init__(self, status, headers, body, wire):
        self.status, self.headers, self.body, self.wire = status, headers, body, wire

    def json(self):
        return json.loads(self.body)


class Connection:
    """A keep-alive HTTP/1.1 connection that parses responses strictly, keeping their raw bytes."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("server closed the connection mid-response")
        self.buf += data

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        self.wire += out
        return out

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        return self._take(self.buf.index(b"\r\n") + 2)[:-2]

    def request(self, method, path, body=None, headers=None):
        headers = {"Host": f"127.0.0.1:{self.port}", "Authorization": "Bearer sk-test", **(headers or {})}
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            headers.update({"Content-Type": "application/json", "Content-Length": str(len(payload))})
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.sock.sendall(head.encode() + payload)
        return self.response()

    def response(self):
        self.wire = b""
        status_line = self._line().decode()
        assert re.fullmatch(r"HTTP/1\.1 \d{3} [A-Za-z ]+", status_line), status_line
        headers = {}
        while line := self._line():
            name, _, value = line.decode().partition(":")
            assert name.lower() not in headers, f"duplicate header {name}"
            headers[name.lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            assert "content-length" not in headers
            body = b""
            while True:
                size_line = self._line()
                assert re.fullmatch(rb"[0-9a-f]+", size_line), f"bad chunk size line {size_line!r}"
                size = int(size_line, 16)
                if size == 0:
                    assert self._line() == b"", "no trailers expected after the last chunk"
                    break
                body += self._take(size)
                assert self._take(2) == b"\r\n", "chunk data must end with CRLF"
        else:
            body = self._take(int(headers["content-length"]))
        return Response(int(status_line.split()[1]), headers, body, self.wire)

    def at_eof(self):
        """True when the server closed the connection with nothing after the response."""
        if self.buf:
            return False
        return self.sock.recv(1) == b""


@pytest.fixture
def conn(server):
    c = Connection(server.port)
    yield c
    c.close()


def data_events(body):
    """Checks the SSE framing of a chat stream strictly and returns its `data:` payloads."""
    text = body.decode("utf-8")
    assert "\r" not in text, "SSE lines end with \\n only"
    assert text.endswith("\n\n")
    payloads = []
    for event in text[:-2].split("\n\n"):
        lines = event.split("\n")
        assert len(lines) == 1, f"one `data:` line per event, got {lines!r}"
        assert lines[0].startswith("data: "), f"only `data: ` lines on a chat stream, got {lines[0]!r}"
        payloads.append(lines[0][len("data: "):])
    return payloads


def check_json_response(rsp, path, request=None):
    assert JSON_TYPE.fullmatch(rsp.headers.get("content-type", "")), rsp.headers.get("content-type")
    assert int(rsp.headers["content-length"]) == len(rsp.body)
    assert REQUEST_ID.fullmatch(rsp.headers["x-request-id"])
    body = rsp.json()
    name = schema_for("", path, rsp.status, False)
    if name == "CreateEmbeddingResponse":
        body = embeddings_as_floats(body, (request or {}).get("encoding_format", "float"))
    validate(name, body)
    if rsp.status >= 400:
        assert set(body["error"]) == {"message", "type", "param", "code"}
    return body


@pytest.mark.parametrize(
    "method,path,body,headers,status",
    [
        ("POST", "/v1/chat/completions", CHAT, {}, 200),
        ("POST", "/chat/completions", CHAT, {}, 200),
        ("GET", "/v1/models", None, {}, 200),
        ("GET", "/v1/models/gpt-4o", None, {}, 200),
        ("GET", "/v1/models/nope", None, {}, 404),
        ("POST", "/v1/chat/completions", {**CHAT, "temperature": 5}, {}, 400),
        ("POST", "/v1/chat/completions", {**CHAT, "stream": True, "temperature": 5}, {}, 400),
        ("POST", "/v1/nowhere", CHAT, {}, 404),
        ("POST", "/_oaimock/panic", {}, {}, 500),
        ("POST", "/v1/chat/completions", CHAT, {"x-oaimock-error": "403"}, 403),
        ("POST", "/v1/chat/completions", CHAT, {"x-oaimock-error": "422"}, 422),
        ("POST", "/v1/chat/completions", CHAT, {"x-oaimock-error": "429"}, 429),
        ("POST", "/v1/chat/completions", {**CHAT, "stream": True}, {"x-oaimock-error": "500"}, 500),
        ("POST", "/v1/chat/completions", {**CHAT, "stream": True}, {"x-oaimock-error": "503"}, 503),
        ("POST", "/v1/completions", {**COMPLETION, "n": 2, "echo": True, "logprobs": 3}, {}, 200),
        ("POST", "/completions", COMPLETION, {}, 200),
        ("POST", "/v1/completions", {**COMPLETION, "logprobs": 6}, {}, 400),
        ("POST", "/v1/completions", {**COMPLETION, "stream": True, "prompt": []}, {}, 400),
        ("POST", "/v1/embeddings", EMBEDDING, {}, 200),
        ("POST", "/v1/embeddings", {**EMBEDDING, "encoding_format": "base64"}, {}, 200),
        ("POST", "/v1/embeddings", {**EMBEDDING, "input": ""}, {}, 400),
        ("POST", "/v1/embeddings", {**EMBEDDING, "encoding_format": "float16"}, {}, 400),
        ("POST", "/v1/responses", RESPONSE, {}, 200),
        ("POST", "/v1/responses", {**RESPONSE, "input": "a " * 40, "max_output_tokens": 16}, {}, 200),
        ("POST", "/v1/responses", {**RESPONSE, "max_output_tokens": 15}, {}, 400),
        ("POST", "/v1/responses", {**RESPONSE, "stream": True, "input": 5}, {}, 400),
    ],
)
def test_json_responses_are_application_json(conn, method, path, body, headers, status):
    rsp = conn.request(method, path, body, headers)
    assert rsp.status == status
    check_json_response(rsp, path, body)


def test_wrong_key_is_json_401(keyed_server):
    c = Connection(keyed_server.port)
    try:
        rsp = c.request("GET", "/v1/models", headers={"Authorization": "Bearer sk-nope"})
        assert rsp.status == 401
        assert check_json_response(rsp, "/v1/models")["error"]["code"] == "invalid_api_key"
    finally:
        c.close()


def test_stream_framing_is_exact(conn):
    # The SDKs send `Accept: application/json` even when streaming.
    body = {**CHAT, "n": 2, "stream": True, "stream_options": {"include_usage": True}}
    rsp = conn.request("POST", "/v1/chat/completions", body, {"Accept": "application/json"})
    assert rsp.status == 200
    assert re.fullmatch(r"text/event-stream(; *charset=utf-8)?", rsp.headers["content-type"], re.I)
    assert rsp.headers["transfer-encoding"] == "chunked"
    assert REQUEST_ID.fullmatch(rsp.headers["x-request-id"])
    payloads = data_events(rsp.body)
    assert payloads[-1] == "[DONE]" and payloads.count("[DONE]") == 1
    chunks = [json.loads(p) for p in payloads[:-1]]
    for chunk in chunks:
        validate("CreateChatCompletionStreamResponse", chunk)
    # Shapes the real API sends; same id, created and fingerprint on every chunk.
    assert len({(c["id"], c["created"], c["system_fingerprint"]) for c in chunks}) == 1
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", chunks[0]["id"])
    assert re.fullmatch(r"fp_[0-9a-f]{10}", chunks[0]["system_fingerprint"])
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1]), "spec: usage is null on every chunk but the last"
    for index in range(2):
        mine = [c["choices"][0] for c in chunks[:-1] if c["choices"][0]["index"] == index]
        assert "".join(c["delta"].get("content") or "" for c in mine) == ECHO + "ping pong"
        assert mine[-1]["delta"] == {} and mine[-1]["finish_reason"] == "stop"
        assert all(c["finish_reason"] is None for c in mine[:-1])
    # `data: [DONE]\n\n` are the very last body bytes, and the chunked body ends right there.
    assert rsp.body.endswith(b"data: [DONE]\n\n")
    assert rsp.wire.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n")


def test_stream_without_usage_has_no_usage_key(conn):
    rsp = conn.request("POST", "/v1/chat/completions", {**CHAT, "stream": True})
    chunks = [json.loads(p) for p in data_events(rsp.body)[:-1]]
    assert all(len(c["choices"]) == 1 for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}


def test_connection_is_reusable_after_a_stream(conn):
    # Old SDKs (openai < 2.7.0) read to EOF after [DONE]: the chunked body must end by itself.
    first = conn.request("POST", "/v1/chat/completions", {**CHAT, "stream": True})
    assert first.body.endswith(b"data: [DONE]\n\n")
    assert conn.buf == b"", "nothing may follow the terminating chunk"
    second = conn.request("GET", "/v1/models/gpt-4o")
    assert (second.status, second.json()["id"]) == (200, "gpt-4o")


def test_connection_close_after_a_stream(conn):
    rsp = conn.request("POST", "/v1/chat/completions", {**CHAT, "stream": True}, {"Connection": "close"})
    assert rsp.wire.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n")
    assert conn.at_eof(), "the server closes the connection right after the stream when asked to"


def test_plain_content_equals_streamed_content_byte_for_byte(conn):
    text = "tabs\tand  double  spaces, ünïcode ✓ and \"quotes\""
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    plain = conn.request("POST", "/v1/chat/completions", body).json()
    streamed = conn.request("POST", "/v1/chat/completions", {**body, "stream": True})
    chunks = [json.loads(p) for p in data_events(streamed.body)[:-1]]
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert content == plain["choices"][0]["message"]["content"] == ECHO + text


def test_completion_stream_framing_is_exact(conn):
    body = {**COMPLETION, "n": 2, "stream": True, "stream_options": {"include_usage": True}}
    rsp = conn.request("POST", "/v1/completions", body, {"Accept": "application/json"})
    assert rsp.status == 200
    assert re.fullmatch(r"text/event-stream(; *charset=utf-8)?", rsp.headers["content-type"], re.I)
    assert REQUEST_ID.fullmatch(rsp.headers["x-request-id"])
    payloads = data_events(rsp.body)  # data-only, like chat
    assert payloads[-1] == "[DONE]" and payloads.count("[DONE]") == 1
    chunks = [json.loads(p) for p in payloads[:-1]]
    for chunk in chunks:
        validate(COMPLETION_CHUNK, chunk)
    assert {c["object"] for c in chunks} == {"text_completion"}
    assert len({(c["id"], c["created"], c["system_fingerprint"]) for c in chunks}) == 1
    assert re.fullmatch(r"cmpl-[A-Za-z0-9]{29}", chunks[0]["id"])
    assert re.fullmatch(r"fp_[0-9a-f]{10}", chunks[0]["system_fingerprint"])
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1]), "usage: null on every chunk but the last"
    for index in range(2):
        mine = [c["choices"][0] for c in chunks[:-1] if c["choices"][0]["index"] == index]
        assert "".join(c["text"] for c in mine) == ECHO + "ping pong"
        assert all(c["logprobs"] is None for c in mine)
        # The spec's stream example: `finish_reason: null` until a last chunk with empty text.
        assert (mine[-1]["text"], mine[-1]["finish_reason"]) == ("", "stop")
        assert all(c["finish_reason"] is None for c in mine[:-1])
    assert rsp.wire.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n")
    assert conn.buf == b""
    assert conn.request("GET", "/v1/models/gpt-4o").status == 200, "the connection is reusable"


def test_completion_stream_without_usage_has_no_usage_key(conn):
    rsp = conn.request("POST", "/v1/completions", {**COMPLETION, "stream": True})
    chunks = [json.loads(p) for p in data_events(rsp.body)[:-1]]
    assert all("usage" not in c for c in chunks)


def named_events(body):
    """Checks the framing of a Responses stream strictly: every event is exactly an `event:` line
    and one `data:` line whose JSON `type` is the event name."""
    text = body.decode("utf-8")
    assert "\r" not in text and text.endswith("\n\n")
    events = []
    for event in text[:-2].split("\n\n"):
        lines = event.split("\n")
        assert len(lines) == 2, f"`event:` then `data:`, got {lines!r}"
        assert lines[0].startswith("event: ") and lines[1].startswith("data: "), lines
        payload = json.loads(lines[1][len("data: "):])
        assert payload["type"] == lines[0][len("event: "):]
        events.append(payload)
    return events


def test_responses_stream_framing_is_exact(conn):
    rsp = conn.request("POST", "/v1/responses", {**RESPONSE, "stream": True}, {"Accept": "application/json"})
    assert rsp.status == 200
    assert re.fullmatch(r"text/event-stream(; *charset=utf-8)?", rsp.headers["content-type"], re.I)
    assert rsp.headers["transfer-encoding"] == "chunked"
    assert REQUEST_ID.fullmatch(rsp.headers["x-request-id"])
    assert b"[DONE]" not in rsp.body, "a Responses stream has no [DONE]"
    events = named_events(rsp.body)
    for event in events:
        validate_stream_event(event)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "response.created" and events[-1]["type"] == "response.completed"
    response = events[-1]["response"]
    assert re.fullmatch(r"resp_[0-9a-f]{48}", response["id"])
    assert {e["response"]["id"] for e in events if "response" in e} == {response["id"]}
    item = response["output"][0]
    assert re.fullmatch(r"msg_[0-9a-f]{48}", item["id"])
    assert {e["item_id"] for e in events if "item_id" in e} == {item["id"]}
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert deltas == item["content"][0]["text"] == ECHO + "ping pong"
    # Required-but-nullable fields are sent as null, not left out.
    created = events[0]["response"]
    assert {k: created[k] for k in ("error", "incomplete_details", "usage", "completed_at")} == dict.fromkeys(
        ("error", "incomplete_details", "usage", "completed_at")
    )
    # The body ends right after the terminal event, and the connection stays usable.
    assert rsp.wire.endswith(b"\n\n\r\n0\r\n\r\n")
    assert conn.buf == b""
    plain = conn.request("POST", "/v1/responses", RESPONSE)
    assert plain.json()["output"][0]["content"][0]["text"] == ECHO + "ping pong"


def test_responses_incomplete_stream_ends_with_response_incomplete(conn):
    body = {**RESPONSE, "stream": True, "input": "a " * 40, "max_output_tokens": 16}
    events = named_events(conn.request("POST", "/v1/responses", body).body)
    last = events[-1]
    assert last["type"] == "response.incomplete"
    assert last["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert last["response"]["completed_at"] is None
    assert events[-2]["item"]["status"] == "incomplete"


def test_embeddings_base64_is_little_endian_float32(conn):
    floats = conn.request("POST", "/v1/embeddings", EMBEDDING).json()
    encoded = conn.request("POST", "/v1/embeddings", {**EMBEDDING, "encoding_format": "base64"}).json()
    assert [d["index"] for d in encoded["data"]] == [0, 1]
    for f, e in zip(floats["data"], encoded["data"]):
        assert isinstance(e["embedding"], str) and len(e["embedding"]) == 4 * -(-256 * 4 // 3)
        decoded = decode_embedding(e["embedding"])
        assert len(decoded) == len(f["embedding"]) == 256
        # The JSON decimals are float32s printed: rounded back to float32 they are the bytes.
        assert decoded == [struct.unpack("<f", struct.pack("<f", x))[0] for x in f["embedding"]]
    assert encoded["usage"] == floats["usage"] == {"prompt_tokens": 2, "total_tokens": 2}
