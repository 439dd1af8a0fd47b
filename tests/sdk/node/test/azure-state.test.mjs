// Files, batches, stored responses, stored chat completions and conversations through the unchanged
// AzureOpenAI client, under /openai with the api-version (a chat completion stored on its deployment).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AzureOpenAI, NotFoundError, toFile } from 'openai';
import { startServer, ECHO } from '../lib.mjs';

let server;
before(async () => {
  server = await startServer('--token-delay-ms', '0', '--api-key', 'azure-key', '--batch-ms', '200');
});
after(() => server?.stop());

function azure() {
  const paths = [];
  const methods = [];
  const fetch = async (url, init) => {
    const u = new URL(String(url));
    if (u.protocol !== 'data:') {
      paths.push(u.pathname);
      methods.push(init?.method ?? 'GET');
    }
    return globalThis.fetch(url, init);
  };
  const client = new AzureOpenAI({ endpoint: server.url, apiKey: 'azure-key', apiVersion: '2025-04-01-preview', timeout: 10_000, fetch });
  return { client, paths, methods };
}

test('a file round trips and a batch runs under /openai', async () => {
  const { client, paths } = azure();
  const line = { custom_id: 'one', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'batched' }] } };
  const upload = await client.files.create({ file: await toFile(Buffer.from(JSON.stringify(line) + '\n'), 'in.jsonl'), purpose: 'batch' });
  assert.equal((await client.files.retrieve(upload.id)).id, upload.id);
  let batch = await client.batches.create({ input_file_id: upload.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const deadline = Date.now() + 20_000;
  while (!['completed', 'failed'].includes(batch.status)) {
    assert.ok(Date.now() < deadline, JSON.stringify(batch));
    await new Promise((r) => setTimeout(r, 50));
    batch = await client.batches.retrieve(batch.id);
  }
  assert.equal(batch.status, 'completed');
  const out = JSON.parse((await (await client.files.content(batch.output_file_id)).text()).trim());
  assert.equal(out.custom_id, 'one');
  assert.equal(out.response.status_code, 200);
  assert.deepEqual(paths.slice(0, 3), ['/openai/files', `/openai/files/${upload.id}`, '/openai/batches']);
});

test('stored responses and chat completions are read back under /openai', async () => {
  const { client, paths } = azure();
  const first = await client.responses.create({ model: 'gpt-4o', input: 'remember me', store: true });
  const got = await client.responses.retrieve(first.id);
  assert.equal(got.output_text, ECHO + 'remember me');
  const made = await client.chat.completions.create({ model: 'prod-chat', messages: [{ role: 'user', content: 'keep this' }], store: true });
  const stored = await client.chat.completions.retrieve(made.id);
  assert.equal(stored.choices[0].message.content, ECHO + 'keep this');
  assert.deepEqual(paths, [
    '/openai/responses', `/openai/responses/${first.id}`,
    '/openai/deployments/prod-chat/chat/completions', `/openai/chat/completions/${made.id}`,
  ]);
});

test('a conversation and its items under /openai', async () => {
  const { client, paths, methods } = azure();
  const conv = await client.conversations.create({ metadata: { topic: 'demo' }, items: [{ type: 'message', role: 'user', content: 'Hello!' }] });
  assert.match(conv.id, /^conv_/);
  assert.deepEqual(conv.metadata, { topic: 'demo' });
  assert.deepEqual((await client.conversations.retrieve(conv.id)).metadata, { topic: 'demo' });
  assert.deepEqual((await client.conversations.update(conv.id, { metadata: { topic: 'x' } })).metadata, { topic: 'x' });
  const added = await client.conversations.items.create(conv.id, {
    items: [0, 1, 2].map((i) => ({ type: 'message', role: 'user', content: `m${i}` })),
  });
  assert.deepEqual(added.data.map((i) => i.content[0].text), ['m0', 'm1', 'm2']);
  const texts = [];
  for await (const item of client.conversations.items.list(conv.id, { limit: 2, order: 'asc' })) texts.push(item.content[0].text);
  assert.deepEqual(texts, ['Hello!', 'm0', 'm1', 'm2']);
  const item = added.data[0].id;
  const one = await client.conversations.items.retrieve(item, { conversation_id: conv.id });
  assert.deepEqual([one.id, one.content[0].text], [item, 'm0']);
  assert.equal((await client.conversations.items.delete(item, { conversation_id: conv.id })).id, conv.id);
  await assert.rejects(client.conversations.items.retrieve(item, { conversation_id: conv.id }), NotFoundError);
  const deleted = await client.conversations.delete(conv.id);
  assert.deepEqual([deleted.id, deleted.deleted], [conv.id, true]);
  await assert.rejects(client.conversations.retrieve(conv.id), NotFoundError);
  const at = `/openai/conversations/${conv.id}`;
  assert.deepEqual(paths, [
    '/openai/conversations', at, at, `${at}/items`, `${at}/items`, `${at}/items`,
    `${at}/items/${item}`, `${at}/items/${item}`, `${at}/items/${item}`, at, at,
  ]);
  assert.deepEqual(methods, ['POST', 'GET', 'POST', 'POST', 'GET', 'GET', 'GET', 'DELETE', 'GET', 'DELETE', 'GET']);
});
