#!/usr/bin/env python3
"""Where the machine's CPU went while a benchmark ran, for bench/pg-ceiling (standard library only).

    bench/pg/cpu-monitor.py OUT [POSTMASTER_PID]
        samples until SIGTERM or SIGINT, then writes one line of key=value pairs to OUT
    bench/pg/cpu-monitor.py --wait-quiet MAX_SECONDS
        returns once the whole machine has used under 10 % of a core for 3 s in a row (or after MAX_SECONDS), and
        prints how long it waited: bench/pg-ceiling --wait-quiet starts each run on a quiet machine

Every 0.25 s it reads /proc/stat and every process's utime + stime and adds each process's share to a class:
`postgres` (the benchmarked server: POSTMASTER_PID and its children; without it, every process named postgres),
`client` (pgbench, notify-bench), `kernel` (kernel threads: the disk flushes among them) and `other` (everything
else on the machine, other PostgreSQL servers included: what makes a run unclean). A process that exits between
two samples loses at most its last 0.25 s. Figures are % of one core averaged over the sampled time (200 = both
cores of a 2-core machine); `steal` is what the hypervisor took, `busy` the machine's total from /proc/stat.
A run is *clean* when other + steal stay under 5 % of a core (docs/BENCHMARKS.md's rule).
"""
import os
import signal
import sys
import time

CLIENTS = {"pgbench", "notify-bench"}
INTERVAL = 0.25


def machine():
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return sum(fields), sum(fields) - idle - iowait - steal, steal


def processes():
    seen = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        close = text.rindex(")")
        comm = text[text.index("(") + 1:close]
        rest = text[close + 2:].split()
        ppid = int(rest[1])
        ticks = int(rest[11]) + int(rest[12])
        started = int(rest[19])  # starttime: with the pid, names the process (a kernel worker changes its comm)
        seen[int(entry)] = (comm, ppid, ticks, started)
    return seen


def classify(pid, comm, ppid, me, postmaster):
    if pid == me:
        return None
    if pid == 2 or ppid == 2:
        return "kernel"
    if postmaster is not None:
        if pid == postmaster or ppid == postmaster:
            return "postgres"
    elif comm == "postgres":
        return "postgres"
    if comm in CLIENTS:
        return "client"
    return "other"


def wait_quiet(limit):
    cores = os.cpu_count() or 1
    start = time.monotonic()
    quiet_since = None
    previous = machine()
    while time.monotonic() - start < limit:
        time.sleep(0.5)
        now = machine()
        total = now[0] - previous[0]
        busy = 100.0 * (now[1] - previous[1] + now[2] - previous[2]) / total * cores if total else 0.0
        previous = now
        if busy < 10:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 3:
                print(f"waited={time.monotonic() - start:.0f}")
                return
        else:
            quiet_since = None
    print(f"waited={time.monotonic() - start:.0f}+")


def main():
    if sys.argv[1] == "--wait-quiet":
        wait_quiet(float(sys.argv[2]))
        return
    out = sys.argv[1]
    postmaster = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None
    me = os.getpid()
    hz = os.sysconf("SC_CLK_TCK")
    totals = {"postgres": 0, "client": 0, "kernel": 0, "other": 0}
    stop = False

    def finish(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    start = time.monotonic()
    m0 = machine()
    before = processes()
    while not stop:
        time.sleep(INTERVAL)
        now = processes()
        for pid, (comm, ppid, ticks, started) in now.items():
            kind = classify(pid, comm, ppid, me, postmaster)
            if kind is None:
                continue
            previous = before.get(pid)
            # A pid seen for the first time: it started during the interval, count all of its time.
            delta = ticks - previous[2] if previous and previous[3] == started else ticks
            totals[kind] += max(delta, 0)
        before = now
    elapsed = time.monotonic() - start
    m1 = machine()
    cores = os.cpu_count() or 1
    total_jiffies = m1[0] - m0[0]
    def pct_machine(jiffies):
        return 100.0 * jiffies / total_jiffies * cores if total_jiffies else 0.0
    line = " ".join(
        [f"seconds={elapsed:.1f}", f"busy={pct_machine(m1[1] - m0[1]):.0f}", f"steal={pct_machine(m1[2] - m0[2]):.1f}"]
        + [f"{kind}={100.0 * ticks / hz / elapsed:.1f}" for kind, ticks in totals.items()]
    )
    with open(out, "w") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
