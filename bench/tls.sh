#!/usr/bin/env bash
# TLS beside Node (its built-in `https` with `ws`) in the same run: wss:// echo round trips per second, full TLS
# handshakes per second, and server memory per idle wss:// connection. Server pinned to CPU 0, load generator
# (bench/tlsbench, Go) to CPU 1; a fresh server on a new port for every case; repeats interleaved (every case of every
# server, then again), so drift in the machine shows as spread between runs, not as a difference between servers.
# Both servers use the same certificate: ECDSA P-256 from a test CA made here with the openssl command line.
#
#   bench/tls.sh                         # 3 repeats; raw lines in $RESULTS/results.txt, a table at the end
#   REPEATS=1 CASES="echo" bench/tls.sh  # knobs: REPEATS CASES PEERS ECHO_C ECHO_SIZE ECHO_T HS_C HS_T HOLD_N HOLD_T
#   PEERS="lastword node lastword-plain"  # lastword-plain: the same binary without TLS (ws://), for what TLS costs
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${LASTWORD_BIN:-$ROOT/.build/release/lastword}
[[ -x $BIN ]] || { echo "tls.sh: build first: swift build -c release --product lastword" >&2; exit 2; }
command -v node >/dev/null && [[ -d /usr/share/nodejs/ws ]] || { echo "tls.sh: needs nodejs and node-ws (apt-get install nodejs node-ws)" >&2; exit 2; }
REPEATS=${REPEATS:-3}
CASES=${CASES:-"echo handshakes hold"}
PEERS=${PEERS:-"lastword node"}
ECHO_C=${ECHO_C:-64} ECHO_SIZE=${ECHO_SIZE:-32} ECHO_T=${ECHO_T:-10s}
HS_C=${HS_C:-32} HS_T=${HS_T:-10s}
HOLD_N=${HOLD_N:-5000} HOLD_T=${HOLD_T:-5s}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1}
RESULTS=${RESULTS:-$(mktemp -d /tmp/lastword-tlsbench.XXXXXX)}
mkdir -p "$RESULTS"
ulimit -n "$(ulimit -Hn)"

# The certificate: a test CA and a server certificate for localhost / 127.0.0.1, both P-256.
(
  cd "$RESULTS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 7 \
    -subj "/CN=LastWord bench CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 7 -days 7 -sha256 -extfile server.ext -out server.pem 2>/dev/null
)
CA=$RESULTS/ca.pem CERT=$RESULTS/server.pem KEY=$RESULTS/server.key

CLIENT=$RESULTS/tlsbench
GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$CLIENT" ./bench/tlsbench

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

server_pid=""
start_server() {  # peer port
  local peer=$1 port=$2
  case $peer in
    lastword)
      LASTWORD_DATABASE_PATH=$RESULTS/db-$port.sqlite LASTWORD_LOG_LEVEL=warning \
      LASTWORD_SERVER_TLS_CERTIFICATE_CHAIN_FILE=$CERT LASTWORD_SERVER_TLS_PRIVATE_KEY_FILE=$KEY \
        taskset -c "$SERVER_CPU" "$BIN" serve --config bench/lastword-bench.yaml --port "$port" >"$RESULTS/server-$port.out" 2>"$RESULTS/server-$port.log" &
      ;;
    lastword-plain)
      LASTWORD_DATABASE_PATH=$RESULTS/db-$port.sqlite LASTWORD_LOG_LEVEL=warning \
        taskset -c "$SERVER_CPU" "$BIN" serve --config bench/lastword-bench.yaml --port "$port" >"$RESULTS/server-$port.out" 2>"$RESULTS/server-$port.log" &
      ;;
    node)
      NODE_PATH=/usr/share/nodejs taskset -c "$SERVER_CPU" node bench/peers/node-wss.js "$port" "$CERT" "$KEY" \
        >"$RESULTS/server-$port.out" 2>"$RESULTS/server-$port.log" &
      ;;
  esac
  server_pid=$!
  # Wait until it prints that it serves (bounded).
  for _ in $(seq 1 300); do
    grep -q "serving http" "$RESULTS/server-$port.out" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$RESULTS/server-$port.log"; return 1; }
    sleep 0.1
  done
  echo "tls.sh: $peer did not start" >&2
  return 1
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
trap 'stop_server' EXIT

echo "tls.sh: results in $RESULTS; $(nproc) CPUs; $(uname -r); started $(date -u +%FT%TZ)" | tee "$RESULTS/env.txt"
node --version >> "$RESULTS/env.txt"
git -C "$ROOT" log -1 --format='commit %h %s' >> "$RESULTS/env.txt"
for run in $(seq 1 "$REPEATS"); do
  for peer in $PEERS; do
    for case in $CASES; do
      port=$(free_port)
      start_server "$peer" "$port"
      scheme=wss
      [[ $peer == lastword-plain ]] && scheme=ws
      [[ $peer == lastword-plain && $case == handshakes ]] && { stop_server; continue; }
      case $case in
        echo) args=(echo -url "$scheme://127.0.0.1:$port/ws/echo" -ca "$CA" -c "$ECHO_C" -size "$ECHO_SIZE" -t "$ECHO_T") ;;
        handshakes) args=(handshakes -addr "127.0.0.1:$port" -c "$HS_C" -t "$HS_T") ;;
        hold) args=(hold -url "$scheme://127.0.0.1:$port/ws/echo" -ca "$CA" -n "$HOLD_N" -t "$HOLD_T") ;;
      esac
      line=$(timeout 300 taskset -c "$CLIENT_CPU" "$CLIENT" "${args[@]}" -server-pid "$server_pid" -label "$peer" | tee -a "$RESULTS/run.log" | grep '^TLSBENCH') || line="TLSBENCH mode=$case label=$peer failed=1"
      echo "run=$run $line" | tee -a "$RESULTS/results.txt"
      stop_server
    done
  done
done

# Medians per peer and case.
python3 - "$RESULTS/results.txt" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    rows.setdefault((fields.get("label"), fields.get("mode")), []).append(fields)
def med(peer, mode, key):
    values = [float(r[key]) for r in rows.get((peer, mode), []) if key in r]
    return (statistics.median(values), values) if values else (None, [])
print("\n| server | wss echo msgs/s | echo RTT p99 µs | echo server CPU % | handshakes/s | handshake server CPU % | KB per idle wss connection |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for peer in sorted({p for p, _ in rows}):
    cells = []
    for mode, key in (("echo", "msgs_per_s"), ("echo", "rtt_p99_us"), ("echo", "server_cpu_pct"),
                      ("handshakes", "handshakes_per_s"), ("handshakes", "server_cpu_pct"), ("hold", "kb_per_conn")):
        m, values = med(peer, mode, key)
        cells.append("-" if m is None else f"{m:,.1f} ({' / '.join(f'{v:,.1f}' for v in values)})" if key == "kb_per_conn"
                     else f"{m:,.0f} ({' / '.join(f'{v:,.0f}' for v in values)})")
    print(f"| {peer} | " + " | ".join(cells) + " |")
EOF
