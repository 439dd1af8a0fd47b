"""The OpenAI Agents SDK over the stateful Responses API: a multi-turn run chained with
`previous_response_id`, and one kept in a server-side conversation by `OpenAIConversationsSession`.
A fixture rule answers only when the history holds the first turn (`assistant_turns: 1`), so the
second answer proves that oaimock read the stored turns."""

import asyncio

from agents import Agent, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
from agents.items import MessageOutputItem, ToolCallItem, ToolCallOutputItem
from agents.memory import OpenAIConversationsSession
from openai import AsyncOpenAI

from conftest import ECHO, MODEL

set_tracing_disabled(True)

REMEMBERED = "You told me your name is Ada."
RULES = [
    {
        "name": "the second turn, when the first one is in the history",
        "match": {"endpoint": "responses", "assistant_turns": 1, "user": {"equals": "What is my name?"}},
        "reply": {"text": REMEMBERED},
    }
]


def client_for(server):
    return AsyncOpenAI(api_key="sk-test", base_url=server.base_url, max_retries=0, timeout=10)


def agent_for(client, **options):
    return Agent(
        name="assistant",
        instructions="Remember what the user says.",
        model=OpenAIResponsesModel(model=MODEL, openai_client=client),
        **options,
    )


def test_a_multi_turn_run_continues_from_the_previous_response_id(start_server):
    server = start_server(rules=RULES)
    agent = agent_for(client_for(server))

    async def conversation():
        first = await Runner.run(agent, "My name is Ada.")
        second = await Runner.run(agent, "What is my name?", previous_response_id=first.last_response_id)
        return first, second

    first, second = asyncio.run(conversation())

    assert first.final_output == ECHO + "My name is Ada."
    assert second.final_output == REMEMBERED
    requests = [entry["body"] for entry in server.journal()]
    assert len(requests) == 2
    # The second request sent only the new message; the first turn came from the server's store.
    assert requests[1]["previous_response_id"] == first.last_response_id
    assert [item["content"] for item in requests[1]["input"]] == ["What is my name?"]
    (first_response,), (second_response,) = first.raw_responses, second.raw_responses
    assert second_response.usage.input_tokens > (
        first_response.usage.input_tokens + first_response.usage.output_tokens
    )


def test_automatic_response_chaining_carries_a_tool_call_across_requests(start_server):
    # `auto_previous_response_id=True`: after the tool ran, the SDK sends only the tool's output
    # and the id of the response that called it. The rule answers only when the stored turn (the
    # question and the call) is in the history.
    rule = {
        "match": {
            "endpoint": "responses",
            "has_tool_result": True,
            "assistant_turns": 1,
            "user": {"equals": "What is the weather in Paris?"},
        },
        "reply": {"text": "It is sunny in Paris."},
    }
    server = start_server("--auto-tool-calls", rules=[rule])
    calls = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny and 21 C in {city}"

    agent = agent_for(client_for(server), tools=[get_weather])
    result = asyncio.run(Runner.run(agent, "What is the weather in Paris?", auto_previous_response_id=True))

    assert [type(item) for item in result.new_items] == [ToolCallItem, ToolCallOutputItem, MessageOutputItem]
    assert calls == ["What is the weather in Paris?"]
    assert result.new_items[1].output == "Sunny and 21 C in What is the weather in Paris?"
    assert result.final_output == "It is sunny in Paris."
    first, second = (entry["body"] for entry in server.journal())
    assert second["previous_response_id"] == result.raw_responses[0].response_id
    assert [item["type"] for item in second["input"]] == ["function_call_output"]


def test_an_openai_conversations_session_keeps_the_turns_on_the_server(start_server):
    server = start_server(rules=RULES)
    client = client_for(server)
    agent = agent_for(client)
    session = OpenAIConversationsSession(openai_client=client)

    async def conversation():
        first = await Runner.run(agent, "My name is Ada.", session=session)
        second = await Runner.run(agent, "What is my name?", session=session)
        items = await session.get_items()
        listed = [item async for item in client.conversations.items.list(await session._get_session_id(), order="asc")]
        return first, second, items, listed

    first, second, items, listed = asyncio.run(conversation())

    assert first.final_output == ECHO + "My name is Ada."
    assert second.final_output == REMEMBERED
    # The session reads back the four messages of the two turns, in order.
    texts = [(item["role"], item["content"][0]["text"]) for item in items]
    assert texts == [
        ("user", "My name is Ada."),
        ("assistant", ECHO + "My name is Ada."),
        ("user", "What is my name?"),
        ("assistant", REMEMBERED),
    ]
    assert [(item.role, item.content[0].text) for item in listed] == texts
    paths = [entry["path"] for entry in server.journal()]
    assert paths.count("/v1/conversations") == 1
    assert paths.count("/v1/responses") == 2
