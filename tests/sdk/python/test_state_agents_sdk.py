"""The OpenAI Agents SDK (openai-agents) on oaimock's stateful API: a multi-turn run chained with
previous_response_id, and one whose memory is an OpenAIConversationsSession. Collected only where
the `agents` package is installed (the latest SDK's venv)."""

import asyncio

import openai
from agents import Agent, OpenAIConversationsSession, OpenAIResponsesModel, Runner, set_tracing_disabled

from conftest import ECHO

# Traces would be exported to the real API; a test never leaves loopback.
set_tracing_disabled(True)

MODEL = "gpt-4o-mini"
FIRST_REPLY = len((ECHO + "one two three").split())


def run(server, body):
    """Runs `body(agent, client)` in one event loop with an async client on `server`."""

    async def main():
        client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="sk-anything", timeout=10.0)
        agent = Agent(
            name="echo",
            instructions="Be brief.",
            model=OpenAIResponsesModel(model=MODEL, openai_client=client),
        )
        try:
            return await body(agent, client)
        finally:
            await client.close()

    return asyncio.run(main())


def test_turns_chained_with_previous_response_id(server):
    async def body(agent, client):
        first = await Runner.run(agent, "one two three")
        assert first.final_output == ECHO + "one two three"
        second = await Runner.run(agent, "four", previous_response_id=first.last_response_id)
        assert second.final_output == ECHO + "four"
        stored = await client.responses.retrieve(second.last_response_id)
        assert stored.previous_response_id == first.last_response_id
        # The first turn's input and reply are context; only this turn's instructions count.
        assert stored.usage.input_tokens == 3 + FIRST_REPLY + 1 + 2

    run(server, body)


def test_an_openai_conversations_session_remembers_the_turns(server):
    async def body(agent, client):
        session = OpenAIConversationsSession(openai_client=client)
        first = await Runner.run(agent, "one two three", session=session)
        assert first.final_output == ECHO + "one two three"
        second = await Runner.run(agent, "four", session=session)
        assert second.final_output == ECHO + "four"
        # The second turn read the first from the conversation.
        assert second.raw_responses[-1].usage.input_tokens == 3 + FIRST_REPLY + 1 + 2
        items = await session.get_items()
        assert [(item.get("role"), item.get("type")) for item in items] == [
            ("user", "message"),
            ("assistant", "message"),
            ("user", "message"),
            ("assistant", "message"),
        ]
        popped = await session.pop_item()
        assert popped["role"] == "assistant"
        assert len(await session.get_items()) == 3
        await session.clear_session()

    run(server, body)
