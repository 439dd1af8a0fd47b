"""The Responses API through the official SDK: output_text, instructions, item input,
max_output_tokens, the raw event stream and the stream helper. Collected only for SDKs that have
client.responses (conftest.NOT_COLLECTED says why not otherwise)."""

import openai
import pytest

from conftest import ECHO, REQUEST_ID, raises

MODEL = "gpt-4o-mini"
TEXT = "Tell me about the weather today"
LONG = " ".join(f"word{i}" for i in range(30))

# The events of a text answer, in the order the API sends them.
HEAD = ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
TAIL = ["response.output_text.done", "response.content_part.done", "response.output_item.done"]


def create(client, **kw):
    kw.setdefault("input", TEXT)
    return client.responses.create(model=MODEL, **kw)


def check_message_output(response, text, status):
    [item] = response.output
    assert (item.type, item.role, item.status) == ("message", "assistant", status)
    assert item.id.startswith("msg_")
    [part] = item.content
    assert (part.type, part.text, part.annotations) == ("output_text", text, [])


def test_output_text_is_the_echo(client):
    response = create(client)
    assert response.output_text == ECHO + TEXT
    assert (response.object, response.status, response.model) == ("response", "completed", MODEL)
    assert response.id.startswith("resp_")
    assert response.error is None and response.incomplete_details is None
    assert response.instructions is None
    check_message_output(response, ECHO + TEXT, "completed")
    usage = response.usage
    assert usage.input_tokens == len(TEXT.split())
    assert usage.output_tokens == len((ECHO + TEXT).split())
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert REQUEST_ID.fullmatch(response._request_id)


def test_instructions_are_kept_and_not_echoed(client):
    response = create(client, instructions="You are terse.")
    assert response.instructions == "You are terse."
    assert response.output_text == ECHO + TEXT
    assert response.usage.input_tokens == 3 + len(TEXT.split())


def test_list_input_echoes_the_last_message(client):
    items = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": [{"type": "output_text", "text": "first answer"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "second question"}]},
    ]
    assert create(client, input=items).output_text == ECHO + "second question"


def test_max_output_tokens_makes_it_incomplete(client):
    response = create(client, input=LONG, max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.max_output_tokens == 16
    truncated = " ".join((ECHO + LONG).split()[:16])
    assert response.output_text == truncated
    check_message_output(response, truncated, "incomplete")
    assert response.usage.output_tokens == 16


def test_max_output_tokens_below_16_is_a_bad_request(client):
    # Spec CreateResponse: max_output_tokens is an integer >= 16.
    err = raises(openai.BadRequestError, lambda: create(client, max_output_tokens=15))
    assert (err.status_code, err.param) == (400, "max_output_tokens")


def test_raw_stream_events_in_order(client):
    reference = create(client)
    events = list(create(client, stream=True))
    kinds = [e.type for e in events]
    deltas = kinds[len(HEAD):-len(TAIL) - 1]
    assert kinds == HEAD + ["response.output_text.delta"] * len(deltas) + TAIL + ["response.completed"]
    assert len(deltas) == len(reference.output_text.split()), "one delta per word"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    created, completed = events[0].response, events[-1].response
    assert (created.status, created.output, created.usage) == ("in_progress", [], None)
    assert created.id == completed.id and completed.status == "completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == reference.output_text == completed.output_text
    item_id = events[2].item.id
    assert all(e.item_id == item_id for e in events if hasattr(e, "item_id"))
    assert events[-2].item.id == item_id and events[-2].item.status == "completed"
    assert completed.usage.output_tokens == reference.usage.output_tokens


def test_raw_stream_ends_incomplete(client):
    events = list(create(client, input=LONG, max_output_tokens=16, stream=True))
    last = events[-1]
    assert last.type == "response.incomplete"
    assert (last.response.status, last.response.incomplete_details.reason) == ("incomplete", "max_output_tokens")
    assert sum(1 for e in events if e.type == "response.output_text.delta") == 16
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_stream_helper_final_response_equals_plain(client):
    reference = create(client, instructions="Be brief.")
    deltas = []
    with client.responses.stream(model=MODEL, input=TEXT, instructions="Be brief.") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert final.output_text == reference.output_text == ECHO + TEXT
    assert "".join(deltas) == reference.output_text
    assert (final.status, final.instructions) == ("completed", "Be brief.")
    check_message_output(final, ECHO + TEXT, "completed")


def test_strict_response_validation(client_for, server):
    strict = client_for(server, _strict_response_validation=True)
    assert create(strict).output_text == ECHO + TEXT
    assert create(strict, input=LONG, max_output_tokens=16).status == "incomplete"
    events = list(create(strict, stream=True))
    assert events[-1].response.output_text == ECHO + TEXT
    with strict.responses.stream(model=MODEL, input=TEXT) as stream:
        assert stream.get_final_response().output_text == ECHO + TEXT


def test_a_mid_stream_error_event_raises_api_error(client):
    # `event: error` with the live API's nested error object; the SDK raises
    # APIError (not an APIStatusError: the status was 200) on its top-level `error` key, in the
    # raw stream and in the helper. conftest validates the nested object as an `Error`.
    seen = []
    with pytest.raises(openai.APIError) as caught:
        for event in create(client, stream=True, extra_headers={"x-oaimock-stream-error-after": "3"}):
            seen.append(event.type)
    assert type(caught.value) is openai.APIError
    assert seen == HEAD[:3]
    assert (caught.value.type, caught.value.code, caught.value.param) == ("server_error", None, None)
    with pytest.raises(openai.APIError) as caught:
        with client.responses.stream(model=MODEL, input=TEXT, extra_headers={"x-oaimock-stream-error-after": "3"}) as stream:
            stream.get_final_response()
    assert type(caught.value) is openai.APIError
