"""Conversations through the official SDK: create, retrieve, update, delete; items list (and its
auto-paginating iterator), create, retrieve, delete; and a response that reads and extends a
conversation. Collected only for SDKs that have client.conversations."""

import openai

from conftest import ECHO, raises

MODEL = "gpt-4o-mini"


def test_a_conversation_and_its_items(client):
    conv = client.conversations.create(
        metadata={"topic": "demo"},
        items=[{"type": "message", "role": "user", "content": "Hello!"}],
    )
    assert conv.id.startswith("conv_") and conv.metadata == {"topic": "demo"}
    assert client.conversations.retrieve(conv.id).id == conv.id
    assert client.conversations.update(conv.id, metadata={"topic": "other"}).metadata == {"topic": "other"}
    added = client.conversations.items.create(
        conv.id,
        items=[{"type": "message", "role": "user", "content": f"m{i}"} for i in range(4)],
    )
    assert len(added.data) == 4
    texts = [item.content[0].text for item in client.conversations.items.list(conv.id, limit=2, order="asc")]
    assert texts == ["Hello!", "m0", "m1", "m2", "m3"]
    one = client.conversations.items.retrieve(added.data[0].id, conversation_id=conv.id)
    assert one.id == added.data[0].id
    after = client.conversations.items.delete(added.data[0].id, conversation_id=conv.id)
    assert after.id == conv.id
    raises(openai.NotFoundError, lambda: client.conversations.items.retrieve(added.data[0].id, conversation_id=conv.id))
    deleted = client.conversations.delete(conv.id)
    assert (deleted.id, deleted.deleted) == (conv.id, True)
    raises(openai.NotFoundError, lambda: client.conversations.retrieve(conv.id))


def test_a_response_reads_and_extends_its_conversation(client):
    conv = client.conversations.create(items=[{"type": "message", "role": "user", "content": "one two"}])
    first = client.responses.create(model=MODEL, input="three", conversation=conv.id)
    assert first.output_text == ECHO + "three"
    assert first.usage.input_tokens == 3
    items = list(client.conversations.items.list(conv.id, order="asc"))
    assert [item.role for item in items] == ["user", "user", "assistant"]
    assert items[2].id == first.output[0].id
    second = client.responses.create(model=MODEL, input="four", conversation={"id": conv.id})
    assert second.usage.input_tokens == 3 + first.usage.output_tokens + 1
