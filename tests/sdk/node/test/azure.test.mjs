// The official AzureOpenAI client, unchanged, against oaimock's Azure routes: deployment paths with
// api-version and the api-key header, Entra ID tokens, the content filter's fields and refusals,
// responses and models under /openai, and the plain client on the /openai/v1 surface.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AzureOpenAI, AuthenticationError, BadRequestError } from 'openai';
import { startServer, ECHO } from '../lib.mjs';

const VERSION = '2024-10-21';
const MESSAGES = [{ role: 'user', content: 'hello from azure' }];

let server;
before(async () => {
  server = await startServer('--token-delay-ms', '0', '--api-key', 'azure-key', '--azure-deployments', 'prod-chat=gpt-4o');
});
after(() => server?.stop());

/** An AzureOpenAI client whose requests are recorded as `{ path, search, headers, status, body }`. */
function azure(options = {}) {
  const seen = [];
  const fetch = async (url, init = {}) => {
    const response = await globalThis.fetch(url, init);
    const u = new URL(String(url));
    seen.push({ path: u.pathname, search: u.search, headers: new Headers(init.headers), status: response.status });
    return response;
  };
  const client = new AzureOpenAI({
    endpoint: server.url, apiKey: 'azure-key', apiVersion: VERSION, timeout: 10_000, fetch, ...options,
  });
  return { client, seen };
}

const safe = (results) => Object.values(results).every((r) => r.filtered === false);

test('chat on a deployment answers as its model, with filter results and Azure headers', async () => {
  const { client, seen } = azure();
  const { data, response } = await client.chat.completions
    .create({ model: 'prod-chat', messages: MESSAGES })
    .withResponse();
  assert.equal(seen[0].path, '/openai/deployments/prod-chat/chat/completions');
  assert.equal(seen[0].search, `?api-version=${VERSION}`);
  assert.equal(seen[0].headers.get('api-key'), 'azure-key');
  assert.equal(data.model, 'gpt-4o');
  assert.equal(data.choices[0].message.content, ECHO + 'hello from azure');
  assert.equal(data.prompt_filter_results[0].prompt_index, 0);
  assert.ok(safe(data.prompt_filter_results[0].content_filter_results));
  assert.ok(safe(data.choices[0].content_filter_results));
  assert.equal(response.headers.get('x-ms-deployment-name'), 'prod-chat');
  assert.match(response.headers.get('apim-request-id'), /^[0-9a-f-]{36}$/);
});

test('a streamed chat opens with the prompt results and empty choices', async () => {
  const { client } = azure();
  const chunks = [];
  for await (const c of await client.chat.completions.create({ model: 'prod-chat', messages: MESSAGES, stream: true })) {
    chunks.push(c);
  }
  assert.deepEqual(chunks[0].choices, []);
  assert.ok(safe(chunks[0].prompt_filter_results[0].content_filter_results));
  const text = chunks.slice(1).map((c) => c.choices[0].delta.content ?? '').join('');
  assert.equal(text, ECHO + 'hello from azure');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
});

test('the stream helper reads an Azure stream', async () => {
  const { client } = azure();
  const final = await client.chat.completions.stream({ model: 'prod-chat', messages: MESSAGES }).finalChatCompletion();
  assert.equal(final.choices[0].message.content, ECHO + 'hello from azure');
});

test('completions and embeddings go to their deployments', async () => {
  const { client, seen } = azure();
  const completion = await client.completions.create({ model: 'instruct', prompt: 'say this' });
  assert.equal(completion.model, 'instruct');
  assert.ok(safe(completion.choices[0].content_filter_results));
  const embedding = await client.embeddings.create({ model: 'embed', input: 'one' });
  assert.equal(embedding.model, 'embed');
  assert.equal(embedding.data[0].embedding.length > 0, true);
  assert.deepEqual(seen.map((s) => s.path), ['/openai/deployments/instruct/completions', '/openai/deployments/embed/embeddings']);
});

test('responses and models are served under /openai with the api-version', async () => {
  const { client, seen } = azure({ apiVersion: '2025-04-01-preview' });
  const response = await client.responses.create({ model: 'gpt-4o', input: 'respond please' });
  assert.equal(response.output_text, ECHO + 'respond please');
  const events = [];
  for await (const e of await client.responses.create({ model: 'gpt-4o', input: 'respond please', stream: true })) events.push(e);
  assert.equal(events.at(-1).type, 'response.completed');
  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  assert.ok(models.includes('gpt-4o'));
  assert.deepEqual(seen.map((s) => s.path), ['/openai/responses', '/openai/responses', '/openai/models']);
});

test('a client bound to a deployment', async () => {
  const { client, seen } = azure({ deployment: 'prod-chat' });
  const completion = await client.chat.completions.create({ model: 'ignored', messages: MESSAGES });
  assert.equal(completion.model, 'gpt-4o');
  assert.equal(seen[0].path, '/openai/deployments/prod-chat/chat/completions');
});

test('Entra ID tokens pass, wrong keys are Azure 401s', async () => {
  const { client, seen } = azure({ apiKey: undefined, azureADTokenProvider: async () => 'azure-key' });
  assert.equal((await client.chat.completions.create({ model: 'd', messages: MESSAGES })).model, 'd');
  assert.equal(seen[0].headers.get('authorization'), 'Bearer azure-key');
  const wrong = azure({ apiKey: 'wrong', maxRetries: 0 }).client;
  await assert.rejects(wrong.chat.completions.create({ model: 'd', messages: MESSAGES }), (err) => {
    assert.ok(err instanceof AuthenticationError);
    assert.equal(err.status, 401);
    assert.equal(err.code, '401');
    assert.match(err.message, /Access denied due to invalid subscription key/);
    return true;
  });
});

test('an unsupported api-version is Azure\'s 400', async () => {
  const { client } = azure({ apiVersion: '2019-01-01' });
  await assert.rejects(client.chat.completions.create({ model: 'd', messages: MESSAGES }), (err) => {
    assert.ok(err instanceof BadRequestError);
    assert.deepEqual(err.error, { code: 'BadRequest', message: 'API version not supported' });
    return true;
  });
});

test('the content filter refuses the prompt or filters the completion', async () => {
  const { client } = azure();
  const filter = (value) => ({ headers: { 'x-oaimock-azure-filter': value } });
  await assert.rejects(client.chat.completions.create({ model: 'd', messages: MESSAGES }, filter('prompt')), (err) => {
    assert.ok(err instanceof BadRequestError);
    assert.equal(err.code, 'content_filter');
    assert.equal(err.param, 'prompt');
    assert.equal(err.error.innererror.code, 'ResponsibleAIPolicyViolation');
    assert.equal(err.error.innererror.content_filter_result.violence.filtered, true);
    return true;
  });
  const cut = await client.chat.completions.create({ model: 'd', messages: MESSAGES }, filter('completion'));
  assert.equal(cut.choices[0].finish_reason, 'content_filter');
  assert.deepEqual(cut.choices[0].content_filter_results.violence, { filtered: true, severity: 'medium' });
});

test('the plain client on the /openai/v1 surface', async () => {
  const client = new OpenAI({ baseURL: `${server.url}/openai/v1/`, apiKey: 'azure-key', timeout: 10_000 });
  const completion = await client.chat.completions.create({ model: 'gpt-4.1', messages: MESSAGES });
  assert.equal(completion.model, 'gpt-4.1');
  assert.ok(completion.prompt_filter_results.length === 1);
});
