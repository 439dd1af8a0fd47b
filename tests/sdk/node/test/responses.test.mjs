// The Responses API through the official Node SDK: output_text, instructions, item input,
// max_output_tokens, the raw event stream and the stream helper (whose accumulator checks event
// order, indices and ids).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from 'openai';
import { startServer, clientFor, ECHO, REQUEST_ID } from '../lib.mjs';

const MODEL = 'gpt-4o-mini';
const TEXT = 'Tell me about the weather today';
const LONG = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
const words = (text) => text.split(/\s+/).filter(Boolean);
const HEAD = ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added'];
const TAIL = ['response.output_text.done', 'response.content_part.done', 'response.output_item.done'];

let server, client;
before(async () => {
  server = await startServer('--token-delay-ms', '1');
  client = clientFor(server);
});
after(() => server?.stop());

const create = (extra = {}) => client.responses.create({ model: MODEL, input: TEXT, ...extra });

async function events(extra = {}) {
  const out = [];
  for await (const event of await create({ stream: true, ...extra })) out.push(event);
  return out;
}

function checkMessage(response, text, status) {
  assert.equal(response.output.length, 1);
  const [item] = response.output;
  assert.deepEqual([item.type, item.role, item.status], ['message', 'assistant', status]);
  assert.match(item.id, /^msg_/);
  assert.deepEqual(item.content.map((p) => [p.type, p.text]), [['output_text', text]]);
}

test('output_text is the echo', async () => {
  const response = await create();
  assert.equal(response.output_text, ECHO + TEXT);
  assert.deepEqual([response.object, response.status, response.model], ['response', 'completed', MODEL]);
  assert.match(response.id, /^resp_/);
  assert.equal(response.error, null);
  assert.equal(response.incomplete_details, null);
  assert.equal(response.instructions, null);
  checkMessage(response, ECHO + TEXT, 'completed');
  const { usage } = response;
  assert.equal(usage.input_tokens, words(TEXT).length);
  assert.equal(usage.output_tokens, words(ECHO + TEXT).length);
  assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
  assert.match(response._request_id, REQUEST_ID);
});

test('instructions are kept and not echoed', async () => {
  const response = await create({ instructions: 'You are terse.' });
  assert.equal(response.instructions, 'You are terse.');
  assert.equal(response.output_text, ECHO + TEXT);
});

test('list input echoes the last message', async () => {
  const input = [
    { role: 'developer', content: 'Be brief.' },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: [{ type: 'output_text', text: 'first answer' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second question' }] },
  ];
  assert.equal((await create({ input })).output_text, ECHO + 'second question');
});

test('max_output_tokens makes it incomplete', async () => {
  const response = await create({ input: LONG, max_output_tokens: 16 });
  assert.equal(response.status, 'incomplete');
  assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
  const truncated = words(ECHO + LONG).slice(0, 16).join(' ');
  assert.equal(response.output_text, truncated);
  checkMessage(response, truncated, 'incomplete');
  const streamed = await events({ input: LONG, max_output_tokens: 16 });
  assert.equal(streamed.at(-1).type, 'response.incomplete');
  assert.equal(streamed.at(-1).response.incomplete_details.reason, 'max_output_tokens');
});

test('max_output_tokens below 16 is a BadRequestError', async () => {
  await assert.rejects(create({ max_output_tokens: 15 }), (err) => {
    assert.equal(err.constructor, BadRequestError);
    assert.deepEqual([err.status, err.param], [400, 'max_output_tokens']);
    return true;
  });
});

test('raw stream: event types in order, sequence numbers 0..n', async () => {
  const reference = await create();
  const stream = await events();
  const kinds = stream.map((e) => e.type);
  const deltas = kinds.length - HEAD.length - TAIL.length - 1;
  assert.deepEqual(kinds, [...HEAD, ...Array(deltas).fill('response.output_text.delta'), ...TAIL, 'response.completed']);
  assert.equal(deltas, words(reference.output_text).length, 'one delta per word');
  assert.deepEqual(stream.map((e) => e.sequence_number), [...stream.keys()]);
  const [created, completed] = [stream[0].response, stream.at(-1).response];
  assert.deepEqual([created.status, created.output, created.usage], ['in_progress', [], null]);
  assert.equal(completed.id, created.id);
  const text = stream.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.equal(text, reference.output_text);
  const itemId = stream[2].item.id;
  assert.ok(stream.filter((e) => 'item_id' in e).every((e) => e.item_id === itemId));
  assert.equal(completed.output[0].content[0].text, reference.output_text);
});

test('stream helper: finalResponse().output_text equals the plain one', async () => {
  const reference = await create({ instructions: 'Be brief.' });
  let deltas = '';
  const stream = client.responses.stream({ model: MODEL, input: TEXT, instructions: 'Be brief.' });
  stream.on('response.output_text.delta', (event) => (deltas += event.delta));
  const final = await stream.finalResponse();
  assert.equal(final.output_text, reference.output_text);
  assert.equal(final.output_text, ECHO + TEXT);
  assert.equal(deltas, reference.output_text);
  assert.deepEqual([final.status, final.instructions], ['completed', 'Be brief.']);
  checkMessage(final, ECHO + TEXT, 'completed');
});

test('stream helper as an async iterator', async () => {
  const kinds = [];
  const stream = client.responses.stream({ model: MODEL, input: TEXT });
  for await (const event of stream) kinds.push(event.type);
  assert.equal(kinds[0], 'response.created');
  assert.equal(kinds.at(-1), 'response.completed');
  assert.equal((await stream.finalResponse()).output_text, ECHO + TEXT);
});
