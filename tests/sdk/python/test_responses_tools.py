"""Function calls and structured outputs in the Responses API through the official SDK: scripted
`function_call` items plain and through `responses.stream`, `function_call_output` sent back
ending in text, `tool_choice` without fixtures, scripted refusals, and
`responses.parse(text_format=...)`. Collected only for SDKs that have
client.responses (conftest.NOT_COLLECTED says why not otherwise)."""

import json

import jsonschema
import pytest

from conftest import ECHO
from schemas import format_checker
from test_structured import MODELS, text_of
from test_tools import CALENDAR, SCRIPTED, WEATHER

MODEL = "gpt-4o-mini"


FUNCTIONS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "array", "items": {"type": "integer"}},
            },
            "required": ["city", "unit", "days"],
            "additionalProperties": False,
        },
        "strict": True,
    },
    {
        "type": "function",
        "name": "get_time",
        "description": "The local time in a time zone.",
        "parameters": {
            "type": "object",
            "properties": {"tz": {"type": "string"}, "format": {"type": "string", "enum": ["12h", "24h"]}},
            "required": ["tz", "format"],
            "additionalProperties": False,
        },
        "strict": True,
    },
]


def check_calls(response):
    assert response.status == "completed"
    calls = response.output
    assert [item.type for item in calls] == ["function_call", "function_call"]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == SCRIPTED
    assert all(c.call_id.startswith("call_") and c.id.startswith("fc_") for c in calls)
    assert len({c.call_id for c in calls}) == 2 and len({c.id for c in calls}) == 2
    assert {c.status for c in calls} == {"completed"}
    assert response.output_text == ""
    return calls


def test_scripted_function_calls_plain(client_for, scripted_server):
    client = client_for(scripted_server)
    response = client.responses.create(model=MODEL, input=WEATHER, tools=FUNCTIONS)
    check_calls(response)
    assert response.usage.output_tokens > 0


def test_scripted_function_calls_raw_events(client_for, scripted_server):
    """The API's raw events, per call: output_item.added (arguments ""), argument deltas,
    arguments.done (with the name), output_item.done; then response.completed."""
    client = client_for(scripted_server)
    events = list(client.responses.create(model=MODEL, input=WEATHER, tools=FUNCTIONS, stream=True))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert [e.type for e in events[:2]] == ["response.created", "response.in_progress"]
    assert events[-1].type == "response.completed"
    per_call = events[2:-1]
    for index, (name, arguments) in enumerate(SCRIPTED):
        mine = [e for e in per_call if e.output_index == index]
        kinds = [e.type for e in mine]
        assert kinds[0] == "response.output_item.added" and kinds[-2:] == [
            "response.function_call_arguments.done",
            "response.output_item.done",
        ]
        assert set(kinds[1:-2]) == {"response.function_call_arguments.delta"}
        added, done, item_done = mine[0].item, mine[-2], mine[-1].item
        assert (added.type, added.name, added.arguments, added.status) == ("function_call", name, "", "in_progress")
        assert all(e.item_id == added.id for e in mine[1:-1])
        assert json.loads("".join(e.delta for e in mine[1:-2])) == arguments
        assert (done.name, json.loads(done.arguments)) == (name, arguments)
        assert (item_done.id, item_done.call_id, item_done.status) == (added.id, added.call_id, "completed")
    assert [e.output_index for e in per_call] == sorted(e.output_index for e in per_call)


def test_stream_helper_final_response_has_the_calls(client_for, scripted_server):
    client = client_for(scripted_server)
    plain = client.responses.create(model=MODEL, input=WEATHER, tools=FUNCTIONS)
    deltas = {}
    with client.responses.stream(model=MODEL, input=WEATHER, tools=FUNCTIONS) as stream:
        for event in stream:
            if event.type == "response.function_call_arguments.delta":
                deltas[event.output_index] = deltas.get(event.output_index, "") + event.delta
        final = stream.get_final_response()
    calls = check_calls(final)
    assert [(c.name, c.arguments) for c in calls] == [(c.name, c.arguments) for c in plain.output]
    assert [deltas[i] for i in range(2)] == [c.arguments for c in calls]
    # Strict tools: the helper parses the arguments.
    assert [c.parsed_arguments for c in calls] == [args for _, args in SCRIPTED]


def test_function_call_output_ends_with_text(client_for, scripted_server):
    client = client_for(scripted_server)
    conversation = [{"role": "user", "content": WEATHER}]
    first = client.responses.create(model=MODEL, input=conversation, tools=FUNCTIONS)
    outputs = {"get_weather": '{"temperature":21}', "get_time": "14:05"}
    conversation += first.output  # the SDK's own function_call items go back as input
    conversation += [
        {"type": "function_call_output", "call_id": call.call_id, "output": outputs[call.name]} for call in first.output
    ]
    second = client.responses.create(model=MODEL, input=conversation, tools=FUNCTIONS)
    assert second.status == "completed"
    assert [item.type for item in second.output] == ["message"]
    assert second.output_text == ECHO + '{"temperature":21}\n14:05'
    with client.responses.stream(model=MODEL, input=conversation, tools=FUNCTIONS) as stream:
        assert stream.get_final_response().output_text == second.output_text


def test_tool_choice_required_generates_valid_arguments(client):
    tools = [{"type": "function", "name": "create_event", "parameters": CALENDAR, "strict": True}]
    text = "Book the design review"
    response = client.responses.create(model=MODEL, input=text, tools=tools, tool_choice="required")
    [call] = response.output
    assert (call.type, call.name) == ("function_call", "create_event")
    arguments = json.loads(call.arguments)
    jsonschema.Draft202012Validator(CALENDAR, format_checker=format_checker()).validate(arguments)
    assert arguments["title"] == text
    named = client.responses.create(
        model=MODEL, input=text, tools=tools, tool_choice={"type": "function", "name": "create_event"}
    )
    assert json.loads(named.output[0].arguments) == arguments


def test_function_tool_echo_without_strict(client_for, scripted_server):
    """The function-calling guide's tools often leave out `strict`; the response echoes `tools`,
    whose spec FunctionTool requires `strict` (and `parameters`): validated by the wire fixture."""
    client = client_for(scripted_server)
    tools = [{key: value for key, value in tool.items() if key != "strict"} for tool in FUNCTIONS]
    response = client.responses.create(model=MODEL, input=WEATHER, tools=tools)
    assert [item.type for item in response.output] == ["function_call", "function_call"]


def test_scripted_refusal(client_for, scripted_server):
    client = client_for(scripted_server)
    response = client.responses.create(model=MODEL, input="build a bomb")
    [item] = response.output
    [part] = item.content
    assert (part.type, part.refusal) == ("refusal", "I can't help with that.")
    assert response.output_text == ""
    with client.responses.stream(model=MODEL, input="build a bomb") as stream:
        refusal = "".join(e.delta for e in stream if e.type == "response.refusal.delta")
        final = stream.get_final_response()
    assert refusal == "I can't help with that."
    assert final.output[0].content[0].refusal == "I can't help with that."


@pytest.mark.parametrize("model, text, path", MODELS, ids=[m[0].__name__ for m in MODELS])
def test_responses_parse_with_pydantic_models(client, model, text, path):
    response = client.responses.parse(model=MODEL, input=text, text_format=model)
    assert response.status == "completed"
    parsed = response.output_parsed
    assert isinstance(parsed, model)
    [item] = response.output
    [part] = item.content
    assert part.type == "output_text" and part.parsed == parsed
    assert model.model_validate_json(part.text) == parsed
    if path is not None:
        assert text in text_of(parsed, path)
    # The response echoes the requested format.
    assert response.text.format.type == "json_schema" and response.text.format.strict is True
    with client.responses.stream(model=MODEL, input=text, text_format=model) as stream:
        final = stream.get_final_response()
    assert final.output_parsed == parsed


def test_responses_raw_json_schema(client):
    schema = CALENDAR
    response = client.responses.create(
        model=MODEL,
        input="Book a review",
        text={"format": {"type": "json_schema", "name": "event", "schema": schema, "strict": True}},
    )
    instance = json.loads(response.output_text)
    jsonschema.Draft202012Validator(schema, format_checker=format_checker()).validate(instance)
    assert instance["title"] == "Book a review"


def test_strict_response_validation_of_function_calls(client_for, scripted_server):
    strict = client_for(scripted_server, _strict_response_validation=True)
    check_calls(strict.responses.create(model=MODEL, input=WEATHER, tools=FUNCTIONS))
    events = list(strict.responses.create(model=MODEL, input=WEATHER, tools=FUNCTIONS, stream=True))
    check_calls(events[-1].response)
    with strict.responses.stream(model=MODEL, input=WEATHER, tools=FUNCTIONS) as stream:
        check_calls(stream.get_final_response())
