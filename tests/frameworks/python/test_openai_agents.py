"""The OpenAI Agents SDK (`openai-agents`): a Runner with a function tool on both model classes
(Responses and chat completions), plain and streamed, and a handoff. Agents leave `tool_choice`
to the model ("auto"), so the server runs with `--auto-tool-calls`."""

import asyncio
import json

import pytest
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    StopAtTools,
    function_tool,
    set_tracing_disabled,
)
from agents.items import HandoffCallItem, HandoffOutputItem, MessageOutputItem, ToolCallItem, ToolCallOutputItem
from openai import AsyncOpenAI

from conftest import ECHO, MODEL, assert_logprobs

# Traces would be exported to OpenAI's servers; there is nothing to export them to here.
set_tracing_disabled(True)

MODELS = {
    "responses": (OpenAIResponsesModel, "/v1/responses"),
    "chat": (OpenAIChatCompletionsModel, "/v1/chat/completions"),
}


def model_for(server, kind):
    model_class, _ = MODELS[kind]
    client = AsyncOpenAI(api_key="sk-test", base_url=server.base_url, max_retries=0, timeout=10)
    return model_class(model=MODEL, openai_client=client)


def weather_tool(calls):
    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny and 21 C in {city}"

    return get_weather


async def run(agent, prompt, streamed):
    """Runs the agent; streamed, it also returns the names of the run item events in order."""
    if not streamed:
        return await Runner.run(agent, prompt), None
    result = Runner.run_streamed(agent, prompt)
    names = [event.name async for event in result.stream_events() if event.type == "run_item_stream_event"]
    return result, names


def arguments_of(item):
    raw = item.raw_item
    return json.loads(raw.arguments if hasattr(raw, "arguments") else raw["arguments"])


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_a_runner_runs_its_function_tool_and_answers_with_the_result(start_server, kind, streamed):
    server = start_server("--auto-tool-calls")
    calls = []
    agent = Agent(
        name="weather",
        instructions="Answer weather questions with the tool.",
        tools=[weather_tool(calls)],
        model=model_for(server, kind),
    )
    prompt = "What is the weather in Paris?"
    result, events = asyncio.run(run(agent, prompt, streamed))

    kinds = [type(item) for item in result.new_items]
    assert kinds == [ToolCallItem, ToolCallOutputItem, MessageOutputItem]
    call, output, _ = result.new_items
    # The tool ran once, with exactly the arguments the model sent (generated from its schema,
    # the prompt in the free string), and its result went back to the model.
    assert calls == [arguments_of(call)["city"]] == [prompt]
    assert output.output == f"Sunny and 21 C in {prompt}"
    assert result.final_output == ECHO + output.output
    if streamed:
        assert events == ["tool_called", "tool_output", "message_output_created"]
    requests = server.journal()
    assert [entry["path"] for entry in requests] == [MODELS[kind][1]] * 2
    assert all(entry["body"].get("stream", False) is streamed for entry in requests)


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_a_handoff_moves_the_run_to_the_other_agent(start_server, kind, streamed):
    server = start_server("--auto-tool-calls")
    billing = Agent(name="billing", instructions="Answer billing questions.", model=model_for(server, kind))
    triage = Agent(
        name="triage",
        instructions="Hand billing questions to the billing agent.",
        handoffs=[billing],
        model=model_for(server, kind),
    )
    result, events = asyncio.run(run(triage, "I was charged twice", streamed))

    assert result.last_agent is billing
    assert [type(item) for item in result.new_items] == [HandoffCallItem, HandoffOutputItem, MessageOutputItem]
    handoff_call, handoff_output, message = result.new_items
    assert handoff_call.agent is triage and message.agent is billing
    assert (handoff_output.source_agent, handoff_output.target_agent) == (triage, billing)
    # The billing agent's model saw the handoff's result and answered after it.
    assert result.final_output == ECHO + '{"assistant": "billing"}'
    if streamed:
        assert events == ["handoff_requested", "handoff_occured", "message_output_created"]
    bodies = [entry["body"] for entry in server.journal()]
    assert len(bodies) == 2
    names = [tool.get("name") or tool["function"]["name"] for tool in bodies[0]["tools"]]
    assert names == ["transfer_to_billing"]
    assert "tools" not in bodies[1] or not bodies[1]["tools"]


@pytest.mark.parametrize("kind", list(MODELS))
def test_a_forced_tool_choice_runs_every_tool_until_the_stop_tool(start_server, kind):
    # A common way to make an agent end on a tool: `tool_choice: "required"` kept on every turn
    # (`reset_tool_choice=False`) and `StopAtTools`. The real API must call a tool on every turn,
    # so the run reaches `finish` after `lookup`; no `--auto-tool-calls` is needed.
    server = start_server()
    calls = []

    @function_tool
    def lookup(topic: str) -> str:
        """Look a topic up."""
        calls.append(("lookup", topic))
        return f"notes on {topic}"

    @function_tool
    def finish(summary: str) -> str:
        """Give the final answer."""
        calls.append(("finish", summary))
        return f"final: {summary}"

    agent = Agent(
        name="researcher",
        instructions="Look the topic up, then finish.",
        tools=[lookup, finish],
        model=model_for(server, kind),
        model_settings=ModelSettings(tool_choice="required"),
        reset_tool_choice=False,
        tool_use_behavior=StopAtTools(stop_at_tool_names=["finish"]),
    )
    result = asyncio.run(Runner.run(agent, "Research the Eiffel Tower", max_turns=4))

    assert [name for name, _ in calls] == ["lookup", "finish"]
    tool_calls = [item for item in result.new_items if isinstance(item, ToolCallItem)]
    assert [(item.raw_item.name if hasattr(item.raw_item, "name") else item.raw_item["name"]) for item in tool_calls] == [
        "lookup",
        "finish",
    ]
    assert calls[0][1] == arguments_of(tool_calls[0])["topic"]
    assert calls[1][1] == arguments_of(tool_calls[1])["summary"]
    assert result.final_output == f"final: {calls[1][1]}"
    bodies = [entry["body"] for entry in server.journal()]
    assert [body["tool_choice"] for body in bodies] == ["required", "required"]


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_logprobs_reach_the_run_result(start_server, kind, streamed):
    # `top_logprobs` asks the Responses API for `include: ["message.output_text.logprobs"]` and the
    # chat API for `logprobs: true`; either way the SDK puts them on the output text.
    server = start_server()
    agent = Agent(
        name="speaker",
        instructions="Say it.",
        model=model_for(server, kind),
        model_settings=ModelSettings(top_logprobs=2),
    )
    result, _ = asyncio.run(run(agent, "Say hello to the mock", streamed))

    assert result.final_output == ECHO + "Say hello to the mock"
    (message,) = result.raw_responses[-1].output
    (text,) = message.content
    assert text.text == result.final_output
    assert_logprobs(text.logprobs, text.text, top=2)
    (entry,) = server.journal()
    if kind == "responses":
        assert entry["body"]["include"] == ["message.output_text.logprobs"]
    else:
        assert entry["body"]["logprobs"] is True
    assert entry["body"]["top_logprobs"] == 2
