"""What agent frameworks rely on, through the official SDK's Responses API: a forced
`tool_choice` after a `function_call_output` is a `function_call` item, `include:
["message.output_text.logprobs"]` with `top_logprobs` puts logprobs on the output text (and on
each streamed delta), and a mid-stream `error` event (flat fields and the nested error) raises
APIError. Collected only for SDKs that have client.responses (conftest.NOT_COLLECTED)."""

import openai
import pytest

from conftest import ECHO

MODEL = "gpt-4o-mini"
TEXT = "Hello there, how are you?"
INCLUDE = ["message.output_text.logprobs"]

TOOLS = [
    {
        "type": "function",
        "name": "search",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"], "additionalProperties": False},
        "strict": True,
    },
    {
        "type": "function",
        "name": "final_result",
        "parameters": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": False},
        "strict": True,
    },
]


def after_search(client):
    """The SDK's own function_call item and its output, as an agent loop sends them back."""
    first = client.responses.create(model=MODEL, input="find the answer", tools=TOOLS, tool_choice="required")
    [call] = first.output
    assert (call.type, call.name) == ("function_call", "search")
    return [
        {"role": "user", "content": "find the answer"},
        call,
        {"type": "function_call_output", "call_id": call.call_id, "output": "42"},
    ]


@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "name": "final_result"}], ids=["required", "named"])
def test_a_forced_tool_choice_after_a_function_call_output_is_a_call(client, tool_choice):
    response = client.responses.create(model=MODEL, input=after_search(client), tools=TOOLS, tool_choice=tool_choice)
    [item] = response.output
    assert (item.type, item.name, item.arguments) == ("function_call", "final_result", '{"answer":"find the answer"}')
    assert response.output_text == ""
    streamed = client.responses.create(
        model=MODEL, input=after_search(client), tools=TOOLS, tool_choice=tool_choice, stream=True
    )
    done = [event for event in streamed if event.type == "response.function_call_arguments.done"]
    assert [event.name for event in done] == ["final_result"]


def test_auto_after_a_function_call_output_answers_in_text(client):
    response = client.responses.create(model=MODEL, input=after_search(client), tools=TOOLS, tool_choice="auto")
    assert response.output_text == ECHO + "42"


@pytest.fixture(scope="module")
def reply_server():
    from conftest import _server

    yield from _server("--token-delay-ms", "0", "--reply", TEXT)


@pytest.fixture
def rclient(client_for, reply_server):
    return client_for(reply_server)


def test_output_text_logprobs_when_included(rclient):
    response = rclient.responses.create(model=MODEL, input="hi", include=INCLUDE, top_logprobs=2)
    [part] = response.output[0].content
    assert part.text == TEXT
    assert [lp.token for lp in part.logprobs] == ["Hello", " there,", " how", " are", " you?"]
    assert len(part.logprobs) == response.usage.output_tokens
    for lp in part.logprobs:
        assert lp.bytes == list(lp.token.encode())
        assert lp.logprob < 0
        assert len(lp.top_logprobs) == 2
        assert lp.token in [top.token for top in lp.top_logprobs]
    plain = rclient.responses.create(model=MODEL, input="hi")
    assert plain.output[0].content[0].logprobs == []


def test_streamed_deltas_carry_their_logprobs(rclient):
    whole = rclient.responses.create(model=MODEL, input="hi", include=INCLUDE, top_logprobs=1)
    expected = whole.output[0].content[0].logprobs
    deltas = [
        event
        for event in rclient.responses.create(model=MODEL, input="hi", include=INCLUDE, top_logprobs=1, stream=True)
        if event.type == "response.output_text.delta"
    ]
    assert [d.delta for d in deltas] == [lp.token for lp in expected]
    for delta, lp in zip(deltas, expected):
        [entry] = delta.logprobs
        assert (entry.token, entry.logprob) == (lp.token, lp.logprob)
        assert [(t.token, t.logprob) for t in entry.top_logprobs] == [(t.token, t.logprob) for t in lp.top_logprobs]
    with rclient.responses.stream(model=MODEL, input="hi", include=INCLUDE, top_logprobs=1) as stream:
        final = stream.get_final_response()
    assert final.output[0].content[0].logprobs == expected


def test_a_mid_stream_error_event_carries_both_shapes_and_raises_api_error(client, wire):
    with pytest.raises(openai.APIError) as caught:
        for _ in client.responses.create(
            model=MODEL, input="x", stream=True, extra_headers={"x-oaimock-stream-error-after": "2"}
        ):
            pass
    err = caught.value
    assert type(err) is openai.APIError
    message = "The server had an error while processing your request. Sorry about that!"
    assert err.message == message
    assert err.body == {"message": message, "type": "server_error", "param": None, "code": None}
    # On the wire, the flat ResponseErrorEvent fields too (conftest validates the event).
    body = bytes(wire[-1].body).decode()
    assert f'event: error\ndata: {{"type":"error","code":null,"message":"{message}","param":null,"error":' in body
