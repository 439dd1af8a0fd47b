// Shared helpers for the Node suite: start oaimock on a free port, make SDK clients.
// Importing it first installs the exchange log (exchange-log.mjs) when tests/sdk/run asks for it.
import './exchange-log.mjs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import OpenAI from 'openai';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const binary = process.env.OAIMOCK_BIN ?? path.join(repo, 'target', 'release', 'oaimock');

export const ECHO = 'As a mock AI Assistant, I can only echo your last message: ';
export const REQUEST_ID = /^req_[0-9a-f]{32}$/;

/** Starts `oaimock --port 0 --quiet ...flags`; its first stdout line says where it listens. */
export async function startServer(...flags) {
  const child = spawn(binary, ['--port', '0', '--quiet', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`oaimock exited with ${code} before listening`)));
  });
  lines.close();
  child.stdout.resume();
  const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
  if (!match) {
    child.kill();
    throw new Error(`oaimock: unexpected first line ${JSON.stringify(line)}`);
  }
  return { url: match[1], port: Number(match[2]), stop: () => child.kill() };
}

/** An SDK client on `server`; a hung read fails after 10 s instead of hanging the suite. */
export function clientFor(server, options = {}) {
  return new OpenAI({ apiKey: 'sk-anything', baseURL: `${server.url}/v1`, timeout: 10_000, ...options });
}

/**
 * An SDK client whose traffic is recorded: `exchanges` gets `{ path, request, status, headers,
 * body }` per request (request = the JSON the SDK sent, body = the raw response text), so a test
 * can see what the SDK asked for and what came back before the SDK decoded it.
 */
export function recordingClientFor(server, options = {}) {
  const exchanges = [];
  const fetch = async (url, init = {}) => {
    const response = await globalThis.fetch(url, init);
    const exchange = {
      path: new URL(String(url)).pathname,
      request: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      status: response.status,
      headers: response.headers,
    };
    exchange.body = response.clone().text();
    exchanges.push(exchange);
    return response;
  };
  return { client: clientFor(server, { fetch, ...options }), exchanges };
}

/** The fixture files (`--fixtures`) shared with the Python suite. */
export const FIXTURES = path.join(repo, 'tests', 'sdk', 'fixtures');

/**
 * Starts oaimock with `--fixtures <file>`, the file being `{"rules": rules}` written into a fresh
 * temp dir (removed again by `stop`).
 */
export async function startServerWithRules(rules, ...flags) {
  const dir = await mkdtemp(path.join(tmpdir(), 'oaimock-sdk-'));
  const file = path.join(dir, 'rules.json');
  await writeFile(file, JSON.stringify({ rules }));
  const server = await startServer('--fixtures', file, ...flags);
  const stop = server.stop;
  return {
    ...server,
    stop: () => {
      stop();
      return rm(dir, { recursive: true, force: true });
    },
  };
}
