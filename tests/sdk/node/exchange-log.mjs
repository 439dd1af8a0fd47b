// The Node suite's exchange log, for schema validation by the Python suite's check_exchange.
//
// When OAIMOCK_EXCHANGE_LOG names a directory (tests/sdk/run sets it), importing this module wraps
// `globalThis.fetch`: every SDK client made afterwards takes it as its default fetch (the openai
// SDK reads `globalThis.fetch` in its constructor), and so do clients given their own fetch that
// calls `globalThis.fetch` (the Azure tests') and a test's own `fetch` calls. The wrapper changes
// nothing the caller sees: it reads a `clone()` of each response to its end and appends one JSON
// line per exchange to `<dir>/<pid>.jsonl`. Kept whole: JSON and text bodies (SSE included), as
// base64 of the bytes received; of any other body (audio, images, file bytes) only its length is
// kept, which is all check_exchange checks of them. A body that breaks off (a fault, an abort) is
// logged with the bytes that came, as the Python suite's recording keeps them. Bodies still being
// read when the process exits are logged as unfinished. tests/sdk/python/check_exchange_log.py
// checks the log. Without the variable, nothing is wrapped.
import { appendFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.OAIMOCK_EXCHANGE_LOG;
const KEPT = /^(application\/json|text\/)/i;

if (dir && !globalThis.fetch.oaimockLogged) {
  const file = path.join(dir, `${process.pid}.jsonl`);
  const source = path.basename(process.argv[1] ?? 'node');
  const unfinished = new Set();
  const write = (entry) => appendFileSync(file, JSON.stringify(entry) + '\n');
  const original = globalThis.fetch;

  const logged = async (input, init = {}) => {
    const response = await original(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return response; // the SDK's `data:,` probe
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const type = response.headers.get('content-type') ?? '';
    const entry = {
      source,
      method: (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
      path: url.pathname,
      request_headers: Object.fromEntries(headers),
      // A JSON body is a string; multipart bodies (FormData, streams) are not kept, as in Python.
      request_body: typeof init.body === 'string' ? init.body : null,
      status: response.status,
      headers: Object.fromEntries(response.headers),
      kept: KEPT.test(type),
      parts: [],
      length: 0,
      finished: false,
    };
    if (!response.body) {
      entry.finished = true;
      write(done(entry));
      return response;
    }
    unfinished.add(entry);
    const reader = response.clone().body.getReader();
    (async () => {
      try {
        for (;;) {
          const { done: end, value } = await reader.read();
          if (end) break;
          entry.length += value.length;
          if (entry.kept) entry.parts.push(value);
        }
        entry.finished = true;
      } catch (err) {
        entry.broken = String(err?.cause?.message ?? err?.message ?? err);
        entry.finished = true;
      }
      unfinished.delete(entry);
      write(done(entry));
    })();
    return response;
  };

  logged.oaimockLogged = true;
  globalThis.fetch = logged;
  process.on('exit', () => {
    for (const entry of unfinished) write(done(entry));
  });
}

/** The line written for `entry`: its parts joined as base64 (or null when the body is not kept). */
function done(entry) {
  const { parts, kept, ...rest } = entry;
  return { ...rest, body_b64: kept ? Buffer.concat(parts).toString('base64') : null };
}
