"""The frameworks suite's exchange log: every HTTP exchange the frameworks make through httpx or
httpx2 (the OpenAI SDK's, LangChain's and pydantic-ai's clients), as JSON lines in the format of
tests/sdk/node/exchange-log.mjs, for tests/sdk/python/check_exchange_log.py to validate against
the OpenAPI schema after the run. Active only when OAIMOCK_EXCHANGE_LOG names a directory."""

import base64
import json
import os
import pathlib
import re

DIRECTORY = os.environ.get("OAIMOCK_EXCHANGE_LOG")
# Bodies kept whole; of any other (audio, images, file bytes) only the length, as in Node.
KEPT = re.compile(r"(application/json|text/)", re.I)


def _transports():
    """The httpx and httpx2 modules, those installed (the OpenAI SDK 3.x uses httpx2)."""
    found = []
    for name in ("httpx", "httpx2"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        found.append(module)
    return found


def _entry(source, request, response):
    try:
        body = bytes(request.content)
    except Exception:  # a streamed (multipart) request body: not kept, as in the SDK suites
        body = b""
    return {
        "source": source,
        "method": request.method,
        "path": request.url.path,
        "request_headers": dict(request.headers.items()),
        "request_body": body.decode("utf-8", "replace") if body else None,
        "status": response.status_code,
        "headers": dict(response.headers.items()),
        "kept": bool(KEPT.match(response.headers.get("content-type", ""))),
        "received": bytearray(),
        "length": 0,
        "finished": False,
    }


def _write(entry):
    entry = dict(entry)
    received = entry.pop("received")
    kept = entry.pop("kept")
    entry["body_b64"] = base64.b64encode(received).decode() if kept else None
    with open(pathlib.Path(DIRECTORY) / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def _add(entry, part):
    entry["length"] += len(part)
    if entry["kept"]:
        entry["received"].extend(part)


def install(monkeypatch, source):
    """Patches every httpx/httpx2 transport for one test (monkeypatch undoes it); returns the
    entries, to be passed to `flush` when the test ends."""
    entries = []
    for httpx in _transports():

        class Tee(httpx.SyncByteStream):
            def __init__(self, inner, entry):
                self.inner, self.entry = inner, entry

            def __iter__(self):
                try:
                    for part in self.inner:
                        _add(self.entry, part)
                        yield part
                    self.entry["finished"] = True
                except Exception as err:
                    self.entry["broken"] = repr(err)
                    raise

            def close(self):
                self.inner.close()

        class AsyncTee(httpx.AsyncByteStream):
            def __init__(self, inner, entry):
                self.inner, self.entry = inner, entry

            async def __aiter__(self):
                try:
                    async for part in self.inner:
                        _add(self.entry, part)
                        yield part
                    self.entry["finished"] = True
                except Exception as err:
                    self.entry["broken"] = repr(err)
                    raise

            async def aclose(self):
                await self.inner.aclose()

        def wrap(httpx, request, response, tee):
            entry = _entry(source, request, response)
            entries.append(entry)
            return httpx.Response(
                status_code=response.status_code,
                headers=response.headers,
                stream=tee(response.stream, entry),
                extensions=response.extensions,
                request=request,
            )

        sync_send = httpx.HTTPTransport.handle_request
        async_send = httpx.AsyncHTTPTransport.handle_async_request

        def handle_request(self, request, httpx=httpx, send=sync_send, tee=Tee):
            return wrap(httpx, request, send(self, request), tee)

        async def handle_async_request(self, request, httpx=httpx, send=async_send, tee=AsyncTee):
            return wrap(httpx, request, await send(self, request), tee)

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
        monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)
    return entries


def flush(entries):
    """Appends the test's exchanges to the log (a body left unread is logged as far as it came)."""
    for entry in entries:
        _write(entry)
