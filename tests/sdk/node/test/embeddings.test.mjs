// Embeddings through the official Node SDK. Its default asks for base64 and decodes every string
// vector blindly through a Float32Array (7.57.0 hands back Array.from of it), so the bytes must be
// exactly little-endian float32.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from 'openai';
import { startServer, clientFor, recordingClientFor, REQUEST_ID } from '../lib.mjs';

const TEXT = 'The cat sat on the mat';
const SIZES = { 'text-embedding-3-small': 1536, 'text-embedding-ada-002': 1536, 'text-embedding-3-large': 3072 };

let server, client;
before(async () => {
  server = await startServer();
  client = clientFor(server);
});
after(() => server?.stop());

const embed = (extra = {}) => client.embeddings.create({ model: 'text-embedding-3-small', input: TEXT, ...extra });

/** Equal as float32s: the JSON decimals rounded to float32 are the decoded values, bit for bit. */
function assertSameVector(decoded, floats) {
  assert.equal(decoded.length, floats.length);
  assert.deepEqual(Array.from(decoded), Array.from(Float32Array.from(floats)));
}

function assertUnit(vector) {
  const norm = Array.from(vector).reduce((sum, x) => sum + x * x, 0);
  assert.ok(Math.abs(norm - 1) < 1e-5, `|v|^2 = ${norm}`);
}

test('the default encoding is base64, decoded by the SDK through a Float32Array', async () => {
  const { client: recorded, exchanges } = recordingClientFor(server);
  const result = await recorded.embeddings.create({ model: 'text-embedding-3-small', input: TEXT });
  assert.equal(exchanges.length, 1);
  assert.equal(exchanges[0].request.encoding_format, 'base64', 'the SDK asks for base64 itself');
  const raw = JSON.parse(await exchanges[0].body);
  assert.equal(typeof raw.data[0].embedding, 'string', 'the server answers base64 with a string');
  const [item] = result.data;
  assert.ok(Array.isArray(item.embedding) || item.embedding instanceof Float32Array);
  assert.ok(Array.from(item.embedding).every((x) => typeof x === 'number' && Math.fround(x) === x), 'float32 values');
  assert.deepEqual([item.object, item.index, item.embedding.length], ['embedding', 0, 1536]);
  const floats = (await embed({ encoding_format: 'float' })).data[0].embedding;
  assert.ok(Array.isArray(floats));
  assertSameVector(item.embedding, floats);
  assertUnit(item.embedding);
  assert.equal(result.object, 'list');
  assert.equal(result.model, 'text-embedding-3-small');
  assert.deepEqual(result.usage, { prompt_tokens: 6, total_tokens: 6 });
  assert.match(result._request_id, REQUEST_ID);
});

test('explicit base64 comes back as the string', async () => {
  const encoded = (await embed({ encoding_format: 'base64' })).data[0].embedding;
  assert.equal(typeof encoded, 'string');
  const bytes = Buffer.from(encoded, 'base64');
  assert.equal(bytes.toString('base64'), encoded, 'canonical standard base64');
  assert.equal(bytes.length, 1536 * 4);
  const decoded = Array.from({ length: 1536 }, (_, i) => bytes.readFloatLE(i * 4));
  assertSameVector(decoded, (await embed({ encoding_format: 'float' })).data[0].embedding);
});

test('model sizes and dimensions', async () => {
  for (const [model, size] of Object.entries(SIZES)) {
    const vector = (await embed({ model })).data[0].embedding;
    assert.equal(vector.length, size, model);
    assertUnit(vector);
  }
  for (const model of ['text-embedding-3-small', 'text-embedding-3-large']) {
    const short = (await embed({ model, dimensions: 256 })).data[0].embedding;
    assert.equal(short.length, 256);
    assertUnit(short);
    assertSameVector(short, (await embed({ model, dimensions: 256, encoding_format: 'float' })).data[0].embedding);
  }
});

test('list input keeps the input order', async () => {
  const texts = ['first text', 'second one here', 'third', TEXT];
  const result = await embed({ input: texts });
  assert.deepEqual(result.data.map((d) => d.index), [0, 1, 2, 3]);
  for (const [i, text] of texts.entries()) {
    const single = (await embed({ input: text })).data[0].embedding;
    assert.deepEqual(Array.from(result.data[i].embedding), Array.from(single));
  }
  assert.equal(new Set(result.data.map((d) => Array.from(d.embedding).join())).size, 4);
  const floats = await embed({ input: texts, encoding_format: 'float' });
  assert.deepEqual(floats.data.map((d) => d.index), [0, 1, 2, 3]);
});

async function rejectsBadRequest(promise, param) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.constructor, BadRequestError);
    assert.deepEqual([err.status, err.type, err.param], [400, 'invalid_request_error', param]);
    assert.match(err.requestID, REQUEST_ID);
    return true;
  });
}

test('empty input is a BadRequestError naming input', async () => {
  await rejectsBadRequest(embed({ input: '' }), 'input');
  await rejectsBadRequest(embed({ input: [] }), 'input');
});

test('an unknown encoding_format is a BadRequestError', async () => {
  await rejectsBadRequest(embed({ encoding_format: 'float16' }), 'encoding_format');
});
