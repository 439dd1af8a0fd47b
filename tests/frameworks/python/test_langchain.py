"""LangChain (`langchain-openai`): `bind_tools` in a tool loop, `with_structured_output` (JSON
Schema and function calling), JSON mode (`method="json_mode"`, the schema written in the prompt
by the user, as LangChain's docs say to), and `logprobs`."""

import json

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from conftest import ECHO, MODEL, assert_inside, assert_logprobs

APIS = {"chat": "/v1/chat/completions", "responses": "/v1/responses"}


def chat_model(server, api="chat", **options):
    return ChatOpenAI(
        model=MODEL,
        base_url=server.base_url,
        api_key="sk-test",
        max_retries=0,
        timeout=10,
        use_responses_api=api == "responses",
        **options,
    )


class Review(BaseModel):
    """A product review."""

    title: str
    stars: int = Field(ge=1, le=5)
    helpful_votes: int = Field(ge=0, le=100_000)


@pytest.mark.parametrize("api", list(APIS))
def test_bind_tools_gives_a_tool_call_the_tool_runs_and_the_answer_quotes_it(start_server, api):
    server = start_server("--auto-tool-calls")
    calls = []

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny and 21 C in {city}"

    model = chat_model(server, api).bind_tools([get_weather])
    messages = [HumanMessage("What is the weather in Paris?")]
    first = model.invoke(messages)
    assert [call["name"] for call in first.tool_calls] == ["get_weather"]
    messages.append(first)
    for call in first.tool_calls:
        result = get_weather.invoke(call)
        assert isinstance(result, ToolMessage) and result.tool_call_id == call["id"]
        messages.append(result)
    final = model.invoke(messages)

    assert calls == [first.tool_calls[0]["args"]["city"]] == ["What is the weather in Paris?"]
    assert final.tool_calls == []
    assert final.text == ECHO + "Sunny and 21 C in What is the weather in Paris?"
    assert [entry["path"] for entry in server.journal()] == [APIS[api]] * 2


def test_bind_tools_with_a_named_tool_choice_calls_that_tool(start_server):
    server = start_server()

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return city

    @tool
    def get_time(zone: str) -> str:
        """The time in a zone."""
        return zone

    model = chat_model(server).bind_tools([get_weather, get_time], tool_choice="get_time")
    message = model.invoke("What time is it in Tokyo?")
    assert [(call["name"], call["args"]) for call in message.tool_calls] == [
        ("get_time", {"zone": "What time is it in Tokyo?"})
    ]
    assert get_time.invoke(message.tool_calls[0]).content == "What time is it in Tokyo?"


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_with_structured_output_gives_a_validated_object_with_plausible_integers(start_server, method):
    server = start_server()
    structured = chat_model(server).with_structured_output(Review, method=method, include_raw=True)

    result = structured.invoke("Review the new phone")

    assert result["parsing_error"] is None
    review = result["parsed"]
    assert isinstance(review, Review)
    assert review.title
    assert_inside(review.stars, 1, 5)
    assert_inside(review.helpful_votes, 0, 100_000)
    (entry,) = server.journal()
    if method == "json_schema":
        assert entry["body"]["response_format"]["type"] == "json_schema"
    else:
        assert entry["body"]["tool_choice"] == {"type": "function", "function": {"name": "Review"}}


def test_json_mode_answers_an_instance_of_the_schema_written_in_the_prompt(start_server):
    server = start_server()
    structured = chat_model(server).with_structured_output(Review, method="json_mode", include_raw=True)
    schema = json.dumps(Review.model_json_schema())

    result = structured.invoke(
        [
            SystemMessage(f"Answer in JSON that matches this JSON Schema:\n```json\n{schema}\n```"),
            HumanMessage("Review the new phone"),
        ]
    )

    assert result["parsing_error"] is None
    review = result["parsed"]
    assert isinstance(review, Review)
    assert review.title
    assert_inside(review.stars, 1, 5)
    assert_inside(review.helpful_votes, 0, 100_000)
    (entry,) = server.journal()
    assert entry["body"]["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
def test_logprobs_come_back_per_token_in_the_response_metadata(start_server, streamed):
    server = start_server()
    model = chat_model(server, logprobs=True, top_logprobs=2)

    if streamed:
        message = None
        for chunk in model.stream("Say hello to the mock"):
            message = chunk if message is None else message + chunk
    else:
        message = model.invoke("Say hello to the mock")

    assert message.text == ECHO + "Say hello to the mock"
    assert_logprobs(message.response_metadata["logprobs"]["content"], message.text, top=2)
    (entry,) = server.journal()
    assert entry["body"]["logprobs"] is True and entry["body"]["top_logprobs"] == 2
