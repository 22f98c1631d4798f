"""Results of bench/run.sh: assembles the JSON from a run's work folder, renders the Markdown table and the chart.

assemble WORK_DIR OUT_JSON      builds the results JSON from what run.sh left in WORK_DIR (see run.sh)
render JSON MARKDOWN CHART      writes the table between the bench:generate markers in MARKDOWN (adding the section
                                at the end when the markers are missing) and the throughput chart to CHART (PNG)
summary JSON                    prints a plain-text table of the results
"""
import json
import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

START_MARKER = "<!-- bench:generate:start -->"
END_MARKER = "<!-- bench:generate:end -->"
MEMORY_METHOD = (
    "Peak of the process tree's summed VmRSS (and summed PSS from smaps_rollup), sampled every 200 ms during each "
    "measurement; the tree is the system's first process and every descendant (master and workers). Summed RSS "
    "counts pages shared between processes once per process; PSS divides them among the sharers. "
    "memory_hwm_sum_mib is the sum of each process's VmHWM (own peak RSS) at the end of the system's run, "
    "loading and warm-up included.")
TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}
SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


def read_keyvalues(path: Path) -> dict[str, str]:
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    return values


def milliseconds(value: str, unit: str) -> float:
    return round(float(value) * TIME_UNITS[unit], 3)


def parse_wrk(text: str) -> dict:
    """The numbers of one `wrk --latency` run; absent lines (no socket errors, no non-2xx) count as zero."""
    result: dict = {}
    match = re.search(r"Requests/sec:\s+([\d.]+)", text)
    result["requests_per_sec"] = float(match.group(1)) if match else 0.0
    latency = {}
    match = re.search(r"^\s+Latency\s+([\d.]+)(us|ms|s|m|h)\s+([\d.]+)(us|ms|s|m|h)\s+([\d.]+)(us|ms|s|m|h)", text, re.M)
    if match:
        latency["avg"] = milliseconds(match.group(1), match.group(2))
        latency["stdev"] = milliseconds(match.group(3), match.group(4))
        latency["max"] = milliseconds(match.group(5), match.group(6))
    for percentile, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M):
        latency[f"p{percentile}"] = milliseconds(value, unit)
    result["latency_ms"] = latency
    match = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)(B|KB|MB|GB|TB) read", text)
    if match:
        result["requests"] = int(match.group(1))
        result["duration_s"] = round(milliseconds(match.group(2), match.group(3)) / 1000, 3)
        result["bytes_read"] = int(float(match.group(4)) * SIZE_UNITS[match.group(5)])
        result["bytes_per_response"] = round(result["bytes_read"] / result["requests"]) if result["requests"] else 0
    else:
        result.update(requests=0, duration_s=0.0, bytes_read=0, bytes_per_response=0)
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non_2xx": 0}
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if match:
        errors.update(connect=int(match.group(1)), read=int(match.group(2)), write=int(match.group(3)),
                      timeout=int(match.group(4)))
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if match:
        errors["non_2xx"] = int(match.group(1))
    errors["total_excluding_timeouts"] = errors["connect"] + errors["read"] + errors["write"] + errors["non_2xx"]
    result["errors"] = errors
    return result


def memory_peaks(samples_path: Path, start: float, end: float) -> dict:
    rss = pss = processes = 0
    if samples_path.exists():
        for line in samples_path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 4 and start <= float(parts[0]) <= end:
                rss, pss, processes = max(rss, int(parts[1])), max(pss, int(parts[2])), max(processes, int(parts[3]))
    return {"rss_peak_mib": round(rss / 1024, 1), "pss_peak_mib": round(pss / 1024, 1), "processes": processes}


def command_output(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(settings: dict[str, str]) -> dict:
    cpu_model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    os_name = ""
    if Path("/etc/os-release").exists():
        os_name = read_keyvalues(Path("/etc/os-release")).get("PRETTY_NAME", "").strip('"')
    return {
        "nproc": int(command_output("nproc") or os.cpu_count() or 0),
        "cpu_model": cpu_model,
        "memory_gib": round(memory_kib / 1024 ** 2, 1),
        "os": os_name,
        "kernel": platform.release(),
        "load_average_start": [float(x) for x in settings.get("loadavg_start", "").split()[:3]],
        "load_average_end": [float(x) for x in settings.get("loadavg_end", "").split()[:3]],
    }


def software() -> dict:
    versions = {"python": platform.python_version()}
    for package in ["fastapi", "pydantic", "uvicorn", "uvloop", "httptools", "httpx", "flask", "gunicorn", "requests",
                    "numpy"]:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    runtimes = re.findall(r"Microsoft\.AspNetCore\.App (\S+)", command_output("dotnet", "--list-runtimes"))
    versions["aspnetcore_runtime"] = runtimes[-1] if runtimes else None
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    versions["wrk"] = wrk[0].strip() if wrk else None
    return versions


def git(repo: Path) -> dict:
    return {
        "commit": command_output("git", "-C", str(repo), "rev-parse", "HEAD"),
        "branch": command_output("git", "-C", str(repo), "rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(command_output("git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no")),
    }


def assemble(work: Path, out: Path) -> None:
    settings = read_keyvalues(work / "settings")
    connections = [int(c) for c in settings["connections"].split(",")]
    upstream_seconds = (int(settings["chat_latency_ms"]) + int(settings["embedding_latency_ms"])) / 1000
    ideal = {str(c): round(c / upstream_seconds, 1) for c in connections}
    systems = {}
    for name in settings["systems"].split(","):
        folder = work / name
        info = read_keyvalues(folder / "info")
        phases, cpu = {}, {}
        for line in (folder / "phases").read_text().splitlines() if (folder / "phases").exists() else []:
            phase, start, end, *cpu_microseconds = line.split()
            phases[phase] = (float(start), float(end))
            if len(cpu_microseconds) == 2:
                cpu[phase] = int(cpu_microseconds[1]) - int(cpu_microseconds[0])
        results = {}
        for c in connections:
            wrk_path = folder / f"wrk-{c}.txt"
            if not wrk_path.exists():
                continue
            text = wrk_path.read_text()
            result = {"connections": c, **parse_wrk(text)}
            result["ideal_requests_per_sec"] = ideal[str(c)]
            result["fraction_of_ideal"] = round(result["requests_per_sec"] / ideal[str(c)], 3)
            # CPU time of the system's whole process tree during the measurement, per answered request.
            result["cpu_us_per_request"] = (round(cpu[str(c)] / result["requests"]) if str(c) in cpu and result["requests"]
                                            else None)
            result.update(memory_peaks(folder / "rss.tsv", *phases.get(str(c), (0, 0))))
            result["wrk_output"] = text
            results[str(c)] = result
        system = {
            "label": info.get("label", name),
            "command": info.get("command", ""),
            "environment": info.get("environment", ""),
            "startup_seconds": float(info["startup_seconds"]) if info.get("startup_seconds") else None,
            "check_response_bytes": int(info["check_bytes"]) if info.get("check_bytes") else None,
            "memory_hwm_sum_mib": round(int(info.get("hwm_kib", "0")) / 1024, 1),
            "memory_hwm_processes": int(info.get("hwm_processes", "0")),
        }
        if info.get("load_json"):
            system["documents_loaded"] = json.loads(info["load_json"])
        if info.get("ready_json"):
            system["ready_after_restart"] = json.loads(info["ready_json"])
        rounds = sorted(folder.glob("wrk-warmup-*.txt"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
        system["warmup_rounds"] = [{k: v for k, v in parse_wrk(path.read_text()).items()
                                    if k in ("requests_per_sec", "requests", "duration_s", "errors")} for path in rounds]
        system["results"] = results
        systems[name] = system

    request_body = json.loads(Path(settings["request_body_file"]).read_text())
    document = {
        "benchmark": "generate",
        "schema_version": 2,
        "smoke": settings.get("smoke") == "1",
        "started_at": settings.get("started_at"),
        "wall_seconds": float(settings["wall_seconds"]) if settings.get("wall_seconds") else None,
        "git": git(Path(settings["repo"])),
        "machine": machine(settings),
        "software": software(),
        "settings": {
            "duration_s": int(settings["duration"]),
            "warmup_s": int(settings["warmup"]),
            "warmup_round_s": 5,
            "connections": connections,
            "chat_latency_ms": int(settings["chat_latency_ms"]),
            "embedding_latency_ms": int(settings["embedding_latency_ms"]),
            "groundwork_chunks_target": int(settings["chunks"]),
            "wrk": f"wrk -t{settings['wrk_threads']} -c<connections> -d{settings['duration']}s --latency "
                   f"--timeout {settings['wrk_timeout']}s -s bench/post.lua",
            "fake_upstream_command": settings.get("fake_command", ""),
        },
        "request": {"method": "POST", "path": "/generate", "body": request_body},
        "ideal": {"formula": "connections / ((chat_latency_ms + embedding_latency_ms) / 1000)",
                  "requests_per_sec": ideal},
        "memory_method": MEMORY_METHOD,
        "systems": systems,
    }
    out.write_text(json.dumps(document, indent=2) + "\n")


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def table_rows(results: dict) -> list[list[str]]:
    rows = []
    upstream_ms = results["settings"]["chat_latency_ms"] + results["settings"]["embedding_latency_ms"]
    for c in results["settings"]["connections"]:
        ideal = results["ideal"]["requests_per_sec"][str(c)]
        rows.append([str(c), f"*ideal ({c} ÷ {upstream_ms / 1000:.3f} s)*", fmt(ideal), "100 %", fmt(upstream_ms),
                     fmt(upstream_ms), "", "", "", "", ""])
        for system in results["systems"].values():
            r = system["results"].get(str(c))
            if r is None:
                continue
            e = r["errors"]
            rows.append([str(c), system["label"], fmt(r["requests_per_sec"]), f"{r['fraction_of_ideal'] * 100:.0f} %",
                         fmt(r["latency_ms"].get("p50"), 1), fmt(r["latency_ms"].get("p99"), 1),
                         fmt(e["total_excluding_timeouts"]), fmt(e["timeout"]), fmt(r.get("cpu_us_per_request")),
                         fmt(r["rss_peak_mib"]), fmt(r["pss_peak_mib"])])
    return rows


def ratio_lines(results: dict) -> list[str]:
    """Groundwork's throughput as a multiple of each peer's, per connection count, and its warm-up after the restart."""
    systems = results["systems"]
    lines = []
    for peer in ("fastapi", "flask"):
        if peer not in systems:
            continue
        for name in ("groundwork", "groundwork_restarted"):
            if name not in systems:
                continue
            parts = []
            for c in results["settings"]["connections"]:
                ours, theirs = systems[name]["results"].get(str(c)), systems[peer]["results"].get(str(c))
                if ours and theirs and theirs["requests_per_sec"]:
                    parts.append(f"{ours['requests_per_sec'] / theirs['requests_per_sec']:.1f}× at {c} connections")
            if parts:
                lines.append(f"- {systems[name]['label']} ÷ {systems[peer]['label']}: {', '.join(parts)}.")
    for name, system in systems.items():
        rounds = system.get("warmup_rounds") or []
        if name.startswith("groundwork") and rounds:
            curve = ", ".join(fmt(r["requests_per_sec"]) for r in rounds)
            lines.append(f"- {system['label']}, warm-up at {max(results['settings']['connections'])} connections, "
                         f"req/s in each {results['settings'].get('warmup_round_s', 5)} s round: {curve}.")
    return lines


def markdown_section(results: dict, json_name: str, chart_link: str) -> str:
    s, m, g = results["settings"], results["machine"], results["git"]
    header = ["connections", "system", "req/s", "of ideal", "p50 ms", "p99 ms", "errors", "timeouts",
              "CPU µs/request", "peak RSS MiB", "peak PSS MiB"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([" --- "] * 2 + [" ---: "] * (len(header) - 2)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(results)]
    groundwork = results["systems"].get("groundwork", {}).get("documents_loaded", {})
    load = results["machine"]["load_average_start"]
    date = (results.get("started_at") or "")[:10]
    body = results["request"]["body"]
    return "\n".join([
        START_MARKER,
        "## `POST /generate` side by side: FastAPI, Flask and Groundwork" + (" (smoke run)" if results.get("smoke") else ""),
        "",
        f"Written by `bash bench/run.sh` on {date} from commit `{g['commit'][:10]}`{' (with uncommitted changes)' if g['dirty'] else ''}; "
        f"all numbers in `{json_name}`. Machine: {m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB, "
        f"{m['os']}; load average {load[0] if load else '?'} at the start (the machine is shared). "
        "The load generator, the fake upstream and the system under test share those cores.",
        "",
        f"Every system answers the same request, `{json.dumps(body)}`: it embeds the question through the fake upstream "
        f"(`{s['embedding_latency_ms']} ms`), takes the five nearest of about 10,000 vectors and asks the fake's chat "
        f"endpoint (`{s['chat_latency_ms']} ms`). The peers are the post's services in `bench/peers/` (numpy over "
        "10,000 random 384-d vectors); Groundwork runs with `Embeddings:Provider=openai` against the fake, "
        f"{fmt(groundwork.get('chunks'))} chunks from {fmt(groundwork.get('documents'))} generated documents in its "
        "HNSW index and SQLite; it also ranks the chunks by their words (BM25 over every matching chunk, from an in-memory index with top-k pruning) and fuses both rankings "
        "(hybrid retrieval, its default), so it does more work per request than the peers, and returns the cited "
        "sources with each answer (its responses are larger). It also keeps the embeddings of recent questions "
        "(`QueryEmbeddingCache`), and the benchmark asks one question, so after the first request it calls only the "
        "chat endpoint: that is how it can pass the ideal, which counts both calls. "
        "Groundwork is measured twice: after loading the documents, and again after stopping it and starting it on the "
        "same data folder (issue 16: a restart once made every request twice as expensive in the first 30 s, while "
        "the JIT tiered up). "
        f"Load: `{s['wrk']}` after a {s['warmup_s']} s warm-up at the highest connection count (every system, "
        "every start: long enough for the .NET JIT to finish tiering up, see the warm-up rounds below). *Ideal* is connections ÷ upstream latency, what a "
        "server adding no time of its own would reach. Errors are wrk's connect/read/write socket errors plus non-2xx "
        "answers; timeouts are requests without an answer within the wrk timeout. Peak RSS is the highest sum of VmRSS "
        "over the system's whole process tree (master and workers), sampled every 200 ms during the measurement; "
        "it counts pages the processes share once per process, PSS divides them. CPU µs/request is the CPU time "
        "(user + system) of the system's whole process tree during the measurement divided by the requests answered.",
        "",
        *lines,
        "",
        *ratio_lines(results),
        "",
        f"![Requests per second for each system at {' and '.join(str(c) for c in s['connections'])} connections, "
        f"with the ideal]({chart_link})",
        END_MARKER,
    ])


def write_markdown(results: dict, markdown: Path, json_name: str, chart_link: str) -> None:
    section = markdown_section(results, json_name, chart_link)
    text = markdown.read_text() if markdown.exists() else ""
    if START_MARKER in text and END_MARKER in text:
        before, rest = text.split(START_MARKER, 1)
        after = rest.split(END_MARKER, 1)[1]
        text = before + section + after
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section + "\n"
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(text)


def write_chart(results: dict, chart: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    connections = results["settings"]["connections"]
    systems = list(results["systems"].values())
    width = 0.8 / max(len(systems), 1)
    fig, ax = plt.subplots(figsize=(9, 5), dpi=110)
    for i, system in enumerate(systems):
        xs = [g + (i - (len(systems) - 1) / 2) * width for g in range(len(connections))]
        values = [system["results"].get(str(c), {}).get("requests_per_sec", 0) for c in connections]
        bars = ax.bar(xs, values, width * 0.92, label=system["label"], color=f"C{i}")
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=2, fontsize=8)
    for g, c in enumerate(connections):
        ideal = results["ideal"]["requests_per_sec"][str(c)]
        ax.hlines(ideal, g - 0.45, g + 0.45, colors="black", linestyles="dashed", linewidth=1.2,
                  label="ideal: connections ÷ upstream latency" if g == 0 else None)
        # At the left end, where the peers' bars are low, so it does not cover a bar's label.
        ax.annotate(f"ideal {ideal:,.0f}", (g - 0.45, ideal), xytext=(0, 3), textcoords="offset points",
                    ha="left", fontsize=8)
    s, m = results["settings"], results["machine"]
    ax.set_xticks(range(len(connections)), [f"{c} connections" for c in connections])
    ax.set_ylabel("requests per second")
    ax.set_ylim(0, max([results["ideal"]["requests_per_sec"][str(c)] for c in connections]) * 1.12)
    smoke = " (smoke run)" if results.get("smoke") else ""
    ax.set_title(f"POST /generate{smoke}, fake upstream {s['embedding_latency_ms']} ms embedding + {s['chat_latency_ms']} ms "
                 f"chat\n{m['nproc']} cores ({m['cpu_model']}), wrk {s['duration_s']} s per bar", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    chart.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(chart)
    plt.close(fig)


def render(json_path: Path, markdown: Path, chart: Path) -> None:
    results = json.loads(json_path.read_text())
    repo = Path(__file__).resolve().parents[2]
    json_name = str(json_path.resolve().relative_to(repo)) if json_path.resolve().is_relative_to(repo) else json_path.name
    chart_link = os.path.relpath(chart.resolve(), markdown.resolve().parent)
    write_chart(results, chart)
    write_markdown(results, markdown, json_name, chart_link)


def summary(json_path: Path) -> None:
    results = json.loads(json_path.read_text())
    print(f"{'conns':>5}  {'system':<48} {'req/s':>8} {'ideal':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
          f"{'t/o':>5} {'CPU µs':>7} {'RSS MiB':>8} {'PSS MiB':>8}")
    for c in results["settings"]["connections"]:
        ideal = results["ideal"]["requests_per_sec"][str(c)]
        print(f"{c:>5}  {'ideal':<48} {ideal:>8.0f} {'100%':>6}")
        for system in results["systems"].values():
            r = system["results"].get(str(c))
            if r:
                print(f"{c:>5}  {system['label']:<48} {r['requests_per_sec']:>8.0f} {r['fraction_of_ideal']:>6.0%} "
                      f"{r['latency_ms'].get('p50', 0):>8.1f} {r['latency_ms'].get('p99', 0):>8.1f} "
                      f"{r['errors']['total_excluding_timeouts']:>6} {r['errors']['timeout']:>5} "
                      f"{fmt(r.get('cpu_us_per_request')):>7} {r['rss_peak_mib']:>8.0f} {r['pss_peak_mib']:>8.0f}")
    for line in ratio_lines(results):
        print(line)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "assemble" and len(sys.argv) == 4:
        assemble(Path(sys.argv[2]), Path(sys.argv[3]))
    elif command == "render" and len(sys.argv) == 5:
        render(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    elif command == "summary" and len(sys.argv) == 3:
        summary(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
