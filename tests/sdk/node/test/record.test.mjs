// Record through a proxy (--upstream + --record) in front of a second oaimock, then replay with no
// upstream (--fixtures DIR --strict): the SDK reads identical replies, and an unrecorded prompt is
// the 400 naming the closest rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { BadRequestError, RateLimitError } from 'openai';
import { startServer, startServerWithRules, clientFor } from '../lib.mjs';

const HELLO = [{ role: 'user', content: 'hello from node' }];

async function session(client) {
  const plain = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO });
  const chunks = [];
  for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, stream: true })) {
    chunks.push(chunk);
  }
  let limited;
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'limit' }] }),
    (e) => (limited = e) instanceof RateLimitError,
  );
  return { plain, chunks, limited };
}

test('a recorded session replays to identical replies', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'oaimock-cassettes-'));
  try {
    const upstream = await startServerWithRules(
      [{ match: { user: { equals: 'limit' } }, reply: { error: { status: 429, message: 'Slow down.' } } }],
      '--reply', 'Recorded upstream reply',
    );
    const proxy = await startServer('--upstream', upstream.url, '--record', dir);
    let live;
    try {
      live = await session(clientFor(proxy, { maxRetries: 0 }));
    } finally {
      proxy.stop();
      await upstream.stop();
    }
    const replay = await startServer('--fixtures', dir, '--strict');
    try {
      const client = clientFor(replay, { maxRetries: 0 });
      const again = await session(client);
      assert.equal(live.plain.choices[0].message.content, 'Recorded upstream reply');
      assert.deepEqual(again.plain, live.plain);
      assert.deepEqual(again.chunks, live.chunks);
      assert.equal(live.chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Recorded upstream reply');
      assert.equal(again.limited.status, 429);
      assert.equal(again.limited.message, live.limited.message);
      assert.equal(again.limited.requestID, live.limited.requestID);
      let refused;
      await assert.rejects(
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'unrecorded' }] }),
        (e) => (refused = e) instanceof BadRequestError,
      );
      assert.equal(refused.code, 'no_matching_fixture');
      assert.match(refused.message, /differs at body\.messages\[0\]\.content/);
    } finally {
      replay.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
