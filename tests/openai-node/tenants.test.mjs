import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, chatModel, documentId, question } from './groundwork.mjs';

test('chat.completions.create with a key of another tenant cites none of the documents of this one', async () => {
  const otherKey = process.env.GROUNDWORK_OTHER_TENANT_API_KEY;
  assert.ok(otherKey, 'GROUNDWORK_OTHER_TENANT_API_KEY is not set');

  const completion = await client(otherKey).chat.completions.create({
    model: chatModel,
    messages: [{ role: 'user', content: question }],
  });

  assert.ok(Array.isArray(completion.groundwork?.sources), JSON.stringify(completion.groundwork));
  assert.ok(completion.groundwork.sources.every((s) => s.document_id !== documentId), JSON.stringify(completion.groundwork.sources));
});

test('chat.completions.create with retrieval turned off gives no sources', async () => {
  const completion = await client().chat.completions.create({
    model: chatModel,
    messages: [{ role: 'user', content: question }],
    groundwork: { retrieval: false },
  });

  assert.deepEqual(completion.groundwork?.sources ?? [], []);
});
