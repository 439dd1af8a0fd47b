"""Record through a proxy (`--upstream` + `--record`) in front of a second oaimock, then replay the
recordings with no upstream (`--fixtures DIR --strict`): the SDK reads identical replies, and an
unrecorded prompt fails loudly with the 400 naming the closest rule."""

import openai
import pytest

from conftest import Server

HELLO = [{"role": "user", "content": "hello from the SDK"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def session(client):
    """The same calls, recording and replaying: plain, streamed (joined), a tool call, a 429."""
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    call = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "weather?"}], tools=TOOLS
    )
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "limit"}])
    return plain, chunks, call, limited.value


def test_a_recorded_session_replays_to_identical_replies(client_for, server_with_rules, tmp_path):
    upstream = server_with_rules(
        [
            {"match": {"user": {"equals": "weather?"}},
             "reply": {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}},
            {"match": {"user": {"equals": "limit"}},
             "reply": {"error": {"status": 429, "message": "Slow down.", "headers": {"retry-after": "0"}}}},
        ],
        "--reply", "Recorded upstream reply",
    )
    cassettes = tmp_path / "cassettes"
    proxy = Server("--upstream", upstream.url, "--record", str(cassettes))
    try:
        live = session(client_for(proxy, max_retries=0))
    finally:
        proxy.stop()
    upstream.stop()
    replay = Server("--fixtures", str(cassettes), "--strict")
    try:
        client = client_for(replay, max_retries=0)
        again = session(client)
        with pytest.raises(openai.BadRequestError) as refused:
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "unrecorded"}])
    finally:
        replay.stop()
    plain, chunks, call, limited = live
    assert plain.choices[0].message.content == "Recorded upstream reply"
    assert again[0].model_dump() == plain.model_dump()
    assert [c.model_dump() for c in again[1]] == [c.model_dump() for c in chunks]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Recorded upstream reply"
    assert again[2].model_dump() == call.model_dump()
    assert call.choices[0].message.tool_calls[0].function.arguments == '{"city":"Paris"}'
    assert (again[3].status_code, again[3].message, again[3].response.headers["retry-after"]) == (
        429, limited.message, "0"
    )
    assert refused.value.code == "no_matching_fixture"
    assert "differs at body.messages[0].content" in refused.value.message
