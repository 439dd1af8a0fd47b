// Every error status reaches the caller as the Node SDK's own error class, with the body's fields.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from 'openai';
import { startServer, clientFor, REQUEST_ID } from '../lib.mjs';

const MESSAGES = [{ role: 'user', content: 'hi' }];
let server, keyed, strict, client;
before(async () => {
  [server, keyed, strict] = await Promise.all([
    startServer('--token-delay-ms', '0'),
    startServer('--api-key', 'sk-test'),
    startServer('--strict-models'),
  ]);
  client = clientFor(server, { maxRetries: 0 });
});
after(() => [server, keyed, strict].forEach((s) => s?.stop()));

/** Awaits a rejection of exactly class `cls` whose code/param/type come from the error body. */
async function rejectsWith(promise, cls, expected = {}) {
  let err;
  await assert.rejects(promise, (e) => (err = e) instanceof cls);
  assert.equal(err.constructor, cls, `expected ${cls.name}, got ${err.constructor.name}`);
  assert.equal(typeof err.type, 'string');
  assert.ok(err.code === null || typeof err.code === 'string');
  assert.ok('param' in err);
  assert.deepEqual(err.error && Object.keys(err.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(err.code, err.error.code);
  assert.equal(err.param, err.error.param);
  assert.equal(err.type, err.error.type);
  assert.match(err.requestID, REQUEST_ID);
  for (const [key, value] of Object.entries(expected)) assert.equal(err[key], value, key);
  return err;
}

test('400 BadRequestError names the parameter', async () => {
  const err = await rejectsWith(
    client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, temperature: 5 }),
    BadRequestError,
    { status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'temperature' },
  );
  assert.match(err.message, /^400 /);
});

test('401 AuthenticationError for a wrong key', async () => {
  const bad = clientFor(keyed, { apiKey: 'sk-wrong' });
  await rejectsWith(bad.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }), AuthenticationError, {
    status: 401,
    code: 'invalid_api_key',
  });
  await rejectsWith(bad.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true }), AuthenticationError);
  const good = clientFor(keyed, { apiKey: 'sk-test' });
  assert.equal((await good.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES })).choices[0].finish_reason, 'stop');
});

test('404 NotFoundError for an unknown model', async () => {
  await rejectsWith(client.models.retrieve('nope'), NotFoundError, { status: 404, code: 'model_not_found' });
  const c = clientFor(strict);
  // The API answers a chat request for an unknown model with
  // type invalid_request_error, code model_not_found and `"param": null`.
  await rejectsWith(c.chat.completions.create({ model: 'gpt-1337-turbo-pro-max', messages: MESSAGES }), NotFoundError, {
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    param: null,
  });
});

const INJECTED = [
  [403, PermissionDeniedError],
  [422, UnprocessableEntityError],
  [429, RateLimitError],
  [500, InternalServerError],
  [503, InternalServerError],
];

for (const [status, cls] of INJECTED) {
  for (const stream of [false, true]) {
    test(`${status} ${cls.name} via x-oaimock-error (stream: ${stream})`, async () => {
      const err = await rejectsWith(
        client.chat.completions.create(
          { model: 'gpt-4o', messages: MESSAGES, stream },
          { headers: { 'x-oaimock-error': String(status) } },
        ),
        cls,
        { status },
      );
      if (status === 429 || status === 503) assert.equal(err.headers.get('retry-after'), '1');
      // Expected bodies: what the real API sends for these statuses.
      if (status === 429) assert.equal(err.code, 'rate_limit_exceeded');
      if (status === 500) assert.deepEqual([err.type, err.code, err.param], ['server_error', null, null]);
      if (status === 503) assert.ok([null, 'server_is_overloaded'].includes(err.code));
    });
  }
}

test('POST /_oaimock/panic is an InternalServerError and the server survives', async () => {
  await rejectsWith(client.post('/_oaimock/panic', { body: {} }), InternalServerError, {
    status: 500,
    type: 'server_error',
    code: null,
  });
  const raw = await fetch(`${server.url}/_oaimock/panic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(raw.status, 500);
  assert.match(raw.headers.get('content-type'), /^application\/json/);
  assert.equal((await raw.json()).error.type, 'server_error');
  assert.equal((await client.models.retrieve('gpt-4o')).id, 'gpt-4o');
});

test('errors are OpenAI.APIError subclasses', () => {
  for (const [, cls] of INJECTED) assert.ok(cls.prototype instanceof OpenAI.APIError);
});
