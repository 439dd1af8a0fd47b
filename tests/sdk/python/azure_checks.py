"""Azure OpenAI's own parts of a body: the content-filter fields (`prompt_filter_results`,
`content_filter_results`) and Azure's error shape, checked against schemas taken from Azure's
data-plane spec, and removed so the rest can be validated as the OpenAI body it stands for."""

import json
import re

from schemas import validate


# An Azure path and the OpenAI path it stands for: /openai/deployments/{name}/X, /openai/v1/X and
# /openai/X all carry the body of /v1/X, plus Azure's own fields.
AZURE_PATH = re.compile(r"/openai(?:/deployments/[^/]+|/v1)?(?=/)")

_SEVERITY = {
    "type": "object",
    "required": ["filtered", "severity"],
    "properties": {"filtered": {"type": "boolean"}, "severity": {"enum": ["safe", "low", "medium", "high"]}},
    "additionalProperties": False,
}
_DETECTED = {
    "type": "object",
    "required": ["filtered", "detected"],
    "properties": {"filtered": {"type": "boolean"}, "detected": {"type": "boolean"}},
    "additionalProperties": False,
}
_CATEGORIES = {name: _SEVERITY for name in ("hate", "self_harm", "sexual", "violence")}
# Azure's data-plane spec (azure-rest-api-specs, inference.json): contentFilterPromptResults and
# contentFilterChoiceResults; a streamed chunk without text carries an empty object.
AZURE_SCHEMAS = {
    "prompt_filter_results": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["prompt_index", "content_filter_results"],
            "additionalProperties": False,
            "properties": {
                "prompt_index": {"type": "integer", "minimum": 0},
                "content_filter_results": {
                    "type": "object",
                    "properties": {**_CATEGORIES, "jailbreak": _DETECTED},
                    "additionalProperties": False,
                },
            },
        },
    },
    "content_filter_results": {
        "type": "object",
        "properties": {**_CATEGORIES, "protected_material_code": _DETECTED, "protected_material_text": _DETECTED},
        "additionalProperties": False,
    },
    # Azure's own errors: {"code", "message"}, or the content filter's 400 with its innererror.
    "error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "null"},
                    "param": {"type": ["string", "null"]},
                    "status": {"type": "integer"},
                    "innererror": {
                        "type": "object",
                        "required": ["code", "content_filter_result"],
                        "properties": {
                            "code": {"const": "ResponsibleAIPolicyViolation"},
                            "content_filter_result": {
                                "type": "object",
                                "properties": {**_CATEGORIES, "jailbreak": _DETECTED},
                                "additionalProperties": False,
                            },
                        },
                    },
                },
                "additionalProperties": False,
            }
        },
    },
}


def validate_azure(name, instance):
    import jsonschema

    errors = list(jsonschema.Draft202012Validator(AZURE_SCHEMAS[name]).iter_errors(instance))
    assert not errors, f"not Azure's {name}: {errors[0].message}: {json.dumps(instance)[:400]}"


def strip_azure(body, where):
    """Checks and removes Azure's content-filter fields, leaving the OpenAI body. Returns None for
    Azure's first stream chunk (prompt results, empty choices), which has no OpenAI schema."""
    if "prompt_filter_results" in body:
        validate_azure("prompt_filter_results", body.pop("prompt_filter_results"))
        if body.get("choices") == [] and body.get("object") == "":
            assert body == {"choices": [], "created": 0, "id": "", "model": "", "object": ""}, f"{where}: {body}"
            return None
    for choice in body.get("choices") or []:
        if "content_filter_results" in choice:
            validate_azure("content_filter_results", choice.pop("content_filter_results"))
    return body


def check_azure_error(exchange, where):
    """An Azure route's error: OpenAI's envelope when a family refused the body, else Azure's."""
    body = json.loads(bytes(exchange.body))
    if isinstance(body.get("error", {}).get("type"), str):
        validate("ErrorResponse", body)
    else:
        validate_azure("error", body)

