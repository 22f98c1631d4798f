"""Memory samples and figures for bench/soak.sh (standard library; matplotlib for the chart when installed).

  sample PID OUT INTERVAL_S
      every interval append "unix_time vm_rss_kib rss_anon_kib rss_file_kib threads gc_range_kib" (/proc/PID/status;
      the last is the resident part of the GC's reserved range, from /proc/PID/smaps) to OUT, until PID is gone.
  report --work DIR --out PREFIX
      read DIR/rss.tsv, DIR/phases.json, DIR/meta.json, DIR/ingest.json; write PREFIX.csv (one row per sample),
      PREFIX.json (the figures), PREFIX.md (the section for docs/benchmarks.md) and PREFIX.png; print the summary.
  docs RESULT.json BENCHMARKS.md
      write the "## Memory soak" section of BENCHMARKS.md from a result (replacing the marked section, or appending
      it), and copy the chart beside it to docs/images/memory-soak.png.

Figures: the warm-up ends warmup_s after traffic begins. The steady state is the median RSS of the mixed-traffic
samples after warm-up and before the first burst. "Flat" is the largest deviation from it of the mixed-traffic
samples after warm-up (burst and idle windows excluded, the time after each idle period included), as a percentage.
For each burst: the peak (burst and idle window), RSS when it ended, 60 s after it ended (the first sample at or
after +60 s) and at the end of its idle period, each against the steady state. Requirement: flat within 10 % and
back within 20 % at +60 s.
"""
import json
import os
import shutil
import signal
import statistics
import sys
import time
from pathlib import Path

START_MARK = "<!-- bench:soak:start -->"
END_MARK = "<!-- bench:soak:end -->"
HEADING = "## Memory soak (bench/soak.sh)"
FLAT_LIMIT = 10.0
RETURN_LIMIT = 20.0
RETURN_AFTER_S = 60.0


def sample(pid, out, interval):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    keys = ("VmRSS", "RssAnon", "RssFile", "Threads")
    with open(out, "a", buffering=1) as f:
        while True:
            values = {}
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        key, _, rest = line.partition(":")
                        if key in keys:
                            values[key] = int(rest.split()[0])
            except OSError:
                return
            values["GcRange"] = gc_range_kib(pid)
            f.write(f"{time.time():.3f} " + " ".join(str(values.get(k, 0)) for k in keys + ("GcRange",)) + "\n")
            time.sleep(interval)


def gc_range_kib(pid):
    """Resident KiB of the GC's reserved range, approximately the managed heap's resident memory. The .NET GC reserves
    its regions range (256 GiB by default) as one anonymous mapping and commits parts of it, which splits it into
    adjacent anonymous mappings; this sums the Rss of every run of adjacent anonymous mappings spanning 16 GiB or more.
    ONNX Runtime, SQLite and malloc arenas live elsewhere."""
    runs, current = [], None  # each run: [begin, end, rss_kib]
    try:
        with open(f"/proc/{pid}/smaps") as smaps:
            anonymous = False
            for line in smaps:
                first = line.split(maxsplit=5)
                if "-" in first[0] and not first[0].endswith(":") and len(first) >= 5:
                    begin, end = (int(x, 16) for x in first[0].split("-"))
                    anonymous = len(first) == 5 or not first[5].strip()
                    if anonymous and current is not None and current[1] == begin:
                        current[1] = end
                    elif anonymous:
                        current = [begin, end, 0]
                        runs.append(current)
                    else:
                        current = None
                elif anonymous and current is not None and first[0] == "Rss:":
                    current[2] += int(first[1])
    except OSError:
        return 0
    return sum(rss for begin, end, rss in runs if end - begin >= 16 << 30)


def mib(kib):
    return kib / 1024


def pct(value, base):
    return 100.0 * (value - base) / base


def windows(phases):
    """(name, begin, end) for every phase with both edges, plus the warm-up end and the traffic window."""
    edges = {}
    for p in phases:
        edges.setdefault(p["phase"], {})[p["edge"]] = p["time"]
    return edges


def report(work, prefix):
    work, prefix = Path(work), Path(prefix)
    meta = json.loads((work / "meta.json").read_text())
    traffic = json.loads((work / "phases.json").read_text())
    ingest = json.loads((work / "ingest.json").read_text()) if (work / "ingest.json").exists() else {}
    edges = windows(traffic["phases"])
    t0 = edges["traffic"]["begin"]
    t_end = edges["traffic"].get("end", float("inf"))
    warmup_end = edges["warmup"]["end"]
    bursts = sorted((int(n[5:]), e) for n, e in edges.items() if n.startswith("burst") and "end" in e)
    idles = {int(n[4:]): e for n, e in edges.items() if n.startswith("idle")}

    samples = []
    for line in (work / "rss.tsv").read_text().split("\n"):
        if line.strip():
            t, rss, anon, file_, threads, *gc = line.split()
            samples.append({"t": float(t), "rss": int(rss), "anon": int(anon), "file": int(file_), "threads": int(threads),
                            "gc": int(gc[0]) if gc else 0})

    def phase_of(t):
        if t < t0:
            return "start+ingest"
        if t > t_end:
            return "after"
        for number, e in bursts:
            if e["begin"] <= t <= e["end"]:
                return f"burst{number}"
            idle = idles.get(number, {})
            if idle.get("begin", float("inf")) <= t <= idle.get("end", -1):
                return f"idle{number}"
        return "warmup" if t < warmup_end else "mixed"

    for s in samples:
        s["phase"] = phase_of(s["t"])
        s["elapsed"] = s["t"] - t0

    first_burst = bursts[0][1]["begin"] if bursts else float("inf")
    mixed = [s for s in samples if s["phase"] == "mixed"]
    steady_samples = [s for s in mixed if s["t"] < first_burst] or mixed
    if not steady_samples:
        raise SystemExit("soak_report: no mixed-traffic samples after the warm-up; run longer or sample more often")
    steady = statistics.median(s["rss"] for s in steady_samples)
    deviations = [pct(s["rss"], steady) for s in mixed]
    after_warmup = [s for s in samples if s["t"] >= warmup_end and s["t"] <= t_end]
    figures = {
        "meta": meta,
        "ingest": ingest,
        "requests": traffic.get("counts", {}),
        "latency": traffic.get("latency", {}),
        "errors": traffic.get("errors", []),
        "samples": len(samples),
        "rss_before_traffic_mib": round(mib(max((s["rss"] for s in samples if s["t"] < t0), default=0)), 1),
        "warmup_s": round(warmup_end - t0, 1),
        "steady_state_rss_mib": round(mib(steady), 1),
        "steady_state_samples": len(steady_samples),
        "steady_state_window_s": [round(steady_samples[0]["elapsed"], 1), round(steady_samples[-1]["elapsed"], 1)],
        "mixed_after_warmup_max_deviation_pct": round(max(deviations, key=abs), 1) if deviations else None,
        "mixed_after_warmup_min_mib": round(mib(min(s["rss"] for s in mixed)), 1) if mixed else None,
        "mixed_after_warmup_max_mib": round(mib(max(s["rss"] for s in mixed)), 1) if mixed else None,
        "peak_rss_mib": round(mib(max(s["rss"] for s in after_warmup)), 1) if after_warmup else None,
        "final_rss_mib": round(mib(samples[-1]["rss"]), 1),
        "bursts": [],
    }
    for number, e in bursts:
        idle = idles.get(number, {})
        window = [s for s in samples if e["begin"] <= s["t"] <= idle.get("end", e["end"])]
        at_end = min(samples, key=lambda s: abs(s["t"] - e["end"]))
        later = [s for s in samples if s["t"] >= e["end"] + RETURN_AFTER_S]
        at_60 = later[0] if later else None
        idle_end = max((s for s in samples if s["t"] <= idle.get("end", e["end"])), key=lambda s: s["t"])
        peak = max(window, key=lambda s: s["rss"]) if window else at_end
        back_in_idle = at_60 is not None and at_60["t"] <= idle.get("end", 0) + 0.5
        figures["bursts"].append({
            "burst": number,
            "began_s": round(e["begin"] - t0, 1), "seconds": round(e["end"] - e["begin"], 1),
            "idle_s": round(idle.get("end", e["end"]) - e["end"], 1),
            "peak_rss_mib": round(mib(peak["rss"]), 1), "peak_pct": round(pct(peak["rss"], steady), 1),
            "end_rss_mib": round(mib(at_end["rss"]), 1), "end_pct": round(pct(at_end["rss"], steady), 1),
            "rss_60s_after_mib": round(mib(at_60["rss"]), 1) if at_60 else None,
            "rss_60s_after_pct": round(pct(at_60["rss"], steady), 1) if at_60 else None,
            "rss_60s_after_sampled_at_s": round(at_60["t"] - e["end"], 1) if at_60 else None,
            "rss_60s_after_while_idle": back_in_idle,
            "idle_end_rss_mib": round(mib(idle_end["rss"]), 1), "idle_end_pct": round(pct(idle_end["rss"], steady), 1),
        })
    flat = figures["mixed_after_warmup_max_deviation_pct"]
    figures["flat_ok"] = flat is not None and abs(flat) <= FLAT_LIMIT
    figures["returns_ok"] = all(b["rss_60s_after_pct"] is not None and b["rss_60s_after_pct"] <= RETURN_LIMIT
                                for b in figures["bursts"]) if figures["bursts"] else None

    # Per minute of traffic: the median and max RSS and the phases seen.
    minutes = {}
    for s in samples:
        if s["elapsed"] >= 0 and s["t"] <= t_end:
            minutes.setdefault(int(s["elapsed"] // 60), []).append(s)
    figures["per_minute"] = [{"minute": m, "median_mib": round(mib(statistics.median(x["rss"] for x in group)), 1),
                              "max_mib": round(mib(max(x["rss"] for x in group)), 1),
                              "phases": sorted({x["phase"] for x in group}, key=lambda p: [x["phase"] for x in group].index(p))}
                             for m, group in sorted(minutes.items())]

    prefix.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{prefix}.csv", "w") as f:
        f.write("elapsed_s,unix_time,phase,rss_mib,rss_anon_mib,rss_file_mib,gc_range_rss_mib,threads\n")
        for s in samples:
            f.write(f"{s['elapsed']:.1f},{s['t']:.3f},{s['phase']},{mib(s['rss']):.1f},{mib(s['anon']):.1f},"
                    f"{mib(s['file']):.1f},{mib(s['gc']):.1f},{s['threads']}\n")
    chart = draw(samples, figures, edges, t0, Path(f"{prefix}.png"))
    figures["chart"] = chart.name if chart else None
    Path(f"{prefix}.json").write_text(json.dumps(figures, indent=1) + "\n")
    Path(f"{prefix}.md").write_text(markdown(figures, f"{prefix.name}.csv", chart.name if chart else None))
    print(summary(figures))


def draw(samples, figures, edges, t0, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("soak_report: matplotlib is not installed (bench/install-deps.sh installs it); no chart", file=sys.stderr)
        return None
    steady = figures["steady_state_rss_mib"]
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
    scale, unit = (60.0, "minutes") if samples[-1]["elapsed"] > 600 else (1.0, "seconds")
    xs = [s["elapsed"] / scale for s in samples]
    ax.plot(xs, [mib(s["rss"]) for s in samples], color="C0", linewidth=1.4, label="RSS (VmRSS)")
    ax.plot(xs, [mib(s["anon"]) for s in samples], color="C0", linewidth=0.8, alpha=0.5, linestyle=":",
            label="anonymous part (RssAnon)")
    ax.plot(xs, [mib(s["gc"]) for s in samples], color="C4", linewidth=0.9, label="managed heap (GC range RSS)")
    ax.axvline(figures["warmup_s"] / scale, color="grey", linestyle="--", linewidth=0.8)
    ax.annotate("warm-up end", (figures["warmup_s"] / scale, steady * 0.5), rotation=90, fontsize=7, ha="right")
    for name, e in edges.items():
        if name.startswith("burst") and "end" in e:
            ax.axvspan((e["begin"] - t0) / scale, (e["end"] - t0) / scale, color="C3", alpha=0.2,
                       label="burst" if name == "burst1" else None)
        if name.startswith("idle") and "end" in e:
            ax.axvspan((e["begin"] - t0) / scale, (e["end"] - t0) / scale, color="grey", alpha=0.15,
                       label="idle" if name == "idle1" else None)
    ax.axhline(steady, color="C2", linewidth=1, label=f"steady state {steady:,.0f} MiB")
    ax.axhspan(steady * 0.9, steady * 1.1, color="C2", alpha=0.08, label="±10 %")
    ax.axhline(steady * 1.2, color="C1", linewidth=1, linestyle="--", label="+20 %")
    ax.set_xlabel(f"{unit} since traffic began (negative: start-up and corpus ingestion)")
    ax.set_ylabel("MiB")
    ax.set_ylim(0, max(mib(s["rss"]) for s in samples) * 1.1)
    meta = figures["meta"]
    smoke = " (smoke run)" if meta.get("smoke") else ""
    label = f", {meta['label']}" if meta.get("label") else ""
    ax.set_title(f"Groundwork RSS under mixed traffic with bursts{smoke}{label}\n{meta['cores']} cores, "
                 f"{meta['dotnet']}, commit {meta['commit']}, {meta['date']}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right", ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def verdict(ok):
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def markdown(f, csv_name, chart_name):
    m, s = f["meta"], f["meta"]["settings"]
    requests = sum(f["requests"].values())
    failed = sum(n for k, n in f["requests"].items() if not k.split()[-1].isdigit() or int(k.split()[-1]) >= 400)
    env = f" Service environment: `{' '.join(m['service_env'])}`." if m.get("service_env") else ""
    out = [
        f"{'Smoke run' if m.get('smoke') else 'Run'} of {m['date']}, commit {m['commit']}, {m['cores']} cores "
        f"({m['cpu']}), {m['memory_gib']} GiB, {m['dotnet']}, load average {m['load_average_before']} before."
        f"{(' ' + m['label'] + '.') if m.get('label') else ''}{env}",
        "",
        f"Groundwork with its embedded defaults (local all-MiniLM-L6-v2 embeddings, the `local` model) on a fresh data "
        f"folder; corpus: {f['ingest'].get('documents', '?')} documents, {f['ingest'].get('chunks', '?')} chunks. "
        f"{s['minutes']:g} min of mixed traffic on {s['connections']} connections (`/generate`, `/search` in the three "
        f"modes with and without filters, `/embeddings` single and batched, JSON and multipart uploads, deletes, "
        f"`GET /documents`); a burst every {s['burst_every_s']:g} s ({s['burst_connections']} connections for "
        f"{s['burst_s']:g} s: `/embeddings` at the request budget (32 texts of 256 tokens, or 256-1,024 short ones) and two {s['big_upload_mib']:g} MiB uploads, deleted "
        f"after), then {s['idle_s']:g} s without requests. RSS (VmRSS) every {s['interval_s']:g} s: `{csv_name}`. "
        f"{requests:,} requests, {failed:,} failed.",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| RSS after start-up and corpus ingestion | {f['rss_before_traffic_mib']:,.0f} MiB |",
        f"| Warm-up (excluded) | {f['warmup_s']:,.0f} s |",
        f"| Steady state: median RSS, mixed traffic from warm-up end to the first burst "
        f"({f['steady_state_samples']} samples) | {f['steady_state_rss_mib']:,.0f} MiB |",
        f"| Mixed traffic after warm-up: min - max RSS | {f['mixed_after_warmup_min_mib']:,.0f} - "
        f"{f['mixed_after_warmup_max_mib']:,.0f} MiB |",
        f"| Largest deviation from steady state (mixed traffic after warm-up, bursts and idle excluded) | "
        f"{f['mixed_after_warmup_max_deviation_pct']:+.1f} % |",
        f"| Flat within {FLAT_LIMIT:.0f} % after warm-up | {verdict(f['flat_ok'])} |",
        f"| Peak RSS (bursts included) | {f['peak_rss_mib']:,.0f} MiB |",
        f"| RSS at the end | {f['final_rss_mib']:,.0f} MiB |",
        f"| Back within {RETURN_LIMIT:.0f} % of steady state 60 s after every burst | {verdict(f['returns_ok'])} |",
        "",
    ]
    if f["bursts"]:
        out += ["| Burst | Began at | Lasted | Peak | At its end | 60 s after | End of idle |", "|---|---|---|---|---|---|---|"]
        for b in f["bursts"]:
            after = (f"{b['rss_60s_after_mib']:,.0f} MiB ({b['rss_60s_after_pct']:+.0f} %)"
                     if b["rss_60s_after_mib"] is not None else "-")
            out.append(f"| {b['burst']} | {b['began_s']:,.0f} s | {b['seconds']:,.0f} s | {b['peak_rss_mib']:,.0f} MiB "
                       f"({b['peak_pct']:+.0f} %) | {b['end_rss_mib']:,.0f} MiB ({b['end_pct']:+.0f} %) | {after} | "
                       f"{b['idle_end_rss_mib']:,.0f} MiB ({b['idle_end_pct']:+.0f} %) after {b['idle_s']:,.0f} s |")
        out.append("")
    if chart_name:
        out += [f"![RSS during the soak](images/memory-soak.png)" if not m.get("smoke") else f"Chart: `{chart_name}`", ""]
    out += ["RSS per minute of traffic (median / max, MiB):", "", "| Minute | Median | Max | Phases |", "|---|---|---|---|"]
    for row in f["per_minute"]:
        out.append(f"| {row['minute']} | {row['median_mib']:,.0f} | {row['max_mib']:,.0f} | {', '.join(row['phases'])} |")
    return "\n".join(out) + "\n"


def summary(f):
    lines = [f"steady state {f['steady_state_rss_mib']:,.0f} MiB (median of {f['steady_state_samples']} samples after "
             f"{f['warmup_s']:.0f} s warm-up); mixed traffic after warm-up {f['mixed_after_warmup_min_mib']:,.0f}-"
             f"{f['mixed_after_warmup_max_mib']:,.0f} MiB, largest deviation {f['mixed_after_warmup_max_deviation_pct']:+.1f} % "
             f"(flat within {FLAT_LIMIT:.0f} %: {verdict(f['flat_ok']).strip('*')})"]
    for b in f["bursts"]:
        after = f"{b['rss_60s_after_mib']:,.0f} MiB ({b['rss_60s_after_pct']:+.0f} %)" if b["rss_60s_after_mib"] else "not sampled"
        lines.append(f"burst {b['burst']} at {b['began_s']:.0f} s for {b['seconds']:.0f} s: peak {b['peak_rss_mib']:,.0f} MiB "
                     f"({b['peak_pct']:+.0f} %), at its end {b['end_rss_mib']:,.0f} MiB, 60 s after {after}, "
                     f"end of idle {b['idle_end_rss_mib']:,.0f} MiB ({b['idle_end_pct']:+.0f} %)")
    lines.append(f"back within {RETURN_LIMIT:.0f} % 60 s after every burst: {verdict(f['returns_ok']).strip('*')}; "
                 f"final RSS {f['final_rss_mib']:,.0f} MiB")
    requests = f["requests"]
    lines.append("requests: " + ", ".join(f"{k} {n}" for k, n in requests.items()))
    if f["errors"]:
        lines.append(f"first errors: {f['errors'][:3]}")
    return "\n".join(lines)


def docs(result, benchmarks):
    result, benchmarks = Path(result), Path(benchmarks)
    figures = json.loads(result.read_text())
    body = markdown(figures, result.with_suffix(".csv").name, figures.get("chart"))
    # A smoke run's chart stays beside its results (the docs keep the full run's chart).
    if figures.get("chart") and (result.parent / figures["chart"]).exists() and not figures["meta"].get("smoke"):
        images = benchmarks.parent / "images"
        images.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.parent / figures["chart"], images / "memory-soak.png")
    if not figures["meta"].get("smoke"):
        body = body.replace(f"Chart: `{figures.get('chart')}`", "![RSS during the soak](images/memory-soak.png)")
    text = benchmarks.read_text() if benchmarks.exists() else "# Benchmarks\n"
    section = f"{START_MARK}\n{body}{END_MARK}"
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        text = before + section + rest.split(END_MARK, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{section}\n"
    benchmarks.write_text(text)


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "sample" and len(sys.argv) == 5:
        sample(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
    elif command == "report" and len(sys.argv) == 6 and sys.argv[2] == "--work" and sys.argv[4] == "--out":
        report(sys.argv[3], sys.argv[5])
    elif command == "docs" and len(sys.argv) == 4:
        docs(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
