// Structured outputs through the official Node SDK: zodResponseFormat with
// chat.completions.parse and the chat stream helper, zodTextFormat with responses.parse and the
// Responses stream helper. No fixtures: the server builds an instance of the schema the SDK made
// from the zod model, whose first free string is the user's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { startServer, clientFor, recordingClientFor } from '../lib.mjs';

const MODEL = 'gpt-4o-2024-08-06';

let server, client;
before(async () => {
  server = await startServer('--token-delay-ms', '1');
  client = clientFor(server);
});
after(() => server?.stop());

const Address = z.object({
  street: z.string(),
  city: z.string(),
  country: z.enum(['FR', 'DE']),
  postcode: z.string().min(5).max(5),
});

const Person = z.object({
  name: z.string(),
  age: z.number().int().min(18).max(130),
  nickname: z.string().nullable(),
  home: Address,
  previous: z.array(Address),
  scores: z.array(z.number().int().min(1).max(10)).min(2).max(4),
});

const Task = z.object({
  title: z.string(),
  status: z.enum(['todo', 'doing', 'done']),
  priority: z.union([z.literal(1), z.literal(2)]),
  due: z.iso.date(),
  created_at: z.iso.datetime({ offset: true }),
  estimate_hours: z.number().min(0.5).max(40).nullable(),
});

const Plan = z.object({
  summary: z.string(),
  tasks: z.array(Task).min(1).max(3),
  kind: z.literal('work'),
  deadline: z.iso.datetime({ offset: true }).nullable(),
});

const Drawing = z.object({
  caption: z.string(),
  figure: z.discriminatedUnion('shape', [
    z.object({ shape: z.literal('circle'), radius: z.number().positive() }),
    z.object({ shape: z.literal('square'), side: z.number().positive() }),
  ]),
  frame: z.object({ width: z.number().int().min(1) }).nullable(),
  labels: z.array(z.string()),
});

const Contact = z.object({
  email: z.email(),
  id: z.uuid(),
  website: z.url(),
  note: z.string(),
});

const Flags = z.object({ enabled: z.boolean(), ratio: z.number(), count: z.number().int(), mode: z.enum(['fast', 'safe']) });

// [name, zod model, user text, where the text must be (or null: no free string can hold it)]
const MODELS = [
  ['person', Person, 'Describe Ada Lovelace', (p) => p.home.city],
  ['plan', Plan, 'Plan my week', (p) => p.summary],
  ['drawing', Drawing, 'Draw a circle', (p) => p.caption],
  ['contact', Contact, 'Add a contact', (p) => p.note],
  ['flags', Flags, 'Set the flags', null],
];

for (const [name, model, text, where] of MODELS) {
  test(`chat.completions.parse with zodResponseFormat: ${name}`, async () => {
    const completion = await client.chat.completions.parse({
      model: MODEL,
      messages: [{ role: 'user', content: text }],
      response_format: zodResponseFormat(model, name),
    });
    const { message } = completion.choices[0];
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.equal(message.refusal, null);
    assert.deepEqual(message.parsed, model.parse(JSON.parse(message.content)));
    if (where) assert.ok(where(message.parsed).includes(text), JSON.stringify(message.parsed));

    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: text }],
      response_format: zodResponseFormat(model, name),
    });
    const deltas = [];
    stream.on('content.delta', (event) => event.delta && deltas.push(event.delta));
    const final = await stream.finalChatCompletion();
    assert.deepEqual(final.choices[0].message.parsed, message.parsed);
    assert.equal(deltas.join(''), final.choices[0].message.content);
    // The JSON text is streamed like any text: split at whitespace.
    assert.equal(deltas.length, final.choices[0].message.content.split(' ').length);
  });

  test(`responses.parse with zodTextFormat: ${name}`, async () => {
    const response = await client.responses.parse({ model: MODEL, input: text, text: { format: zodTextFormat(model, name) } });
    assert.equal(response.status, 'completed');
    assert.deepEqual(response.output_parsed, model.parse(JSON.parse(response.output_text)));
    if (where) assert.ok(where(response.output_parsed).includes(text), response.output_text);
    assert.equal(response.text.format.type, 'json_schema');
    assert.equal(response.text.format.name, name);
    const final = await client.responses
      .stream({ model: MODEL, input: text, text: { format: zodTextFormat(model, name) } })
      .finalResponse();
    assert.deepEqual(final.output_parsed, response.output_parsed);
  });
}

test('the SDK sends a strict json_schema built from the zod model', async () => {
  const { client: recorded, exchanges } = recordingClientFor(server);
  await recorded.chat.completions.parse({
    model: MODEL,
    messages: [{ role: 'user', content: 'Plan my week' }],
    response_format: zodResponseFormat(Plan, 'plan'),
  });
  const { response_format: sent } = exchanges[0].request;
  assert.equal(sent.type, 'json_schema');
  assert.equal(sent.json_schema.strict, true);
  assert.equal(sent.json_schema.schema.additionalProperties, false);
  const body = JSON.parse(await exchanges[0].body);
  assert.ok(Plan.safeParse(JSON.parse(body.choices[0].message.content)).success);
});

test('zod integers come back plausible: inside the safe-integer bounds, not on them', async () => {
  const Order = z.object({
    quantity: z.number().int(),
    count: z.number().int().positive(),
    year: z.number().int(),
    stock: z.number().int().nonnegative(),
    sizes: z.array(z.number().int()).min(2),
  });
  const format = zodResponseFormat(Order, 'order');
  // What makes the test matter: zod 4 bounds every int by the safe-integer range.
  assert.equal(format.json_schema.schema.properties.quantity.maximum, Number.MAX_SAFE_INTEGER);
  const completion = await client.chat.completions.parse({
    model: MODEL,
    messages: [{ role: 'user', content: 'An order' }],
    response_format: format,
  });
  const order = completion.choices[0].message.parsed;
  const response = await client.responses.parse({ model: MODEL, input: 'An order', text: { format: zodTextFormat(Order, 'order') } });
  assert.deepEqual(response.output_parsed, order);
  for (const i of [order.quantity, order.count, order.year, order.stock, ...order.sizes]) {
    assert.ok(Number.isInteger(i) && i >= 1 && i <= 2100, JSON.stringify(order));
  }
  assert.ok(order.year >= 2000 && order.year < 2026, JSON.stringify(order));
});
