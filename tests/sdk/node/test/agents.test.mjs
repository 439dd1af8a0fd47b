// What agent frameworks rely on, through the official Node SDK: a forced tool_choice after a
// tool result is a call (chat and Responses), chat logprobs with top_logprobs (plain, raw
// stream, stream helper), Responses output_text logprobs, and a mid-stream Responses `error`
// event (the spec's flat fields beside the nested error) as APIError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { APIError, BadRequestError } from 'openai';
import { startServer, clientFor, ECHO } from '../lib.mjs';

const MODEL = 'gpt-4o-mini';
const TEXT = 'Hello there, how are you?';
const TOKENS = ['Hello', ' there,', ' how', ' are', ' you?'];
let server;
let replying;
before(async () => {
  server = await startServer('--token-delay-ms', '0');
  replying = await startServer('--token-delay-ms', '0', '--reply', TEXT);
});
after(() => {
  server?.stop();
  replying?.stop();
});

const object = (properties) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});
const CHAT_TOOLS = [
  { type: 'function', function: { name: 'search', parameters: object({ query: { type: 'string' } }) } },
  { type: 'function', function: { name: 'final_result', parameters: object({ answer: { type: 'string' } }) } },
];

/** A chat conversation after one round of `search`, made of the SDK's own message. */
async function afterSearch(client) {
  const messages = [{ role: 'user', content: 'find the answer' }];
  const first = await client.chat.completions.create({ model: MODEL, messages, tools: CHAT_TOOLS, tool_choice: 'required' });
  const [call] = first.choices[0].message.tool_calls;
  assert.equal(call.function.name, 'search');
  return [...messages, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '42' }];
}

for (const [label, toolChoice] of [
  ['required', 'required'],
  ['named', { type: 'function', function: { name: 'final_result' } }],
]) {
  test(`chat: tool_choice ${label} after a tool message is a call`, async () => {
    const client = clientFor(server);
    const messages = await afterSearch(client);
    const completion = await client.chat.completions.create({ model: MODEL, messages, tools: CHAT_TOOLS, tool_choice: toolChoice });
    const [choice] = completion.choices;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const [call] = choice.message.tool_calls;
    assert.equal(call.function.name, 'final_result');
    assert.deepEqual(JSON.parse(call.function.arguments), { answer: 'find the answer' });
    // Streamed through the helper: the same call.
    const stream = client.chat.completions.stream({ model: MODEL, messages, tools: CHAT_TOOLS, tool_choice: toolChoice });
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0].message.tool_calls[0].function.name, 'final_result');
  });
}

test('chat: tool_choice auto after a tool message answers in text', async () => {
  const client = clientFor(server);
  const messages = await afterSearch(client);
  const completion = await client.chat.completions.create({ model: MODEL, messages, tools: CHAT_TOOLS, tool_choice: 'auto' });
  assert.equal(completion.choices[0].message.content, ECHO + '42');
});

test('responses: a named tool_choice after a function_call_output is a function_call item', async () => {
  const client = clientFor(server);
  const tools = CHAT_TOOLS.map(({ function: f }) => ({ type: 'function', strict: true, ...f }));
  const first = await client.responses.create({ model: MODEL, input: 'find the answer', tools, tool_choice: 'required' });
  const [call] = first.output;
  assert.equal(call.name, 'search');
  const input = [
    { role: 'user', content: 'find the answer' },
    call,
    { type: 'function_call_output', call_id: call.call_id, output: '42' },
  ];
  for (const toolChoice of ['required', { type: 'function', name: 'final_result' }]) {
    const response = await client.responses.create({ model: MODEL, input, tools, tool_choice: toolChoice });
    const [item] = response.output;
    assert.deepEqual([item.type, item.name, item.arguments], ['function_call', 'final_result', '{"answer":"find the answer"}']);
  }
});

function checkLogprobs(content, top) {
  assert.deepEqual(content.map((e) => e.token), TOKENS);
  for (const entry of content) {
    assert.deepEqual(entry.bytes, [...Buffer.from(entry.token)]);
    assert.ok(entry.logprob < 0 && entry.logprob >= -2.5, String(entry.logprob));
    assert.equal(entry.top_logprobs.length, top);
    const values = entry.top_logprobs.map((t) => t.logprob);
    assert.deepEqual(values, [...values].sort((a, b) => b - a));
    if (top) assert.ok(entry.top_logprobs.some((t) => t.token === entry.token));
  }
}

test('chat: logprobs with top_logprobs, plain, streamed and through the stream helper', async () => {
  const client = clientFor(replying);
  const messages = [{ role: 'user', content: 'hi' }];
  const completion = await client.chat.completions.create({ model: MODEL, messages, logprobs: true, top_logprobs: 3 });
  const [choice] = completion.choices;
  assert.equal(choice.message.content, TEXT);
  assert.equal(choice.logprobs.content.length, completion.usage.completion_tokens);
  assert.equal(choice.logprobs.content[0].top_logprobs.length, 3);
  assert.equal(choice.logprobs.refusal, null);
  checkLogprobs(choice.logprobs.content, 3);
  const entries = [];
  const stream = await client.chat.completions.create({ model: MODEL, messages, logprobs: true, top_logprobs: 3, stream: true });
  for await (const chunk of stream) {
    const [c] = chunk.choices;
    if (c.delta.content) {
      assert.equal(c.logprobs.content.length, 1);
      entries.push(c.logprobs.content[0]);
    } else {
      assert.equal(c.logprobs, null);
    }
  }
  assert.deepEqual(entries, choice.logprobs.content);
  const helper = client.chat.completions.stream({ model: MODEL, messages, logprobs: true, top_logprobs: 3 });
  const final = await helper.finalChatCompletion();
  assert.deepEqual(final.choices[0].logprobs.content, choice.logprobs.content);
  const none = await client.chat.completions.create({ model: MODEL, messages });
  assert.equal(none.choices[0].logprobs, null);
});

test('chat: top_logprobs without logprobs is a 400 on top_logprobs', async () => {
  const client = clientFor(replying);
  const err = await client.chat.completions
    .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], top_logprobs: 2 })
    .then(() => assert.fail('no error'), (e) => e);
  assert.ok(err instanceof BadRequestError);
  assert.equal(err.param, 'top_logprobs');
});

test('responses: include message.output_text.logprobs with top_logprobs', async () => {
  const client = clientFor(replying);
  const include = ['message.output_text.logprobs'];
  const response = await client.responses.create({ model: MODEL, input: 'hi', include, top_logprobs: 2 });
  const [part] = response.output[0].content;
  checkLogprobs(part.logprobs, 2);
  assert.equal(part.logprobs.length, response.usage.output_tokens);
  const stream = await client.responses.create({ model: MODEL, input: 'hi', include, top_logprobs: 2, stream: true });
  const deltas = [];
  for await (const event of stream) if (event.type === 'response.output_text.delta') deltas.push(event);
  assert.deepEqual(
    deltas.map((d) => [d.delta, d.logprobs[0].token, d.logprobs[0].logprob]),
    part.logprobs.map((lp) => [lp.token, lp.token, lp.logprob]),
  );
});

test('responses: a mid-stream error event (flat and nested fields) is an APIError', async () => {
  const client = clientFor(server);
  const stream = await client.responses.create(
    { model: MODEL, input: 'x', stream: true },
    { headers: { 'x-oaimock-stream-error-after': '2' } },
  );
  const seen = [];
  const err = await (async () => {
    for await (const event of stream) seen.push(event.type);
  })().then(() => assert.fail('no error'), (e) => e);
  assert.equal(err.constructor, APIError);
  assert.equal(err.status, undefined);
  const message = 'The server had an error while processing your request. Sorry about that!';
  assert.deepEqual(err.error, { message, type: 'server_error', param: null, code: null });
  assert.equal(err.message, message);
  assert.deepEqual(seen, ['response.created', 'response.in_progress']);
  // The event on the wire (the SDK aborts its own response when it throws).
  const raw = await fetch(`${server.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-oaimock-stream-error-after': '2' },
    body: JSON.stringify({ model: MODEL, input: 'x', stream: true }),
  });
  const body = await raw.text();
  const data = JSON.parse(body.trim().split('\n\n').at(-1).split('data: ')[1]);
  assert.deepEqual(data, {
    type: 'error',
    code: null,
    message,
    param: null,
    error: { message, type: 'server_error', param: null, code: null },
    sequence_number: 2,
  });
});
