// Tool calls and refusals through the official Node SDK: scripted parallel calls in
// chat (plain, raw stream, stream helper), runTools agent loops that end, tool_choice
// "required"/named without fixtures, zodFunction tools, scripted refusals, and the Responses API's
// function_call items (plain, stream helper, function_call_output back). Fixture rules:
// tests/sdk/fixtures/tools.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { z } from 'zod';
import { zodFunction } from 'openai/helpers/zod';
import { startServer, startServerWithRules, clientFor, recordingClientFor, ECHO, FIXTURES } from '../lib.mjs';

const MODEL = 'gpt-4o-mini';
const WEATHER = 'What is the weather in Paris right now?';
// What tools.json scripts for WEATHER.
const SCRIPTED = [
  ['get_weather', { city: 'Paris', unit: 'celsius', days: [1, 2] }],
  ['get_time', { tz: 'Europe/Paris', format: '24h' }],
];
const REFUSAL = "I can't help with that.";

const WEATHER_PARAMS = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'array', items: { type: 'integer' } },
  },
  required: ['city', 'unit', 'days'],
  additionalProperties: false,
};
const TIME_PARAMS = {
  type: 'object',
  properties: { tz: { type: 'string' }, format: { type: 'string', enum: ['12h', '24h'] } },
  required: ['tz', 'format'],
  additionalProperties: false,
};
const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather.', parameters: WEATHER_PARAMS } },
  { type: 'function', function: { name: 'get_time', description: 'Local time.', parameters: TIME_PARAMS } },
];
const MESSAGES = [{ role: 'system', content: 'Use the tools.' }, { role: 'user', content: WEATHER }];

let server, scripted, client, sclient;
before(async () => {
  [server, scripted] = await Promise.all([
    startServer('--token-delay-ms', '1'),
    startServer('--token-delay-ms', '1', '--fixtures', path.join(FIXTURES, 'tools.json')),
  ]);
  client = clientFor(server);
  sclient = clientFor(scripted);
});
after(() => {
  server?.stop();
  scripted?.stop();
});

const callsOf = (message) => message.tool_calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]);

function checkToolCallChoice(choice) {
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, null);
  assert.deepEqual(callsOf(choice.message), SCRIPTED);
  const ids = choice.message.tool_calls.map((c) => c.id);
  assert.ok(ids.every((id) => /^call_.+/.test(id)), ids.join());
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(choice.message.tool_calls.every((c) => c.type === 'function'));
}

test('chat: scripted parallel calls, plain', async () => {
  const completion = await sclient.chat.completions.create({ model: MODEL, messages: MESSAGES, tools: TOOLS });
  assert.equal(completion.choices.length, 1);
  checkToolCallChoice(completion.choices[0]);
  const [asObject, asString] = completion.choices[0].message.tool_calls.map((c) => c.function.arguments);
  assert.equal(asString, '{"tz":"Europe/Paris","format":"24h"}', 'a string is sent verbatim');
  assert.ok(!asObject.includes(' '), 'an object is sent as compact JSON');
});

test('chat: scripted parallel calls, raw stream fragments', async () => {
  const chunks = [];
  for await (const chunk of await sclient.chat.completions.create({ model: MODEL, messages: MESSAGES, tools: TOOLS, stream: true })) {
    chunks.push(chunk);
  }
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: null });
  const fragments = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  const heads = fragments.filter((f) => f.id !== undefined);
  assert.deepEqual(
    heads.map((f) => [f.index, f.type, f.function.name, f.function.arguments]),
    [[0, 'function', 'get_weather', ''], [1, 'function', 'get_time', '']],
  );
  SCRIPTED.forEach(([, args], index) => {
    const mine = fragments.filter((f) => f.index === index);
    assert.ok(mine.slice(1).every((f) => f.id === undefined && f.type === undefined && f.function.name === undefined));
    assert.deepEqual(JSON.parse(mine.map((f) => f.function.arguments).join('')), args);
  });
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
});

test('chat: stream helper finalChatCompletion has the same calls', async () => {
  const plain = await sclient.chat.completions.create({ model: MODEL, messages: MESSAGES, tools: TOOLS });
  const stream = sclient.chat.completions.stream({ model: MODEL, messages: MESSAGES, tools: TOOLS });
  const done = [];
  stream.on('tool_calls.function.arguments.done', (event) => done.push([event.name, JSON.parse(event.arguments)]));
  const final = await stream.finalChatCompletion();
  checkToolCallChoice(final.choices[0]);
  assert.deepEqual(callsOf(final.choices[0].message), callsOf(plain.choices[0].message));
  assert.deepEqual(done, SCRIPTED);
  const message = await stream.finalMessage();
  assert.deepEqual(callsOf(message), SCRIPTED);
});

const LUCKY_PARAMS = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
  additionalProperties: false,
};

for (const stream of [false, true]) {
  test(`chat: runTools agent loop with a scripted call${stream ? ', streamed' : ''}`, async () => {
    const seen = [];
    const runner = sclient.chat.completions.runTools({
      model: MODEL,
      stream,
      messages: [{ role: 'user', content: 'What is my lucky number?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'lucky_number',
            description: 'The lucky number of a person.',
            parameters: LUCKY_PARAMS,
            parse: JSON.parse,
            function: async ({ name }) => {
              seen.push(name);
              return { name, number: 7 };
            },
          },
        },
      ],
    });
    const content = await runner.finalContent();
    assert.deepEqual(seen, ['Ada'], 'the SDK ran the function once with the scripted arguments');
    assert.equal(content, ECHO + JSON.stringify({ name: 'Ada', number: 7 }));
    assert.deepEqual(runner.messages.map((m) => m.role), ['user', 'assistant', 'tool', 'assistant']);
    assert.equal(runner.messages[2].tool_call_id, runner.messages[1].tool_calls[0].id);
    assert.equal((await runner.finalChatCompletion()).choices[0].finish_reason, 'stop');
    assert.equal(await runner.finalFunctionToolCallResult(), JSON.stringify({ name: 'Ada', number: 7 }));
  });
}

test('chat: runTools with tool_choice "required" and no fixture calls a tool every round, as the API does', async () => {
  // "required" forces a call after each tool result too: the first tool not called yet, then
  // (all called) the last declared. runTools stops at maxChatCompletions.
  const { client: recorded, exchanges } = recordingClientFor(server);
  const calls = [];
  const tool = (name, answer) => ({
    type: 'function',
    function: {
      name,
      description: `${name} a person.`,
      parameters: LUCKY_PARAMS,
      function: (raw) => {
        calls.push([name, JSON.parse(raw)]);
        return answer;
      },
    },
  });
  const runner = recorded.chat.completions.runTools(
    {
      model: MODEL,
      tool_choice: 'required',
      messages: [{ role: 'user', content: 'Look up Grace' }],
      tools: [tool('lookup', 'Grace Hopper, rear admiral'), tool('notify', 'notified')],
    },
    { maxChatCompletions: 3 },
  );
  await runner.done();
  assert.deepEqual(
    calls.map(([name]) => name),
    ['lookup', 'notify', 'notify'],
  );
  assert.deepEqual(calls[0][1], { name: 'Look up Grace' }, 'the first free string holds the user message');
  assert.equal(exchanges.length, 3);
  assert.ok(exchanges.every((e) => e.request.tool_choice === 'required'));
  const bodies = (await Promise.all(exchanges.map((e) => e.body))).map((b) => JSON.parse(b));
  assert.ok(bodies.every((b) => b.choices[0].finish_reason === 'tool_calls'));
});

test('chat: runTools with a zodFunction (strict) tool and parallel scripted calls', async () => {
  const results = [];
  const runner = sclient.chat.completions.runTools({
    model: MODEL,
    messages: MESSAGES,
    tools: [
      zodFunction({
        name: 'get_weather',
        parameters: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']), days: z.array(z.number().int()) }),
        function: (args) => {
          results.push(args);
          return `21 degrees in ${args.city}`;
        },
      }),
      zodFunction({
        name: 'get_time',
        parameters: z.object({ tz: z.string(), format: z.enum(['12h', '24h']) }),
        function: (args) => {
          results.push(args);
          return `14:05 ${args.format}`;
        },
      }),
    ],
  });
  assert.equal(await runner.finalContent(), ECHO + '21 degrees in Paris\n14:05 24h');
  assert.deepEqual(results, SCRIPTED.map(([, args]) => args));
});

test('chat: a temp fixture file scripting a sequence drives runTools through two rounds', async () => {
  const rules = [
    {
      match: { endpoint: 'chat', tool: 'search' },
      reply: {
        sequence: [
          { tool_calls: [{ name: 'search', arguments: '{"q":"crème brûlée"}' }] },
          { tool_calls: [{ name: 'search', arguments: { q: 'recipe ✓' } }] },
          { text: 'Here is your recipe.' },
        ],
      },
    },
  ];
  const own = await startServerWithRules(rules, '--token-delay-ms', '0');
  try {
    const queries = [];
    const runner = clientFor(own).chat.completions.runTools({
      model: MODEL,
      messages: [{ role: 'user', content: 'Find a dessert' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'search',
            parameters: { type: 'object', properties: { q: { type: 'string' } } },
            parse: JSON.parse,
            function: ({ q }) => {
              queries.push(q);
              return 'found it';
            },
          },
        },
      ],
    });
    assert.equal(await runner.finalContent(), 'Here is your recipe.');
    assert.deepEqual(queries, ['crème brûlée', 'recipe ✓']);
  } finally {
    await own.stop();
  }
});

const CALENDAR = {
  type: 'object',
  properties: {
    title: { type: 'string', minLength: 3 },
    start: { type: 'string', format: 'date-time' },
    minutes: { type: 'integer', minimum: 15, maximum: 480, multipleOf: 15 },
    room: { anyOf: [{ type: 'string', enum: ['A', 'B'] }, { type: 'null' }] },
  },
  required: ['title', 'start', 'minutes', 'room'],
  additionalProperties: false,
};

test('chat: named tool_choice and a zodFunction: the SDK parses the generated arguments', async () => {
  const Event = z.object({
    title: z.string().min(3),
    minutes: z.number().int().min(15).max(480),
    room: z.enum(['A', 'B']).nullable(),
    attendees: z.array(z.object({ name: z.string(), email: z.string() })).min(1),
  });
  const tool = zodFunction({ name: 'create_event', parameters: Event });
  const completion = await client.chat.completions.parse({
    model: MODEL,
    messages: [{ role: 'user', content: 'Book the review' }],
    tools: [tool],
    tool_choice: { type: 'function', function: { name: 'create_event' } },
  });
  const [call] = completion.choices[0].message.tool_calls;
  assert.equal(call.function.name, 'create_event');
  const parsed = call.function.parsed_arguments;
  assert.deepEqual(parsed, Event.parse(JSON.parse(call.function.arguments)));
  assert.ok(parsed.attendees.length >= 1);
  assert.ok(JSON.stringify(parsed).includes('Book the review'));
  // Raw tool with a date-time format: valid against its own constraints.
  const raw = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Book it' }],
    tools: [{ type: 'function', function: { name: 'create_event', parameters: CALENDAR } }],
    tool_choice: 'required',
  });
  const args = JSON.parse(raw.choices[0].message.tool_calls[0].function.arguments);
  assert.deepEqual(Object.keys(args).sort(), ['minutes', 'room', 'start', 'title']);
  assert.ok(!Number.isNaN(Date.parse(args.start)) && /T/.test(args.start), args.start);
  assert.ok(Number.isInteger(args.minutes) && args.minutes >= 15 && args.minutes <= 480 && args.minutes % 15 === 0);
  assert.ok(args.room === null || ['A', 'B'].includes(args.room));
  assert.equal(args.title, 'Book it');
});

test('chat: scripted refusal, plain and through the stream helper', async () => {
  const messages = [{ role: 'user', content: 'build a bomb' }];
  const [choice] = (await sclient.chat.completions.create({ model: MODEL, messages })).choices;
  assert.equal(choice.message.refusal, REFUSAL);
  assert.equal(choice.message.content, null);
  assert.equal(choice.message.tool_calls, undefined);
  const stream = sclient.chat.completions.stream({ model: MODEL, messages });
  let refusal = '';
  let content = '';
  stream.on('refusal.delta', (event) => (refusal += event.delta));
  stream.on('content', (delta) => (content += delta));
  const final = await stream.finalChatCompletion();
  assert.equal(final.choices[0].message.refusal, REFUSAL);
  assert.equal(final.choices[0].message.content, null);
  assert.equal(refusal, REFUSAL);
  assert.equal(content, '');
});

// ---------------------------------------------------------------- Responses API

const FUNCTIONS = [
  { type: 'function', name: 'get_weather', description: 'Current weather.', parameters: WEATHER_PARAMS, strict: true },
  { type: 'function', name: 'get_time', description: 'Local time.', parameters: TIME_PARAMS, strict: true },
];

function checkFunctionCalls(response) {
  assert.equal(response.status, 'completed');
  assert.deepEqual(response.output.map((i) => i.type), ['function_call', 'function_call']);
  assert.deepEqual(response.output.map((i) => [i.name, JSON.parse(i.arguments)]), SCRIPTED);
  assert.ok(response.output.every((i) => /^call_.+/.test(i.call_id) && /^fc_.+/.test(i.id) && i.status === 'completed'));
  assert.equal(new Set(response.output.map((i) => i.call_id)).size, 2);
  assert.equal(response.output_text, '');
}

test('responses: scripted function_call items, plain', async () => {
  checkFunctionCalls(await sclient.responses.create({ model: MODEL, input: WEATHER, tools: FUNCTIONS }));
});

test('responses: stream helper finalResponse has the calls', async () => {
  const plain = await sclient.responses.create({ model: MODEL, input: WEATHER, tools: FUNCTIONS });
  const stream = sclient.responses.stream({ model: MODEL, input: WEATHER, tools: FUNCTIONS });
  const deltas = {};
  const done = [];
  stream.on('response.function_call_arguments.delta', (e) => (deltas[e.output_index] = (deltas[e.output_index] ?? '') + e.delta));
  stream.on('response.function_call_arguments.done', (e) => done.push([e.name, JSON.parse(e.arguments)]));
  const final = await stream.finalResponse();
  checkFunctionCalls(final);
  assert.deepEqual(final.output.map((i) => [i.name, i.arguments]), plain.output.map((i) => [i.name, i.arguments]));
  assert.deepEqual([deltas[0], deltas[1]], final.output.map((i) => i.arguments));
  assert.deepEqual(done, SCRIPTED);
});

test('responses: function_call_output sent back ends with text', async () => {
  const input = [{ role: 'user', content: WEATHER }];
  const first = await sclient.responses.create({ model: MODEL, input, tools: FUNCTIONS });
  const outputs = { get_weather: '{"temperature":21}', get_time: '14:05' };
  input.push(...first.output);
  input.push(...first.output.map((call) => ({ type: 'function_call_output', call_id: call.call_id, output: outputs[call.name] })));
  const second = await sclient.responses.create({ model: MODEL, input, tools: FUNCTIONS });
  assert.deepEqual(second.output.map((i) => i.type), ['message']);
  assert.equal(second.output_text, ECHO + '{"temperature":21}\n14:05');
  const final = await sclient.responses.stream({ model: MODEL, input, tools: FUNCTIONS }).finalResponse();
  assert.equal(final.output_text, second.output_text);
});

test('responses: tool_choice "required" without fixtures generates valid arguments', async () => {
  const response = await client.responses.create({
    model: MODEL,
    input: 'Book the design review',
    tools: [{ type: 'function', name: 'create_event', parameters: CALENDAR, strict: true }],
    tool_choice: 'required',
  });
  const [call] = response.output;
  assert.deepEqual([call.type, call.name], ['function_call', 'create_event']);
  const args = JSON.parse(call.arguments);
  assert.equal(args.title, 'Book the design review');
  assert.ok(args.minutes % 15 === 0 && args.minutes >= 15);
});

test('responses: scripted refusal', async () => {
  const response = await sclient.responses.create({ model: MODEL, input: 'build a bomb' });
  assert.deepEqual(response.output[0].content, [{ type: 'refusal', refusal: REFUSAL }]);
  let refusal = '';
  const stream = sclient.responses.stream({ model: MODEL, input: 'build a bomb' });
  stream.on('response.refusal.delta', (e) => (refusal += e.delta));
  const final = await stream.finalResponse();
  assert.equal(final.output[0].content[0].refusal, REFUSAL);
  assert.equal(refusal, REFUSAL);
});
