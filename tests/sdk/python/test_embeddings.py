"""Embeddings through the official SDK, above all its default: the SDK asks for base64 and
decodes the float32 bytes itself."""

import array
import importlib.util
import json
import math

import openai

from conftest import SDK_VERSION
from exchanges import decode_embedding

TEXT = "The cat sat on the mat"
SIZES = {"text-embedding-3-small": 1536, "text-embedding-ada-002": 1536, "text-embedding-3-large": 3072}


def default_encoding_requested():
    """What this SDK puts in `encoding_format` when the caller gives none:
    base64 since 1.62.0; before that only when numpy is importable, otherwise nothing."""
    if SDK_VERSION >= (1, 62) or importlib.util.find_spec("numpy") is not None:
        return "base64"
    return None


def as_float32(values):
    return array.array("f", values)


def assert_same_vector(decoded, floats):
    """Equal within float32 precision: both sides are the server's float32s, one sent as JSON
    decimal text, the other as raw bytes."""
    assert len(decoded) == len(floats)
    assert all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9) for a, b in zip(decoded, floats))
    assert as_float32(decoded) == as_float32(floats), "not the same float32 values"


def assert_unit(vector):
    assert math.isclose(math.fsum(x * x for x in vector), 1.0, abs_tol=1e-5)


def test_default_encoding_is_decoded_by_the_sdk(client, wire):
    default = client.embeddings.create(model="text-embedding-3-small", input=TEXT)
    floats = client.embeddings.create(model="text-embedding-3-small", input=TEXT, encoding_format="float")
    # What went over the wire: the SDK's own choice of format, then the explicit float request.
    [asked_default, asked_float] = [x.request_json.get("encoding_format") for x in wire]
    assert (asked_default, asked_float) == (default_encoding_requested(), "float")
    raw = json.loads(bytes(wire[0].body))["data"][0]["embedding"]
    assert isinstance(raw, str) == (asked_default == "base64")
    # The SDK hands back plain floats either way, equal to the explicit float answer.
    [item] = default.data
    vector = list(item.embedding)
    assert all(isinstance(x, float) for x in vector)
    assert (item.object, item.index, len(vector)) == ("embedding", 0, 1536)
    assert_same_vector(vector, floats.data[0].embedding)
    assert_unit(vector)
    assert (default.object, default.model) == ("list", "text-embedding-3-small")
    assert default.usage.prompt_tokens == default.usage.total_tokens == len(TEXT.split())


def test_explicit_base64_is_returned_as_sent(client):
    # An explicit format is returned untouched: here the base64 string itself.
    encoded = client.embeddings.create(model="text-embedding-3-small", input=TEXT, encoding_format="base64")
    floats = client.embeddings.create(model="text-embedding-3-small", input=TEXT, encoding_format="float")
    text = encoded.data[0].embedding
    assert isinstance(text, str)
    assert len(text) == 4 * math.ceil(1536 * 4 / 3)  # standard base64 of 1536 float32s
    assert_same_vector(decode_embedding(text), floats.data[0].embedding)


def test_explicit_float(client):
    result = client.embeddings.create(model="text-embedding-3-small", input=TEXT, encoding_format="float")
    vector = result.data[0].embedding
    assert isinstance(vector, list) and len(vector) == 1536
    assert all(isinstance(x, float) for x in vector)
    assert_unit(vector)


def test_model_sizes_and_dimensions(client):
    for model, size in SIZES.items():
        vector = client.embeddings.create(model=model, input=TEXT).data[0].embedding
        assert len(vector) == size, model
        assert_unit(vector)
    for model in ["text-embedding-3-small", "text-embedding-3-large"]:
        short = client.embeddings.create(model=model, input=TEXT, dimensions=256).data[0].embedding
        assert len(short) == 256, model
        assert_unit(short)
        floats = client.embeddings.create(model=model, input=TEXT, dimensions=256, encoding_format="float")
        assert_same_vector(list(short), floats.data[0].embedding)


def test_list_input_keeps_input_order(client):
    texts = ["first text", "second one here", "third", "The cat sat on the mat"]
    result = client.embeddings.create(model="text-embedding-3-small", input=texts)
    assert [d.index for d in result.data] == [0, 1, 2, 3]
    singles = [client.embeddings.create(model="text-embedding-3-small", input=t).data[0].embedding for t in texts]
    for item, single in zip(result.data, singles):
        assert_same_vector(list(item.embedding), list(single))
    assert len({tuple(v) for v in singles}) == 4, "different texts, different vectors"
    assert result.usage.prompt_tokens == sum(len(t.split()) for t in texts)
    floats = client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float")
    assert [d.index for d in floats.data] == [0, 1, 2, 3]


def test_similar_texts_are_closer(client):
    texts = ["The cat sat on the mat", "A cat sat on a mat", "Quantum chromodynamics binds quarks"]
    a, b, c = (d.embedding for d in client.embeddings.create(model="text-embedding-3-small", input=texts).data)
    dot = lambda x, y: math.fsum(p * q for p, q in zip(x, y))  # noqa: E731
    assert dot(a, b) > dot(a, c)


def test_ada_002_refuses_dimensions(client):
    try:
        client.embeddings.create(model="text-embedding-ada-002", input=TEXT, dimensions=256)
    except openai.BadRequestError as err:
        assert err.param == "dimensions"
    else:
        raise AssertionError("expected BadRequestError")


def test_strict_response_validation(client_for, server):
    # Explicit floats only: a strict client validates the body against List[float] before the
    # SDK decodes base64, so the SDK's own default (base64 since 1.62) fails strict validation
    # against any server, the API included.
    strict = client_for(server, _strict_response_validation=True)
    floats = strict.embeddings.create(model="text-embedding-3-large", input=["a", "b"], dimensions=8, encoding_format="float")
    assert [len(d.embedding) for d in floats.data] == [8, 8]
