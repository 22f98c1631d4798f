"""The post's FastAPI service, exactly as written there, with its three collaborators made real:
embed over httpx, top-5 cosine over 10,000 random 384-d vectors with numpy, chat over httpx.
Run: uvicorn fastapi_app:app --workers 2 --loop uvloop --http httptools
Environment: UPSTREAM_URL (the fake upstream's OpenAI base, e.g. http://127.0.0.1:5081/v1),
OPENAI_API_KEY (sent as a bearer token, as an OpenAI-compatible server requires)."""
import os
from typing import Literal

import httpx
import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, Field

UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:5081/v1")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "bench")
_rng = np.random.default_rng(42)
_vectors = _rng.standard_normal((10_000, 384), dtype=np.float32)
_vectors /= np.linalg.norm(_vectors, axis=1, keepdims=True)
_texts = [f"chunk {i}" for i in range(len(_vectors))]

app = FastAPI()
_client: httpx.AsyncClient | None = None


def client() -> httpx.AsyncClient:
    global _client
    if _client is None:
        _client = httpx.AsyncClient(base_url=UPSTREAM_URL, timeout=30,
                                    headers={"Authorization": f"Bearer {OPENAI_API_KEY}"},
                                    limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000))
    return _client


class EmbedModel:
    async def encode(self, text: str) -> np.ndarray:
        r = await client().post("/embeddings", json={"model": "text-embedding-3-small", "input": text})
        r.raise_for_status()
        return np.asarray(r.json()["data"][0]["embedding"], dtype=np.float32)


class VectorDb:
    async def query(self, embedding: np.ndarray, top_k: int = 5) -> list[str]:
        scores = _vectors @ (embedding / np.linalg.norm(embedding))
        best = np.argpartition(-scores, top_k)[:top_k]
        best = best[np.argsort(-scores[best])]
        return [_texts[i] for i in best]


class Llm:
    async def generate(self, text: str, context: list[str]) -> str:
        r = await client().post("/chat/completions", json={
            "model": "gpt-4o",
            "messages": [{"role": "system", "content": "\n".join(context)}, {"role": "user", "content": text}],
        })
        r.raise_for_status()
        return r.json()["choices"][0]["message"]["content"]


embed_model, vector_db, llm = EmbedModel(), VectorDb(), Llm()


class GenerateRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=10000)
    model: Literal["gpt-4", "claude-3"] = "gpt-4"
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(1024, ge=1, le=8192)


class GenerateResponse(BaseModel):
    text: str


@app.post("/generate")
async def generate(request: GenerateRequest):
    embedding = await embed_model.encode(request.text)
    context = await vector_db.query(embedding, top_k=5)
    response = await llm.generate(request.text, context=context)
    return GenerateResponse(text=response)
