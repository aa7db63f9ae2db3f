#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: unlike requests per second, the
# count does not move with what else the machine is doing, so two builds can be compared
# on a busy machine. Counts the server's user-space instructions only (not the kernel's).
#
#   bash bench/instructions.sh                            # this build
#   SWITCHYARD=/path/to/other/switchyard bash bench/instructions.sh
#
# Options (environment): CALLS (10000 seeded), REQUESTS (1000 per scenario; the page of 50
# runs a tenth of that), SWITCHYARD (the binary to measure, default target/release).
# Scenarios: GET one call, GET a page of 50, add + delete a note (one of each per request
# pair). Each runs after 100 warm-up requests, with the counters zeroed in between.
set -euo pipefail

CALLS=${CALLS:-10000}
REQUESTS=${REQUESTS:-1000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if ! command -v valgrind >/dev/null; then
  echo "installing valgrind" >&2
  apt-get install -y valgrind >/dev/null || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; }
fi
if [ -z "${SWITCHYARD:-}" ]; then
  cargo build --release -q -p switchyard
fi
BIN=${SWITCHYARD:-$ROOT/target/release/switchyard}

DATA=$(mktemp -d /tmp/switchyard-instructions.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$DATA"
}
trap cleanup EXIT

ORG_JSON=$("$BIN" --data-dir "$DATA/db" org create --name Bench --owner b@bench.test --json)
read -r ORG KEY < <(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["organization_id"], d["api_key"])' <<<"$ORG_JSON")
"$BIN" --data-dir "$DATA/db" seed --org "$ORG" --calls "$CALLS" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

valgrind --tool=callgrind --callgrind-out-file="$DATA/callgrind.%p" \
  "$BIN" --data-dir "$DATA/db" serve --addr "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.2
done

# One client on one keep-alive connection: `requests` round trips of `scenario`.
drive() { # scenario requests
  python3 - "$PORT" "$KEY" "$1" "$2" <<'EOF'
import http.client, json, sys
port, key, scenario, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", int(port))
auth = {"authorization": f"Bearer {key}", "content-type": "application/json"}
def call(method, path, body=None):
    conn.request(method, "/api/v1" + path, body=body, headers=auth)
    response = conn.getresponse()
    data = response.read()
    assert response.status == 200, (method, path, response.status, data[:200])
    return json.loads(data)
first = call("GET", "/calls?limit=1")["calls"][0]["id"]
for _ in range(n):
    if scenario == "get_call":
        call("GET", f"/calls/{first}")
    elif scenario == "page_50":
        call("GET", "/calls?limit=50")
    else:
        note = call("POST", f"/calls/{first}/notes", '{"content":"bench note"}')["notes"][-1]["id"]
        call("DELETE", f"/calls/{first}/notes/{note}")
EOF
}

printf '%s; %s seeded calls; instructions per request (callgrind, user space)\n\n' "$BIN" "$CALLS"
printf '| scenario | requests | instructions per request |\n| --- | ---: | ---: |\n'
for scenario in get_call page_50 note_add_delete; do
  n=$REQUESTS
  [ "$scenario" = page_50 ] && n=$(( REQUESTS / 10 ))
  drive "$scenario" 100
  callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
  drive "$scenario" "$n"
  dumps=$(ls "$DATA" | grep -c '^callgrind\.' || true)
  callgrind_control -d "$SERVER_PID" >/dev/null 2>&1
  # The dump is written when the server next runs; wait for the file to appear.
  for _ in $(seq 1 100); do
    [ "$(ls "$DATA" | grep -c '^callgrind\.' || true)" -gt "$dumps" ] && break
    sleep 0.1
  done
  sleep 0.5
  dump=$(ls -t "$DATA"/callgrind.*.* | head -1)
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
  requests=$n
  [ "$scenario" = note_add_delete ] && requests=$(( 2 * n ))
  printf '| %s | %s | %s |\n' "$scenario" "$requests" "$(( total / requests ))"
done
