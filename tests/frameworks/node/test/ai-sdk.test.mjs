// The Vercel AI SDK (`ai` + `@ai-sdk/openai`) on both of its OpenAI model kinds: the chat
// completions model (`provider.chat(...)`) and the Responses model (`provider(...)`, its default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateObject, generateText, stepCountIs, streamObject, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';
import { ECHO, journal, startServer } from '../lib.mjs';

const MODEL = 'gpt-4o-mini';
const KINDS = {
  chat: { model: (provider) => provider.chat(MODEL), path: '/v1/chat/completions' },
  responses: { model: (provider) => provider(MODEL), path: '/v1/responses' },
};

function providerFor(server) {
  return createOpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test' });
}

/** A bounded integer a user would believe: strictly between its bounds. */
function assertInside(value, low, high) {
  assert.ok(Number.isInteger(value), `${value} is not an integer`);
  assert.ok(low < value && value < high, `${value} is not strictly inside [${low}, ${high}]`);
}

// The AI SDK's documented way to end a loop on a structured answer: `toolChoice: "required"` on
// every step, and an `answer` tool without `execute`, whose call stops the loop.
function researchTools(calls) {
  return {
    lookup: tool({
      description: 'Look a topic up.',
      inputSchema: z.object({ topic: z.string() }),
      execute: async ({ topic }) => {
        calls.push(topic);
        return `notes on ${topic}`;
      },
    }),
    answer: tool({
      description: 'Give the final answer.',
      inputSchema: z.object({ summary: z.string(), sources: z.array(z.string()) }),
    }),
  };
}

for (const [kind, { model, path }] of Object.entries(KINDS)) {
  for (const streamed of [false, true]) {
    const mode = streamed ? 'streamText' : 'generateText';
    test(`${kind}: ${mode} with toolChoice "required" runs the tool, then ends on the answer tool`, async () => {
      const server = await startServer();
      try {
        const calls = [];
        const options = {
          model: model(providerFor(server)),
          tools: researchTools(calls),
          toolChoice: 'required',
          stopWhen: stepCountIs(5),
          prompt: 'Research the Eiffel Tower',
          maxRetries: 0,
        };
        let steps;
        if (streamed) {
          const result = streamText(options);
          await result.consumeStream({ onError: (error) => { throw error; } });
          steps = await result.steps;
        } else {
          steps = (await generateText(options)).steps;
        }

        assert.deepEqual(
          steps.map((step) => step.toolCalls.map((call) => call.toolName)),
          [['lookup'], ['answer']],
        );
        const [lookup] = steps[0].toolCalls;
        assert.deepEqual(calls, [lookup.input.topic]);
        assert.deepEqual(
          steps[0].toolResults.map((result) => result.output),
          [`notes on ${lookup.input.topic}`],
        );
        const [answer] = steps[1].toolCalls;
        assert.equal(typeof answer.input.summary, 'string');
        assert.ok(Array.isArray(answer.input.sources));
        assert.equal(steps[1].finishReason, 'tool-calls');
        const requests = await journal(server);
        assert.deepEqual(requests.map((entry) => entry.path), [path, path]);
        assert.deepEqual(requests.map((entry) => entry.body.tool_choice), ['required', 'required']);
      } finally {
        server.stop();
      }
    });
  }

  test(`${kind}: generateText with tools left on "auto" and --auto-tool-calls runs the tool, then answers`, async () => {
    const server = await startServer('--auto-tool-calls');
    try {
      const calls = [];
      const { steps, text } = await generateText({
        model: model(providerFor(server)),
        tools: { lookup: researchTools(calls).lookup },
        stopWhen: stepCountIs(5),
        prompt: 'Research the Eiffel Tower',
        maxRetries: 0,
      });
      assert.deepEqual(steps.map((step) => step.toolCalls.map((call) => call.toolName)), [['lookup'], []]);
      assert.deepEqual(calls, [steps[0].toolCalls[0].input.topic]);
      assert.equal(text, `${ECHO}notes on ${calls[0]}`);
      assert.equal(steps[1].finishReason, 'stop');
      const requests = await journal(server);
      assert.deepEqual(requests.map((entry) => entry.path), [path, path]);
    } finally {
      server.stop();
    }
  });

  // zod 4 gives every `z.number().int()` the safe-integer bounds (±9007199254740991).
  const Person = z.object({
    name: z.string(),
    age: z.number().int().min(0).max(120),
    visits: z.number().int(),
    rating: z.number().int().min(1).max(5),
  });

  function assertPerson(person) {
    const parsed = Person.safeParse(person);
  assert.ok(parsed.success, `${JSON.stringify(person)} does not validate: ${parsed.error?.message}`);
  assert.deepEqual(parsed.data, person);
    assert.ok(person.name.length > 0);
    assertInside(person.age, 0, 120);
    assertInside(person.rating, 1, 5);
    assertInside(person.visits, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    // plausible, not merely inside ±2^53
    assert.ok(Math.abs(person.visits) < 2 ** 31, `${person.visits} is not a plausible count`);
  }

  test(`${kind}: generateObject with bounded zod integers gives plausible values`, async () => {
    const server = await startServer();
    try {
      const { object } = await generateObject({
        model: model(providerFor(server)),
        schema: Person,
        prompt: 'Describe a regular customer',
        maxRetries: 0,
      });
      assertPerson(object);
      const [request] = await journal(server);
      const format = kind === 'chat' ? request.body.response_format : request.body.text.format;
      assert.equal(format.type, 'json_schema');
      const schema = kind === 'chat' ? format.json_schema.schema : format.schema;
      assert.equal(schema.properties.visits.minimum, -Number.MAX_SAFE_INTEGER);
    } finally {
      server.stop();
    }
  });

  test(`${kind}: streamObject with bounded zod integers gives plausible values`, async () => {
    const server = await startServer();
    try {
      const result = streamObject({
        model: model(providerFor(server)),
        schema: Person,
        prompt: 'Describe a regular customer',
        maxRetries: 0,
        onError: ({ error }) => {
          throw error;
        },
      });
      let partials = 0;
      for await (const partial of result.partialObjectStream) {
        assert.equal(typeof partial, 'object');
        partials += 1;
      }
      const object = await result.object;
      assert.ok(partials > 1, `only ${partials} partial objects: the answer was not streamed`);
      assertPerson(object);
      const [request] = await journal(server);
      assert.equal(request.body.stream, true);
    } finally {
      server.stop();
    }
  });
}
