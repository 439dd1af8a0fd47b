// Files, Uploads and Batches through the official Node SDK: a binary round trip with identical
// bytes, `for await` over every page of files.list, an Upload built from parts, and a batch whose
// output lines carry the live endpoint's replies (bad lines in the error file), plus a cancel
// that keeps the partial output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, toFile } from 'openai';
import { startServerWithRules, clientFor } from '../lib.mjs';

const FAIL_RULE = { match: { user: { contains: 'fail me' } }, reply: { error: { status: 429, message: 'Slow down.' } } };

let server, client;
before(async () => {
  server = await startServerWithRules([FAIL_RULE], '--token-delay-ms', '0', '--batch-ms', '800');
  client = clientFor(server);
});
after(() => server?.stop());

const collect = async (iterable) => {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
};

const chatLine = (customId, content) => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] },
});

const uploadLines = async (lines, scope) =>
  client.files.create(
    { file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l) + '\n').join('')), 'in.jsonl'), purpose: 'batch' },
    { headers: { 'x-oaimock-scope': scope } },
  );

const readLines = async (fileId, scope) => {
  const res = await client.files.content(fileId, { headers: { 'x-oaimock-scope': scope } });
  return (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
};

async function poll(id, scope, done) {
  const statuses = [];
  const deadline = Date.now() + 20_000;
  for (;;) {
    const batch = await client.batches.retrieve(id, { headers: { 'x-oaimock-scope': scope } });
    if (statuses.at(-1) !== batch.status) statuses.push(batch.status);
    if (done(batch)) return { batch, statuses };
    assert.ok(Date.now() < deadline, `batch stuck: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a binary file round trips byte for byte and is listed page by page', async () => {
  const scope = { headers: { 'x-oaimock-scope': 'node-files' } };
  const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n--\0')]);
  const made = await client.files.create({ file: await toFile(data, 'blob.bin'), purpose: 'user_data' }, scope);
  assert.equal(made.bytes, data.length);
  assert.equal(made.filename, 'blob.bin');
  const content = Buffer.from(await (await client.files.content(made.id, scope)).arrayBuffer());
  assert.ok(content.equals(data));
  const ids = [made.id];
  for (let i = 0; i < 4; i++) {
    ids.push((await client.files.create({ file: await toFile(Buffer.from('{}'), `f${i}.jsonl`), purpose: 'batch' }, scope)).id);
  }
  const listed = await collect(client.files.list({ limit: 2, order: 'asc' }, scope));
  assert.deepEqual(listed.map((f) => f.id), ids);
  const batchOnly = await collect(client.files.list({ purpose: 'batch', limit: 3 }, scope));
  assert.deepEqual(batchOnly.map((f) => f.id), ids.slice(1).reverse());
  await client.files.delete(made.id, scope);
  await assert.rejects(client.files.retrieve(made.id, scope), NotFoundError);
});

test('an upload joins its parts in the order given', async () => {
  const upload = await client.uploads.create({ bytes: 6, filename: 'x.txt', mime_type: 'text/plain', purpose: 'assistants' });
  const a = await client.uploads.parts.create(upload.id, { data: await toFile(Buffer.from('abc'), 'a') });
  const b = await client.uploads.parts.create(upload.id, { data: await toFile(Buffer.from('def'), 'b') });
  const done = await client.uploads.complete(upload.id, { part_ids: [b.id, a.id] });
  assert.equal(done.status, 'completed');
  assert.equal(await (await client.files.content(done.file.id)).text(), 'defabc');
});

test('a batch runs each line like the live endpoint', async () => {
  const good = [chatLine('one', 'hello there'), chatLine('two', 'a second question')];
  const malformed = { custom_id: 'bad', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini' } };
  const file = await uploadLines([good[0], malformed, chatLine('scripted', 'please fail me'), good[1]], 'node-b');
  const scope = { headers: { 'x-oaimock-scope': 'node-b' } };
  const batch = await client.batches.create(
    { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' },
    scope,
  );
  assert.equal(batch.status, 'validating');
  const { batch: done, statuses } = await poll(batch.id, 'node-b', (b) => ['completed', 'failed'].includes(b.status));
  assert.deepEqual(statuses, ['validating', 'in_progress', 'finalizing', 'completed']);
  assert.deepEqual(done.request_counts, { total: 4, completed: 2, failed: 2 });
  const output = await readLines(done.output_file_id, 'node-b');
  assert.deepEqual(output.map((l) => l.custom_id), ['one', 'two']);
  for (const [line, asked] of output.map((l, i) => [l, good[i]])) {
    const live = await client.chat.completions.create(asked.body, scope);
    assert.equal(line.response.status_code, 200);
    assert.equal(line.response.body.choices[0].message.content, live.choices[0].message.content);
  }
  const errors = await readLines(done.error_file_id, 'node-b');
  assert.deepEqual(errors.map((e) => [e.custom_id, e.response.status_code]), [['bad', 400], ['scripted', 429]]);
  const listed = await collect(client.batches.list({ limit: 1 }, scope));
  assert.deepEqual(listed.map((b) => b.id), [batch.id]);
});

test('a cancel mid-run keeps the partial output', async () => {
  const lines = Array.from({ length: 10 }, (_, i) => chatLine(`r${i}`, `question ${i}`));
  const file = await uploadLines(lines, 'node-c');
  const scope = { headers: { 'x-oaimock-scope': 'node-c', 'x-oaimock-batch-ms': '4000' } };
  const batch = await client.batches.create(
    { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' },
    scope,
  );
  await poll(batch.id, 'node-c', (b) => b.request_counts.completed >= 1);
  const cancelling = await client.batches.cancel(batch.id, { headers: { 'x-oaimock-scope': 'node-c' } });
  assert.equal(cancelling.status, 'cancelling');
  const { batch: cancelled } = await poll(batch.id, 'node-c', (b) => b.status === 'cancelled');
  const completed = cancelled.request_counts.completed;
  assert.ok(completed >= 1 && completed < 10, JSON.stringify(cancelled));
  const output = await readLines(cancelled.output_file_id, 'node-c');
  assert.deepEqual(output.map((l) => l.custom_id), lines.slice(0, completed).map((l) => l.custom_id));
});
