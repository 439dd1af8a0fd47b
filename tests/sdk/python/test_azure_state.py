"""Stored responses and stored chat completions through the unchanged AzureOpenAI client: stored
on a deployment or under /openai, read back under /openai with the api-version. Not collected
for SDKs without client.responses (see conftest)."""

import openai
import pytest

from conftest import ECHO, Server


@pytest.fixture(scope="module")
def azure_server():
    server = Server("--token-delay-ms", "0", "--api-key", "azure-key")
    yield server
    server.stop()


@pytest.fixture
def azure(azure_server):
    with openai.AzureOpenAI(
        azure_endpoint=azure_server.url, api_key="azure-key", api_version="2025-04-01-preview", timeout=10.0
    ) as client:
        yield client


def test_a_stored_response_is_read_back_and_continued(azure, wire):
    first = azure.responses.create(model="gpt-4o", input="remember me", store=True)
    got = azure.responses.retrieve(first.id)
    assert got.id == first.id and got.output_text == ECHO + "remember me"
    follow = azure.responses.create(model="gpt-4o", input="and now", previous_response_id=first.id)
    assert follow.output_text == ECHO + "and now"
    assert wire[1].path == f"/openai/responses/{first.id}"


def test_a_stored_chat_completion_is_read_back(azure, wire):
    made = azure.chat.completions.create(
        model="prod-chat", messages=[{"role": "user", "content": "keep this"}], store=True
    )
    got = azure.chat.completions.retrieve(made.id)
    assert got.id == made.id and got.choices[0].message.content == ECHO + "keep this"
    assert wire[0].path == "/openai/deployments/prod-chat/chat/completions"
    assert wire[1].path == f"/openai/chat/completions/{made.id}"
