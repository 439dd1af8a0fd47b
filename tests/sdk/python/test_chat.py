"""chat.completions through the official SDK: plain, streamed, stream helper, usage, n, length."""

import openai
import pytest

from conftest import ECHO, REQUEST_ID, parse_helper, stream_helper

MODEL = "gpt-4o-mini"
TEXT = "Hello there, how are you today?"
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": TEXT}]


def plain(client, **kw):
    return client.chat.completions.create(model=MODEL, messages=MESSAGES, **kw)


def streamed(client, **kw):
    return list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, **kw))


def joined(chunks, index=0):
    return "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices if c.index == index)


def test_plain_completion(client):
    completion = plain(client)
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-") and isinstance(completion.id, str)
    assert isinstance(completion.created, int)
    assert completion.model == MODEL
    [choice] = completion.choices
    assert choice.index == 0
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == ECHO + TEXT
    assert choice.message.refusal is None
    assert choice.logprobs is None
    usage = completion.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert REQUEST_ID.fullmatch(completion._request_id)


def test_streamed_deltas_join_to_the_plain_content(client):
    content = plain(client).choices[0].message.content
    chunks = streamed(client)
    assert joined(chunks) == content
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert len({c.created for c in chunks}) == 1 and isinstance(chunks[0].created, int)
    assert all(c.object == "chat.completion.chunk" and c.model == MODEL for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert not [c for c in chunks[1:] if c.choices[0].delta.role], "role must only come in the first chunk"
    # More than one content delta: the reply is really streamed word by word.
    assert sum(1 for c in chunks if c.choices[0].delta.content) > 5
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["stop"]
    assert all(c.usage is None for c in chunks), "no usage chunk unless include_usage"


def test_stream_helper_final_message_equals_plain(client):
    reference = plain(client).choices[0]
    deltas = []
    with stream_helper(client)(model=MODEL, messages=MESSAGES) as stream:
        for event in stream:
            if event.type == "content.delta":
                deltas.append(event.delta)
        final = stream.get_final_completion()
    [choice] = final.choices
    assert choice.message.content == reference.message.content
    assert choice.message.role == reference.message.role == "assistant"
    assert choice.finish_reason == reference.finish_reason == "stop"
    assert "".join(deltas) == reference.message.content


def test_include_usage_adds_one_last_chunk_without_choices(client):
    reference = plain(client).usage
    chunks = streamed(client, stream_options={"include_usage": True})
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (
        reference.prompt_tokens,
        reference.completion_tokens,
        reference.total_tokens,
    )
    assert all(c.usage is None and len(c.choices) == 1 for c in chunks[:-1])
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_stream_helper_reports_usage(client):
    with stream_helper(client)(model=MODEL, messages=MESSAGES, stream_options={"include_usage": True}) as stream:
        final = stream.get_final_completion()
    assert final.usage is not None and final.usage.total_tokens > 0
    assert final.choices[0].message.content == ECHO + TEXT


def test_n_3_plain(client):
    completion = plain(client, n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert {c.message.content for c in completion.choices} == {ECHO + TEXT}
    assert {c.finish_reason for c in completion.choices} == {"stop"}


def test_n_3_streamed_and_helper(client):
    chunks = streamed(client, n=3)
    for index in range(3):
        assert joined(chunks, index) == ECHO + TEXT
        roles = [c.delta.role for chunk in chunks for c in chunk.choices if c.index == index and c.delta.role]
        finishes = [c.finish_reason for chunk in chunks for c in chunk.choices if c.index == index and c.finish_reason]
        assert (roles, finishes) == (["assistant"], ["stop"])
    with stream_helper(client)(model=MODEL, messages=MESSAGES, n=3) as stream:
        final = stream.get_final_completion()
    assert [(c.index, c.message.role, c.message.content, c.finish_reason) for c in final.choices] == [
        (i, "assistant", ECHO + TEXT, "stop") for i in range(3)
    ]


@pytest.mark.parametrize("limit", ["max_tokens", "max_completion_tokens"])
def test_token_limit_gives_finish_reason_length(client, limit):
    completion = plain(client, **{limit: 3})
    choice = completion.choices[0]
    assert choice.finish_reason == "length"
    assert choice.message.content == "As a mock"
    assert completion.usage.completion_tokens == 3
    chunks = streamed(client, **{limit: 3})
    assert joined(chunks) == "As a mock"
    assert chunks[-1].choices[0].finish_reason == "length"


def test_stream_helper_raises_length_error_by_design(client):
    # openai-python's helpers refuse to "parse" a truncated answer: LengthFinishReasonError is the
    # SDK's own documented behaviour on finish_reason == "length", not a failure.
    with stream_helper(client)(model=MODEL, messages=MESSAGES, max_tokens=3) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        with pytest.raises(openai.LengthFinishReasonError) as caught:
            stream.get_final_completion()
    assert "".join(deltas) == "As a mock"
    truncated = caught.value.completion.choices[0]
    assert (truncated.finish_reason, truncated.message.content) == ("length", "As a mock")
    with pytest.raises(openai.LengthFinishReasonError):
        parse_helper(client)(model=MODEL, messages=MESSAGES, max_tokens=3)


def test_parse_without_length_limit_matches_plain(client):
    parsed = parse_helper(client)(model=MODEL, messages=MESSAGES)
    assert parsed.choices[0].message.content == ECHO + TEXT
    assert parsed.choices[0].finish_reason == "stop"


def test_with_raw_response_exposes_the_request_id(client):
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    request_id = raw.headers["x-request-id"]
    assert REQUEST_ID.fullmatch(request_id)
    assert raw.request_id == request_id
    completion = raw.parse()
    assert completion._request_id == request_id
    assert completion.choices[0].message.content == ECHO + TEXT
    again = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert again.headers["x-request-id"] != request_id, "every request gets its own id"


def test_with_raw_response_on_a_stream(client):
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES, stream=True)
    assert REQUEST_ID.fullmatch(raw.headers["x-request-id"])
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert joined(list(raw.parse())) == ECHO + TEXT


def test_content_parts_and_unicode_echo(client):
    text = "héllo wörld — 你好  double  spaced"
    messages = [{"role": "user", "content": [{"type": "text", "text": text}]}]
    content = client.chat.completions.create(model=MODEL, messages=messages).choices[0].message.content
    assert content == ECHO + text
    chunks = list(client.chat.completions.create(model=MODEL, messages=messages, stream=True))
    assert joined(chunks) == content


def test_breaking_out_of_a_stream_early_is_clean(client):
    stream = client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    stream.close()
    assert plain(client).choices[0].message.content == ECHO + TEXT
