#!/usr/bin/env bash
# Live tally benchmarks (docs/BENCHMARKS.md), server pinned to CPU 0 and the load generator to CPU 1:
#   ingest   200 voters over WebSocket, each its own citizen, one rating in flight: acknowledged (committed) ratings/s
#   board    10,000 watchers of the campaign board while 1,000 ratings/s arrive: time from a rating's
#            acknowledgement to its effect reaching the last watcher, and updates per watcher per second
#   ceiling  the raw SQLite ceiling on this machine for the same rows (bench/sqlite-ceiling.sh, both modes)
#
#   bench/live.sh all            # everything, in that order
#   bench/live.sh board          # one; knobs: VOTERS WATCHERS RATE T (seconds) SERVER_CPU CLIENT_CPU
#   PROFILE=1 bench/live.sh ingest   # also `perf record -g` the server for 3 s mid-run (needs perf: linux-perf)
#                                    # and print where its CPU went
# Each case ends with the CPU of the server, the load generator, other processes, kernel threads and hypervisor
# steal, and says whether the run was clean (others and steal under 5 % of a core) or NOISY.
# Needs Go and gorilla/websocket from Debian (golang-go golang-github-gorilla-websocket-dev) for bench/livebench.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${WORK:-/tmp/lastword-bench}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
T=${T:-10}
mkdir -p "$WORK"

swift build -c release --product lastword 2>&1 | tail -n 1
GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$WORK/livebench" ./bench/livebench
ulimit -n "$(ulimit -Hn)"

# run_case NAME ARGS...: a fresh server and database per case.
run_case() {
  local mode=$1; shift
  rm -rf "$WORK/db"; mkdir -p "$WORK/db"
  LASTWORD_DATABASE_PATH="$WORK/db/lastword.sqlite" taskset -c "$SERVER_CPU" \
    "$ROOT/.build/release/lastword" serve --config bench/lastword-bench.yaml --port 0 >"$WORK/server.out" 2>"$WORK/server.log" &
  local server=$!
  local url=""
  for _ in $(seq 300); do
    url=$(grep -o 'http://[^ ]*' "$WORK/server.out" | head -n 1 | sed 's#/$##') && [[ -n $url ]] && break
    sleep 0.1
  done
  [[ -n $url ]] || { cat "$WORK/server.log"; kill $server; exit 1; }
  echo "== $mode: $* (server $url, pid $server)"
  local profiler=""
  : >"$WORK/livebench.err"
  if [[ -n ${PROFILE:-} ]]; then
    # 3 s from the middle of the measured window, which livebench announces on stderr.
    (for _ in $(seq 1200); do grep -q measuring "$WORK/livebench.err" && break; sleep 0.1; done
     sleep $((T / 2 - 1)); perf record -F 1999 -g -p $server -o "$WORK/perf.data" -- sleep 3 >/dev/null 2>&1) &
    profiler=$!
  fi
  taskset -c "$CLIENT_CPU" "$WORK/livebench" "$mode" -base "$url" -server-pid $server -t "${T}s" "$@" \
    2> >(tee "$WORK/livebench.err" | grep -v '^livebench: measuring' >&2) | tail -n 2
  kill -TERM $server; wait $server || true
  if [[ -n $profiler ]]; then
    wait $profiler || true
    echo "-- server CPU by shared object"
    perf report -i "$WORK/perf.data" --no-children --sort dso -g none 2>/dev/null | grep -v '^#' | grep . | head -n 8
    echo "-- server CPU by function, callees included"
    perf report -i "$WORK/perf.data" --children --sort sym -g none 2>/dev/null | grep -v '^#' | grep . | head -n 40 | cut -c1-160
  fi
  grep -o 'transactions=[0-9]*\|averageBatch=[0-9]*' "$WORK/server.log" | tr '\n' ' '; echo
}

case ${1:-all} in
  ingest) run_case ingest -voters "${VOTERS:-200}" ;;
  board) run_case board -watchers "${WATCHERS:-10000}" -rate "${RATE:-1000}" -voters 50 ;;
  ceiling)
    echo "== sqlite3 ceiling, one statement per row"; taskset -c "$SERVER_CPU" bench/sqlite-ceiling.sh 200000 100
    echo "== sqlite3 ceiling, set-based"; MODE=set taskset -c "$SERVER_CPU" bench/sqlite-ceiling.sh 200000 100 ;;
  all) "$0" ingest; "$0" board; "$0" ceiling ;;
  *) echo "usage: bench/live.sh [ingest|board|ceiling|all]" >&2; exit 2 ;;
esac
