// Speech, transcriptions, translations and moderations through the official Node SDK: speech in
// every format decoded by ffmpeg with its duration, uploads through `toFile` and a stream,
// streamed transcriptions, speech as SSE, and moderation flags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BadRequestError, toFile } from 'openai';
import { startServer, clientFor, startServerWithRules } from '../lib.mjs';

const DEFAULT = 'Hello from oaimock. This is a transcript of your audio.';
const TEN_WORDS = 'one two three four five six seven eight nine ten';
const FORMATS = {
  mp3: ['mp3', 'mp3'],
  opus: ['ogg', 'opus'],
  aac: ['aac', 'aac'],
  flac: ['flac', 'flac'],
  wav: ['wav', 'pcm_s16le'],
  pcm: ['s16le', 'pcm_s16le'],
};
const RAW_PCM = ['-f', 's16le', '-ar', '24000', '-ac', '1'];

let server, client, dir;
before(async () => {
  server = await startServer('--token-delay-ms', '1');
  client = clientFor(server);
  dir = await mkdtemp(path.join(tmpdir(), 'oaimock-audio-'));
});
after(async () => {
  server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** ffprobe's format and codec names, and the seconds a full ffmpeg decode yields (errors fail). */
function decode(file, pcm) {
  const raw = pcm ? RAW_PCM : [];
  const info = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', ...raw, '-show_entries', 'format=format_name:stream=codec_name', '-of', 'json', file]),
  );
  const pcmOut = execFileSync('ffmpeg', ['-v', 'error', ...raw, '-i', file, '-f', 's16le', '-ac', '1', '-ar', '48000', '-'], {
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { format: info.format.format_name, codec: info.streams[0].codec_name, seconds: pcmOut.length / 2 / 48000 };
}

function wavBytes(seconds, rate = 16000) {
  const data = Math.round(seconds * rate) * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36);
  out.writeUInt32LE(data, 40);
  return out;
}

for (const [format, [container, codec]] of Object.entries(FORMATS)) {
  test(`speech as ${format} decodes with the spoken duration`, async () => {
    const response = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: TEN_WORDS, response_format: format, speed: 2 });
    const file = path.join(dir, `speech.${format}`);
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    const got = decode(file, format === 'pcm');
    assert.deepEqual([got.format, got.codec], [container, codec]);
    assert.ok(Math.abs(got.seconds - 2) <= 0.2, `${format}: ${got.seconds} s`);
  });
}

for (const [format, [container, codec]] of Object.entries(FORMATS)) {
  test(`speech as ${format} read from the body stream as it arrives decodes whole`, async () => {
    // Written a word at a time, chunked with no Content-Length, as the API sends speech.
    const response = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: TEN_WORDS, response_format: format, speed: 2 });
    assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    assert.equal(response.headers.get('content-length'), null);
    const pieces = [];
    for await (const piece of response.body) pieces.push(Buffer.from(piece));
    const file = path.join(dir, `streamed.${format}`);
    await writeFile(file, Buffer.concat(pieces));
    const got = decode(file, format === 'pcm');
    assert.deepEqual([got.format, got.codec], [container, codec]);
    assert.ok(Math.abs(got.seconds - 2) <= 0.2, `${format}: ${got.seconds} s`);
  });
}

test('speech as SSE: base64 deltas that join into the file, then done with usage', async () => {
  const response = await client.audio.speech.create({
    model: 'gpt-4o-mini-tts', voice: 'coral', input: TEN_WORDS, instructions: 'Calm.', response_format: 'flac', stream_format: 'sse',
  });
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const events = (await response.text()).trim().split('\n\n').map((e) => JSON.parse(e.replace(/^data: /, '')));
  const done = events.pop();
  assert.deepEqual(done, { type: 'speech.audio.done', usage: { input_tokens: 11, output_tokens: 40, total_tokens: 51 } });
  const file = path.join(dir, 'sse.flac');
  await writeFile(file, Buffer.concat(events.map((e) => Buffer.from(e.audio, 'base64'))));
  assert.ok(Math.abs(decode(file, false).seconds - 4) <= 0.4);
});

test('a transcription uploads through toFile and a read stream', async () => {
  const viaToFile = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(wavBytes(2), 'a.wav') });
  assert.equal(viaToFile.text, DEFAULT);
  const file = path.join(dir, 'upload.wav');
  await writeFile(file, wavBytes(3));
  const verbose = await client.audio.transcriptions.create({
    model: 'whisper-1', file: createReadStream(file), response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'],
  });
  assert.equal(verbose.duration, 3);
  assert.deepEqual(verbose.words.map((w) => w.word), DEFAULT.split(' '));
  assert.equal(verbose.segments.at(-1).end, 3);
});

test('srt and vtt come back as text', async () => {
  const srt = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(wavBytes(2), 'a.wav'), response_format: 'srt' });
  assert.equal(srt, '1\n00:00:00,000 --> 00:00:00,600\nHello from oaimock.\n\n2\n00:00:00,600 --> 00:00:02,000\nThis is a transcript of your audio.\n\n');
  const vtt = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(wavBytes(2), 'a.wav'), response_format: 'vtt' });
  assert.ok(vtt.startsWith('WEBVTT\n\n00:00:00.000 --> 00:00:00.600\nHello from oaimock.\n'));
  const translation = await client.audio.translations.create({ model: 'whisper-1', file: await toFile(wavBytes(1), 'a.wav') });
  assert.equal(translation.text, DEFAULT);
});

test('a streamed gpt-4o transcription yields deltas then done', async () => {
  const stream = await client.audio.transcriptions.create({
    model: 'gpt-4o-transcribe', file: await toFile(wavBytes(1), 'a.wav'), stream: true, include: ['logprobs'],
  });
  const events = [];
  for await (const event of stream) events.push(event);
  const done = events.pop();
  assert.equal(events.map((e) => e.delta).join(''), DEFAULT);
  assert.ok(events.every((e) => e.type === 'transcript.text.delta' && e.logprobs[0].token === e.delta));
  assert.equal(done.type, 'transcript.text.done');
  assert.equal(done.text, DEFAULT);
  assert.equal(done.usage.input_token_details.audio_tokens, 10);
});

test('validation errors name the parameter', async () => {
  await assert.rejects(
    client.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: await toFile(wavBytes(1), 'a.wav'), response_format: 'srt' }),
    (e) => e instanceof BadRequestError && e.param === 'response_format',
  );
  await assert.rejects(
    client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi', stream_format: 'sse' }),
    (e) => e instanceof BadRequestError && e.param === 'stream_format',
  );
  await assert.rejects(
    client.moderations.create({ input: '[flag:gore]' }),
    (e) => e instanceof BadRequestError && e.param === 'input' && /'gore'/.test(e.message),
  );
});

test('moderations: plain text is clean, markers flag, a multimodal input has image types', async () => {
  const result = await client.moderations.create({ input: ['a calm day', 'a threat [flag:violence]'] });
  assert.equal(result.model, 'omni-moderation-2024-09-26');
  const [calm, threat] = result.results;
  assert.equal(calm.flagged, false);
  assert.ok(Object.values(calm.category_scores).every((s) => s > 0 && s < 0.001));
  assert.equal(threat.flagged, true);
  assert.deepEqual(Object.keys(threat.categories).filter((c) => threat.categories[c]), ['violence']);
  const multi = await client.moderations.create({
    input: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
  });
  assert.deepEqual(multi.results[0].category_applied_input_types['violence/graphic'], ['text', 'image']);
});

test('a fixture rule flags the categories its reply lists', async () => {
  const scripted = await startServerWithRules([
    { match: { endpoint: 'moderations', user: { contains: 'spam' } }, reply: { text: 'illicit, hate/threatening' } },
  ]);
  try {
    const result = await clientFor(scripted).moderations.create({ input: 'cheap spam' });
    const item = result.results[0];
    assert.deepEqual(Object.keys(item.categories).filter((c) => item.categories[c]).sort(), ['hate', 'hate/threatening', 'illicit']);
  } finally {
    await scripted.stop();
  }
});
