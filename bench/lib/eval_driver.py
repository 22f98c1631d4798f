"""Answer-quality evaluation for bench/eval.sh (Debian's /usr/bin/python3 with python3-requests).

  run BASE_URL --corpus DIR --answerable FILE --unanswerable FILE --meta META.json --out PREFIX
      [--slice N] [--dump-features FILE] [--batch-files 10] [--batch-mib 8]
      Ingests every file under DIR (POST /documents?wait=true, multipart, batches of at most --batch-files files and
      --batch-mib MiB; a 202, when the service's wait ran out, is followed by polling each document), maps each file to its document id, locates each answerable question's gold span and measures
      retrieval, abstention and local answers; writes PREFIX.json (figures and per-question details of failures) and
      PREFIX.md, and prints a summary. With --dump-features FILE it instead writes one JSON line per (question, top-10
      hybrid result) for relevance calibration, and nothing else.
  docs RESULT.json BENCHMARKS.md
      writes the "## Answer quality (evaluation set)" section of BENCHMARKS.md from a result (the marked section
      replaced, or appended with its heading).

Question files are JSON lines. Answerable: {"id", "question", "document" (a path under the corpus folder), "passage"
(verbatim text of the document that answers it), "fact" (a short string the answer must contain)}. Unanswerable:
{"id", "question", "kind": "near_miss"|"off_topic", "document" (near misses: the file whose topic it is close to)}.

Definitions:
  gold span   the first occurrence of `passage` in the document's extracted text (GET /documents/{id} `text`); when the
              extraction changed whitespace, the first whitespace-insensitive match; else the question is "not
              located" and left out of the retrieval figures (reported).
  hit         a result of the gold document whose [start_offset, end_offset) overlaps the gold span and either covers
              at least half of it or contains the fact (whitespace- and case-normalised).
  hit@k, MRR@5  over located answerable questions, /search with min_relevance 0, top_k 5.
  abstention sweep  top result's `relevance` of hybrid /search (min_relevance 0); a question abstains at threshold t
              when that is below t (or there is no result).
  generate    /generate with model local at the service's own threshold: `grounded: false` is an abstention. For
              answerable, grounded answers, the answer text before the disclosure paragraph must contain the fact
              (normalised); a quoted sentence is "unrelated" when its [n]'s source chunk neither overlaps the gold span
              nor contains the fact.
"""
import argparse
import datetime
import json
import os
import re
import sys
import time
from pathlib import Path

import requests

# Groundwork's API key (the bench scripts set GROUNDWORK_KEY and start the service with it); health probes need none.
AUTH = {"Authorization": "Bearer " + os.environ["GROUNDWORK_KEY"]} if os.environ.get("GROUNDWORK_KEY") else {}

START_MARK = "<!-- bench:eval:start -->"
END_MARK = "<!-- bench:eval:end -->"
HEADING = "## Answer quality (evaluation set)"
MODES = ("vector", "keyword", "hybrid")
THRESHOLDS = [round(i * 0.05, 2) for i in range(21)]
DISCLOSURE = "(Answered by Groundwork's built-in local extractive model"
TIMEOUT_S = 600
CONTENT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown", ".html": "text/html",
                 ".htm": "text/html", ".pdf": "application/pdf",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
TARGETS = {"hybrid_hit_at_5": 0.90, "unanswerable_abstained": 0.90, "answerable_wrongly_abstained": 0.05,
           "fact_in_answer": 0.80, "unrelated_sentence": 0.10}


class ContractError(SystemExit):
    """The service does not (yet) have a field of the contract this evaluation codes against."""


def fail(message):
    raise ContractError(f"eval: {message}")


class Client:
    def __init__(self, base):
        host = requests.utils.urlparse(base).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            fail(f"refusing non-loopback address {base}")
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(AUTH)

    def post(self, path, body=None, files=None):
        response = self.session.post(self.base + path, json=body if files is None else None, files=files, timeout=TIMEOUT_S)
        return response

    def post_json(self, path, body, what):
        response = self.post(path, body)
        if response.status_code == 422:
            problem = response.json()
            errors = problem.get("errors", {})
            for field in ("min_relevance",):
                if field in errors and field in body:
                    fail(f"{what}: the service rejects `{field}` ({errors[field][0]}); it predates that field of the contract")
            fail(f"{what}: 422 {json.dumps(problem)[:500]}")
        if response.status_code != 200:
            fail(f"{what}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()

    def get_json(self, path):
        response = self.session.get(self.base + path, timeout=TIMEOUT_S)
        if response.status_code != 200:
            fail(f"GET {path}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()


# ---------------------------------------------------------------------------------------------------- text helpers

def normalise(text):
    return " ".join(text.split()).casefold()


def locate(passage, text):
    """(start, end, how) of passage in text: exact, whitespace-insensitive, or (None, None, 'not located')."""
    at = text.find(passage)
    if at >= 0:
        return at, at + len(passage), "exact"
    positions = [i for i, c in enumerate(text) if not c.isspace()]
    compact = "".join(text[i] for i in positions)
    wanted = "".join(passage.split())
    if wanted:
        at = compact.find(wanted)
        if at >= 0:
            return positions[at], positions[at + len(wanted) - 1] + 1, "whitespace-insensitive"
    return None, None, "not located"


def read_jsonl(path, slice_n):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise SystemExit(f"eval: {path}:{number}: {error}")
    return rows[:slice_n] if slice_n else rows


# ---------------------------------------------------------------------------------------------------- ingestion

def corpus_files(corpus):
    corpus = Path(corpus)
    files = sorted(p for p in corpus.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(corpus).parts))
    if not files:
        raise SystemExit(f"eval: no files under {corpus}")
    return [(p.relative_to(corpus).as_posix(), p) for p in files]


def settle(client, document, timeout_s=1800):
    """The document once ready or failed (polls GET /documents/{id} while it is queued or processing)."""
    began = time.monotonic()
    while document["status"] in ("queued", "processing"):
        if time.monotonic() - began > timeout_s:
            fail(f"document {document['id']} ({document['title']}) still {document['status']} after {timeout_s} s")
        time.sleep(1)
        document = client.get_json(f"/documents/{document['id']}")
    return document


def ingest(client, corpus, batch_files, batch_bytes, log):
    """{relative path: document id}; POST /documents?wait=true in batches."""
    files = corpus_files(corpus)
    batches, current, size = [], [], 0
    for relative, path in files:
        length = path.stat().st_size
        if current and (len(current) >= batch_files or size + length > batch_bytes):
            batches.append(current)
            current, size = [], 0
        current.append((relative, path))
        size += length
    if current:
        batches.append(current)
    ids, failed, duplicates = {}, {}, 0
    began = time.monotonic()
    for number, batch in enumerate(batches, 1):
        parts = [("files", (Path(rel).name, path.read_bytes(), CONTENT_TYPES.get(path.suffix.lower(), "text/plain")))
                 for rel, path in batch]
        response = client.post("/documents?wait=true", files=parts)
        if response.status_code not in (200, 201, 202):
            fail(f"upload of batch {number} ({batch[0][0]} …): HTTP {response.status_code} {response.text[:500]}")
        documents = response.json()["documents"]
        if len(documents) != len(batch):
            fail(f"upload of batch {number}: {len(batch)} files sent, {len(documents)} documents answered")
        # 202: the service's wait (Ingestion:MaxWaitSeconds) ran out on a busy machine; follow each document.
        documents = [settle(client, d) for d in documents]
        for (relative, _), document in zip(batch, documents):
            if document.get("duplicate"):
                duplicates += 1
            if document["status"] != "ready":
                failed[relative] = f"{document['status']}: {document.get('error')}"
            else:
                ids[relative] = document["id"]
        log(f"batch {number}/{len(batches)}: {len(batch)} files, {time.monotonic() - began:.0f} s")
    return ids, failed, duplicates, time.monotonic() - began


# ---------------------------------------------------------------------------------------------------- evaluation

def search(client, query, mode, top_k, min_relevance=0.0):
    body = {"query": query, "top_k": top_k, "mode": mode, "min_relevance": min_relevance}
    results = client.post_json("/search", body, f"POST /search ({mode})")["results"]
    for result in results:
        for field in ("relevance", "heading_path"):
            if field not in result:
                fail(f"POST /search results have no `{field}` field; the service predates that field of the contract")
    return results


def is_hit(result, gold):
    if gold is None or result["document_id"] != gold["document_id"]:
        return False
    start, end = result["start_offset"], result["end_offset"]
    overlap = min(end, gold["end"]) - max(start, gold["start"])
    if overlap <= 0:
        return False
    return overlap * 2 >= gold["end"] - gold["start"] or gold["fact_norm"] in normalise(result["text"])


def brief(result):
    return {k: result.get(k) for k in ("document_id", "title", "heading_path", "start_offset", "end_offset", "score", "relevance")}


def split_sentences(answer):
    """[(quoted text, number)] of an answer like 'Sentence one. [1] Sentence two. [2]' (groups '[1, 2]' give each)."""
    out, position = [], 0
    for marker in re.finditer(r"\[(\d+(?:\s*,\s*\d+)*)\]", answer):
        sentence = answer[position:marker.start()].strip(" …\n")
        for number in marker.group(1).split(","):
            out.append((sentence, int(number)))
        position = marker.end()
    return out


def evaluate(client, corpus, answerable, unanswerable, ids, texts, log):
    by_id = {}
    located = {"exact": 0, "whitespace-insensitive": 0, "not located": 0}
    not_located, unknown_documents = [], []
    for q in answerable:
        document_id = ids.get(q["document"])
        if document_id is None:
            unknown_documents.append(q["id"])
            q["gold"] = None
            continue
        start, end, how = locate(q["passage"], texts[document_id])
        located[how] += 1
        if start is None:
            not_located.append({"id": q["id"], "document": q["document"], "passage": q["passage"][:200]})
            q["gold"] = None
        else:
            q["gold"] = {"document_id": document_id, "start": start, "end": end, "fact_norm": normalise(q["fact"])}
    if unknown_documents:
        fail(f"answerable questions name documents that are not in the corpus or failed to ingest: {unknown_documents[:10]}")
    gold_questions = [q for q in answerable if q["gold"]]

    # Retrieval per mode.
    retrieval, misses = {}, {}
    for mode in MODES:
        hits1 = hits5 = 0
        reciprocal = 0.0
        misses[mode] = []
        for q in gold_questions:
            results = search(client, q["question"], mode, 5)
            ranks = [i for i, r in enumerate(results) if is_hit(r, q["gold"])]
            if ranks:
                hits1 += ranks[0] == 0
                hits5 += 1
                reciprocal += 1 / (ranks[0] + 1)
            else:
                misses[mode].append({"id": q["id"], "question": q["question"], "document": q["document"],
                                     "gold": [q["gold"]["start"], q["gold"]["end"]], "top5": [brief(r) for r in results]})
        n = len(gold_questions) or 1
        retrieval[mode] = {"questions": len(gold_questions), "hit_at_1": hits1 / n, "hit_at_5": hits5 / n, "mrr_at_5": reciprocal / n}
        log(f"{mode}: hit@1 {hits1 / n:.3f} hit@5 {hits5 / n:.3f} MRR@5 {reciprocal / n:.3f}")

    # Abstention sweep on hybrid top relevance.
    top = {}
    for q in answerable + unanswerable:
        results = search(client, q["question"], "hybrid", 5)
        top[q["id"]] = results[0]["relevance"] if results else None
    groups = {"answerable": [q["id"] for q in answerable], "unanswerable": [q["id"] for q in unanswerable],
              "near_miss": [q["id"] for q in unanswerable if q.get("kind") == "near_miss"],
              "off_topic": [q["id"] for q in unanswerable if q.get("kind") == "off_topic"]}
    sweep = []
    for t in THRESHOLDS:
        row = {"threshold": t}
        for group, members in groups.items():
            abstained = sum(1 for i in members if top[i] is None or top[i] < t)
            row[group] = abstained / len(members) if members else None
        sweep.append(row)
    feasible = [r["threshold"] for r in sweep if r["unanswerable"] is not None and r["answerable"] is not None
                and r["unanswerable"] >= TARGETS["unanswerable_abstained"] and r["answerable"] <= TARGETS["answerable_wrongly_abstained"]]

    # /generate with the local model at the service's threshold.
    generate = {"answerable": 0, "answerable_abstained": 0, "grounded": 0, "fact_found": 0, "with_unrelated": 0,
                "unanswerable": 0, "unanswerable_abstained": 0,
                "near_miss": 0, "near_miss_abstained": 0, "off_topic": 0, "off_topic_abstained": 0}
    failures = {"wrong_abstentions": [], "fact_missing": [], "unrelated_sentences": [], "answered_unanswerable": []}
    for q in answerable + unanswerable:
        answer = client.post_json("/generate", {"text": q["question"], "model": "local"}, "POST /generate")
        if "grounded" not in answer:
            fail("POST /generate answers have no `grounded` field; the service predates that field of the contract")
        for source in answer["sources"]:
            for field in ("relevance", "heading_path"):
                if field not in source:
                    fail(f"POST /generate sources have no `{field}` field; the service predates that field of the contract")
        text = answer["text"]
        own = text.split(DISCLOSURE, 1)[0].strip()
        sources = [{k: s.get(k) for k in ("number", "document_id", "title", "heading_path", "start_offset", "end_offset",
                                           "relevance", "cited")} for s in answer["sources"]]
        if "fact" in q:
            generate["answerable"] += 1
            if not answer["grounded"]:
                generate["answerable_abstained"] += 1
                failures["wrong_abstentions"].append({"id": q["id"], "question": q["question"], "document": q["document"],
                                                      "top_relevance": top[q["id"]], "sources": sources})
                continue
            generate["grounded"] += 1
            found = q["gold"]["fact_norm"] if q["gold"] else normalise(q["fact"])
            if found in normalise(own):
                generate["fact_found"] += 1
            else:
                failures["fact_missing"].append({"id": q["id"], "question": q["question"], "fact": q["fact"],
                                                 "answer": own, "gold_retrieved_at_5": any(is_hit(s | {"text": texts[s["document_id"]][s["start_offset"]:s["end_offset"]]}, q["gold"]) for s in answer["sources"]) if q["gold"] else None})
            unrelated = []
            by_number = {s["number"]: s for s in answer["sources"]}
            for sentence, number in split_sentences(own):
                source = by_number.get(number)
                if source is None:
                    unrelated.append({"sentence": sentence, "number": number, "why": "no such source"})
                    continue
                chunk = texts[source["document_id"]][source["start_offset"]:source["end_offset"]]
                overlaps = bool(q["gold"]) and source["document_id"] == q["gold"]["document_id"] and \
                    min(source["end_offset"], q["gold"]["end"]) > max(source["start_offset"], q["gold"]["start"])
                if not overlaps and normalise(q["fact"]) not in normalise(chunk):
                    unrelated.append({"sentence": sentence, "number": number, "title": source["title"]})
            if unrelated:
                generate["with_unrelated"] += 1
                failures["unrelated_sentences"].append({"id": q["id"], "question": q["question"], "fact": q["fact"],
                                                        "unrelated": unrelated})
        else:
            kind = q.get("kind", "?")
            generate["unanswerable"] += 1
            generate[kind] = generate.get(kind, 0) + 1
            if not answer["grounded"]:
                generate["unanswerable_abstained"] += 1
                generate[kind + "_abstained"] = generate.get(kind + "_abstained", 0) + 1
            else:
                failures["answered_unanswerable"].append({"id": q["id"], "question": q["question"], "kind": kind,
                                                          "document": q.get("document"), "top_relevance": top[q["id"]],
                                                          "answer": own[:600]})
    log(f"generate: {generate}")

    def share(a, b):
        return generate[a] / generate[b] if generate.get(b) else None

    shares = {"unanswerable_abstained": share("unanswerable_abstained", "unanswerable"),
              "near_miss_abstained": share("near_miss_abstained", "near_miss"),
              "off_topic_abstained": share("off_topic_abstained", "off_topic"),
              "answerable_wrongly_abstained": share("answerable_abstained", "answerable"),
              "fact_in_grounded_answer": share("fact_found", "grounded"),
              "fact_in_answer_of_all_answerable": share("fact_found", "answerable"),
              "unrelated_sentence_in_grounded_answer": share("with_unrelated", "grounded")}
    targets = [
        {"target": "hybrid hit@5 ≥ 0.90", "value": retrieval["hybrid"]["hit_at_5"],
         "pass": retrieval["hybrid"]["hit_at_5"] >= TARGETS["hybrid_hit_at_5"]},
        {"target": "unanswerable abstained ≥ 0.90 while answerable wrongly abstained ≤ 0.05",
         "value": [shares["unanswerable_abstained"], shares["answerable_wrongly_abstained"]],
         "pass": (shares["unanswerable_abstained"] or 0) >= TARGETS["unanswerable_abstained"]
         and (shares["answerable_wrongly_abstained"] if shares["answerable_wrongly_abstained"] is not None else 1) <= TARGETS["answerable_wrongly_abstained"]},
        {"target": "local answers containing the expected fact ≥ 0.80 with unrelated sentences in ≤ 0.10",
         "value": [shares["fact_in_grounded_answer"], shares["unrelated_sentence_in_grounded_answer"]],
         "pass": (shares["fact_in_grounded_answer"] or 0) >= TARGETS["fact_in_answer"]
         and (shares["unrelated_sentence_in_grounded_answer"] if shares["unrelated_sentence_in_grounded_answer"] is not None else 1) <= TARGETS["unrelated_sentence"]},
    ]
    return {
        "questions": {"answerable": len(answerable), "unanswerable": len(unanswerable),
                      "near_miss": len(groups["near_miss"]), "off_topic": len(groups["off_topic"])},
        "gold_spans": located | {"not_located_questions": not_located},
        "retrieval": retrieval,
        "abstention_sweep": sweep,
        "thresholds_meeting_abstention_target": feasible,
        "generate": generate | {"shares": shares},
        "targets": targets,
        "failures": {"retrieval_misses_at_5": misses, **failures},
    }


def dump_features(client, questions, texts, path, log):
    """One JSON line per (question, top-10 hybrid result at min_relevance 0)."""
    rows = 0
    with open(path, "w", encoding="utf-8") as out:
        for q in questions:
            results = search(client, q["question"], "hybrid", 10)
            inputs = [q["question"]] + [r["text"] for r in results]
            vectors = [d["embedding"] for d in sorted(
                client.post_json("/embeddings", {"input": inputs}, "POST /embeddings")["data"], key=lambda d: d["index"])]
            for rank, (result, vector) in enumerate(zip(results, vectors[1:]), 1):
                cosine = sum(a * b for a, b in zip(vectors[0], vector))
                out.write(json.dumps({"id": q["id"], "question": q["question"], "answerable": "fact" in q,
                                      "kind": q.get("kind", "answerable"), "label": int("fact" in q and is_hit(result, q["gold"])),
                                      "relevance": result["relevance"], "score": result["score"], "rank": rank,
                                      "cosine": round(cosine, 6), "chunk_chars": len(result["text"]),
                                      "document_id": result["document_id"], "chunk_id": result["chunk_id"]}) + "\n")
                rows += 1
    log(f"features: {rows} rows for {len(questions)} questions in {path}")


def run(args):
    def log(message):
        print(f"[eval {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    client = Client(args.base)
    answerable = read_jsonl(args.answerable, args.slice)
    unanswerable = read_jsonl(args.unanswerable, args.slice)
    for q in answerable:
        missing = [k for k in ("id", "question", "document", "passage", "fact") if not q.get(k)]
        if missing:
            raise SystemExit(f"eval: {args.answerable}: question {q.get('id')} lacks {missing}")
    for q in unanswerable:
        if not q.get("id") or not q.get("question") or q.get("kind") not in ("near_miss", "off_topic"):
            raise SystemExit(f"eval: {args.unanswerable}: question {q.get('id')} lacks id, question or a kind near_miss/off_topic")
    log(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable questions; ingesting {args.corpus}")
    ids, failed, duplicates, ingest_s = ingest(client, args.corpus, args.batch_files, int(args.batch_mib * 1048576), log)
    if failed:
        log(f"{len(failed)} files failed to ingest: {dict(list(failed.items())[:5])}")
    texts = {}
    for document_id in set(ids.values()):
        document = client.get_json(f"/documents/{document_id}")
        if "text" not in document:
            fail("GET /documents/{id} has no `text` field")
        texts[document_id] = document["text"]
    stats = client.get_json("/documents/stats")
    # Answerable questions must name corpus files; a question whose document failed is an error, not a miss.
    missing = sorted({q["document"] for q in answerable if q["document"] not in ids})
    if missing:
        fail(f"answerable questions name documents not ingested (not in the corpus, or failed): {missing[:10]}")
    if args.dump_features:
        for q in answerable:
            start, end, _ = locate(q["passage"], texts[ids[q["document"]]])
            q["gold"] = None if start is None else {"document_id": ids[q["document"]], "start": start, "end": end,
                                                    "fact_norm": normalise(q["fact"])}
        dump_features(client, answerable + unanswerable, texts, args.dump_features, log)
        return
    began = time.monotonic()
    figures = evaluate(client, args.corpus, answerable, unanswerable, ids, texts, log)
    meta = json.loads(Path(args.meta).read_text()) if args.meta else {}
    meta |= {"corpus_files": len(ids) + len(failed), "ingest_failed": failed, "duplicates": duplicates,
             "ingest_s": round(ingest_s, 1), "evaluate_s": round(time.monotonic() - began, 1),
             "chunks": stats.get("chunks"), "slice": args.slice}
    result = {"meta": meta} | figures
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    print(summary(result))


# ---------------------------------------------------------------------------------------------------- reports

def pct(value):
    return "–" if value is None else f"{value * 100:.1f} %"


def markdown(r):
    m, g, s = r["meta"], r["generate"], r["generate"]["shares"]
    q, spans = r["questions"], r["gold_spans"]
    out = [f"Measured {m.get('date', '?')} at commit `{m.get('commit', '?')}` by `bench/eval.sh`"
           + (f" (first {m['slice']} questions of each file only)" if m.get("slice") else "") + ": "
           f"{m.get('corpus_files')} corpus files ({m.get('chunks')} chunks, ingested in {m.get('ingest_s')} s) on "
           f"{m.get('target', 'a fresh service with the embedded defaults')}"
           + (f", service environment `{' '.join(m['service_env'])}`" if m.get("service_env") else "") + "; "
           f"{q['answerable']} answerable questions and {q['unanswerable']} unanswerable ones "
           f"({q['near_miss']} near misses, {q['off_topic']} off-topic). Gold spans: {spans['exact']} found verbatim, "
           f"{spans['whitespace-insensitive']} only whitespace-insensitively, {spans['not located']} not located "
           "(left out of the retrieval figures).", "",
           "| Target (issue) | Measured | |", "|---|---|---|"]
    for t in r["targets"]:
        value = " / ".join(pct(v) for v in t["value"]) if isinstance(t["value"], list) else pct(t["value"])
        out.append(f"| {t['target']} | {value} | {'pass' if t['pass'] else '**fail**'} |")
    out += ["", "Retrieval (`POST /search`, top 5, `min_relevance: 0`; a hit overlaps the gold passage and covers half of "
            "it or contains the fact):", "", "| Mode | hit@1 | hit@5 | MRR@5 |", "|---|---|---|---|"]
    for mode in MODES:
        x = r["retrieval"][mode]
        out.append(f"| {mode} | {x['hit_at_1']:.3f} | {x['hit_at_5']:.3f} | {x['mrr_at_5']:.3f} |")
    out += ["", f"`POST /generate` with `model: local` at the service's threshold: unanswerable abstained "
            f"{pct(s['unanswerable_abstained'])} ({g['unanswerable_abstained']} of {g['unanswerable']}; near misses "
            f"{pct(s['near_miss_abstained'])}, off-topic {pct(s['off_topic_abstained'])}); answerable wrongly abstained "
            f"{pct(s['answerable_wrongly_abstained'])} ({g['answerable_abstained']} of {g['answerable']}); of the "
            f"{g['grounded']} grounded answers, {pct(s['fact_in_grounded_answer'])} contain the fact and "
            f"{pct(s['unrelated_sentence_in_grounded_answer'])} quote a sentence from a passage that neither overlaps "
            f"the gold span nor contains the fact.", "",
            "Abstention sweep (hybrid top result's `relevance`, abstain below the threshold): share abstained", "",
            "| Threshold | Unanswerable | Near miss | Off-topic | Answerable (wrong) |", "|---|---|---|---|---|"]
    for row in r["abstention_sweep"]:
        out.append(f"| {row['threshold']:.2f} | {pct(row['unanswerable'])} | {pct(row['near_miss'])} | "
                   f"{pct(row['off_topic'])} | {pct(row['answerable'])} |")
    feasible = r["thresholds_meeting_abstention_target"]
    out += ["", "Thresholds meeting the abstention target in the sweep: "
            + (", ".join(f"{t:.2f}" for t in feasible) if feasible else "none") + "."]
    return "\n".join(out) + "\n"


def summary(r):
    lines = [f"{mode}: hit@1 {x['hit_at_1']:.3f}, hit@5 {x['hit_at_5']:.3f}, MRR@5 {x['mrr_at_5']:.3f}"
             for mode, x in r["retrieval"].items()]
    s = r["generate"]["shares"]
    lines.append(f"generate: unanswerable abstained {pct(s['unanswerable_abstained'])}, answerable wrongly abstained "
                 f"{pct(s['answerable_wrongly_abstained'])}, fact in grounded answers {pct(s['fact_in_grounded_answer'])}, "
                 f"unrelated sentence {pct(s['unrelated_sentence_in_grounded_answer'])}")
    lines += [f"{'PASS' if t['pass'] else 'FAIL'}  {t['target']}" for t in r["targets"]]
    return "\n".join(lines)


def docs(result, benchmarks):
    result, benchmarks = Path(result), Path(benchmarks)
    body = markdown(json.loads(result.read_text()))
    body += f"\nFull figures and the failing questions: `bench/results/{result.name}`.\n"
    text = benchmarks.read_text() if benchmarks.exists() else "# Benchmarks\n"
    section = f"{START_MARK}\n{body}{END_MARK}"
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        text = before + section + rest.split(END_MARK, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{section}\n"
    benchmarks.write_text(text)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "docs":
        docs(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run"])
    parser.add_argument("base")
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--answerable", required=True)
    parser.add_argument("--unanswerable", required=True)
    parser.add_argument("--meta")
    parser.add_argument("--out")
    parser.add_argument("--slice", type=int, default=0)
    parser.add_argument("--dump-features")
    parser.add_argument("--batch-files", type=int, default=10)
    parser.add_argument("--batch-mib", type=float, default=8)
    args = parser.parse_args()
    if not args.dump_features and not args.out:
        parser.error("--out is needed (or --dump-features)")
    run(args)


if __name__ == "__main__":
    main()
