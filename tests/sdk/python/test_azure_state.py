"""Stored responses, stored chat completions and conversations through the unchanged AzureOpenAI
client: stored on a deployment or under /openai, read back under /openai with the api-version.
Not collected for SDKs without client.responses, stored chat completions or client.conversations
(see conftest)."""

import openai
import pytest

from conftest import ECHO, Server, raises


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


def test_a_conversation_and_its_items_under_openai(azure, wire):
    conv = azure.conversations.create(
        metadata={"topic": "demo"}, items=[{"type": "message", "role": "user", "content": "Hello!"}]
    )
    assert conv.id.startswith("conv_") and conv.metadata == {"topic": "demo"}
    assert azure.conversations.retrieve(conv.id).metadata == {"topic": "demo"}
    assert azure.conversations.update(conv.id, metadata={"topic": "other"}).metadata == {"topic": "other"}
    added = azure.conversations.items.create(
        conv.id, items=[{"type": "message", "role": "user", "content": f"m{i}"} for i in range(3)]
    )
    assert [item.content[0].text for item in added.data] == ["m0", "m1", "m2"]
    texts = [item.content[0].text for item in azure.conversations.items.list(conv.id, limit=2, order="asc")]
    assert texts == ["Hello!", "m0", "m1", "m2"]
    one = azure.conversations.items.retrieve(added.data[0].id, conversation_id=conv.id)
    assert one.id == added.data[0].id and one.content[0].text == "m0"
    after = azure.conversations.items.delete(added.data[0].id, conversation_id=conv.id)
    assert after.id == conv.id
    raises(openai.NotFoundError, lambda: azure.conversations.items.retrieve(added.data[0].id, conversation_id=conv.id))
    deleted = azure.conversations.delete(conv.id)
    assert (deleted.id, deleted.deleted) == (conv.id, True)
    raises(openai.NotFoundError, lambda: azure.conversations.retrieve(conv.id))
    item = added.data[0].id
    assert [exchange.path for exchange in wire] == [
        "/openai/conversations",
        f"/openai/conversations/{conv.id}",
        f"/openai/conversations/{conv.id}",
        f"/openai/conversations/{conv.id}/items",
        f"/openai/conversations/{conv.id}/items",
        f"/openai/conversations/{conv.id}/items",
        f"/openai/conversations/{conv.id}/items/{item}",
        f"/openai/conversations/{conv.id}/items/{item}",
        f"/openai/conversations/{conv.id}/items/{item}",
        f"/openai/conversations/{conv.id}",
        f"/openai/conversations/{conv.id}",
    ]
    assert [exchange.method for exchange in wire] == [
        "POST", "GET", "POST", "POST", "GET", "GET", "GET", "DELETE", "GET", "DELETE", "GET",
    ]
