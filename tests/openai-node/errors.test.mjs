import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { client, chatModel, question, failure } from './groundwork.mjs';

const messages = [{ role: 'user', content: question }];

/** The error arrived in OpenAI's shape: the SDK found {"error": {message, type, ...}} and shows Groundwork's message. */
function assertOpenAiShape(error, status, type) {
  assert.equal(error.status, status, error.message);
  assert.ok(error.error && typeof error.error.message === 'string' && error.error.message.length > 0,
    `no OpenAI error body: ${error.message}`);
  assert.equal(error.message, `${status} ${error.error.message}`);
  assert.doesNotMatch(error.message, /no body/);
  if (Array.isArray(type)) {
    assert.ok(type.includes(error.type) || type.includes(error.code), `type ${error.type}, code ${error.code}`);
  } else {
    assert.equal(error.type, type);
  }
}

test('a wrong key is an AuthenticationError with the message Groundwork gives', async () => {
  const error = await failure(() => client('gw_not-a-real-key').chat.completions.create({ model: chatModel, messages }));

  assert.ok(error instanceof OpenAI.AuthenticationError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 401, 'authentication_error');
  assert.match(error.error.message, /API key/);
});

test('a wrong key on models.list is an AuthenticationError too', async () => {
  const error = await failure(() => client('gw_not-a-real-key').models.list());

  assert.ok(error instanceof OpenAI.AuthenticationError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 401, 'authentication_error');
});

test('a key over its token budget is a RateLimitError', async () => {
  const exhaustedKey = process.env.GROUNDWORK_EXHAUSTED_API_KEY;
  assert.ok(exhaustedKey, 'GROUNDWORK_EXHAUSTED_API_KEY is not set');

  const error = await failure(() => client(exhaustedKey).chat.completions.create({ model: chatModel, messages }));

  assert.ok(error instanceof OpenAI.RateLimitError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 429, ['insufficient_quota', 'rate_limit_exceeded']);
  assert.match(error.error.message, /token budget/);
});

test('a key over its token budget is a RateLimitError when streaming too', async () => {
  const exhaustedKey = process.env.GROUNDWORK_EXHAUSTED_API_KEY;
  assert.ok(exhaustedKey, 'GROUNDWORK_EXHAUSTED_API_KEY is not set');

  const error = await failure(async () => {
    const stream = await client(exhaustedKey).chat.completions.create({ model: chatModel, messages, stream: true });
    for await (const chunk of stream) {
      assert.fail(`a chunk arrived: ${JSON.stringify(chunk)}`);
    }
  });

  assert.ok(error instanceof OpenAI.RateLimitError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 429, ['insufficient_quota', 'rate_limit_exceeded']);
});

test('an unknown model is a NotFoundError', async () => {
  const error = await failure(() => client().chat.completions.create({ model: 'no-such-model', messages }));

  assert.ok(error instanceof OpenAI.NotFoundError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 404, 'not_found_error');
  assert.match(error.error.message, /no-such-model/);
});

test('models.retrieve of an unknown model is a NotFoundError', async () => {
  const error = await failure(() => client().models.retrieve('no-such-model'));

  assert.ok(error instanceof OpenAI.NotFoundError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 404, 'not_found_error');
});

test('n other than 1 is a BadRequestError naming n', async () => {
  const error = await failure(() => client().chat.completions.create({ model: chatModel, messages, n: 2 }));

  assert.ok(error instanceof OpenAI.BadRequestError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 400, 'invalid_request_error');
  assert.equal(error.param, 'n');
  assert.match(error.error.message, /\bn\b/);
});

test('a temperature above 2 is a BadRequestError naming temperature', async () => {
  const error = await failure(() => client().chat.completions.create({ model: chatModel, messages, temperature: 5 }));

  assert.ok(error instanceof OpenAI.BadRequestError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 400, 'invalid_request_error');
  assert.equal(error.param, 'temperature');
  assert.match(error.error.message, /temperature/);
});

test('an unsupported parameter is a BadRequestError naming it, not ignored', async () => {
  const error = await failure(() => client().chat.completions.create({
    model: chatModel,
    messages,
    tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
  }));

  assert.ok(error instanceof OpenAI.BadRequestError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 400, 'invalid_request_error');
  assert.match(error.error.message, /tools/);
});

test('responses.create with previous_response_id is a BadRequestError naming it', async () => {
  const error = await failure(() => client().responses.create({ model: chatModel, input: question, previous_response_id: 'resp_123' }));

  assert.ok(error instanceof OpenAI.BadRequestError, `${error.constructor.name}: ${error.message}`);
  assertOpenAiShape(error, 400, 'invalid_request_error');
  assert.match(error.error.message, /previous_response_id/);
});
