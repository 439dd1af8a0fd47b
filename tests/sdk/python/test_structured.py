"""Structured outputs in chat.completions through the official SDK: the SDK's `parse`
(and stream helper) with pydantic models, plain and streamed, and strict response validation. No
fixtures: the server builds an instance of the schema whose first free string is the user's
message. Raw `json_schema` formats and JSON mode are in test_structured_schemas.py."""

import datetime
import enum
import json
from typing import List, Literal, Optional, Union

import jsonschema
import pydantic
import pytest
from pydantic import conint, constr

from conftest import parse_helper, stream_helper
from schemas import format_checker

MODEL = "gpt-4o-2024-08-06"


# ---------------------------------------------------------------- pydantic models


class Country(str, enum.Enum):
    FRANCE = "FR"
    GERMANY = "DE"


class Address(pydantic.BaseModel):
    street: str
    city: str
    country: Country
    postcode: constr(min_length=5, max_length=5)


class Person(pydantic.BaseModel):
    """Nested model, an Enum (through $ref), constrained ints, Optional fields, constrained lists."""

    name: str
    age: conint(ge=18, le=130)
    nickname: Optional[str]
    home: Address
    previous: List[Address]
    scores: List[conint(ge=1, le=10)] = pydantic.Field(min_length=2, max_length=4)


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Task(pydantic.BaseModel):
    title: str
    status: Literal["todo", "doing", "done"]
    priority: Priority
    due: datetime.date
    created_at: datetime.datetime
    estimate_hours: Optional[float] = pydantic.Field(ge=0.5, le=40)


class Plan(pydantic.BaseModel):
    """Lists of nested models, dates and datetimes, a Literal, an IntEnum."""

    summary: str
    tasks: List[Task] = pydantic.Field(min_length=1, max_length=3)
    kind: Literal["personal", "work"]
    deadline: Optional[datetime.datetime]


class Circle(pydantic.BaseModel):
    shape: Literal["circle"]
    radius: float = pydantic.Field(gt=0)


class Square(pydantic.BaseModel):
    shape: Literal["square"]
    side: float = pydantic.Field(gt=0)


class Drawing(pydantic.BaseModel):
    """A union of models (anyOf), a nullable nested model, a list of strings."""

    caption: str
    figure: Union[Circle, Square]
    frame: Optional[Square]
    labels: List[str]


class Node(pydantic.BaseModel):
    """A recursive model: the schema refers to itself."""

    label: str
    children: List["Node"]


Node.model_rebuild()


class Flags(pydantic.BaseModel):
    """Only non-string fields: no free string to hold the message."""

    enabled: bool
    ratio: float
    count: int
    mode: Literal["fast", "safe"]


def first_leaf(node, children):
    """Follows the first child down to a node without children: `children` sorts before the
    name keys, so the first free string of a recursive instance is its first leaf's."""
    while getattr(node, children):
        node = getattr(node, children)[0]
    return node


def text_of(model, path):
    """The value at `path` (dotted, with list indices; or a function) of a parsed model."""
    if callable(path):
        return path(model)
    value = model
    for part in path.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


# (model, user text, dotted path of the field that holds the text, or None when no free string
# can: the first free string in the generator's key order, see tests/fixtures/README.md)
MODELS = [
    (Person, "Describe Ada Lovelace", "home.city"),
    (Plan, "Plan my week", "summary"),
    (Drawing, "Draw a circle", "caption"),
    (Node, "Make a tree", lambda tree: first_leaf(tree, "children").label),
    (Flags, "Set the flags", None),
]


def check_parsed(message, model, text, path):
    assert message.refusal is None
    parsed = message.parsed
    assert isinstance(parsed, model)
    # The content is the JSON text of the parsed object.
    assert model.model_validate_json(message.content) == parsed
    if path is not None:
        assert text in text_of(parsed, path)
    return parsed


@pytest.mark.parametrize("model, text, path", MODELS, ids=[m[0].__name__ for m in MODELS])
def test_parse_with_pydantic_models(client, model, text, path):
    completion = parse_helper(client)(model=MODEL, messages=[{"role": "user", "content": text}], response_format=model)
    [choice] = completion.choices
    assert choice.finish_reason == "stop"
    check_parsed(choice.message, model, text, path)


@pytest.mark.parametrize("model, text, path", MODELS, ids=[m[0].__name__ for m in MODELS])
def test_stream_helper_with_pydantic_models(client, model, text, path):
    reference = parse_helper(client)(model=MODEL, messages=[{"role": "user", "content": text}], response_format=model)
    with stream_helper(client)(model=MODEL, messages=[{"role": "user", "content": text}], response_format=model) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta" and e.delta]
        final = stream.get_final_completion()
    parsed = check_parsed(final.choices[0].message, model, text, path)
    assert parsed == reference.choices[0].message.parsed
    assert "".join(deltas) == final.choices[0].message.content
    # The JSON text is streamed like any text: split at whitespace.
    assert len(deltas) == len(final.choices[0].message.content.split(" "))


def test_parse_sends_the_strict_schema_the_sdk_built(client, wire):
    parse_helper(client)(model=MODEL, messages=[{"role": "user", "content": "Plan my week"}], response_format=Plan)
    [exchange] = [e for e in wire if e.path.endswith("/chat/completions")]
    sent = exchange.request_json["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    content = json.loads(json.loads(bytes(exchange.body))["choices"][0]["message"]["content"])
    jsonschema.Draft202012Validator(sent["json_schema"]["schema"], format_checker=format_checker()).validate(content)


def test_strict_response_validation_with_parse(client_for, server):
    strict = client_for(server, _strict_response_validation=True)
    completion = parse_helper(strict)(model=MODEL, messages=[{"role": "user", "content": "Plan my week"}], response_format=Plan)
    assert "Plan my week" in completion.choices[0].message.parsed.summary
