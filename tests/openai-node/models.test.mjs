import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, chatModels, embeddingModel, chatModel } from './groundwork.mjs';

test('models.list lists the configured chat models and the embedding model', async () => {
  const ids = [];
  for await (const model of client().models.list()) {
    assert.equal(model.object, 'model');
    assert.equal(typeof model.owned_by, 'string');
    assert.ok(Number.isInteger(model.created), `created ${model.created}`);
    ids.push(model.id);
  }

  for (const expected of [...chatModels, embeddingModel]) {
    assert.ok(ids.includes(expected), `${expected} is not in ${ids.join(', ')}`);
  }
  assert.equal(new Set(ids).size, ids.length, `duplicates in ${ids.join(', ')}`);
});

test('models.retrieve gives one model by its id', async () => {
  const openai = client();

  const chat = await openai.models.retrieve(chatModel);
  const embedding = await openai.models.retrieve(embeddingModel);

  assert.equal(chat.id, chatModel);
  assert.equal(chat.object, 'model');
  assert.equal(embedding.id, embeddingModel);
});
