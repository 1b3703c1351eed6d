#!/usr/bin/env python3
"""How fast this machine's disk makes a write durable right now, for bench/pg-ceiling (standard library only).

    bench/pg/fsync-probe.py DIR [SECONDS=1]

Rewrites one 8 kB block of a file in DIR and fdatasync()s it, over and over for SECONDS (what pg_test_fsync's
"one 8kB write, fdatasync" line does), and prints `fsync_per_s=… fsync_p50_us=… fsync_p99_us=…`. On a shared VM the
figure moves with the neighbours' I/O, and a commit-bound pgbench run moves with it: bench/pg-ceiling probes before
every run so that a slow run can be told from a slow disk.
"""
import os
import sys
import time

directory = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
path = os.path.join(directory, f"fsync-probe.{os.getpid()}")
block = b"\x5a" * 8192
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
try:
    os.pwrite(fd, block, 0)
    os.fsync(fd)
    times = []
    end = time.monotonic() + seconds
    while True:
        t0 = time.monotonic()
        if t0 >= end:
            break
        os.pwrite(fd, block, 0)
        os.fdatasync(fd)
        times.append(time.monotonic() - t0)
finally:
    os.close(fd)
    os.unlink(path)
times.sort()
n = len(times)
print(f"fsync_per_s={n / seconds:.0f} fsync_p50_us={times[n // 2] * 1e6:.0f} fsync_p99_us={times[n * 99 // 100] * 1e6:.0f}")
