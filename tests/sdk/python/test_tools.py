"""Tool calls and refusals in chat.completions through the official SDK: scripted
parallel calls (plain, streamed raw and through the stream helper), an agent loop that ends,
`tool_choice` "required"/named without fixtures (arguments valid against the tool's schema), strict
pydantic tools, and scripted refusals. Fixture rules: tests/sdk/fixtures/tools.json."""

import json

import jsonschema
import openai
import pydantic
import pytest

from conftest import ECHO, parse_helper, stream_helper
from schemas import format_checker

MODEL = "gpt-4o-mini"
WEATHER = "What is the weather in Paris right now?"

# What tests/sdk/fixtures/tools.json scripts for WEATHER: (name, arguments as JSON).
SCRIPTED = [
    ("get_weather", {"city": "Paris", "unit": "celsius", "days": [1, 2]}),
    ("get_time", {"tz": "Europe/Paris", "format": "24h"}),
]

TOOLS = [
    {
        "type": "function",
        "function": {
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
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "The local time in a time zone.",
            "parameters": {
                "type": "object",
                "properties": {"tz": {"type": "string"}, "format": {"type": "string", "enum": ["12h", "24h"]}},
                "required": ["tz", "format"],
                "additionalProperties": False,
            },
        },
    },
]


def weather_messages():
    return [{"role": "system", "content": "Use the tools."}, {"role": "user", "content": WEATHER}]


def calls_of(message):
    """`[(name, parsed arguments)]` of a message's tool calls."""
    return [(call.function.name, json.loads(call.function.arguments)) for call in message.tool_calls]


def check_tool_call_message(choice):
    message = choice.message
    assert choice.finish_reason == "tool_calls"
    assert message.role == "assistant"
    assert message.content is None
    assert message.refusal is None
    assert calls_of(message) == SCRIPTED
    ids = [call.id for call in message.tool_calls]
    assert all(i.startswith("call_") and len(i) > len("call_") for i in ids)
    assert len(set(ids)) == len(ids), "parallel calls need distinct ids"
    assert {call.type for call in message.tool_calls} == {"function"}


def test_scripted_parallel_calls_plain(client_for, scripted_server):
    client = client_for(scripted_server)
    completion = client.chat.completions.create(model=MODEL, messages=weather_messages(), tools=TOOLS)
    [choice] = completion.choices
    check_tool_call_message(choice)
    # Arguments scripted as a string are sent verbatim, as an object as compact JSON text.
    as_object, as_string = [c.function.arguments for c in choice.message.tool_calls]
    assert as_string == '{"tz":"Europe/Paris","format":"24h"}'
    assert " " not in as_object and json.loads(as_object) == SCRIPTED[0][1]
    usage = completion.usage
    assert usage.completion_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_scripted_parallel_calls_raw_stream(client_for, scripted_server):
    """The API's raw stream layout for tool calls: a role chunk with `content: null`, then per
    call one fragment with `id`, `type` and `name` (arguments ""), then argument fragments with
    only `index`, in index order."""
    client = client_for(scripted_server)
    chunks = list(client.chat.completions.create(model=MODEL, messages=weather_messages(), tools=TOOLS, stream=True))
    first = chunks[0].choices[0]
    assert (first.delta.role, first.delta.content, first.delta.tool_calls) == ("assistant", None, None)
    fragments = [tc for chunk in chunks[1:-1] for tc in chunk.choices[0].delta.tool_calls or []]
    assert len(fragments) == sum(1 for chunk in chunks[1:-1] if chunk.choices[0].delta.tool_calls)
    heads = [f for f in fragments if f.id is not None]
    assert [(f.index, f.type, f.function.name, f.function.arguments) for f in heads] == [
        (0, "function", "get_weather", ""),
        (1, "function", "get_time", ""),
    ]
    indices = [f.index for f in fragments]
    assert indices == sorted(indices), "calls stream in index order"
    for index, (name, arguments) in enumerate(SCRIPTED):
        mine = [f for f in fragments if f.index == index]
        assert mine[0].id is not None and all(f.id is None and f.type is None for f in mine[1:])
        assert all(f.function.name is None for f in mine[1:]), "the name comes once"
        assert json.loads("".join(f.function.arguments for f in mine)) == arguments
        assert len(mine) > 2, "arguments are streamed in several fragments"
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["tool_calls"]
    assert chunks[-1].choices[0].delta.tool_calls is None


def test_stream_helper_final_completion_has_the_same_calls(client_for, scripted_server):
    client = client_for(scripted_server)
    plain = client.chat.completions.create(model=MODEL, messages=weather_messages(), tools=TOOLS)
    done_events = []
    with stream_helper(client)(model=MODEL, messages=weather_messages(), tools=TOOLS) as stream:
        for event in stream:
            if event.type == "tool_calls.function.arguments.done":
                done_events.append((event.name, json.loads(event.arguments)))
        final = stream.get_final_completion()
    [choice] = final.choices
    check_tool_call_message(choice)
    assert calls_of(choice.message) == calls_of(plain.choices[0].message)
    assert done_events == SCRIPTED
    # Non-strict tools: the helper leaves the arguments unparsed.
    assert [call.function.parsed_arguments for call in choice.message.tool_calls] == [None, None]


def test_agent_loop_ends_with_text_quoting_the_results(client_for, scripted_server):
    client = client_for(scripted_server)

    def get_weather(city, unit, days):
        return json.dumps({"city": city, "temperature": 21, "unit": unit, "days": len(days)})

    def get_time(tz, format):
        return f"14:05 in {tz} ({format})"

    functions = {"get_weather": get_weather, "get_time": get_time}
    messages = weather_messages()
    results = []
    for turn in range(5):
        completion = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
        message = completion.choices[0].message
        if not message.tool_calls:
            break
        messages.append(message)  # the SDK's own message object goes back as the assistant turn
        for call in message.tool_calls:
            result = functions[call.function.name](**json.loads(call.function.arguments))
            results.append(result)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    else:
        pytest.fail("the agent loop did not end")
    assert turn == 1, "one round of tool calls, then the answer"
    assert completion.choices[0].finish_reason == "stop"
    assert message.content == ECHO + "\n".join(results)
    assert message.tool_calls is None and message.refusal is None
    sent = [m if isinstance(m, dict) else m.model_dump() for m in messages]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "tool"]


def test_agent_loop_with_sequence_rules_in_a_temp_fixture_file(client_for, server_with_rules):
    """The fixture-file option with rules the test writes: a sequence scripts two rounds of calls
    (arguments as a string with non-ASCII text), then the answer."""
    rules = [
        {
            "match": {"endpoint": "chat", "tool": "search"},
            "reply": {
                "sequence": [
                    {"tool_calls": [{"name": "search", "arguments": '{"q":"crème brûlée"}'}]},
                    {"tool_calls": [{"name": "search", "arguments": {"q": "recipe ✓"}}]},
                    {"text": "Here is your recipe."},
                ]
            },
        }
    ]
    client = client_for(server_with_rules(rules))
    tools = [{"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}]
    messages = [{"role": "user", "content": "Find a dessert"}]
    queries = []
    for _ in range(5):
        message = client.chat.completions.create(model=MODEL, messages=messages, tools=tools).choices[0].message
        if not message.tool_calls:
            break
        messages.append(message)
        for call in message.tool_calls:
            queries.append(json.loads(call.function.arguments)["q"])
            messages.append({"role": "tool", "tool_call_id": call.id, "content": "found it"})
    assert queries == ["crème brûlée", "recipe ✓"]
    assert message.content == "Here is your recipe."


# ---------------------------------------------------------------- tool_choice without fixtures

CALENDAR = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3, "maxLength": 80},
        "start": {"type": "string", "format": "date-time"},
        "attendees": {
            "type": "array",
            "minItems": 2,
            "maxItems": 5,
            "items": {
                "type": "object",
                "properties": {"email": {"type": "string", "format": "email"}, "optional": {"type": "boolean"}},
                "required": ["email", "optional"],
                "additionalProperties": False,
            },
        },
        "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 480, "multipleOf": 15},
        "room": {"anyOf": [{"type": "string", "enum": ["A", "B"]}, {"type": "null"}]},
        "priority": {"type": "string", "enum": ["low", "normal", "high"]},
    },
    "required": ["title", "start", "attendees", "duration_minutes", "room", "priority"],
    "additionalProperties": False,
}
SCHEDULE_TOOLS = [
    {"type": "function", "function": {"name": "lookup_contact", "parameters": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}},
    {"type": "function", "function": {"name": "create_event", "description": "Book a meeting.", "parameters": CALENDAR}},
]
BOOK = "Please create_event for the design review"


def check_generated_call(completion, name):
    [choice] = completion.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.id.startswith("call_") and call.type == "function"
    assert call.function.name == name
    arguments = json.loads(call.function.arguments)
    schema = next(t["function"]["parameters"] for t in SCHEDULE_TOOLS if t["function"]["name"] == name)
    jsonschema.Draft202012Validator(schema, format_checker=format_checker()).validate(arguments)
    return arguments


def test_tool_choice_required_calls_the_mentioned_tool_with_valid_arguments(client):
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": BOOK}], tools=SCHEDULE_TOOLS, tool_choice="required"
    )
    arguments = check_generated_call(completion, "create_event")
    assert arguments["title"] == BOOK  # the first free string holds the user message


def test_tool_choice_required_without_a_mention_calls_the_first_tool(client):
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Who is Ada?"}], tools=SCHEDULE_TOOLS, tool_choice="required"
    )
    arguments = check_generated_call(completion, "lookup_contact")
    assert arguments["name"] == "Who is Ada?"


def test_named_tool_choice_streamed_through_the_helper(client):
    choice = {"type": "function", "function": {"name": "create_event"}}
    plain = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Book it"}], tools=SCHEDULE_TOOLS, tool_choice=choice)
    expected = check_generated_call(plain, "create_event")
    with stream_helper(client)(model=MODEL, messages=[{"role": "user", "content": "Book it"}], tools=SCHEDULE_TOOLS, tool_choice=choice) as stream:
        final = stream.get_final_completion()
    assert check_generated_call(final, "create_event") == expected


def test_tool_choice_none_answers_in_text(client):
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": BOOK}], tools=SCHEDULE_TOOLS, tool_choice="none"
    )
    assert completion.choices[0].message.content == ECHO + BOOK
    assert completion.choices[0].message.tool_calls is None


def test_tool_choice_required_after_a_tool_result_calls_again_and_auto_ends_the_loop(client):
    """As the API does, "required" always calls: after a tool result, the first tool not called
    yet, then (all called) the last declared; "auto" answers the result in text."""
    messages = [{"role": "user", "content": BOOK}]
    names = []
    for _ in range(3):
        completion = client.chat.completions.create(
            model=MODEL, messages=messages, tools=SCHEDULE_TOOLS, tool_choice="required"
        )
        [call] = completion.choices[0].message.tool_calls
        names.append(call.function.name)
        check_generated_call(completion, call.function.name)
        messages += [completion.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "booked: room A"}]
    assert names == ["create_event", "lookup_contact", "create_event"]
    last = client.chat.completions.create(model=MODEL, messages=messages, tools=SCHEDULE_TOOLS, tool_choice="auto")
    assert last.choices[0].finish_reason == "stop"
    assert last.choices[0].message.content == ECHO + "booked: room A"


class Meeting(pydantic.BaseModel):
    title: str
    minutes: int = pydantic.Field(ge=15, le=120)
    priority: str = pydantic.Field(json_schema_extra={"enum": ["low", "high"]})


class Lookup(pydantic.BaseModel):
    name: str


def test_strict_pydantic_tool_arguments_are_parsed_by_parse(client):
    """`openai.pydantic_function_tool` makes a strict tool; `parse` turns the generated arguments
    into the model (and would raise if they did not validate)."""
    tools = [openai.pydantic_function_tool(Lookup), openai.pydantic_function_tool(Meeting)]
    completion = parse_helper(client)(
        model=MODEL, messages=[{"role": "user", "content": "Schedule a Meeting"}], tools=tools, tool_choice="required"
    )
    [call] = completion.choices[0].message.tool_calls
    assert call.function.name == "Meeting"
    meeting = call.function.parsed_arguments
    assert isinstance(meeting, Meeting)
    assert meeting.title == "Schedule a Meeting"
    assert 15 <= meeting.minutes <= 120 and meeting.priority in ("low", "high")
    with stream_helper(client)(
        model=MODEL, messages=[{"role": "user", "content": "Schedule a Meeting"}], tools=tools, tool_choice="required"
    ) as stream:
        events = [e for e in stream if e.type == "tool_calls.function.arguments.done"]
        final = stream.get_final_completion()
    assert [e.parsed_arguments for e in events] == [meeting]
    assert final.choices[0].message.tool_calls[0].function.parsed_arguments == meeting


# ---------------------------------------------------------------- refusals


def test_scripted_refusal_plain(client_for, scripted_server):
    client = client_for(scripted_server)
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "build a bomb"}])
    [choice] = completion.choices
    assert choice.message.refusal == "I can't help with that."
    assert choice.message.content is None
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"


def test_scripted_refusal_streamed(client_for, scripted_server):
    client = client_for(scripted_server)
    chunks = list(client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "build a bomb"}], stream=True))
    first = chunks[0].choices[0].delta
    assert (first.role, first.content, first.refusal) == ("assistant", None, "")
    assert "".join(c.choices[0].delta.refusal or "" for c in chunks) == "I can't help with that."
    assert all(c.choices[0].delta.content is None for c in chunks)
    refusal_deltas = []
    with stream_helper(client)(model=MODEL, messages=[{"role": "user", "content": "build a bomb"}]) as stream:
        for event in stream:
            if event.type == "refusal.delta":
                refusal_deltas.append(event.delta)
            assert event.type != "content.delta"
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert (message.refusal, message.content, message.parsed) == ("I can't help with that.", None, None)
    assert "".join(refusal_deltas) == "I can't help with that."


def test_scripted_refusal_through_parse(client_for, scripted_server):
    client = client_for(scripted_server)
    completion = parse_helper(client)(model=MODEL, messages=[{"role": "user", "content": "build a bomb"}], response_format=Lookup)
    message = completion.choices[0].message
    assert (message.refusal, message.content, message.parsed) == ("I can't help with that.", None, None)


def test_strict_response_validation_of_calls_and_refusals(client_for, scripted_server):
    strict = client_for(scripted_server, _strict_response_validation=True)
    completion = strict.chat.completions.create(model=MODEL, messages=weather_messages(), tools=TOOLS)
    check_tool_call_message(completion.choices[0])
    chunks = list(strict.chat.completions.create(model=MODEL, messages=weather_messages(), tools=TOOLS, stream=True))
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    with stream_helper(strict)(model=MODEL, messages=weather_messages(), tools=TOOLS) as stream:
        check_tool_call_message(stream.get_final_completion().choices[0])
    refusal = strict.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "build a bomb"}])
    assert refusal.choices[0].message.refusal == "I can't help with that."
