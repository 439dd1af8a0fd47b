"""Structured outputs in chat.completions with raw `json_schema` response formats (no SDK
helper): the content must validate with jsonschema, formats included, and hold the user's message
in the schema's first free string; the format checker those checks rely on; `json_object` and
`text` formats, JSON mode with the schema in the prompt (instructor), safe-integer bounds."""

import json

import jsonschema
import pydantic
import pytest

from conftest import ECHO
from schemas import format_checker

MODEL = "gpt-4o-2024-08-06"


# ---------------------------------------------------------------- raw JSON schemas


def first_leaf(node, children):
    """Follows the first child down to a node without children: `children` sorts before the
    name keys, so the first free string of a recursive instance is its first leaf's."""
    while node[children]:
        node = node[children][0]
    return node


def obj(properties, required=None, **extra):
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


# (name, schema, JSON pointer-ish path of the value that holds the user text, or None)
SCHEMAS = [
    (
        "formats",
        obj(
            {
                "at": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "email": {"type": "string", "format": "email"},
                "id": {"type": "string", "format": "uuid"},
                "link": {"type": "string", "format": "uri"},
                "note": {"type": "string"},
            }
        ),
        "note",
    ),
    (
        "enum_and_const",
        obj(
            {
                "a_kind": {"type": "string", "enum": ["alpha", "beta"]},
                "b_version": {"const": 2},
                "c_label": {"type": "string", "const": "fixed"},
                "d_text": {"type": "string"},
                "e_level": {"type": "integer", "enum": [3, 5, 8]},
            }
        ),
        "d_text",
    ),
    (
        "any_of",
        obj(
            {
                "value": {"anyOf": [obj({"text": {"type": "string"}}), obj({"number": {"type": "number"}})]},
                "either": {"anyOf": [{"type": "integer", "minimum": 10}, {"type": "string"}]},
            }
        ),
        "value.text",
    ),
    (
        "refs_and_defs",
        {
            **obj({"owner": {"$ref": "#/$defs/person"}, "members": {"type": "array", "items": {"$ref": "#/$defs/person"}, "minItems": 2}}),
            "$defs": {"person": obj({"name": {"type": "string"}, "role": {"$ref": "#/$defs/role"}}), "role": {"type": "string", "enum": ["admin", "user"]}},
        },
        "members.0.name",
    ),
    (
        "recursive_ref",
        {
            **obj({"root": {"$ref": "#/$defs/node"}}),
            "$defs": {
                "node": obj({"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}})
            },
        },
        lambda instance: first_leaf(instance["root"], "children")["name"],
    ),
    (
        "nullable",
        obj(
            {
                "maybe_text": {"type": ["string", "null"]},
                "maybe_number": {"type": ["number", "null"], "minimum": 2},
                "maybe_object": {"anyOf": [obj({"x": {"type": "integer"}}), {"type": "null"}]},
            }
        ),
        "maybe_text",
    ),
    (
        "bounds",
        obj(
            {
                "a_code": {"type": "string", "minLength": 8, "maxLength": 8},
                "b_items": {"type": "array", "items": {"type": "integer", "minimum": 5, "maximum": 7}, "minItems": 3, "maxItems": 3},
                "c_ratio": {"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 0.75},
                "d_count": {"type": "integer", "minimum": 100, "maximum": 200, "multipleOf": 7},
                "e_tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "minItems": 2, "maxItems": 5},
                "f_short": {"type": "string", "maxLength": 6},
                "g_long": {"type": "string", "minLength": 60},
                "h_negative": {"type": "integer", "maximum": -3},
            }
        ),
        None,
    ),
    (
        "pattern",
        obj({"a_sku": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"}, "b_text": {"type": "string"}}),
        "b_text",
    ),
    (
        "nested_arrays",
        obj(
            {
                "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2}, "minItems": 2},
                "rows": {"type": "array", "items": obj({"cells": {"type": "array", "items": {"type": "string"}}})},
            }
        ),
        "rows.0.cells.0",
    ),
    (
        "no_strings",
        obj({"flag": {"type": "boolean"}, "count": {"type": "integer"}, "empty": obj({})}),
        None,
    ),
]


def at(instance, path):
    if callable(path):
        return path(instance)
    for part in path.split("."):
        instance = instance[int(part)] if part.isdigit() else instance[part]
    return instance


@pytest.mark.parametrize("name, schema, path", SCHEMAS, ids=[s[0] for s in SCHEMAS])
@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
def test_raw_json_schema_content_validates(client, name, schema, path, streamed):
    text = f"Fill the {name} form"
    response_format = {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    kw = dict(model=MODEL, messages=[{"role": "user", "content": text}], response_format=response_format)
    if streamed:
        chunks = list(client.chat.completions.create(stream=True, **kw))
        content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        finish = chunks[-1].choices[0].finish_reason
    else:
        choice = client.chat.completions.create(**kw).choices[0]
        content, finish = choice.message.content, choice.finish_reason
    assert finish == "stop"
    instance = json.loads(content)
    validator = jsonschema.Draft202012Validator(schema, format_checker=format_checker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, f"{content} does not validate: {errors}"
    if path is not None:
        assert text in at(instance, path)


def test_the_format_checker_really_checks(client):
    """The raw-schema test is only as good as its format checks: bad values must fail them."""
    checker = format_checker()
    for fmt, bad in [
        ("date-time", "2024-13-01T00:00:00Z"),
        ("date-time", "2024-01-01"),
        ("date", "2024-02-30"),
        ("email", "not an email"),
        ("uuid", "1234"),
        ("uri", "no scheme"),
    ]:
        assert not checker.conforms(bad, fmt), (fmt, bad)
    for fmt, good in [
        ("date-time", "2024-01-01T00:00:00Z"),
        ("date", "2024-01-01"),
        ("email", "a@b.co"),
        ("uuid", "00000000-0000-4000-8000-000000000000"),
        ("uri", "https://example.com/"),
    ]:
        assert checker.conforms(good, fmt), (fmt, good)


def test_json_object_is_the_echo_object(client):
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Answer in JSON"}], response_format={"type": "json_object"}
    )
    assert json.loads(completion.choices[0].message.content) == {"echo": "Answer in JSON"}


def test_text_format_is_the_echo(client):
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "plain"}], response_format={"type": "text"}
    )
    assert completion.choices[0].message.content == ECHO + "plain"


# ---------------------------------------------------------------- plausible values, JSON mode


SAFE = 2**53 - 1


def test_safe_integer_bounds_give_plausible_integers(client):
    """zod 4 bounds every integer by the safe-integer range: values come back small, not the bound."""
    bounded = {"type": "integer", "minimum": -SAFE, "maximum": SAFE}
    schema = obj({"age": bounded, "count": bounded, "sizes": {"type": "array", "items": bounded, "minItems": 2}})
    response_format = {"type": "json_schema", "json_schema": {"name": "ints", "schema": schema, "strict": True}}
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Some numbers"}], response_format=response_format
    )
    instance = json.loads(completion.choices[0].message.content)
    jsonschema.Draft202012Validator(schema).validate(instance)
    for value in [instance["age"], instance["count"], *instance["sizes"]]:
        assert 1 <= value <= 1000, instance
    assert 18 <= instance["age"] < 68, instance


class UserDetail(pydantic.BaseModel):
    name: str
    age: int


def test_json_mode_answers_the_schema_instructor_puts_in_the_prompt(client):
    """instructor's JSON mode: json_object, and the pydantic schema pasted in the system message."""
    schema = json.dumps(UserDetail.model_json_schema(), indent=2)
    system = (
        "As a genius expert, your task is to understand the content and provide\n"
        f"the parsed objects in json that match the following json_schema:\n\n\n{schema}\n\n"
        "Make sure to return an instance of the JSON, not the schema itself"
    )
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": "Extract Jason is 25 years old"}],
        response_format={"type": "json_object"},
    )
    user = UserDetail.model_validate_json(completion.choices[0].message.content)
    assert user.name == "Extract Jason is 25 years old"
