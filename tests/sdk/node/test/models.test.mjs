// models.list and models.retrieve through the official Node SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from 'openai';
import { startServer, clientFor, REQUEST_ID } from '../lib.mjs';

const FT_MODEL = 'ft:gpt-4o-mini:acme:custom/x';
let server, strict, client;
before(async () => {
  server = await startServer();
  strict = await startServer('--strict-models', '--models', `gpt-4o-mini,${FT_MODEL}`);
  client = clientFor(server);
});
after(() => {
  server?.stop();
  strict?.stop();
});

test('models.list', async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    assert.equal(model.object, 'model');
    assert.ok(Number.isInteger(model.created));
    assert.equal(typeof model.owned_by, 'string');
    ids.push(model.id);
  }
  assert.ok(ids.includes('gpt-4o') && ids.includes('gpt-4o-mini'));
  assert.equal(new Set(ids).size, ids.length);
  const page = await client.models.list();
  assert.equal(page.data.length, ids.length);
});

test('models.retrieve', async () => {
  const model = await client.models.retrieve('gpt-4o-mini');
  assert.equal(model.id, 'gpt-4o-mini');
  assert.equal(model.object, 'model');
  assert.match(model._request_id, REQUEST_ID);
});

test('models.retrieve of an id with colons and a slash', async () => {
  const c = clientFor(strict);
  assert.equal((await c.models.retrieve(FT_MODEL)).id, FT_MODEL);
  const page = await c.models.list();
  assert.deepEqual(page.data.map((m) => m.id), ['gpt-4o-mini', FT_MODEL]);
});

test('models.retrieve of an unknown id is NotFoundError', async () => {
  await assert.rejects(client.models.retrieve('nope'), (err) => {
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.status, 404);
    assert.equal(err.code, 'model_not_found');
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.requestID, REQUEST_ID);
    return true;
  });
});
