"""pydantic-ai: an agent with a function tool and a structured `output_type` (its final answer is a
forced call to the `final_result` tool, `tool_choice: "required"` on every request), and prompted
output (`PromptedOutput`: the JSON Schema in the instructions, `response_format: json_object`)."""

import asyncio

import pytest
from pydantic import BaseModel, Field
from pydantic_ai import Agent, PromptedOutput
from pydantic_ai.messages import ToolCallPart
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.usage import UsageLimits

from conftest import ECHO, MODEL, assert_inside

# A run that goes wrong loops until pydantic-ai's request limit (50 by default); 5 fails it sooner.
LIMITS = UsageLimits(request_limit=5)

MODELS = {
    "chat": (OpenAIChatModel, "/v1/chat/completions"),
    "responses": (OpenAIResponsesModel, "/v1/responses"),
}


class City(BaseModel):
    name: str
    country: str
    population: int = Field(ge=1, le=50_000_000)


def model_for(server, kind):
    model_class, _ = MODELS[kind]
    return model_class(MODEL, provider=OpenAIProvider(base_url=server.base_url, api_key="sk-test"))


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_an_agent_runs_its_tool_then_returns_the_structured_output(start_server, kind, streamed):
    server = start_server()
    calls = []
    agent = Agent(model_for(server, kind), output_type=City, instructions="Look the city up first.")

    @agent.tool_plain
    def lookup(city: str) -> str:
        """Facts about a city."""
        calls.append(city)
        return f"{city} is large"

    prompt = "Tell me about Paris"
    if streamed:

        async def go():
            async with agent.run_stream(prompt, usage_limits=LIMITS) as stream:
                return await stream.get_output(), stream

        output, stream = asyncio.run(go())
        messages = stream.all_messages()
        requests = sum(1 for message in messages if message.kind == "response")
    else:
        result = agent.run_sync(prompt, usage_limits=LIMITS)
        output, messages, requests = result.output, result.all_messages(), result.usage.requests

    parts = [part for message in messages for part in message.parts if isinstance(part, ToolCallPart)]
    assert [part.tool_name for part in parts] == ["lookup", "final_result"]
    # The tool ran once, with the arguments the model sent.
    assert calls == [parts[0].args_as_dict()["city"]]
    # The final answer is the `final_result` call's arguments, validated into the model.
    assert isinstance(output, City)
    assert output == City.model_validate(parts[1].args_as_dict())
    assert 1 <= output.population <= 50_000_000
    # Two model requests and no retry: the forced call came on the turn after the tool result.
    assert requests == 2
    entries = server.journal()
    bodies = [entry["body"] for entry in entries]
    assert [entry["path"] for entry in entries] == [MODELS[kind][1]] * 2
    assert [body["tool_choice"] for body in bodies] == ["required", "required"]


@pytest.mark.parametrize("kind", list(MODELS))
def test_an_agent_with_text_output_runs_its_tool_with_auto_tool_calls(start_server, kind):
    # With a plain `str` output pydantic-ai leaves `tool_choice` on "auto": only the flag makes
    # the mock call the tool; after the tool result the answer is text that quotes it.
    server = start_server("--auto-tool-calls")
    calls = []
    agent = Agent(model_for(server, kind), instructions="Look the city up first.")

    @agent.tool_plain
    def lookup(city: str) -> str:
        """Facts about a city."""
        calls.append(city)
        return f"{city} is large"

    result = agent.run_sync("Tell me about Paris", usage_limits=LIMITS)

    parts = [part for message in result.all_messages() for part in message.parts if isinstance(part, ToolCallPart)]
    assert [part.tool_name for part in parts] == ["lookup"]
    assert calls == [parts[0].args_as_dict()["city"]] == ["Tell me about Paris"]
    assert result.output == ECHO + "Tell me about Paris is large"
    assert result.usage.requests == 2
    assert [entry["body"]["tool_choice"] for entry in server.journal()] == ["auto", "auto"]


@pytest.mark.parametrize("kind", list(MODELS))
def test_prompted_output_answers_an_instance_of_the_schema_in_the_instructions(start_server, kind):
    server = start_server()
    agent = Agent(model_for(server, kind), output_type=PromptedOutput(City))

    result = agent.run_sync("Tell me about Paris", usage_limits=LIMITS)

    assert isinstance(result.output, City)
    assert result.output.name and result.output.country
    assert_inside(result.output.population, 1, 50_000_000)
    assert result.usage.requests == 1  # no retry after a failed validation
    (entry,) = server.journal()
    body = entry["body"]
    # pydantic-ai asked for JSON mode and put the schema in the instructions, not in the format.
    fmt = body["response_format"] if kind == "chat" else body["text"]["format"]
    assert fmt == {"type": "json_object"}
