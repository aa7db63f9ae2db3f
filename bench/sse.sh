#!/usr/bin/env bash
# Live updates (issue 23): the server's CPU per change with N open `/events` streams.
#
#   bash bench/sse.sh                   # N = 1, 100, 1000; 20 calls per run; 3 repetitions
#   STREAMS="1 1000" CALLS=50 bash bench/sse.sh
#
# Options (environment): STREAMS ("1 100 1000"), CALLS (20), REPS (3), SIM_SPEED (25),
# PORT (a free one), SWITCHYARD=path (a built binary; default: build the release one).
# For each N, bench/sse.py opens N streams of one session, dials CALLS calls through the
# API (the simulated network, sped up SIM_SPEED times), waits until every stream has seen
# every final status, and reads the server's CPU time (utime + stime, /proc/<pid>/stat)
# before and after. The calls' own work (engine, database) is the same for every N: what
# grows with N is the cost of handing each change to the streams. Needs python3.
set -euo pipefail

STREAMS=${STREAMS:-"1 100 1000"}
CALLS=${CALLS:-20}
REPS=${REPS:-3}
SIM_SPEED=${SIM_SPEED:-25}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=${PORT:-$(free_port)}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -z "${SWITCHYARD:-}" ]; then
  log "building the release binary"
  cargo build --release -q -p switchyard
  SWITCHYARD=${CARGO_TARGET_DIR:-$ROOT/target}/release/switchyard
fi

# The server on core 0, the streams' client on core 1, when there are two.
SERVER_CPU=() LOAD_CPU=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SERVER_CPU=(taskset -c 0) LOAD_CPU=(taskset -c 1)
fi
# A thousand streams and the client's own sockets.
ulimit -n 8192 2>/dev/null || true

DATA=$(mktemp -d /tmp/switchyard-sse.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

SY=("$SWITCHYARD" --data-dir "$DATA/db")
ORG_JSON=$("${SY[@]}" org create --name Bench --owner b@bench.test --json)
KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$ORG_JSON")

"${SERVER_CPU[@]}" "${SY[@]}" serve --addr "127.0.0.1:$PORT" --sim-speed "$SIM_SPEED" \
  --max-connections 4096 >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.1
done

API=http://127.0.0.1:$PORT/api/v1
api() { curl -fsS -X "$1" -H "authorization: Bearer $KEY" -H 'content-type: application/json' ${3:+--data-binary "$3"} "$API$2"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
USE_CASE=$(api POST /use-cases '{"name":"live"}' | json 'd["id"]')
NUMBER=$(api POST /numbers '{}' | json 'd["id"]')
api PATCH "/numbers/$NUMBER" "{\"use_case_id\": \"$USE_CASE\"}" >/dev/null

RESULTS=$DATA/results.jsonl
for rep in $(seq 1 "$REPS"); do
  for n in $STREAMS; do
    log "rep $rep: $n streams, $CALLS calls"
    "${LOAD_CPU[@]}" python3 bench/sse.py --base "http://127.0.0.1:$PORT" --key "$KEY" \
      --number "$NUMBER" --pid "$SERVER_PID" --streams "$n" --calls "$CALLS" | tee -a "$RESULTS" >&2
  done
done

python3 - "$RESULTS" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
by_n = {}
for run in runs:
    by_n.setdefault(run["streams"], []).append(run)
base = statistics.median(r["server_cpu_us_per_change"] for r in by_n[min(by_n)])
print("| streams | changes per run | events received per run | resyncs | server CPU per change (µs) | ratio to N=%d |" % min(by_n))
print("| --- | --- | --- | --- | --- | --- |")
for n, rs in sorted(by_n.items()):
    per = statistics.median(r["server_cpu_us_per_change"] for r in rs)
    print(f"| {n} | {statistics.median(r['changes'] for r in rs):.0f} | "
          f"{statistics.median(r['events_received'] for r in rs):.0f} | {sum(r['resyncs'] for r in rs)} | "
          f"{per:.0f} | {per / base:.2f} |")
PY
