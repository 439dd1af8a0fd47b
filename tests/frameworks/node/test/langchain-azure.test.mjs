// LangChain JS's AzureChatOpenAI (`@langchain/openai`) against oaimock's Azure routes: invoke and
// stream through a deployment, Azure's filter results in the metadata LangChain keeps; the journal
// shows the Azure path LangChain sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureChatOpenAI } from '@langchain/openai';
import { ECHO, journal, startServer } from '../lib.mjs';

function azureChat(server, options = {}) {
  return new AzureChatOpenAI({
    azureOpenAIEndpoint: server.url,
    azureOpenAIApiDeploymentName: 'prod-chat',
    azureOpenAIApiVersion: '2024-10-21',
    azureOpenAIApiKey: 'azure-key',
    maxRetries: 0,
    timeout: 10_000,
    ...options,
  });
}

test('invoke and stream through a deployment', async () => {
  const server = await startServer('--azure-deployments', 'prod-chat=gpt-4o');
  try {
    const message = await azureChat(server).invoke('hello langchain');
    assert.equal(message.content, ECHO + 'hello langchain');
    assert.equal(message.response_metadata.model_name, 'gpt-4o');
    assert.equal(message.response_metadata.finish_reason, 'stop');
    let text = '';
    for await (const chunk of await azureChat(server).stream('stream langchain')) text += chunk.content;
    assert.equal(text, ECHO + 'stream langchain');
    const paths = (await journal(server)).map((e) => e.path);
    assert.deepEqual(paths, Array(2).fill('/openai/deployments/prod-chat/chat/completions'));
  } finally {
    server.stop();
  }
});

test('the api-key header is checked', async () => {
  const server = await startServer('--api-key', 'azure-key');
  try {
    assert.equal((await azureChat(server).invoke('keyed')).content, ECHO + 'keyed');
    await assert.rejects(azureChat(server, { azureOpenAIApiKey: 'wrong' }).invoke('x'), (err) => {
      assert.equal(err.status, 401);
      assert.match(String(err.message), /Access denied due to invalid subscription key/);
      return true;
    });
  } finally {
    server.stop();
  }
});
