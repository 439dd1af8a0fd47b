// Audio, images and moderations through the unchanged AzureOpenAI client: speech, transcriptions and
// translations on their deployments, image variations and moderations under /openai with the api-version.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AzureOpenAI, toFile } from 'openai';
import { startServer } from '../lib.mjs';

const TEN_WORDS = 'one two three four five six seven eight nine ten';

let server;
before(async () => {
  server = await startServer('--token-delay-ms', '0', '--api-key', 'azure-key', '--azure-deployments', 'dalle2=dall-e-2');
});
after(() => server?.stop());

function azure() {
  const paths = [];
  const fetch = async (url, init) => {
    // The SDK probes its fetch with a `data:,` URL before its first multipart body.
    const u = new URL(String(url));
    if (u.protocol !== 'data:') paths.push(u.pathname);
    return globalThis.fetch(url, init);
  };
  const client = new AzureOpenAI({ endpoint: server.url, apiKey: 'azure-key', apiVersion: '2024-10-21', timeout: 10_000, fetch });
  return { client, paths };
}

test('speech, transcriptions and translations go to their deployments', async () => {
  const { client, paths } = azure();
  const speech = await client.audio.speech.create({ model: 'voice', voice: 'alloy', input: TEN_WORDS, response_format: 'wav' });
  assert.equal(speech.headers.get('content-type'), 'audio/wav');
  const wav = Buffer.from(await speech.arrayBuffer());
  assert.equal(wav.subarray(0, 4).toString(), 'RIFF');
  const transcript = await client.audio.transcriptions.create({ model: 'whisper', file: await toFile(wav, 'speech.wav') });
  assert.ok(transcript.text.length > 0);
  const translation = await client.audio.translations.create({ model: 'whisper', file: await toFile(wav, 'speech.wav') });
  assert.ok(translation.text.length > 0);
  assert.deepEqual(paths, [
    '/openai/deployments/voice/audio/speech',
    '/openai/deployments/whisper/audio/transcriptions',
    '/openai/deployments/whisper/audio/translations',
  ]);
});

test('moderations under /openai', async () => {
  const { client, paths } = azure();
  const result = await client.moderations.create({ input: 'What a lovely garden.' });
  assert.equal(result.results[0].flagged, false);
  assert.deepEqual(paths, ['/openai/moderations']);
});

test('image generations and edits go to their deployment, the form\'s model replaced', async () => {
  const { client, paths } = azure();
  const generated = await client.images.generate({ model: 'dalle2', prompt: 'source', size: '256x256', response_format: 'b64_json' });
  const png = Buffer.from(generated.data[0].b64_json, 'base64');
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const edited = await client.images.edit({
    model: 'dalle2', image: await toFile(png, 'source.png', { type: 'image/png' }), prompt: 'a hat', size: '256x256', response_format: 'b64_json',
  });
  assert.equal(Buffer.from(edited.data[0].b64_json, 'base64').subarray(1, 4).toString(), 'PNG');
  assert.deepEqual(paths, ['/openai/deployments/dalle2/images/generations', '/openai/deployments/dalle2/images/edits']);
});

test('image variations go under /openai, the model read as sent', async () => {
  const { client, paths } = azure();
  const generated = await client.images.generate({ model: 'dalle2', prompt: 'source', size: '256x256', response_format: 'b64_json' });
  const png = Buffer.from(generated.data[0].b64_json, 'base64');
  const varied = await client.images.createVariation({
    model: 'dall-e-2', image: await toFile(png, 'source.png', { type: 'image/png' }), n: 2, size: '256x256', response_format: 'b64_json',
  });
  assert.equal(varied.data.length, 2);
  for (const item of varied.data) {
    const out = Buffer.from(item.b64_json, 'base64');
    assert.equal(out.subarray(1, 4).toString(), 'PNG');
    // The IHDR chunk: width and height, big-endian, at bytes 16 and 20.
    assert.deepEqual([out.readUInt32BE(16), out.readUInt32BE(20)], [256, 256]);
  }
  assert.deepEqual(paths, ['/openai/deployments/dalle2/images/generations', '/openai/images/variations']);
});
