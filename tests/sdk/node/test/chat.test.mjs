// chat.completions through the official Node SDK: plain, streamed, stream helper, usage, n, length.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LengthFinishReasonError } from 'openai/error';
import { startServer, clientFor, ECHO, REQUEST_ID } from '../lib.mjs';

const MODEL = 'gpt-4o-mini';
const TEXT = 'Hello there, how are you today?';
const MESSAGES = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: TEXT }];

let server, client;
before(async () => {
  server = await startServer('--token-delay-ms', '1');
  client = clientFor(server);
});
after(() => server?.stop());

const plain = (extra = {}) => client.chat.completions.create({ model: MODEL, messages: MESSAGES, ...extra });

async function streamed(extra = {}) {
  const chunks = [];
  for await (const chunk of await plain({ stream: true, ...extra })) chunks.push(chunk);
  return chunks;
}

const joined = (chunks, index = 0) =>
  chunks.flatMap((c) => c.choices).filter((c) => c.index === index).map((c) => c.delta.content ?? '').join('');

test('plain completion', async () => {
  const completion = await plain();
  assert.equal(completion.object, 'chat.completion');
  assert.match(completion.id, /^chatcmpl-/);
  assert.ok(Number.isInteger(completion.created));
  assert.equal(completion.model, MODEL);
  assert.equal(completion.choices.length, 1);
  const [choice] = completion.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, ECHO + TEXT);
  assert.equal(choice.message.refusal, null);
  assert.equal(choice.logprobs, null);
  const { usage } = completion;
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.match(completion._request_id, REQUEST_ID);
});

test('streamed deltas join to the plain content', async () => {
  const content = (await plain()).choices[0].message.content;
  const chunks = await streamed();
  assert.equal(joined(chunks), content);
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  assert.equal(new Set(chunks.map((c) => c.created)).size, 1);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === MODEL));
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.ok(chunks.slice(1).every((c) => c.choices[0].delta.role === undefined), 'role only in the first chunk');
  assert.deepEqual(
    chunks.map((c) => c.choices[0].finish_reason),
    [...Array(chunks.length - 1).fill(null), 'stop'],
  );
  assert.ok(chunks.every((c) => c.usage === undefined || c.usage === null));
});

test('stream helper final message equals the plain one', async () => {
  const reference = (await plain()).choices[0];
  let deltas = '';
  const stream = client.chat.completions.stream({ model: MODEL, messages: MESSAGES });
  stream.on('content', (delta) => (deltas += delta));
  const final = await stream.finalChatCompletion();
  assert.equal(final.choices.length, 1);
  const [choice] = final.choices;
  assert.equal(choice.message.content, reference.message.content);
  assert.equal(choice.message.role, reference.message.role);
  assert.equal(choice.finish_reason, reference.finish_reason);
  assert.equal(deltas, reference.message.content);
  assert.equal(await stream.finalContent(), reference.message.content);
});

test('include_usage adds one last chunk without choices', async () => {
  const reference = (await plain()).usage;
  const chunks = await streamed({ stream_options: { include_usage: true } });
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.prompt_tokens, reference.prompt_tokens);
  assert.equal(last.usage.completion_tokens, reference.completion_tokens);
  assert.equal(last.usage.total_tokens, reference.total_tokens);
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1));
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
});

test('stream helper reports usage', async () => {
  const stream = client.chat.completions.stream({ model: MODEL, messages: MESSAGES, stream_options: { include_usage: true } });
  const final = await stream.finalChatCompletion();
  assert.ok(final.usage.total_tokens > 0);
  assert.equal(final.choices[0].message.content, ECHO + TEXT);
});

test('n=3: plain, streamed and stream helper', async () => {
  const completion = await plain({ n: 3 });
  assert.deepEqual(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason]), [
    [0, ECHO + TEXT, 'stop'],
    [1, ECHO + TEXT, 'stop'],
    [2, ECHO + TEXT, 'stop'],
  ]);
  const chunks = await streamed({ n: 3 });
  for (const index of [0, 1, 2]) assert.equal(joined(chunks, index), ECHO + TEXT);
  const final = await client.chat.completions.stream({ model: MODEL, messages: MESSAGES, n: 3 }).finalChatCompletion();
  assert.deepEqual(final.choices.map((c) => [c.index, c.message.role, c.message.content, c.finish_reason]), [
    [0, 'assistant', ECHO + TEXT, 'stop'],
    [1, 'assistant', ECHO + TEXT, 'stop'],
    [2, 'assistant', ECHO + TEXT, 'stop'],
  ]);
});

for (const limit of ['max_tokens', 'max_completion_tokens']) {
  test(`${limit} gives finish_reason length`, async () => {
    const completion = await plain({ [limit]: 3 });
    assert.equal(completion.choices[0].finish_reason, 'length');
    assert.equal(completion.choices[0].message.content, 'As a mock');
    assert.equal(completion.usage.completion_tokens, 3);
    const chunks = await streamed({ [limit]: 3 });
    assert.equal(joined(chunks), 'As a mock');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
  });
}

test('length: the stream helper keeps the truncated answer, parse() throws by design', async () => {
  // Node's stream helper only parses when a response_format/strict tool asks for it, so a length
  // stop comes back as data; chat.completions.parse() always throws LengthFinishReasonError.
  const final = await client.chat.completions
    .stream({ model: MODEL, messages: MESSAGES, max_tokens: 3 })
    .finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'length');
  assert.equal(final.choices[0].message.content, 'As a mock');
  await assert.rejects(client.chat.completions.parse({ model: MODEL, messages: MESSAGES, max_tokens: 3 }), LengthFinishReasonError);
});

test('withResponse exposes the x-request-id header', async () => {
  const { data, response, request_id } = await plain().withResponse();
  const header = response.headers.get('x-request-id');
  assert.match(header, REQUEST_ID);
  assert.equal(request_id, header);
  assert.equal(data._request_id, header);
  assert.match(response.headers.get('content-type'), /^application\/json(; *charset=utf-8)?$/i);
  assert.equal(data.choices[0].message.content, ECHO + TEXT);
  const again = await plain().withResponse();
  assert.notEqual(again.request_id, header, 'every request gets its own id');
});

test('withResponse on a stream', async () => {
  const { data, response, request_id } = await plain({ stream: true }).withResponse();
  assert.match(request_id, REQUEST_ID);
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const chunks = [];
  for await (const chunk of data) chunks.push(chunk);
  assert.equal(joined(chunks), ECHO + TEXT);
});

test('breaking out of a stream early is clean', async () => {
  for await (const chunk of await plain({ stream: true })) {
    assert.equal(chunk.choices[0].delta.role, 'assistant');
    break;
  }
  assert.equal((await plain()).choices[0].message.content, ECHO + TEXT);
});
