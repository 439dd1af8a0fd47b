"""Stored responses through the official SDK: retrieve, delete, input_items (and its
auto-paginating iterator), input_tokens, previous_response_id, background polling, cancel and a
resumed background stream. Collected only for SDKs that have client.responses."""

import time

import openai

from conftest import ECHO, raises

MODEL = "gpt-4o-mini"


def test_a_stored_response_is_retrieved_and_deleted(client):
    made = client.responses.create(model=MODEL, input="hello there")
    got = client.responses.retrieve(made.id, include=["message.output_text.logprobs"])
    assert got.model_dump() == made.model_dump()
    assert client.responses.delete(made.id) is None
    err = raises(openai.NotFoundError, lambda: client.responses.retrieve(made.id))
    assert err.message.endswith(f"Response with id '{made.id}' not found.") or made.id in err.message
    assert (err.type, err.param, err.code) == ("invalid_request_error", None, None)


def test_input_items_auto_paginate(client):
    items = [{"role": "user", "content": f"m{i}"} for i in range(7)]
    made = client.responses.create(model=MODEL, input=items)
    page = client.responses.input_items.list(made.id, limit=3, order="asc")
    assert len(page.data) == 3 and page.has_more
    texts = [item.content[0].text for item in client.responses.input_items.list(made.id, limit=3, order="asc")]
    assert texts == [f"m{i}" for i in range(7)]
    newest_first = [item.content[0].text for item in client.responses.input_items.list(made.id, limit=2)]
    assert newest_first == [f"m{i}" for i in reversed(range(7))]


def test_previous_response_id_carries_the_turns(client):
    first = client.responses.create(model=MODEL, input="one two three", instructions="be brief")
    second = client.responses.create(model=MODEL, input="four", previous_response_id=first.id)
    assert second.output_text == ECHO + "four"
    assert second.instructions is None
    assert second.usage.input_tokens == 3 + first.usage.output_tokens + 1
    counted = client.responses.input_tokens.count(model=MODEL, input="five", previous_response_id=second.id)
    assert counted.input_tokens == second.usage.input_tokens + second.usage.output_tokens + 1
    err = raises(
        openai.BadRequestError,
        lambda: client.responses.create(model=MODEL, input="x", previous_response_id="resp_missing"),
    )
    assert (err.param, err.code) == ("previous_response_id", "previous_response_not_found")


def test_a_background_response_is_polled_to_completion(client_for, server_with_rules):
    srv = server_with_rules([{"reply": {"text": "one two three", "ttft_ms": 200}}])
    client = client_for(srv)
    made = client.responses.create(model=MODEL, input="x", background=True)
    assert (made.status, made.background, made.output) == ("queued", True, [])
    deadline = time.monotonic() + 10
    response = made
    while response.status in ("queued", "in_progress"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
        response = client.responses.retrieve(made.id)
    assert response.status == "completed"
    assert response.output_text == "one two three"


def test_cancel_stops_a_background_response(client_for, server_with_rules):
    srv = server_with_rules([], "--token-delay-ms", "200")
    client = client_for(srv)
    made = client.responses.create(model=MODEL, input="x", background=True)
    cancelled = client.responses.cancel(made.id)
    assert cancelled.status == "cancelled"
    assert client.responses.retrieve(made.id).status == "cancelled"
    plain = client.responses.create(model=MODEL, input="x")
    raises(openai.BadRequestError, lambda: client.responses.cancel(plain.id))


def test_a_background_stream_resumes_after_a_sequence_number(client):
    with client.responses.create(model=MODEL, input="a b c", background=True, stream=True) as stream:
        events = list(stream)
    assert [e.sequence_number for e in events] == list(range(len(events)))
    response_id = events[0].response.id
    resumed = list(client.responses.retrieve(response_id, stream=True, starting_after=3))
    assert [e.sequence_number for e in resumed] == list(range(4, len(events)))
    assert resumed[-1].type == "response.completed"
    assert resumed[-1].response.output_text == ECHO + "a b c"
