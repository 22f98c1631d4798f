#!/usr/bin/env python3
"""Checks the evaluation question sets against the corpus.

answerable.jsonl: one JSON object per line with id, question, document, passage, fact.
  - document names a file in corpus/
  - passage is a verbatim substring of that file, 40-400 characters
  - fact is a verbatim substring of passage, 1-8 words
unanswerable.jsonl (if present): id, question, kind ("near_miss" or "off_topic");
  near_miss entries also name a corpus "document" whose topic they are close to.
Ids must be unique across both files. Exits 1 on any error.

Usage: python3 bench/eval/check_set.py [--stats]
"""
import json
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def load_jsonl(path, errors):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"{os.path.basename(path)}:{n}: empty line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{os.path.basename(path)}:{n}: invalid JSON: {e}")
                continue
            if not isinstance(obj, dict):
                errors.append(f"{os.path.basename(path)}:{n}: not a JSON object")
                continue
            rows.append((n, obj))
    return rows


def main():
    errors = []
    docs = {name for name in os.listdir(CORPUS)
            if not name.startswith(".") and os.path.isfile(os.path.join(CORPUS, name))}
    texts = {}

    def text(name):
        if name not in texts:
            with open(os.path.join(CORPUS, name), encoding="utf-8") as f:
                texts[name] = f.read()
        return texts[name]

    ids = Counter()
    per_doc = Counter()

    path = os.path.join(HERE, "answerable.jsonl")
    rows = load_jsonl(path, errors)
    for n, q in rows:
        where = f"answerable.jsonl:{n}"
        for field in ("id", "question", "document", "passage", "fact"):
            if not isinstance(q.get(field), str) or not q.get(field).strip():
                errors.append(f"{where}: missing or empty string field {field!r}")
        extra = set(q) - {"id", "question", "document", "passage", "fact"}
        if extra:
            errors.append(f"{where}: unexpected fields {sorted(extra)}")
        if not all(isinstance(q.get(f), str) for f in ("id", "document", "passage", "fact")):
            continue
        ids[q["id"]] += 1
        if q["document"] not in docs:
            errors.append(f"{where}: document {q['document']!r} is not in corpus/")
            continue
        per_doc[q["document"]] += 1
        p, fact = q["passage"], q["fact"]
        if not 40 <= len(p) <= 400:
            errors.append(f"{where}: passage length {len(p)} not in 40..400")
        if p not in text(q["document"]):
            errors.append(f"{where}: passage is not a verbatim substring of {q['document']}")
        if fact not in p:
            errors.append(f"{where}: fact {fact!r} is not a verbatim substring of the passage")
        if not 1 <= len(fact.split()) <= 8:
            errors.append(f"{where}: fact has {len(fact.split())} words (want 1-8)")

    upath = os.path.join(HERE, "unanswerable.jsonl")
    nun = 0
    if os.path.exists(upath):
        for n, q in load_jsonl(upath, errors):
            nun += 1
            where = f"unanswerable.jsonl:{n}"
            for field in ("id", "question", "kind"):
                if not isinstance(q.get(field), str) or not q.get(field).strip():
                    errors.append(f"{where}: missing or empty string field {field!r}")
            if isinstance(q.get("id"), str):
                ids[q["id"]] += 1
            kind = q.get("kind")
            if kind not in ("near_miss", "off_topic"):
                errors.append(f"{where}: kind {kind!r} is not near_miss or off_topic")
            if kind == "near_miss" and q.get("document") not in docs:
                errors.append(f"{where}: near_miss needs a document in corpus/, got {q.get('document')!r}")
            if kind == "off_topic" and "document" in q and q["document"] not in docs:
                errors.append(f"{where}: document {q['document']!r} is not in corpus/")

    for i, c in ids.items():
        if c > 1:
            errors.append(f"id {i!r} occurs {c} times")

    if "--stats" in sys.argv:
        for d in sorted(docs):
            print(f"{per_doc.get(d, 0):3d}  {d}")
    missing = sorted(d for d in docs if per_doc.get(d, 0) == 0)
    print(f"answerable: {len(rows)} questions over {len(per_doc)} of {len(docs)} corpus files"
          + (f" (no questions: {', '.join(missing)})" if missing else ""))
    if os.path.exists(upath):
        print(f"unanswerable: {nun} questions")
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
