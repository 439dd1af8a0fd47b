// Legacy completions (POST /v1/completions) through the official Node SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from 'openai';
import { startServer, clientFor, ECHO, REQUEST_ID } from '../lib.mjs';

const MODEL = 'gpt-3.5-turbo-instruct';
const PROMPT = 'Say hi'; // 12 + 2 words of reply: under the default max_tokens of 16
const REPLY = ECHO + PROMPT;
const words = (text) => text.split(/\s+/).filter(Boolean);

let server, client;
before(async () => {
  server = await startServer('--token-delay-ms', '1');
  client = clientFor(server);
});
after(() => server?.stop());

const plain = (extra = {}) => client.completions.create({ model: MODEL, prompt: PROMPT, ...extra });

async function streamed(extra = {}) {
  const chunks = [];
  for await (const chunk of await plain({ stream: true, ...extra })) chunks.push(chunk);
  return chunks;
}

const joined = (chunks, index = 0) =>
  chunks.flatMap((c) => c.choices).filter((c) => c.index === index).map((c) => c.text).join('');

test('plain completion', async () => {
  const completion = await plain();
  assert.equal(completion.object, 'text_completion');
  assert.match(completion.id, /^cmpl-/);
  assert.ok(Number.isInteger(completion.created));
  assert.equal(completion.model, MODEL);
  assert.deepEqual(completion.choices, [{ text: REPLY, index: 0, logprobs: null, finish_reason: 'stop' }]);
  const { usage } = completion;
  assert.equal(usage.prompt_tokens, words(PROMPT).length);
  assert.equal(usage.completion_tokens, words(REPLY).length);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.match(completion._request_id, REQUEST_ID);
});

test('n gives n identical choices', async () => {
  const completion = await plain({ n: 3 });
  assert.deepEqual(completion.choices.map((c) => [c.index, c.text, c.finish_reason]), [
    [0, REPLY, 'stop'],
    [1, REPLY, 'stop'],
    [2, REPLY, 'stop'],
  ]);
});

test('a list of prompts gives choices grouped by prompt', async () => {
  const completion = await plain({ prompt: ['Say hi', 'Say bye'], n: 2 });
  assert.deepEqual(completion.choices.map((c) => [c.index, c.text]), [
    [0, ECHO + 'Say hi'],
    [1, ECHO + 'Say hi'],
    [2, ECHO + 'Say bye'],
    [3, ECHO + 'Say bye'],
  ]);
  const chunks = await streamed({ prompt: ['Say hi', 'Say bye'], n: 2 });
  assert.deepEqual([0, 1, 2, 3].map((i) => joined(chunks, i)), [REPLY, REPLY, ECHO + 'Say bye', ECHO + 'Say bye']);
});

test('max_tokens gives finish_reason length, and defaults to 16', async () => {
  const completion = await plain({ max_tokens: 3 });
  assert.deepEqual([completion.choices[0].text, completion.choices[0].finish_reason], ['As a mock', 'length']);
  assert.equal(completion.usage.completion_tokens, 3);
  const chunks = await streamed({ max_tokens: 3 });
  assert.equal(joined(chunks), 'As a mock');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
  const long = 'one two three four five six seven eight';
  const capped = await plain({ prompt: long });
  assert.equal(capped.choices[0].finish_reason, 'length');
  assert.equal(capped.choices[0].text, words(ECHO + long).slice(0, 16).join(' '));
});

test('echo prepends the prompt', async () => {
  const completion = await plain({ echo: true });
  assert.equal(completion.choices[0].text, PROMPT + REPLY);
  assert.equal(joined(await streamed({ echo: true })), PROMPT + REPLY);
});

test('logprobs', async () => {
  const [choice] = (await plain({ logprobs: 1 })).choices;
  const { tokens, token_logprobs, top_logprobs, text_offset } = choice.logprobs;
  assert.equal(tokens.join(''), REPLY);
  assert.equal(token_logprobs.length, tokens.length);
  assert.equal(top_logprobs.length, tokens.length);
  assert.equal(text_offset[0], PROMPT.length);
});

test('streamed chunks join to the plain text', async () => {
  const text = (await plain()).choices[0].text;
  const chunks = await streamed();
  assert.equal(joined(chunks), text);
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  assert.ok(chunks.every((c) => c.object === 'text_completion' && c.model === MODEL && c.choices.length === 1));
  assert.equal(chunks.filter((c) => c.choices[0].text).length, words(text).length);
  assert.deepEqual(
    chunks.map((c) => c.choices[0].finish_reason),
    [...Array(chunks.length - 1).fill(null), 'stop'],
  );
  assert.equal(chunks.at(-1).choices[0].text, '');
  assert.ok(chunks.every((c) => c.usage === undefined), 'no usage key unless include_usage');
});

test('include_usage adds one last chunk without choices', async () => {
  const reference = (await plain()).usage;
  const chunks = await streamed({ stream_options: { include_usage: true } });
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.deepEqual(
    [last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens],
    [reference.prompt_tokens, reference.completion_tokens, reference.total_tokens],
  );
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1));
  assert.equal(joined(chunks), REPLY);
});

test('logprobs above 5 is a BadRequestError naming logprobs', async () => {
  for (const stream of [false, true]) {
    await assert.rejects(plain({ logprobs: 6, stream }), (err) => {
      assert.equal(err.constructor, BadRequestError);
      assert.deepEqual([err.status, err.type, err.code, err.param], [400, 'invalid_request_error', 'invalid_value', 'logprobs']);
      assert.match(err.requestID, REQUEST_ID);
      return true;
    });
  }
});
