"""Files and batches through the unchanged AzureOpenAI client: /openai/files and /openai/batches
with the api-version, as the SDK sends them. Bodies are validated as for the OpenAI paths they
stand for."""

import json
import time

import openai
import pytest

from conftest import Server


@pytest.fixture(scope="module")
def azure_server():
    server = Server("--token-delay-ms", "0", "--api-key", "azure-key", "--batch-ms", "200")
    yield server
    server.stop()


@pytest.fixture
def azure(azure_server):
    with openai.AzureOpenAI(
        azure_endpoint=azure_server.url, api_key="azure-key", api_version="2024-10-21", timeout=10.0
    ) as client:
        yield client


def test_a_file_round_trips_under_openai(azure, wire):
    data = bytes(range(256)) * 10
    made = azure.files.create(file=("blob.bin", data, "application/octet-stream"), purpose="user_data")
    assert azure.files.retrieve(made.id).id == made.id
    assert azure.files.content(made.id).content == data
    assert azure.files.delete(made.id).deleted is True
    assert {e.path for e in wire} == {"/openai/files", f"/openai/files/{made.id}", f"/openai/files/{made.id}/content"}


def test_a_batch_runs_under_openai(azure, wire):
    line = {"custom_id": "one", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "batched"}]}}
    upload = azure.files.create(file=("in.jsonl", (json.dumps(line) + "\n").encode(), "application/jsonl"), purpose="batch")
    batch = azure.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
    deadline = time.monotonic() + 20
    while batch.status not in ("completed", "failed"):
        assert time.monotonic() < deadline, batch
        time.sleep(0.05)
        batch = azure.batches.retrieve(batch.id)
    assert batch.status == "completed"
    [out] = [json.loads(l) for l in azure.files.content(batch.output_file_id).text.splitlines()]
    assert out["custom_id"] == "one" and out["response"]["status_code"] == 200
    assert wire[1].path == "/openai/batches"
