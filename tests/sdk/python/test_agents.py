"""What agent frameworks rely on, through the official SDK's chat API: a forced `tool_choice`
after a tool message is a call (a named function; "required": the first tool not called yet,
then the last declared), and `logprobs` / `top_logprobs` give per-token entries in plain
answers, raw stream chunks and the stream helper. Bodies are validated against the spec by
conftest (ChatCompletionTokenLogprob included)."""

import json

import openai
import pydantic
import pytest

from conftest import ECHO, parse_helper, raises, stream_helper

MODEL = "gpt-4o-mini"
TEXT = "Hello there, how are you?"


class Search(pydantic.BaseModel):
    query: str


class FinalResult(pydantic.BaseModel):
    """What pydantic-ai declares last and forces with tool_choice "required"."""

    answer: str
    confidence: float


def tools():
    return [openai.pydantic_function_tool(Search), openai.pydantic_function_tool(FinalResult)]


def after_search(client, tool_choice):
    """One round of search: the SDK's call, the tool's result, then the request forcing a tool."""
    messages = [{"role": "user", "content": "find the answer"}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=tools(), tool_choice="required")
    [call] = first.choices[0].message.tool_calls
    assert call.function.name == "Search"
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "42"}]
    return messages, parse_helper(client)(model=MODEL, messages=messages, tools=tools(), tool_choice=tool_choice)


@pytest.mark.parametrize(
    "tool_choice", ["required", {"type": "function", "function": {"name": "FinalResult"}}], ids=["required", "named"]
)
def test_a_forced_tool_choice_after_a_tool_message_is_a_call_the_sdk_parses(client, tool_choice):
    _, completion = after_search(client, tool_choice)
    [choice] = completion.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.function.name == "FinalResult"
    # The strict tool's generated arguments, parsed into the model by the SDK.
    assert isinstance(call.function.parsed_arguments, FinalResult)
    assert call.function.parsed_arguments.answer == "find the answer"


def test_auto_after_a_tool_message_answers_in_text(client):
    messages, _ = after_search(client, "required")
    completion = client.chat.completions.create(model=MODEL, messages=messages, tools=tools(), tool_choice="auto")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].message.content == ECHO + "42"


def test_a_streamed_forced_call_after_a_tool_message(client):
    messages, _ = after_search(client, "required")
    with stream_helper(client)(model=MODEL, messages=messages, tools=tools(), tool_choice="required") as stream:
        final = stream.get_final_completion()
    [call] = final.choices[0].message.tool_calls
    assert call.function.name == "FinalResult"
    assert json.loads(call.function.arguments)["answer"] == "find the answer"


@pytest.fixture(scope="module")
def reply_server():
    from conftest import _server

    yield from _server("--token-delay-ms", "0", "--reply", TEXT)


@pytest.fixture
def rclient(client_for, reply_server):
    return client_for(reply_server)


def check_logprobs(content, top):
    assert [entry.token for entry in content] == ["Hello", " there,", " how", " are", " you?"]
    for entry in content:
        assert entry.bytes == list(entry.token.encode())
        assert -2.5 <= entry.logprob < 0
        assert len(entry.top_logprobs) == top
        values = [alt.logprob for alt in entry.top_logprobs]
        assert values == sorted(values, reverse=True)
        if top:
            assert entry.token in [alt.token for alt in entry.top_logprobs]


def test_logprobs_with_top_logprobs(rclient):
    completion = rclient.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hi"}], logprobs=True, top_logprobs=3
    )
    [choice] = completion.choices
    assert choice.message.content == TEXT
    assert len(choice.logprobs.content) == completion.usage.completion_tokens
    assert len(choice.logprobs.content[0].top_logprobs) == 3
    check_logprobs(choice.logprobs.content, 3)
    assert choice.logprobs.refusal is None
    bare = rclient.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], logprobs=True)
    check_logprobs(bare.choices[0].logprobs.content, 0)
    assert [e.logprob for e in bare.choices[0].logprobs.content] == [e.logprob for e in choice.logprobs.content]
    plain = rclient.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert plain.choices[0].logprobs is None


def test_streamed_logprobs_chunk_by_chunk_and_through_the_helper(rclient):
    messages = [{"role": "user", "content": "hi"}]
    plain = rclient.chat.completions.create(model=MODEL, messages=messages, logprobs=True, top_logprobs=2)
    entries = []
    for chunk in rclient.chat.completions.create(
        model=MODEL, messages=messages, logprobs=True, top_logprobs=2, stream=True
    ):
        [choice] = chunk.choices
        if choice.delta.content:
            [entry] = choice.logprobs.content
            assert entry.token == choice.delta.content
            entries.append(entry)
        else:
            assert choice.logprobs is None
    assert entries == plain.choices[0].logprobs.content
    with stream_helper(rclient)(model=MODEL, messages=messages, logprobs=True, top_logprobs=2) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].logprobs.content == plain.choices[0].logprobs.content


def test_top_logprobs_needs_logprobs_and_is_0_to_20(rclient):
    messages = [{"role": "user", "content": "hi"}]
    for extra in [{"top_logprobs": 2}, {"logprobs": True, "top_logprobs": 21}]:
        err = raises(
            openai.BadRequestError,
            lambda: rclient.chat.completions.create(model=MODEL, messages=messages, **extra),
        )
        assert err.param == "top_logprobs"
