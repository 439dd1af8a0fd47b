// Shared helper for the Node frameworks suite: start oaimock on a free port.
// (A copy of the server start in tests/sdk/node/lib.mjs, kept minimal so this suite stands alone.)
// Importing it first installs the SDK suite's exchange log when tests/frameworks/run asks for it
// (OAIMOCK_EXCHANGE_LOG): the module uses nothing but Node's own.
import '../../sdk/node/exchange-log.mjs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const binary = process.env.OAIMOCK_BIN ?? path.join(repo, 'target', 'release', 'oaimock');

export const ECHO = 'As a mock AI Assistant, I can only echo your last message: ';

/**
 * Starts `oaimock --port 0 --quiet --token-delay-ms 0 ...flags`; its first stdout line says where
 * it listens. `stop()` ends it.
 */
export async function startServer(...flags) {
  const child = spawn(binary, ['--port', '0', '--quiet', '--token-delay-ms', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

/** Starts oaimock with `--fixtures <file>`, the file being `{"rules": rules}` in a fresh temp dir. */
export async function startServerWithRules(rules, ...flags) {
  const dir = await mkdtemp(path.join(tmpdir(), 'oaimock-frameworks-'));
  const file = path.join(dir, 'rules.json');
  await writeFile(file, JSON.stringify({ rules }));
  const server = await startServer('--fixtures', file, ...flags);
  return {
    ...server,
    stop: () => {
      server.stop();
      return rm(dir, { recursive: true, force: true });
    },
  };
}

/** The requests oaimock answered so far (its journal), oldest first. */
export async function journal(server) {
  const response = await fetch(`${server.url}/_oaimock/requests`);
  return (await response.json()).data;
}
