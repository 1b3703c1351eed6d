#!/usr/bin/env bash
# Plain ws:// echo and broadcast of two builds side by side, runs interleaved (base, new, base, new…): did a change
# cost the plain path anything? The load generator is ../shared/tools/wsbench's (built into /tmp/wsbench/bin).
#   BASE_BIN=/tmp/lw-base/.build/release/lastword bench/plain-check.sh      # vs .build/release/lastword
#   knobs: REPEATS (3) ECHO_T (10s) BC_T (10s)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
NEW_BIN=${NEW_BIN:-$ROOT/.build/release/lastword}
BASE_BIN=${BASE_BIN:?set BASE_BIN to the release binary to compare with}
WSBENCH=${WSBENCH:-/tmp/wsbench/bin/wsbench}
[[ -x $WSBENCH ]] || { echo "plain-check: build wsbench first: ../shared/tools/wsbench/build.sh loadgen" >&2; exit 2; }
REPEATS=${REPEATS:-3} ECHO_T=${ECHO_T:-10s} BC_T=${BC_T:-10s}
RESULTS=${RESULTS:-$(mktemp -d /tmp/lastword-plaincheck.XXXXXX)}
mkdir -p "$RESULTS"
ulimit -n "$(ulimit -Hn)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pid=""
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; true' EXIT
for run in $(seq 1 "$REPEATS"); do
  for build in base new; do
    bin=$BASE_BIN; [[ $build == new ]] && bin=$NEW_BIN
    for case in echo bc-small; do
      port=$(free_port)
      LASTWORD_DATABASE_PATH=$RESULTS/db-$port.sqlite LASTWORD_LOG_LEVEL=warning \
        taskset -c 0 "$bin" serve --config bench/lastword-bench.yaml --port "$port" >"$RESULTS/out-$port" 2>"$RESULTS/log-$port" &
      pid=$!
      for _ in $(seq 1 300); do grep -q serving "$RESULTS/out-$port" && break; sleep 0.1; done
      case $case in
        echo) args=(echo -url "ws://127.0.0.1:$port/ws/echo" -c 64 -size 32 -t "$ECHO_T") ;;
        bc-small) args=(broadcast -url "ws://127.0.0.1:$port/ws/hub" -n 1000 -interval 50ms -t "$BC_T") ;;
      esac
      line=$(timeout 240 taskset -c 1 "$WSBENCH" "${args[@]}" -server-pid "$pid" -label "$build" | grep '^WSBENCH' || echo "WSBENCH mode=$case label=$build failed=1")
      echo "run=$run $line" | tee -a "$RESULTS/results.txt"
      kill -TERM $pid; wait $pid 2>/dev/null || true; pid=""
    done
  done
done
python3 - "$RESULTS/results.txt" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = dict(p.split("=", 1) for p in line.split() if "=" in p)
    rows.setdefault((f.get("label"), f.get("mode")), []).append(f)
def cell(label, mode, key):
    values = [float(r[key]) for r in rows.get((label, mode), []) if key in r]
    return f"{statistics.median(values):,.1f} ({' / '.join(f'{v:,.1f}' for v in values)})" if values else "-"
print("\n| build | echo msgs/s | echo server CPU % | echo client CPU % | echo other processes CPU % | bc 1,000 fan-out p99 ms | bc 1,000 server CPU % |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for label in ("base", "new"):
    print(f"| {label} | {cell(label, 'echo', 'msgs_per_s')} | {cell(label, 'echo', 'server_cpu_pct')} | {cell(label, 'echo', 'client_cpu_pct')} | {cell(label, 'echo', 'other_cpu_pct')} | "
          f"{cell(label, 'broadcast', 'fanout_p99_ms')} | {cell(label, 'broadcast', 'server_cpu_pct')} |")
EOF
