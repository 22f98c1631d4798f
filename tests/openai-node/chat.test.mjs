import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, chatModel, reply, documentId, question } from './groundwork.mjs';

const messages = [
  { role: 'system', content: 'Answer briefly.' },
  { role: 'user', content: question },
];

function assertSources(groundwork, where) {
  assert.ok(groundwork && typeof groundwork === 'object', `${where} has no groundwork field`);
  assert.ok(Array.isArray(groundwork.sources), `${where}: groundwork.sources is ${JSON.stringify(groundwork.sources)}`);
  assert.ok(groundwork.sources.some((s) => s.document_id === documentId),
    `${where}: no source from document ${documentId} in ${JSON.stringify(groundwork.sources)}`);
  assert.ok(Array.isArray(groundwork.citations), `${where}: groundwork.citations is ${JSON.stringify(groundwork.citations)}`);
  // The reply cites [1].
  assert.ok(groundwork.citations.some((c) => c.number === 1 && c.document_id === documentId),
    `${where}: no citation of passage 1 in ${JSON.stringify(groundwork.citations)}`);
}

test('chat.completions.create answers with text, usage, model and the groundwork sources', async () => {
  const completion = await client().chat.completions.create({ model: chatModel, messages });

  assert.equal(completion.object, 'chat.completion');
  assert.match(completion.id, /\S/);
  assert.ok(Number.isInteger(completion.created) && completion.created > 1_600_000_000, `created ${completion.created}`);
  assert.equal(completion.model, chatModel);
  assert.equal(completion.choices.length, 1);
  const [choice] = completion.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, reply);
  assert.equal(choice.finish_reason, 'stop');
  assert.ok(completion.usage.prompt_tokens > 0);
  assert.ok(completion.usage.completion_tokens > 0);
  assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
  assertSources(completion.groundwork, 'the completion');
});

test('chat.completions.create takes content as an array of text parts and an earlier assistant turn', async () => {
  const completion = await client().chat.completions.create({
    model: chatModel,
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'Answer briefly.' }] },
      { role: 'user', content: 'Hello.' },
      { role: 'assistant', content: 'Hello, how can I help?' },
      { role: 'user', content: [{ type: 'text', text: 'Where is the' }, { type: 'text', text: ' help desk?' }] },
    ],
    temperature: 0.2,
    max_completion_tokens: 200,
    user: 'node-sdk-test',
    seed: 7,
  });

  assert.equal(completion.choices[0].message.content, reply);
});

test('chat.completions.create with stream and include_usage streams the reply and ends with a usage chunk', async () => {
  const stream = await client().chat.completions.create({
    model: chatModel,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });

  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }

  assert.ok(chunks.length >= 3, `only ${chunks.length} chunks`);
  for (const chunk of chunks) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.id, chunks[0].id);
    assert.equal(chunk.created, chunks[0].created);
    assert.equal(chunk.model, chatModel);
  }
  const usageChunk = chunks.at(-1);
  const contentChunks = chunks.slice(0, -1);
  assert.deepEqual(usageChunk.choices, []);
  assert.ok(usageChunk.usage.prompt_tokens > 0);
  assert.ok(usageChunk.usage.completion_tokens > 0);
  assert.equal(usageChunk.usage.total_tokens, usageChunk.usage.prompt_tokens + usageChunk.usage.completion_tokens);
  for (const chunk of contentChunks) {
    assert.equal(chunk.choices.length, 1);
    assert.ok(chunk.usage == null, `usage before the last chunk: ${JSON.stringify(chunk)}`);
  }
  assert.equal(contentChunks[0].choices[0].delta.role, 'assistant');
  assert.equal(contentChunks.map((c) => c.choices[0].delta.content ?? '').join(''), reply);
  assert.equal(contentChunks.at(-1).choices[0].finish_reason, 'stop');
  assert.ok(contentChunks.slice(0, -1).every((c) => c.choices[0].finish_reason == null));

  // Sources and citations ride on one chunk: the last one of the answer, never the usage chunk.
  const withGroundwork = chunks.filter((c) => c.groundwork != null);
  assert.equal(withGroundwork.length, 1, `${withGroundwork.length} chunks carry groundwork`);
  const lastWithContent = contentChunks.findLastIndex((c) => c.choices[0].delta.content);
  assert.ok(chunks.indexOf(withGroundwork[0]) >= lastWithContent, 'groundwork came before the last content');
  assertSources(withGroundwork[0].groundwork, 'the stream');
});

test('chat.completions.stream helper assembles the final completion', async () => {
  const stream = client().chat.completions.stream({ model: chatModel, messages, stream_options: { include_usage: true } });
  let text = '';
  stream.on('content', (delta) => { text += delta; });

  const completion = await stream.finalChatCompletion();

  assert.equal(text, reply);
  assert.equal(completion.choices[0].message.content, reply);
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.ok(completion.usage.total_tokens > 0);
});

test('chat.completions.create without streaming options streams no usage chunk', async () => {
  const stream = await client().chat.completions.create({ model: chatModel, messages, stream: true });
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }

  assert.ok(chunks.every((c) => c.choices.length === 1), JSON.stringify(chunks.at(-1)));
  assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), reply);
});
