"""Other ways users build clients: pydantic-validated responses, and the async client."""

import asyncio

import openai

from conftest import ECHO, stream_helper

MESSAGES = [{"role": "user", "content": "strict and async"}]


def test_strict_response_validation(client_for, server):
    # With _strict_response_validation the SDK runs pydantic on every body:
    # an int id or a fractional `created` raises APIResponseValidationError.
    strict = client_for(server, _strict_response_validation=True)
    completion = strict.chat.completions.create(model="gpt-4o", messages=MESSAGES, n=2)
    assert [c.message.content for c in completion.choices] == [ECHO + "strict and async"] * 2
    stream = strict.chat.completions.create(
        model="gpt-4o", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == ECHO + "strict and async"
    assert strict.models.retrieve("gpt-4o").id == "gpt-4o"
    assert len(strict.models.list().data) > 0
    with stream_helper(strict)(model="gpt-4o", messages=MESSAGES) as helper:
        assert helper.get_final_completion().choices[0].message.content == ECHO + "strict and async"


def test_async_client(server, wire):
    async def main():
        async with openai.AsyncOpenAI(api_key="sk-x", base_url=server.url + "/v1", timeout=10.0) as client:
            completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
            deltas = [chunk.choices[0].delta.content or "" async for chunk in stream]
            models = [m.id async for m in client.models.list()]
            return completion, deltas, models

    completion, deltas, models = asyncio.run(main())
    assert "".join(deltas) == completion.choices[0].message.content == ECHO + "strict and async"
    assert "gpt-4o" in models
    assert len(wire) == 3, "the async traffic was recorded and is schema-checked"
