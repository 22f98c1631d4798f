"""The same service on Flask, the way the post says Flask would do it: synchronous handlers, blocking HTTP calls
with requests, concurrency from gunicorn threads.
Run: gunicorn flask_app:app --workers 2 --threads 32 --worker-class gthread
Environment: UPSTREAM_URL (the fake upstream's OpenAI base, e.g. http://127.0.0.1:5081/v1),
OPENAI_API_KEY (sent as a bearer token, as an OpenAI-compatible server requires)."""
import os
import threading

import numpy as np
import requests
from flask import Flask, jsonify, request

UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:5081/v1")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "bench")
_rng = np.random.default_rng(42)
_vectors = _rng.standard_normal((10_000, 384), dtype=np.float32)
_vectors /= np.linalg.norm(_vectors, axis=1, keepdims=True)
_texts = [f"chunk {i}" for i in range(len(_vectors))]
_local = threading.local()

app = Flask(__name__)


def session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
        _local.session.headers["Authorization"] = f"Bearer {OPENAI_API_KEY}"
    return _local.session


def encode(text):
    r = session().post(f"{UPSTREAM_URL}/embeddings", json={"model": "text-embedding-3-small", "input": text}, timeout=30)
    r.raise_for_status()
    return np.asarray(r.json()["data"][0]["embedding"], dtype=np.float32)


def query(embedding, top_k=5):
    scores = _vectors @ (embedding / np.linalg.norm(embedding))
    best = np.argpartition(-scores, top_k)[:top_k]
    best = best[np.argsort(-scores[best])]
    return [_texts[i] for i in best]


def chat(text, context):
    r = session().post(f"{UPSTREAM_URL}/chat/completions", json={
        "model": "gpt-4o",
        "messages": [{"role": "system", "content": "\n".join(context)}, {"role": "user", "content": text}],
    }, timeout=30)
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]


@app.post("/generate")
def generate():
    body = request.get_json(force=True)
    errors = {}
    text = body.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= 10000:
        errors["text"] = "must be a string of 1 to 10000 characters"
    if body.get("model", "gpt-4") not in ("gpt-4", "claude-3"):
        errors["model"] = "must be gpt-4 or claude-3"
    temperature = body.get("temperature", 0.7)
    if not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
        errors["temperature"] = "must be a number from 0 to 2"
    max_tokens = body.get("max_tokens", 1024)
    if not isinstance(max_tokens, int) or not 1 <= max_tokens <= 8192:
        errors["max_tokens"] = "must be an integer from 1 to 8192"
    if errors:
        return jsonify({"errors": errors}), 422
    embedding = encode(text)
    context = query(embedding, top_k=5)
    return jsonify({"text": chat(text, context)})
