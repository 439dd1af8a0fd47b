"""Batches through the official SDK: a batch of chat lines plus a malformed line and a line a
fixture rule answers with an error, polled from validating to completed; each output line carries
the reply the live endpoint gives for the same body, the error file holds the two bad lines, and a
cancel mid-run keeps the partial output. Bodies are validated against Batch and
ListBatchesResponse by the recording fixture."""

import json
import time

FAIL_RULE = {"match": {"user": {"contains": "fail me"}}, "reply": {"error": {"status": 429, "message": "Slow down."}}}


def chat_line(custom_id, content):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def upload_lines(client, lines):
    text = "".join(json.dumps(line) + "\n" for line in lines)
    return client.files.create(file=("in.jsonl", text.encode(), "application/jsonl"), purpose="batch")


def poll(client, batch_id, done):
    statuses = []
    deadline = time.monotonic() + 20
    while True:
        batch = client.batches.retrieve(batch_id)
        if not statuses or statuses[-1] != batch.status:
            statuses.append(batch.status)
        if done(batch):
            return batch, statuses
        assert time.monotonic() < deadline, f"batch stuck: {batch}"
        time.sleep(0.02)


def read_lines(client, file_id):
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def test_a_batch_runs_each_line_like_the_live_endpoint(client_for, server_with_rules):
    client = client_for(server_with_rules([FAIL_RULE], "--batch-ms", "800"))
    good = [chat_line("one", "hello there"), chat_line("two", "a second question")]
    malformed = {"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o-mini"}}
    lines = [good[0], malformed, chat_line("scripted", "please fail me"), good[1]]
    batch = client.batches.create(
        input_file_id=upload_lines(client, lines).id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"suite": "sdk"},
    )
    assert (batch.status, batch.metadata, batch.request_counts.total) == ("validating", {"suite": "sdk"}, 4)
    done, statuses = poll(client, batch.id, lambda b: b.status in ("completed", "failed", "expired"))
    assert statuses == ["validating", "in_progress", "finalizing", "completed"]
    counts = done.request_counts
    assert (counts.total, counts.completed, counts.failed) == (4, 2, 2)
    output = read_lines(client, done.output_file_id)
    assert [line["custom_id"] for line in output] == ["one", "two"]
    for line, asked in zip(output, good):
        live = client.chat.completions.create(**asked["body"])
        assert line["error"] is None
        assert line["response"]["status_code"] == 200
        reply = line["response"]["body"]
        assert reply["choices"][0]["message"]["content"] == live.choices[0].message.content
        assert reply["usage"]["total_tokens"] == live.usage.total_tokens
        assert reply["model"] == live.model
    errors = read_lines(client, done.error_file_id)
    assert [(e["custom_id"], e["response"]["status_code"]) for e in errors] == [("bad", 400), ("scripted", 429)]
    assert errors[0]["response"]["body"]["error"]["param"] == "messages"
    assert errors[1]["response"]["body"]["error"]["message"] == "Slow down."
    assert client.files.retrieve(done.output_file_id).purpose == "batch_output"
    assert batch.id in [b.id for b in client.batches.list(limit=1)]


def test_a_bad_input_file_fails_the_batch_with_its_errors(client_for, server_with_rules):
    client = client_for(server_with_rules([], "--batch-ms", "300"))
    lines = [chat_line("a", "hi"), chat_line("a", "again")]
    batch = client.batches.create(
        input_file_id=upload_lines(client, lines).id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    failed, _ = poll(client, batch.id, lambda b: b.status == "failed")
    [error] = failed.errors.data
    assert (error.code, error.line, error.param) == ("duplicate_custom_id", 2, "custom_id")


def test_a_cancel_mid_run_keeps_the_partial_output(client_for, server_with_rules):
    client = client_for(server_with_rules([], "--batch-ms", "4000"))
    lines = [chat_line(f"r{i}", f"question {i}") for i in range(10)]
    batch = client.batches.create(
        input_file_id=upload_lines(client, lines).id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    poll(client, batch.id, lambda b: b.request_counts.completed >= 1)
    assert client.batches.cancel(batch.id).status == "cancelling"
    cancelled, _ = poll(client, batch.id, lambda b: b.status == "cancelled")
    completed = cancelled.request_counts.completed
    assert 1 <= completed < 10
    output = read_lines(client, cancelled.output_file_id)
    assert [line["custom_id"] for line in output] == [f"r{i}" for i in range(completed)]
