#!/usr/bin/env bash
# How long a sandbox `advance` takes to run a campaign with retries (issue 21): the release
# server with --sandbox, a campaign of CALLS calls (one in five busy, one in ten
# unanswered, each retried up to three times an hour apart, with a webhook to a local
# receiver), the organization's clock frozen, then advanced by a year in one request.
#
#   bash bench/advance.sh            # 1,000 calls
#   CALLS=200 bash bench/advance.sh
#
# Prints the advance's answer (steps, calls dialed, webhook attempts) and its wall time;
# the baseline of the same run is `GET /sandbox/clock` (one authenticated request).
set -euo pipefail

CALLS=${CALLS:-1000}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
HOOK_PORT=$(free_port)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -z "${SKIP_BUILD:-}" ]; then # SKIP_BUILD=1 measures the release binary as it is
  log "building the release binary"
  cargo build --release -q -p switchyard
fi

DATA=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-advance.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

# The webhook receiver: answers 200 to everything and counts what it got.
python3 - "$HOOK_PORT" "$DATA/hooks" <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
count = 0
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("content-length", 0)))
        count += 1
        open(out, "w").write(str(count))
        self.send_response(200); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
PIDS+=($!)

SY=("$BIN/switchyard" --data-dir "$DATA/db")
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
KEY=$("${SY[@]}" org create --name "Advance bench" --owner bench@example.com --json | json 'd["api_key"]')
"${SY[@]}" serve --addr "127.0.0.1:$PORT" --sandbox --allow-private-webhooks >"$DATA/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done

API=http://127.0.0.1:$PORT/api/v1
api() { curl -fsS -X "$1" -H "authorization: Bearer $KEY" -H 'content-type: application/json' ${3:+--data-binary "$3"} "$API$2"; }

USE_CASE=$(api POST /use-cases "{\"name\": \"Campaign\", \"hooks\": [{\"url\": \"http://127.0.0.1:$HOOK_PORT/hook\"}]}" | json 'd["id"]')
NUMBER=$(api POST /numbers '{}' | json 'd["id"]')
api PATCH "/numbers/$NUMBER" "{\"use_case_id\": \"$USE_CASE\"}" >/dev/null
api POST /sandbox/clock '{"now": "2030-01-07T09:00:00Z"}' >/dev/null

BODY=$(python3 - "$NUMBER" "$CALLS" <<'PY'
import json, sys
number, calls = sys.argv[1], int(sys.argv[2])
def phone(i):
    if i % 5 == 0: return "+15550100001"   # busy
    if i % 10 == 1: return "+15550100002"  # no answer
    return f"+1415{5550000 + i:07d}"
print(json.dumps({
    "number_id": number, "campaign_name": "A year of calls",
    "calls": [{"phone_number": phone(i)} for i in range(calls)],
    "retry_logic": [{"query": "Busy,No answer", "retry_period": 60, "max_retry_per_day": 3}],
    "max_retries": 3,
}))
PY
)
api POST /dial/scheduled "$BODY" >/dev/null

baseline=$(python3 - "$API" "$KEY" <<'PY'
import sys, time, urllib.request
api, key = sys.argv[1], sys.argv[2]
req = urllib.request.Request(api + "/sandbox/clock", headers={"authorization": "Bearer " + key})
times = []
for _ in range(200):
    t = time.perf_counter(); urllib.request.urlopen(req).read(); times.append(time.perf_counter() - t)
times.sort(); print(f"{times[len(times)//2]*1000:.2f}")
PY
)

log "advancing a year over a campaign of $CALLS calls"
START=$(date +%s.%N)
if [ -n "${PROFILE:-}" ]; then # PROFILE=file.data records the server with perf meanwhile
  perf record -q -F 299 -g -o "$PROFILE" -p "$(pgrep -f "serve --addr 127.0.0.1:$PORT")" &
  PERF_PID=$!
fi
ANSWER=$(api POST /sandbox/clock/advance '{"seconds": 31536000}')
if [ -n "${PROFILE:-}" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; fi
SECS=$(python3 -c "import time; print(f'{time.time() - $START:.2f}')")
echo "advance answer: $ANSWER"
echo "webhooks received: $(cat "$DATA/hooks" 2>/dev/null || echo 0)"
echo "advance of a year over $CALLS calls: $SECS s; GET /sandbox/clock median: $baseline ms"
python3 -c "print(f'ratio advance / one request: {float($SECS)*1000/float($baseline):.0f}x')"
