// What the tests need from the service that runs them (tests/Groundwork.Tests/OpenAi/OpenAiNodeSdkTests.cs sets it).
import OpenAI from 'openai';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: these tests run against a Groundwork service; see tests/openai-node/README.md`);
  }
  return value;
}

export const serviceUrl = required('GROUNDWORK_URL').replace(/\/+$/, '');
/** What the SDK is pointed at: the service's /v1, as OpenAI clients expect (GROUNDWORK_OPENAI_BASE_URL overrides it). */
export const baseURL = process.env.GROUNDWORK_OPENAI_BASE_URL || `${serviceUrl}/v1`;
export const apiKey = required('GROUNDWORK_API_KEY');
export const chatModel = required('GROUNDWORK_CHAT_MODEL');
/** The fake upstream's fixed answer, citing passage [1]. */
export const reply = required('GROUNDWORK_REPLY');
export const documentId = Number(required('GROUNDWORK_DOCUMENT_ID'));
export const question = process.env.GROUNDWORK_QUESTION || 'Where is the help desk?';
export const embeddingModel = required('GROUNDWORK_EMBEDDING_MODEL');
export const embeddingDimensions = Number(required('GROUNDWORK_EMBEDDING_DIMENSIONS'));
/** The public chat model names the service is configured with, comma-separated. */
export const chatModels = required('GROUNDWORK_CHAT_MODELS').split(',');

/** A client the way a user writes one; no retries, so a 429 or 5xx is seen at once. */
export function client(key = apiKey) {
  return new OpenAI({ apiKey: key, baseURL, maxRetries: 0, timeout: 60_000 });
}

/** Awaits a call that must fail and returns what it threw. */
export async function failure(call) {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('The call succeeded where it should have failed');
}
