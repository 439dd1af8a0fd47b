// Faults and the request journal through the Node SDK: retries counted by the
// server's journal (`GET /_oaimock/requests?scope=`), a scripted error sequence, `x-should-retry:
// false`, and the stream faults (mid-stream error, truncation, disconnect, malformed event) as the
// SDK and its stream helper see them. Each test has its own `x-oaimock-scope`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { APIConnectionError, APIError, InternalServerError, OpenAIError, RateLimitError } from 'openai';
import { startServer, clientFor } from '../lib.mjs';

const MESSAGES = [{ role: 'user', content: 'one two three four five six' }];
const MODEL = 'gpt-4o-mini';
let server;
before(async () => {
  server = await startServer('--token-delay-ms', '0');
});
after(() => server?.stop());

const newScope = () => `node-${randomUUID().slice(0, 12)}`;

async function journal(srv, scope) {
  const response = await fetch(`${srv.url}/_oaimock/requests?scope=${encodeURIComponent(scope)}`);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.object, 'list');
  return body.data;
}

/** The entry's fields; the request body last, so that a missing body fails alone. */
function checkEntry(entry, scope, status, answeredBy) {
  for (const key of ['method', 'path', 'headers', 'body', 'answered_by', 'status', 'ttft_ms', 'total_ms']) {
    assert.ok(key in entry, key);
  }
  assert.deepEqual([entry.method, entry.path, entry.scope], ['POST', '/v1/chat/completions', scope]);
  assert.deepEqual([entry.status, entry.answered_by], [status, answeredBy]);
  assert.equal(entry.headers.authorization, 'Bearer [redacted]');
  for (const name of Object.keys(entry.headers)) assert.equal(name, name.toLowerCase());
  assert.equal(typeof entry.total_ms, 'number');
  assert.equal(typeof entry.ttft_ms, 'number');
  // The README promises "the parsed body" for every entry, including `x-oaimock-error` faults.
  assert.notEqual(entry.body, null, `${answeredBy} entry without its request body: ${JSON.stringify(entry)}`);
  assert.deepEqual(entry.body.messages, MESSAGES);
}

/** Awaits a rejection and returns the error. */
async function rejection(promise) {
  let err;
  await assert.rejects(promise, (e) => {
    err = e;
    return true;
  });
  return err;
}

test('a 429 with retry-after-ms is retried twice, then RateLimitError', async () => {
  const scope = newScope();
  const client = clientFor(server); // the default maxRetries: 2
  const started = performance.now();
  const err = await rejection(
    client.chat.completions.create(
      { model: MODEL, messages: MESSAGES },
      { headers: { 'x-oaimock-scope': scope, 'x-oaimock-error': '429', 'x-oaimock-retry-after-ms': '10' } },
    ),
  );
  assert.equal(err.constructor, RateLimitError);
  assert.equal(err.status, 429);
  assert.equal(err.headers.get('retry-after-ms'), '10');
  // retry-after-ms: 10 replaces the SDK's 0.5 s+ backoff (and Retry-After: 1).
  assert.ok(performance.now() - started < 1000);
  const entries = await journal(server, scope);
  assert.equal(entries.length, 3);
  assert.deepEqual(entries.map((e) => e.status), [429, 429, 429]);
  // openai 7.57.0 sends X-Stainless-Retry-Count on every attempt.
  assert.deepEqual(entries.map((e) => e.headers['x-stainless-retry-count']), ['0', '1', '2']);
  for (const entry of entries) checkEntry(entry, scope, 429, 'fault');
});

for (const [status, cls] of [
  [429, RateLimitError],
  [500, InternalServerError],
]) {
  test(`x-should-retry: false stops the retries of a ${status}`, async () => {
    const scope = newScope();
    const client = clientFor(server, { maxRetries: 2 });
    const err = await rejection(
      client.chat.completions.create(
        { model: MODEL, messages: MESSAGES },
        { headers: { 'x-oaimock-scope': scope, 'x-oaimock-error': String(status), 'x-oaimock-should-retry': 'false' } },
      ),
    );
    assert.equal(err.constructor, cls);
    assert.equal(err.status, status);
    assert.equal(err.headers.get('x-should-retry'), 'false');
    const entries = await journal(server, scope);
    assert.equal(entries.length, 1);
    assert.deepEqual([entries[0].status, entries[0].headers['x-stainless-retry-count']], [status, '0']);
    checkEntry(entries[0], scope, status, 'fault');
  });
}

test('a scripted 429 then success is retried once and recovers', async (t) => {
  const scope = newScope();
  const rules = [
    {
      name: 'flaky upstream',
      match: { headers: { 'x-test-case': 'node-flaky-then-ok' } },
      reply: { sequence: [{ error: { status: 429, headers: { 'retry-after-ms': '10' } } }, { text: 'recovered' }] },
    },
  ];
  const added = await fetch(`${server.url}/_oaimock/fixtures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules }),
  });
  assert.equal(added.status, 200, await added.clone().text());
  assert.equal((await added.json()).added, 1);
  t.after(async () => {
    const removed = await fetch(`${server.url}/_oaimock/fixtures`, { method: 'DELETE' });
    assert.equal(removed.status, 200);
  });
  const done = await clientFor(server).chat.completions.create(
    { model: MODEL, messages: MESSAGES },
    { headers: { 'x-oaimock-scope': scope, 'x-test-case': 'node-flaky-then-ok' } },
  );
  assert.equal(done.choices[0].message.content, 'recovered');
  assert.equal(done.choices[0].finish_reason, 'stop');
  const entries = await journal(server, scope);
  assert.deepEqual(entries.map((e) => e.status), [429, 200]);
  assert.deepEqual(entries.map((e) => e.headers['x-stainless-retry-count']), ['0', '1']);
  for (const entry of entries) assert.deepEqual(entry.body.messages, MESSAGES);
  // The README: the journal names the rule that answered, `rule N (name)`; both answers came
  // from rule 0's sequence (the only runtime rule; this server has no file).
  assert.deepEqual(entries.map((e) => e.answered_by), ['rule 0 (flaky upstream)', 'rule 0 (flaky upstream)']);
});

test('a mid-stream error throws APIError and is not retried', async () => {
  const scope = newScope();
  const stream = await clientFor(server).chat.completions.create(
    { model: MODEL, messages: MESSAGES, stream: true },
    { headers: { 'x-oaimock-scope': scope, 'x-oaimock-stream-error-after': '2' } },
  );
  const seen = [];
  const err = await rejection(
    (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })(),
  );
  // A mid-stream error: exactly APIError, with no status, the inner error object and its message.
  assert.equal(err.constructor, APIError);
  assert.equal(err.status, undefined);
  assert.deepEqual(err.error, { message: err.error.message, type: 'server_error', param: null, code: null });
  assert.equal(err.message, err.error.message);
  assert.equal(seen.length, 2);
  const entries = await journal(server, scope);
  assert.equal(entries.length, 1);
  checkEntry(entries[0], scope, 200, 'built-in');
});

test('a truncated stream: iterating works, finalChatCompletion() rejects for the missing finish_reason', async () => {
  const scope = newScope();
  const stream = clientFor(server).chat.completions.stream(
    { model: MODEL, messages: MESSAGES },
    { headers: { 'x-oaimock-scope': scope, 'x-oaimock-truncate-after': '3' } },
  );
  const chunks = [];
  // Every chunk arrives; when the body ends the helper builds its final completion, and the
  // iteration itself then rejects with the helper's error, as finalChatCompletion() does.
  const iterated = await rejection(
    (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })(),
  );
  assert.equal(chunks.length, 3);
  assert.ok(chunks.every((c) => c.choices[0].finish_reason === null));
  const err = await rejection(stream.finalChatCompletion());
  // The stream helper's own error, an OpenAIError (not an APIError).
  for (const e of [iterated, err]) {
    assert.equal(e.constructor, OpenAIError);
    assert.equal(e.message, 'missing finish_reason for choice 0');
  }
  assert.equal((await journal(server, scope)).length, 1);
});

test('a disconnect throws at once (undici TypeError "terminated"), not a hang', async () => {
  const scope = newScope();
  const client = clientFor(server, { timeout: 10_000 });
  const started = performance.now();
  const stream = await client.chat.completions.create(
    { model: MODEL, messages: MESSAGES, stream: true },
    { headers: { 'x-oaimock-scope': scope, 'x-oaimock-disconnect-after': '2' } },
  );
  const seen = [];
  const err = await rejection(
    (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })(),
  );
  // The server breaks the chunked framing (a chunk-size line that is not hex). Node's fetch
  // (undici) fails the body with TypeError("terminated") caused by its HTTP parser; the SDK
  // passes it through while iterating: it is not wrapped in APIConnectionError.
  assert.equal(err.constructor, TypeError);
  assert.equal(err.message, 'terminated');
  assert.ok(!(err instanceof APIConnectionError));
  assert.equal(err.cause?.code, 'HPE_INVALID_CHUNK_SIZE');
  assert.equal(seen.length, 2);
  assert.ok(performance.now() - started < 5000, 'a broken stream must fail at once, not wait for the timeout');
  const entries = await journal(server, scope);
  assert.equal(entries.length, 1);
  checkEntry(entries[0], scope, 200, 'built-in');
  // The server and a fresh connection are fine afterwards.
  assert.equal((await client.chat.completions.create({ model: MODEL, messages: MESSAGES })).choices[0].finish_reason, 'stop');
});

test('a malformed event throws the SDK\'s SyntaxError', async () => {
  const scope = newScope();
  const stream = await clientFor(server).chat.completions.create(
    { model: MODEL, messages: MESSAGES, stream: true },
    { headers: { 'x-oaimock-scope': scope, 'x-oaimock-malformed-after': '1' } },
  );
  const seen = [];
  const err = await rejection(
    (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })(),
  );
  assert.equal(err.constructor, SyntaxError);
  assert.match(err.message, /malformed server-sent event JSON/);
  assert.equal(seen.length, 1);
});

test('--rpm 2: the third call is a RateLimitError with the rate-limit headers', async (t) => {
  const limited = await startServer('--token-delay-ms', '0', '--rpm', '2');
  t.after(() => limited.stop());
  const client = clientFor(limited, { maxRetries: 0 });
  for (const remaining of ['1', '0']) {
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: MESSAGES }).withResponse();
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(response.headers.get('x-ratelimit-remaining-requests'), remaining);
  }
  const err = await rejection(client.chat.completions.create({ model: MODEL, messages: MESSAGES }));
  assert.equal(err.constructor, RateLimitError);
  assert.deepEqual([err.status, err.type, err.code], [429, 'requests', 'rate_limit_exceeded']);
  assert.equal(err.headers.get('x-ratelimit-remaining-requests'), '0');
  assert.equal(err.headers.get('x-ratelimit-limit-requests'), '2');
  const retryAfter = Number(err.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 61, String(retryAfter));
  const entries = (await (await fetch(`${limited.url}/_oaimock/requests`)).json()).data;
  assert.deepEqual(
    entries.map((e) => [e.status, e.answered_by]),
    [
      [200, 'built-in'],
      [200, 'built-in'],
      [429, 'rate limit'],
    ],
  );
});
