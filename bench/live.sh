#!/usr/bin/env bash
# Live tally benchmarks (docs/BENCHMARKS.md), server pinned to CPU 0 and the load generator to CPU 1:
#   ingest   200 voters over WebSocket, each its own citizen, one rating in flight: acknowledged (committed) ratings/s
#   board    10,000 watchers of the campaign board while 1,000 ratings/s arrive: time from a rating's
#            acknowledgement to its effect reaching the last watcher, and updates per watcher per second
#   ceiling  the raw SQLite ceiling on this machine for the same rows (bench/sqlite-ceiling.sh, both modes)
# and issue 10's (bench/lastword-office.yaml; the script creates the accounts with `lastword user add`):
#   queue    20 moderators watching the moderation queue while staff submit 100 public versions/s, round-robin over
#            100 answered letters: submission sent → the last moderator has its `submitted` event (target p99 < 20 ms)
#   messages 10,000 watchers of the public message board and the figures while a moderator approves 50 public
#            versions/s: approval acknowledged → the last watcher has a delta listing it (target p99 ≤ 100 + 50 ms)
#
#   bench/live.sh all            # ingest, board, ceiling, in that order
#   bench/live.sh moderation     # queue, then messages
#   bench/live.sh board          # one; knobs: VOTERS WATCHERS RATE T (seconds) SERVER_CPU CLIENT_CPU
#   bench/live.sh queue          # knobs: MODERATORS (20) RATE (100) THREADS (100) TEXT T
#   bench/live.sh messages       # knobs: WATCHERS (10000) RATE (50) FIGURES (true) LETTERS (letters/s meanwhile, 0) TEXT T
#                                # TEXT=300: each public question and answer 300 Chinese characters (default: one short
#                                # English sentence each, ~60 bytes); the board's deltas grow with it
#   LASTWORD_BIN=/path/to/lastword bench/live.sh queue   # that build (nothing is built); default: swift build here
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

if [[ -n ${LASTWORD_BIN:-} ]]; then
  BIN=$(realpath "$LASTWORD_BIN")
else
  swift build -c release --product lastword 2>&1 | tail -n 1
  BIN=$ROOT/.build/release/lastword
fi
GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$WORK/livebench" ./bench/livebench
ulimit -n "$(ulimit -Hn)"

# A server left by an interrupted case is stopped.
SERVER_PID=""
trap '[[ -n $SERVER_PID ]] && kill -TERM $SERVER_PID 2>/dev/null; true' EXIT

# run_case NAME ARGS...: a fresh server and database per case.
run_case() {
  local mode=$1; shift
  local config=bench/lastword-bench.yaml
  rm -rf "$WORK/db"; mkdir -p "$WORK/db"
  export LASTWORD_DATABASE_PATH="$WORK/db/lastword.sqlite"
  if [[ $mode == queue || $mode == messages ]]; then
    # The accounts livebench signs in with: one staff member of the triage department (who may answer and publish
    # every letter) and the moderators bench-mod0, bench-mod1, …
    config=bench/lastword-office.yaml
    local password="benchmark password" moderators=1
    [[ $mode == queue ]] && moderators=${MODERATORS:-20}
    echo "$password" | "$BIN" user add bench-staff --role staff --department mayors-office --password-stdin --config "$config" >/dev/null
    for i in $(seq 0 $((moderators - 1))); do
      echo "$password" | "$BIN" user add "bench-mod$i" --role moderator --password-stdin --config "$config" >/dev/null
    done
  fi
  taskset -c "$SERVER_CPU" "$BIN" serve --config "$config" --port 0 >"$WORK/server.out" 2>"$WORK/server.log" &
  local server=$!
  SERVER_PID=$server
  local url=""
  for _ in $(seq 300); do
    url=$(grep -o 'http://[^ ]*' "$WORK/server.out" | head -n 1 | sed 's#/$##') && [[ -n $url ]] && break
    sleep 0.1
  done
  [[ -n $url ]] || { cat "$WORK/server.log"; kill $server; exit 1; }
  echo "== $mode: $* (server $BIN at $url, pid $server; server on CPU $SERVER_CPU, livebench on CPU $CLIENT_CPU)"
  local profiler=""
  : >"$WORK/livebench.err"
  if [[ -n ${PROFILE:-} ]]; then
    # 3 s from the middle of the measured window, which livebench announces on stderr.
    (for _ in $(seq 1200); do grep -q measuring "$WORK/livebench.err" && break; sleep 0.1; done
     sleep $((T / 2 - 1)); perf record -F 1999 -g -p $server -o "$WORK/perf.data" -- sleep 3 >/dev/null 2>&1) &
    profiler=$!
  fi
  local status=0
  taskset -c "$CLIENT_CPU" "$WORK/livebench" "$mode" -base "$url" -server-pid $server -t "${T}s" "$@" \
    2> >(tee "$WORK/livebench.err" | grep -v '^livebench: measuring' >&2) | tail -n 2 || status=$?
  kill -TERM $server; wait $server || true
  SERVER_PID=""
  if [[ $status != 0 ]]; then
    echo "livebench failed (exit $status); the server's log: $WORK/server.log" >&2
    return $status
  fi
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
  queue) run_case queue -moderators "${MODERATORS:-20}" -rate "${RATE:-100}" -threads "${THREADS:-100}" -text "${TEXT:-0}" ;;
  messages) run_case messages -watchers "${WATCHERS:-10000}" -rate "${RATE:-50}" -figures="${FIGURES:-true}" -letters "${LETTERS:-0}" -text "${TEXT:-0}" ;;
  all) "$0" ingest; "$0" board; "$0" ceiling ;;
  moderation) "$0" queue; "$0" messages ;;
  *) echo "usage: bench/live.sh [ingest|board|ceiling|all|queue|messages|moderation]" >&2; exit 2 ;;
esac
