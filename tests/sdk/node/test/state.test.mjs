// The stateful API through the official Node SDK: stored responses (retrieve, delete,
// inputItems with auto-pagination, inputTokens, previous_response_id, background polling, cancel,
// a resumed background stream), stored chat completions and Conversations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError, NotFoundError } from 'openai';
import { startServer, clientFor, ECHO } from '../lib.mjs';

const MODEL = 'gpt-4o-mini';
const MESSAGES = [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }];

let server, client;
before(async () => {
  server = await startServer('--token-delay-ms', '0');
  client = clientFor(server);
});
after(() => server?.stop());

const collect = async (iterable) => {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
};

test('a stored response is retrieved, its input items paged, then deleted', async () => {
  const input = Array.from({ length: 7 }, (_, i) => ({ role: 'user', content: `m${i}` }));
  const made = await client.responses.create({ model: MODEL, input });
  const got = await client.responses.retrieve(made.id);
  assert.equal(got.id, made.id);
  assert.equal(got.output_text, made.output_text);
  const items = await collect(client.responses.inputItems.list(made.id, { limit: 3, order: 'asc' }));
  assert.deepEqual(items.map((i) => i.content[0].text), input.map((m) => m.content));
  await client.responses.delete(made.id);
  await assert.rejects(client.responses.retrieve(made.id), (err) => {
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.error.message, `Response with id '${made.id}' not found.`);
    return true;
  });
});

test('previous_response_id carries the turns; input tokens are counted the same way', async () => {
  const first = await client.responses.create({ model: MODEL, input: 'one two three', instructions: 'be brief' });
  const second = await client.responses.create({ model: MODEL, input: 'four', previous_response_id: first.id });
  assert.equal(second.output_text, `${ECHO}four`);
  assert.equal(second.instructions, null);
  assert.equal(second.usage.input_tokens, 3 + first.usage.output_tokens + 1);
  const counted = await client.responses.inputTokens.count({ model: MODEL, input: 'five', previous_response_id: second.id });
  assert.equal(counted.input_tokens, second.usage.input_tokens + second.usage.output_tokens + 1);
  await assert.rejects(
    client.responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_missing' }),
    (err) => err instanceof BadRequestError && err.param === 'previous_response_id' && err.code === 'previous_response_not_found',
  );
});

test('a background response is polled to completion, another cancelled', async () => {
  const slow = await startServer('--token-delay-ms', '20');
  try {
    const c = clientFor(slow);
    const made = await c.responses.create({ model: MODEL, input: 'x', background: true });
    assert.equal(made.status, 'in_progress');
    assert.equal(made.background, true);
    let response = made;
    const deadline = Date.now() + 10_000;
    while (response.status === 'queued' || response.status === 'in_progress') {
      assert.ok(Date.now() < deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
      response = await c.responses.retrieve(made.id);
    }
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, `${ECHO}x`);
    const other = await c.responses.create({ model: MODEL, input: 'x '.repeat(200), background: true });
    const cancelled = await c.responses.cancel(other.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await c.responses.retrieve(other.id)).status, 'cancelled');
  } finally {
    slow.stop();
  }
});

test('a background stream resumes after a sequence number', async () => {
  const events = await collect(await client.responses.create({ model: MODEL, input: 'a b c', background: true, stream: true }));
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
  const id = events[0].response.id;
  const resumed = await collect(await client.responses.retrieve(id, { stream: true, starting_after: 3 }));
  assert.deepEqual(resumed.map((e) => e.sequence_number), events.slice(4).map((e) => e.sequence_number));
  assert.equal(resumed.at(-1).type, 'response.completed');
});

test('stored chat completions are listed, filtered, read, updated and deleted', async () => {
  const own = await startServer('--token-delay-ms', '0');
  try {
    const c = clientFor(own);
    const made = [];
    for (const [model, team] of [['gpt-4o', 'a'], ['gpt-4o-mini', 'b'], ['gpt-4o', 'a']]) {
      made.push(await c.chat.completions.create({ model, messages: MESSAGES, store: true, metadata: { team } }));
    }
    const ids = made.map((m) => m.id);
    assert.deepEqual((await collect(c.chat.completions.list({ limit: 2 }))).map((m) => m.id), ids);
    assert.deepEqual((await collect(c.chat.completions.list({ model: 'gpt-4o' }))).map((m) => m.id), [ids[0], ids[2]]);
    assert.deepEqual((await collect(c.chat.completions.list({ metadata: { team: 'b' } }))).map((m) => m.id), [ids[1]]);
    const got = await c.chat.completions.retrieve(ids[1]);
    assert.deepEqual(got.metadata, { team: 'b' });
    assert.deepEqual((await c.chat.completions.update(ids[1], { metadata: { team: 'c' } })).metadata, { team: 'c' });
    const messages = await collect(c.chat.completions.messages.list(ids[1], { limit: 1 }));
    assert.deepEqual(messages.map((m) => [m.role, m.content]), [['system', 'be brief'], ['user', 'hi']]);
    const deleted = await c.chat.completions.delete(ids[1]);
    assert.deepEqual([deleted.id, deleted.deleted, deleted.object], [ids[1], true, 'chat.completion.deleted']);
    await assert.rejects(c.chat.completions.retrieve(ids[1]), NotFoundError);
  } finally {
    own.stop();
  }
});

test('a conversation, its items, and a response that extends it', async () => {
  const conv = await client.conversations.create({
    metadata: { topic: 'demo' },
    items: [{ type: 'message', role: 'user', content: 'one two' }],
  });
  assert.match(conv.id, /^conv_/);
  assert.deepEqual((await client.conversations.retrieve(conv.id)).metadata, { topic: 'demo' });
  assert.deepEqual((await client.conversations.update(conv.id, { metadata: { topic: 'x' } })).metadata, { topic: 'x' });
  const added = await client.conversations.items.create(conv.id, {
    items: [1, 2, 3].map((i) => ({ type: 'message', role: 'user', content: `m${i}` })),
  });
  assert.equal(added.data.length, 3);
  const one = await client.conversations.items.retrieve(added.data[0].id, { conversation_id: conv.id });
  assert.equal(one.id, added.data[0].id);
  await client.conversations.items.delete(added.data[0].id, { conversation_id: conv.id });
  const response = await client.responses.create({ model: MODEL, input: 'three', conversation: conv.id });
  assert.equal(response.output_text, `${ECHO}three`);
  const items = await collect(client.conversations.items.list(conv.id, { limit: 2, order: 'asc' }));
  assert.deepEqual(items.map((i) => i.role), ['user', 'user', 'user', 'user', 'assistant']);
  assert.equal(items.at(-1).id, response.output[0].id);
  const deleted = await client.conversations.delete(conv.id);
  assert.deepEqual([deleted.id, deleted.deleted], [conv.id, true]);
  await assert.rejects(client.conversations.retrieve(conv.id), NotFoundError);
});
