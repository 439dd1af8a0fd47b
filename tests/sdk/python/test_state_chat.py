"""Stored chat completions through the official SDK: store=True with metadata, list (filtered by
model and metadata, and its auto-paginating iterator), retrieve, update, delete and messages.
Collected only for SDKs that have client.chat.completions.list."""

import openai

from conftest import raises

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]


def test_stored_completions_are_listed_read_updated_and_deleted(client_for, server_with_rules):
    client = client_for(server_with_rules([]))
    made = [
        client.chat.completions.create(model=model, messages=MESSAGES, store=True, metadata={"team": team})
        for model, team in [("gpt-4o", "a"), ("gpt-4o-mini", "b"), ("gpt-4o", "a"), ("gpt-4o", "b")]
    ]
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # not stored
    ids = [c.id for c in made]
    assert [c.id for c in client.chat.completions.list(limit=2)] == ids
    assert [c.id for c in client.chat.completions.list(model="gpt-4o")] == [ids[0], ids[2], ids[3]]
    assert [c.id for c in client.chat.completions.list(metadata={"team": "a"})] == [ids[0], ids[2]]
    assert [c.id for c in client.chat.completions.list(order="desc", limit=3)] == ids[::-1]
    got = client.chat.completions.retrieve(ids[1])
    assert (got.id, got.model, got.metadata) == (ids[1], "gpt-4o-mini", {"team": "b"})
    assert got.choices[0].message.content == made[1].choices[0].message.content
    updated = client.chat.completions.update(ids[1], metadata={"team": "c"})
    assert updated.metadata == {"team": "c"}
    messages = list(client.chat.completions.messages.list(ids[1], limit=1))
    assert [(m.role, m.content) for m in messages] == [("system", "be brief"), ("user", "hi")]
    assert [m.id for m in messages] == [f"{ids[1]}-0", f"{ids[1]}-1"]
    deleted = client.chat.completions.delete(ids[1])
    assert (deleted.id, deleted.deleted, deleted.object) == (ids[1], True, "chat.completion.deleted")
    raises(openai.NotFoundError, lambda: client.chat.completions.retrieve(ids[1]))
