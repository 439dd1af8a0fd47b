"""Legacy completions through the official SDK: plain, n, prompt lists and tokens,
max_tokens, echo, stop, logprobs, streamed, include_usage."""

import openai

from conftest import ECHO, REQUEST_ID

MODEL = "gpt-3.5-turbo-instruct"
PROMPT = "Say hi"  # 12 + 2 words of reply: under the default max_tokens of 16
REPLY = ECHO + PROMPT


def plain(client, prompt=PROMPT, **kw):
    return client.completions.create(model=MODEL, prompt=prompt, **kw)


def streamed(client, prompt=PROMPT, **kw):
    return list(client.completions.create(model=MODEL, prompt=prompt, stream=True, **kw))


def joined(chunks, index=0):
    return "".join(c.text for chunk in chunks for c in chunk.choices if c.index == index)


def test_plain_completion(client):
    completion = plain(client)
    assert completion.object == "text_completion"
    assert isinstance(completion.id, str) and completion.id.startswith("cmpl-")
    assert isinstance(completion.created, int)
    assert completion.model == MODEL
    [choice] = completion.choices
    assert (choice.index, choice.text, choice.finish_reason, choice.logprobs) == (0, REPLY, "stop", None)
    usage = completion.usage
    assert usage.prompt_tokens == len(PROMPT.split())
    assert usage.completion_tokens == len(REPLY.split())
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert REQUEST_ID.fullmatch(completion._request_id)


def test_n_gives_n_identical_choices(client):
    completion = plain(client, n=3)
    assert [(c.index, c.text, c.finish_reason) for c in completion.choices] == [(i, REPLY, "stop") for i in range(3)]
    assert completion.usage.completion_tokens == 3 * len(REPLY.split())


def test_a_list_of_prompts_gives_choices_grouped_by_prompt(client):
    # The API numbers choices prompt by prompt: prompt p, sample k -> index p * n + k.
    completion = plain(client, prompt=["Say hi", "Say bye"], n=2)
    assert [(c.index, c.text) for c in completion.choices] == [
        (0, ECHO + "Say hi"),
        (1, ECHO + "Say hi"),
        (2, ECHO + "Say bye"),
        (3, ECHO + "Say bye"),
    ]
    assert completion.usage.prompt_tokens == 4


def test_token_prompts(client):
    # The mock has no tokenizer: token ids read as words (src/api/completions.rs, token_text).
    assert plain(client, prompt=[1212, 318]).choices[0].text == ECHO + "1212 318"
    completion = plain(client, prompt=[[1212], [318, 7]])
    assert [c.text for c in completion.choices] == [ECHO + "1212", ECHO + "318 7"]


def test_max_tokens_gives_finish_reason_length(client):
    completion = plain(client, max_tokens=3)
    [choice] = completion.choices
    assert (choice.text, choice.finish_reason) == ("As a mock", "length")
    assert completion.usage.completion_tokens == 3
    chunks = streamed(client, max_tokens=3)
    assert joined(chunks) == "As a mock"
    assert chunks[-1].choices[0].finish_reason == "length"


def test_max_tokens_defaults_to_16(client):
    # Spec CreateCompletionRequest: max_tokens default 16 (unlike chat, which has no limit).
    long_prompt = "one two three four five six seven eight"
    completion = plain(client, prompt=long_prompt)
    [choice] = completion.choices
    assert choice.finish_reason == "length"
    assert choice.text == " ".join((ECHO + long_prompt).split()[:16])
    assert completion.usage.completion_tokens == 16


def test_echo_prepends_the_prompt(client):
    [choice] = plain(client, echo=True).choices
    assert (choice.text, choice.finish_reason) == (PROMPT + REPLY, "stop")
    assert joined(streamed(client, echo=True)) == PROMPT + REPLY
    # echo with max_tokens 0 scores the prompt alone.
    [choice] = plain(client, echo=True, max_tokens=0, logprobs=0).choices
    assert (choice.text, choice.finish_reason) == (PROMPT, "length")
    assert choice.logprobs.tokens == ["Say", " hi"]


def test_stop_sequence_ends_the_text_before_it(client):
    [choice] = plain(client, stop=["only", "never"]).choices
    assert (choice.text, choice.finish_reason) == ("As a mock AI Assistant, I can ", "stop")
    assert joined(streamed(client, stop="only")) == "As a mock AI Assistant, I can "


def test_logprobs(client):
    [choice] = plain(client, logprobs=2).choices
    lp = choice.logprobs
    assert "".join(lp.tokens) == choice.text == REPLY
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == len(lp.text_offset)
    assert all(isinstance(x, float) and x <= 0 for x in lp.token_logprobs)
    assert all(isinstance(top, dict) and 1 <= len(top) <= 2 for top in lp.top_logprobs)
    # Offsets count characters from the start of the prompt: the reply starts right after it.
    assert lp.text_offset[0] == len(PROMPT)
    assert lp.text_offset == sorted(lp.text_offset)


def test_streamed_chunks_join_to_the_plain_text(client):
    text = plain(client).choices[0].text
    chunks = streamed(client)
    assert joined(chunks) == text
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("cmpl-")
    assert len({c.created for c in chunks}) == 1
    assert all(c.object == "text_completion" and c.model == MODEL for c in chunks)
    assert all(len(c.choices) == 1 for c in chunks)
    # One chunk per word, then a finish chunk with empty text (spec /completions stream example).
    assert sum(1 for c in chunks if c.choices[0].text) == len(text.split())
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["stop"]
    assert chunks[-1].choices[0].text == ""
    assert all(c.usage is None for c in chunks), "no usage unless include_usage"


def test_streamed_n_and_prompt_list(client):
    chunks = streamed(client, prompt=["Say hi", "Say bye"], n=2)
    for index, prompt in enumerate(["Say hi", "Say hi", "Say bye", "Say bye"]):
        assert joined(chunks, index) == ECHO + prompt
        finishes = [c.finish_reason for chunk in chunks for c in chunk.choices if c.index == index and c.finish_reason]
        assert finishes == ["stop"]


def test_include_usage_adds_one_last_chunk_without_choices(client):
    reference = plain(client).usage
    chunks = streamed(client, stream_options={"include_usage": True})
    last = chunks[-1]
    assert last.choices == []
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (
        reference.prompt_tokens,
        reference.completion_tokens,
        reference.total_tokens,
    )
    assert all(c.usage is None and len(c.choices) == 1 for c in chunks[:-1])
    assert joined(chunks) == REPLY


def test_strict_response_validation(client_for, server):
    # Only the whole object: the SDK's CompletionChoice types finish_reason as a non-null Literal,
    # so strict validation rejects the `"finish_reason": null` that the API itself puts on text
    # chunks (spec /completions stream example); a strict client cannot stream here.
    strict = client_for(server, _strict_response_validation=True)
    completion = strict.completions.create(model=MODEL, prompt=["Say hi", "Say bye"], n=2, logprobs=1, echo=True)
    assert [c.text for c in completion.choices] == [PROMPT + REPLY] * 2 + ["Say bye" + ECHO + "Say bye"] * 2


def test_with_raw_response(client):
    raw = client.completions.with_raw_response.create(model=MODEL, prompt=PROMPT)
    assert REQUEST_ID.fullmatch(raw.headers["x-request-id"])
    assert raw.parse().choices[0].text == REPLY


def test_bad_request_is_raised_before_any_chunk(client):
    # best_of > 1 cannot be streamed (spec CreateCompletionRequest.best_of).
    try:
        streamed(client, best_of=2)
    except openai.BadRequestError as err:
        assert err.param == "best_of"
    else:
        raise AssertionError("expected BadRequestError")
