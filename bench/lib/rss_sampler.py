"""Memory and CPU time of a process tree: a process and all its descendants, found afresh from /proc at every sample.

sample ROOT_PID OUT [--interval 0.2]: every interval appends "unix_time rss_kib pss_kib processes" to OUT (summed over
  the tree: VmRSS from /proc/PID/status, Pss from /proc/PID/smaps_rollup) until ROOT_PID is gone or on SIGTERM.
hwm ROOT_PID: prints the tree's summed VmHWM (each process's own peak RSS) in KiB and the number of processes.
cpu ROOT_PID: prints the CPU time (user + system) the tree's live processes have used so far, in microseconds.
Summed RSS counts pages shared between processes (forked workers, shared libraries) once per process; PSS splits
them, so it is the fairer total for multi-process servers.
"""
import os
import signal
import sys
import time


def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if fields[0] == b"Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        if pid == root and not os.path.exists(f"/proc/{pid}"):
            continue
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_microseconds(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return 0
    fields = stat[stat.rindex(b")") + 2:].split()
    # utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks.
    return (int(fields[11]) + int(fields[12])) * 1_000_000 // os.sysconf("SC_CLK_TCK")


def main() -> None:
    mode, root = sys.argv[1], int(sys.argv[2])
    if mode == "cpu":
        print(sum(cpu_microseconds(pid) for pid in tree(root)))
        return
    if mode == "hwm":
        pids = tree(root)
        print(sum(status_kib(pid, "VmHWM") for pid in pids), len(pids))
        return

    out, interval = sys.argv[3], float(sys.argv[5]) if len(sys.argv) > 5 else 0.2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out, "a", buffering=1) as f:
        while os.path.exists(f"/proc/{root}"):
            pids = tree(root)
            rss = sum(status_kib(pid, "VmRSS") for pid in pids)
            pss = sum(pss_kib(pid) for pid in pids)
            f.write(f"{time.time():.3f} {rss} {pss} {len(pids)}\n")
            time.sleep(interval)


if __name__ == "__main__":
    main()
