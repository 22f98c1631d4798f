import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, chatModel, reply, question } from './groundwork.mjs';

test('responses.create answers with output_text', async () => {
  const response = await client().responses.create({
    model: chatModel,
    instructions: 'Answer briefly.',
    input: question,
  });

  assert.equal(response.object, 'response');
  assert.match(response.id, /\S/);
  assert.equal(response.status, 'completed');
  assert.equal(response.model, chatModel);
  assert.equal(response.output_text, reply);
  const message = response.output.find((item) => item.type === 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.content[0].type, 'output_text');
  assert.equal(message.content[0].text, reply);
  assert.ok(response.usage.input_tokens > 0);
  assert.ok(response.usage.output_tokens > 0);
  assert.equal(response.usage.total_tokens, response.usage.input_tokens + response.usage.output_tokens);
});

test('responses.create takes input as a list of messages', async () => {
  const response = await client().responses.create({
    model: chatModel,
    input: [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Hello.' },
      { role: 'assistant', content: 'Hello, how can I help?' },
      { role: 'user', content: [{ type: 'input_text', text: question }] },
    ],
    temperature: 0.2,
    max_output_tokens: 200,
  });

  assert.equal(response.output_text, reply);
});

test('responses.create with stream sends created, output_text deltas and completed', async () => {
  const stream = await client().responses.create({ model: chatModel, input: question, stream: true });

  const events = [];
  for await (const event of stream) {
    events.push(event);
  }

  const types = events.map((e) => e.type);
  assert.equal(types[0], 'response.created', types.join(', '));
  assert.equal(types.at(-1), 'response.completed', types.join(', '));
  assert.ok(types.includes('response.output_text.delta'), types.join(', '));
  assert.ok(types.includes('response.output_text.done'), types.join(', '));
  assert.ok(!types.includes('error') && !types.includes('response.failed'), types.join(', '));
  // sequence_number counts the events from 0 when present (the API reference has it on every event).
  events.forEach((e, i) => assert.ok(e.sequence_number === undefined || e.sequence_number === i, `event ${i}: ${JSON.stringify(e)}`));

  const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.equal(deltas, reply);
  assert.equal(events.find((e) => e.type === 'response.output_text.done').text, reply);
  const completed = events.at(-1).response;
  assert.equal(completed.status, 'completed');
  assert.equal(completed.id, events[0].response.id);
  assert.ok(completed.usage.total_tokens > 0);
});

test('responses.stream helper gives the final response', async () => {
  const stream = client().responses.stream({ model: chatModel, input: question });
  let text = '';
  stream.on('response.output_text.delta', (event) => { text += event.delta; });

  const response = await stream.finalResponse();

  assert.equal(text, reply);
  assert.equal(response.output_text, reply);
  assert.equal(response.status, 'completed');
});
