#!/usr/bin/env bash
# Runs ../shared/tools/wsbench against the peers (Go gorilla, Node ws, Hummingbird, FlyingFox, Python websockets)
# and LastWord in the same run: server pinned to CPU 0, load generator to CPU 1, runs interleaved.
# LastWord joins twice: with its default readiness (one epoll set per loop, driven by a dispatch source) and with
# one dispatch source per connection (server.readiness: dispatch-sources), so the two designs are compared too.
#
#   bench/wsbench.sh                          # all cases, 2 repeats, results into docs/BENCHMARKS-wsbench.md
#   CASES="echo" REPEATS=1 bench/wsbench.sh   # any knob of run-peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOL=${WSBENCH_TOOL:-}
for candidate in "$ROOT/../shared/tools/wsbench" /work/shared/tools/wsbench; do
  [[ -z $TOOL && -x $candidate/run-peers.sh ]] && TOOL=$candidate
done
[[ -n $TOOL ]] || { echo "wsbench not found (set WSBENCH_TOOL)" >&2; exit 2; }

swift build -c release --product lastword 2>&1 | tail -n 1
BIN=$ROOT/.build/release/lastword
CONFIG=$ROOT/bench/lastword-bench.yaml
# The hub and echo endpoints live under /ws; `name@/ws=command` tells run-peers.sh.
export EXTRA_PEERS="lastword@/ws=env LASTWORD_SERVER_READINESS=loop-epoll $BIN serve --config $CONFIG --port {PORT};lastword-dsources@/ws=env LASTWORD_SERVER_READINESS=dispatch-sources $BIN serve --config $CONFIG --port {PORT}"
export OUT=${OUT:-$ROOT/docs/BENCHMARKS-wsbench.md}
export REPEATS=${REPEATS:-2}
exec "$TOOL/run-peers.sh"
