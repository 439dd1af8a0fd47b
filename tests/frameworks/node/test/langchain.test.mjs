// LangChain JS (`@langchain/openai`): bindTools in a tool loop, withStructuredOutput (JSON Schema
// and function calling) with zod integers, jsonMode with the schema in the prompt, and logprobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { ECHO, journal, startServer } from '../lib.mjs';

const APIS = { chat: '/v1/chat/completions', responses: '/v1/responses' };

function chatModel(server, options = {}) {
  return new ChatOpenAI({
    model: 'gpt-4o-mini',
    apiKey: 'sk-test',
    configuration: { baseURL: `${server.url}/v1` },
    maxRetries: 0,
    timeout: 10_000,
    ...options,
  });
}

/** A bounded integer a user would believe: strictly between its bounds. */
function assertInside(value, low, high) {
  assert.ok(Number.isInteger(value), `${value} is not an integer`);
  assert.ok(low < value && value < high, `${value} is not strictly inside [${low}, ${high}]`);
}

for (const [api, path] of Object.entries(APIS)) {
  test(`${api}: bindTools gives a tool call, the tool runs, the answer quotes its result`, async () => {
    const server = await startServer('--auto-tool-calls');
    try {
      const calls = [];
      const getWeather = tool(
        async ({ city }) => {
          calls.push(city);
          return `Sunny and 21 C in ${city}`;
        },
        { name: 'get_weather', description: 'The weather in a city.', schema: z.object({ city: z.string() }) },
      );
      const model = chatModel(server, { useResponsesApi: api === 'responses' }).bindTools([getWeather]);
      const messages = [new HumanMessage('What is the weather in Paris?')];
      const first = await model.invoke(messages);
      assert.deepEqual(first.tool_calls.map((call) => call.name), ['get_weather']);
      messages.push(first);
      for (const call of first.tool_calls) {
        const result = await getWeather.invoke(call);
        assert.ok(result instanceof ToolMessage);
        assert.equal(result.tool_call_id, call.id);
        messages.push(result);
      }
      const final = await model.invoke(messages);

      assert.deepEqual(calls, [first.tool_calls[0].args.city]);
      assert.deepEqual(calls, ['What is the weather in Paris?']);
      assert.deepEqual(final.tool_calls, []);
      assert.equal(final.text, `${ECHO}Sunny and 21 C in What is the weather in Paris?`);
      assert.deepEqual((await journal(server)).map((entry) => entry.path), [path, path]);
    } finally {
      server.stop();
    }
  });
}

const Review = z.object({
  title: z.string(),
  stars: z.number().int().min(1).max(5),
  helpfulVotes: z.number().int(), // zod 4: the safe-integer bounds
});

function assertReview(review) {
  const parsed = Review.safeParse(review);
  assert.ok(parsed.success, `${JSON.stringify(review)} does not validate: ${parsed.error?.message}`);
  assert.deepEqual(parsed.data, review);
  assert.ok(review.title.length > 0);
  assertInside(review.stars, 1, 5);
  assertInside(review.helpfulVotes, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  assert.ok(Math.abs(review.helpfulVotes) < 2 ** 31, `${review.helpfulVotes} is not a plausible count`);
}

for (const method of ['jsonSchema', 'functionCalling']) {
  test(`withStructuredOutput (${method}) gives a validated object with plausible integers`, async () => {
    const server = await startServer();
    try {
      const structured = chatModel(server).withStructuredOutput(Review, { method, name: 'review', includeRaw: true });
      const result = await structured.invoke('Review the new phone');
      assertReview(result.parsed);
      const [request] = await journal(server);
      if (method === 'jsonSchema') {
        assert.equal(request.body.response_format.type, 'json_schema');
      } else {
        assert.deepEqual(request.body.tool_choice, { type: 'function', function: { name: 'review' } });
      }
    } finally {
      server.stop();
    }
  });
}

test('jsonMode answers an instance of the JSON Schema written in the prompt', async () => {
  const server = await startServer();
  try {
    const structured = chatModel(server).withStructuredOutput(Review, { method: 'jsonMode', includeRaw: true });
    const schema = JSON.stringify(z.toJSONSchema(Review));
    const result = await structured.invoke([
      new SystemMessage(`Answer in JSON that matches this JSON Schema:\n\`\`\`json\n${schema}\n\`\`\``),
      new HumanMessage('Review the new phone'),
    ]);
    assertReview(result.parsed);
    const [request] = await journal(server);
    assert.deepEqual(request.body.response_format, { type: 'json_object' });
  } finally {
    server.stop();
  }
});

for (const streamed of [false, true]) {
  test(`logprobs come back per token in response_metadata (${streamed ? 'streamed' : 'plain'})`, async () => {
    const server = await startServer();
    try {
      const model = chatModel(server, { logprobs: true, topLogprobs: 2 });
      let message;
      if (streamed) {
        for await (const chunk of await model.stream('Say hello to the mock')) {
          message = message === undefined ? chunk : message.concat(chunk);
        }
      } else {
        message = await model.invoke('Say hello to the mock');
      }
      const content = message.response_metadata.logprobs?.content;
      assert.ok(Array.isArray(content), `no logprobs.content in ${JSON.stringify(message.response_metadata)}`);
      assert.equal(content.map((token) => token.token).join(''), `${ECHO}Say hello to the mock`);
      assert.equal(message.text, `${ECHO}Say hello to the mock`);
      for (const token of content) {
        assert.ok(token.logprob <= 0);
        assert.deepEqual(token.bytes, [...Buffer.from(token.token)]);
        assert.equal(token.top_logprobs.length, 2);
        for (const alternative of token.top_logprobs) {
          assert.ok(alternative.logprob <= 0);
          assert.deepEqual(alternative.bytes, [...Buffer.from(alternative.token)]);
        }
        assert.ok(token.top_logprobs[0].logprob >= token.top_logprobs[1].logprob);
      }
      const [request] = await journal(server);
      assert.equal(request.body.logprobs, true);
      assert.equal(request.body.top_logprobs, 2);
    } finally {
      server.stop();
    }
  });
}
