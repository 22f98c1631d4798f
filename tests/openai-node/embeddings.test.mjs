import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, embeddingModel, embeddingDimensions } from './groundwork.mjs';

const texts = ['The reactor is cooled by liquid helium.', 'The help desk is on the third floor.'];

function norm(vector) {
  return Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
}

test('embeddings.create by default asks for base64 and gets float vectors of the model length', async () => {
  const response = await client().embeddings.create({ model: embeddingModel, input: texts });

  assert.equal(response.object, 'list');
  assert.equal(response.data.length, 2);
  for (const [index, item] of response.data.entries()) {
    assert.equal(item.object, 'embedding');
    assert.equal(item.index, index);
    assert.ok(Array.isArray(item.embedding), `embedding ${index} was decoded to ${typeof item.embedding}`);
    assert.equal(item.embedding.length, embeddingDimensions);
    assert.ok(item.embedding.every(Number.isFinite));
    assert.ok(Math.abs(norm(item.embedding) - 1) < 1e-3, `norm ${norm(item.embedding)}`);
  }
  assert.equal(response.model, embeddingModel);
  assert.ok(response.usage.prompt_tokens > 0);
  assert.equal(response.usage.total_tokens, response.usage.prompt_tokens);
});

test('embeddings.create with encoding_format float gives the same vectors as base64', async () => {
  const openai = client();
  const floats = await openai.embeddings.create({ model: embeddingModel, input: texts[0], encoding_format: 'float' });
  const decoded = await openai.embeddings.create({ model: embeddingModel, input: texts[0] });

  assert.equal(floats.data.length, 1);
  const vector = floats.data[0].embedding;
  assert.ok(Array.isArray(vector));
  assert.equal(vector.length, embeddingDimensions);
  // base64 carries float32: the same numbers, to float32 precision.
  decoded.data[0].embedding.forEach((x, i) => assert.ok(Math.abs(x - vector[i]) < 1e-6, `component ${i}: ${x} vs ${vector[i]}`));
});
