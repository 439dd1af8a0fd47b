// Images through the official Node SDK: dall-e-2 urls fetched from oaimock, dall-e-3's revised
// prompt, GPT-image formats with transparency, streams of partial images, edits of several
// uploaded images with a mask, variations, and the API's errors. ffprobe and a full ffmpeg decode
// check every image's codec, size and pixel format (Pillow does the same in the Python suite);
// gpt-image-2 draws a free size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BadRequestError, toFile } from 'openai';
import { startServer, clientFor, recordingClientFor } from '../lib.mjs';

let server, client, dir, count = 0;
before(async () => {
  server = await startServer('--token-delay-ms', '1');
  client = clientFor(server);
  dir = await mkdtemp(path.join(tmpdir(), 'oaimock-images-'));
});
after(async () => {
  server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** [codec, width, height, pixel format] by ffprobe, after a full decode that fails on any error. */
async function probe(bytes) {
  const file = path.join(dir, `image-${count++}`);
  await writeFile(file, bytes);
  execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'rawvideo', '-y', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height,pix_fmt', '-of', 'csv=p=0', file]);
  const [codec, width, height, pixFmt] = out.toString().trim().split(',');
  return [codec, Number(width), Number(height), pixFmt];
}

const b64 = (s) => Buffer.from(s, 'base64');

test('dall-e-2 answers urls that oaimock serves', async () => {
  const result = await client.images.generate({ prompt: 'a red barn', n: 2, size: '256x256' });
  assert.equal(result.data.length, 2);
  for (const item of result.data) {
    assert.ok(item.url.startsWith(`${server.url}/_oaimock/images/img_`), item.url);
    assert.equal(item.b64_json, undefined);
    const response = await fetch(item.url);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.deepEqual(await probe(Buffer.from(await response.arrayBuffer())), ['png', 256, 256, 'rgb24']);
  }
});

test('dall-e-3 revises the prompt', async () => {
  const result = await client.images.generate({
    model: 'dall-e-3', prompt: 'an otter', size: '1024x1792', response_format: 'b64_json',
  });
  assert.equal(result.data[0].revised_prompt, 'A pattern of coloured cells drawn for the prompt: an otter');
  assert.deepEqual(await probe(b64(result.data[0].b64_json)), ['png', 1024, 1792, 'rgb24']);
});

test('gpt-image formats, transparency and usage', async () => {
  for (const [format, background, codec, pixFmt] of [
    ['png', 'transparent', 'png', 'rgba'],
    ['jpeg', 'opaque', 'mjpeg', 'yuvj444p'],
    // WebP is lossy VP8 (4:2:0); transparent ones carry an ALPH chunk, so ffmpeg adds alpha.
    ['webp', 'transparent', 'webp', 'yuva420p'],
    ['webp', 'opaque', 'webp', 'yuv420p'],
  ]) {
    const result = await client.images.generate({
      model: 'gpt-image-1', prompt: 'a glass of water', size: '1024x1536', quality: 'low',
      output_format: format, background, ...(format === 'png' ? {} : { output_compression: 75 }),
    });
    assert.equal(result.output_format, format);
    assert.equal(result.background, background);
    assert.equal(result.usage.output_tokens, 408);
    assert.deepEqual(await probe(b64(result.data[0].b64_json)), [codec, 1024, 1536, pixFmt]);
  }
});

test('gpt-image-2 draws a free size', async () => {
  // Any WIDTHxHEIGHT (multiples of 16, aspect 1:3 to 3:1), echoed in `size`, which the spec's
  // ImagesResponse enum does not list: check_exchange_log.py validates this body under the
  // validator's one named exception for gpt-image-2 (tests/docs/images.md).
  const { client: recording, exchanges } = recordingClientFor(server);
  const result = await recording.images.generate({ model: 'gpt-image-2', prompt: 'a wide harbour', size: '1536x864' });
  assert.equal(JSON.parse(await exchanges[0].body).size, '1536x864');
  assert.equal(result.size, '1536x864');
  assert.deepEqual(await probe(b64(result.data[0].b64_json)), ['png', 1536, 864, 'rgb24']);
});

test('a generation streams partial images then the image', async () => {
  const stream = await client.images.generate({
    model: 'gpt-image-1', prompt: 'a lighthouse', stream: true, partial_images: 2, size: '1536x1024',
  });
  const events = [];
  for await (const event of stream) events.push(event);
  assert.deepEqual(events.map((e) => e.type), [
    'image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed',
  ]);
  assert.deepEqual(events.slice(0, 2).map((e) => e.partial_image_index), [0, 1]);
  for (const event of events) assert.deepEqual(await probe(b64(event.b64_json)), ['png', 1536, 1024, 'rgb24']);
  assert.equal(events[2].usage.output_tokens, 6208);
});

test('edits of several uploads with a mask, streamed or not, and variations', async () => {
  const source = b64((await client.images.generate({ prompt: 's', size: '256x256', response_format: 'b64_json' })).data[0].b64_json);
  const image = () => toFile(source, 'a.png', { type: 'image/png' });
  const result = await client.images.edit({
    model: 'gpt-image-1', image: [await image(), await image()], mask: await image(), prompt: 'add hats', n: 2,
  });
  assert.equal(result.data.length, 2);
  assert.equal(result.usage.input_tokens_details.image_tokens, 2 * (85 + 170));
  for (const item of result.data) assert.deepEqual(await probe(b64(item.b64_json)), ['png', 1024, 1024, 'rgb24']);
  const stream = await client.images.edit({
    model: 'gpt-image-1', image: await image(), prompt: 'add hats', stream: true, partial_images: 1, output_format: 'webp',
  });
  const events = [];
  for await (const event of stream) events.push(event);
  assert.deepEqual(events.map((e) => e.type), ['image_edit.partial_image', 'image_edit.completed']);
  for (const event of events) assert.deepEqual(await probe(b64(event.b64_json)), ['webp', 1024, 1024, 'yuv420p']);
  const variations = await client.images.createVariation({ image: await image(), n: 2, size: '512x512', response_format: 'b64_json' });
  for (const item of variations.data) assert.deepEqual(await probe(b64(item.b64_json)), ['png', 512, 512, 'rgb24']);
});

test('errors are the API\'s', async () => {
  await assert.rejects(client.images.generate({ model: 'dall-e-3', prompt: 'x', n: 2 }), (err) => {
    assert.ok(err instanceof BadRequestError);
    assert.equal(err.error.message, 'You must provide n=1 for this model.');
    return true;
  });
  await assert.rejects(client.images.generate({ model: 'gpt-image-1', prompt: 'x', size: '256x256' }), (err) => {
    assert.ok(err instanceof BadRequestError);
    assert.equal(err.param, 'size');
    assert.equal(err.code, 'invalid_value');
    return true;
  });
  await assert.rejects(
    client.images.edit({ image: await toFile(Buffer.from('hello'), 'a.txt', { type: 'text/plain' }), prompt: 'x' }),
    (err) => {
      assert.ok(err instanceof BadRequestError);
      assert.equal(err.code, 'invalid_image_format');
      return true;
    },
  );
});
