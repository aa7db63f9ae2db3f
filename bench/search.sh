#!/usr/bin/env bash
# `GET /api/v1/calls?search=...` on a seeded database (issue 25): a page of 50 and its count
# for a rare, a middling and a common needle (and a 2-character one, which no trigram index
# can serve), one request at a time with curl, next to the baseline axum server
# (bench/hello) measured the same way in the same run. The first request of each needle is
# reported on its own: it takes the count, which the SQLite store then reuses until the
# organization's calls change (store-sqlite/src/call_counts.rs).
#
#   DATA=/tmp/x ORG=<id> KEY=<api key> bash bench/search.sh      # a seeded SQLite data dir
#   SWITCHYARD_DATABASE_URL=postgres://... DATA=/tmp/x ORG=.. KEY=.. bash bench/search.sh
#
# Seed first (bench/README.md, "Seeding"); the needles fit `switchyard seed`'s calls: RARE
# is one call's `to` (default: the newest call's, looked up over the API). Options
# (environment): REQUESTS (50 per needle), BIN (the release binaries' directory,
# $CARGO_TARGET_DIR/release or target/release). Pins the servers to core 0 and curl to
# core 1.
set -euo pipefail

REQUESTS=${REQUESTS:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release}
: "${DATA:?a seeded data directory}" "${ORG:?its organization}" "${KEY:?its API key}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
SERVER_CPU=() LOAD_CPU=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SERVER_CPU=(taskset -c 0) LOAD_CPU=(taskset -c 1)
fi

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_up() { # url pid
  for _ in $(seq 1 1200); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "server for $1 exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "server at $1 did not come up" >&2; exit 1
}

# times URL [curl args...]: the first request's ms, then the median and p90 of REQUESTS more.
times() {
  local url=$1; shift
  for _ in $(seq 0 "$REQUESTS"); do
    "${LOAD_CPU[@]}" curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' "$@" "$url"
  done | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
bad = [r for r in rows if r[0] != "200"]
if bad: sys.exit(f"HTTP {bad[0][0]}")
ms = [float(r[1]) * 1000 for r in rows]
first, rest = ms[0], sorted(ms[1:])
p90 = rest[max(0, -(-len(rest) * 9 // 10) - 1)]
print(f"{first:.1f} {statistics.median(rest):.2f} {p90:.2f}")'
}

HELLO_PORT=$(free_port)
"${SERVER_CPU[@]}" "$BIN/switchyard-bench-hello" --addr "127.0.0.1:$HELLO_PORT" 2>/dev/null &
PIDS+=($!)
wait_up "http://127.0.0.1:$HELLO_PORT/" "${PIDS[-1]}"
port=$(free_port)
log "starting the server (migrations run first)"
start=$(date +%s.%N)
"${SERVER_CPU[@]}" "$BIN/switchyard" --data-dir "$DATA" serve --addr "127.0.0.1:$port" >"$DATA/search-bench.log" 2>&1 &
PIDS+=($!)
wait_up "http://127.0.0.1:$port/healthz" "${PIDS[-1]}"
log "up after $(python3 -c "import time; print(f'{time.time() - $start:.1f}')") s"

API="http://127.0.0.1:$port/api/v1/calls"
AUTH=(-H "authorization: Bearer $KEY")
RARE=${RARE:-$(curl -sS "${AUTH[@]}" "$API?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"][0]["metadata"]["to"][2:])')}
count_of() { curl -sS "${AUTH[@]}" "$API?limit=1&search=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }

printf '| needle | matches | first request (count taken) | median | p90 | median / hello |\n| --- | ---: | ---: | ---: | ---: | ---: |\n'
read -r _ hello_median hello_p90 < <(times "http://127.0.0.1:$HELLO_PORT/")
printf '| (hello) | | | %s | %s | 1 |\n' "$hello_median" "$hello_p90"
# `+` is %2B in a query string.
for needle in "$RARE" "ld-342" "ld-34" "ld-4" "%2B1312" "%2B1"; do
  read -r first median p90 < <(times "$API?limit=50&search=$needle" "${AUTH[@]}")
  matches=$(count_of "$needle")
  ratio=$(python3 -c "print(f'{$median / $hello_median:.0f}')")
  printf '| `%s` | %s | %s | %s | %s | %s |\n' "${needle//%2B/+}" "$matches" "$first" "$median" "$p90" "$ratio"
done
