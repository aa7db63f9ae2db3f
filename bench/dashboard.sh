#!/usr/bin/env bash
# Dashboard render time (issue 23): `GET /dashboard` (7 and 30 days) over 10,000 and then
# 1,000,000 seeded calls, one request at a time with curl, next to the baseline axum server
# (bench/hello) measured the same way in the same run. Also the cost of the rollup's
# triggers on the bulk write path: the same seed into a database whose dashboard triggers
# were dropped.
#
#   bash bench/dashboard.sh                        # 10,000 and 1,000,000 calls
#   SIZES="10000 100000" REQUESTS=50 bash bench/dashboard.sh
#
# Options (environment): SIZES ("10000 1000000"), REQUESTS (100 per URL), TRIGGER_CALLS
# (100000: the seed compared with and without triggers; 0 skips it), KEEP=1 keeps the data,
# BUILD=0 measures the release binaries already built (in $CARGO_TARGET_DIR or target/).
# Needs curl, python3 and sqlite3; pins the servers to core 0 and curl to core 1.
set -euo pipefail

SIZES=${SIZES:-"10000 1000000"}
REQUESTS=${REQUESTS:-100}
TRIGGER_CALLS=${TRIGGER_CALLS:-100000}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for tool in curl python3 sqlite3; do command -v $tool >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done
SERVER_CPU=() LOAD_CPU=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SERVER_CPU=(taskset -c 0) LOAD_CPU=(taskset -c 1)
fi

if [ "${BUILD:-1}" = 1 ]; then
  log "building release binaries"
  cargo build --release -q -p switchyard -p switchyard-bench-hello
fi

DATA=$(mktemp -d /tmp/switchyard-dashboard.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then log "data kept in $DATA"; else rm -rf "$DATA"; fi
}
trap cleanup EXIT

wait_up() { # url pid log
  for _ in $(seq 1 600); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "server for $1 exited:" >&2; cat "$3" >&2; exit 1; }
    sleep 0.1
  done
  echo "server at $1 did not come up" >&2; exit 1
}

# times URL [curl args...]: REQUESTS sequential requests (after 5 to warm up), one
# time_total in ms per line; fails on any status but 200.
times() {
  local url=$1; shift
  for i in $(seq 1 $((REQUESTS + 5))); do
    "${LOAD_CPU[@]}" curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' "$@" "$url"
  done | tail -n "$REQUESTS" | while read -r code secs; do
    [ "$code" = 200 ] || { echo "HTTP $code from $url" >&2; exit 1; }
    python3 -c "print($secs * 1000)"
  done
}
stats() { python3 -c '
import statistics, sys
xs = sorted(float(l) for l in sys.stdin if l.strip())
p90 = xs[max(0, -(-len(xs) * 9 // 10) - 1)]
print(f"{statistics.median(xs):.2f} {p90:.2f}")'; }

HELLO_PORT=$(free_port)
"${SERVER_CPU[@]}" "$BIN/switchyard-bench-hello" --addr "127.0.0.1:$HELLO_PORT" 2>"$DATA/hello.log" &
PIDS+=($!)
wait_up "http://127.0.0.1:$HELLO_PORT/" "${PIDS[-1]}" "$DATA/hello.log"

new_org() { # data dir -> "org key"
  "$BIN/switchyard" --data-dir "$1" org create --name Bench --owner b@bench.test --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["organization_id"], d["api_key"])'
}
seed() { # data dir, org, calls -> seconds
  local start; start=$(date +%s.%N)
  "$BIN/switchyard" --data-dir "$1" seed --org "$2" --calls "$3" >/dev/null
  python3 -c "import time; print(f'{time.time() - $start:.1f}')"
}

ROWS=()
for calls in $SIZES; do
  dir=$DATA/db-$calls
  read -r ORG KEY < <(new_org "$dir")
  log "seeding $calls calls"
  seed_secs=$(seed "$dir" "$ORG" "$calls")
  rollup_rows=$(sqlite3 "$dir/switchyard.db" "SELECT COUNT(*) FROM call_rollup")
  port=$(free_port)
  "${SERVER_CPU[@]}" "$BIN/switchyard" --data-dir "$dir" serve --addr "127.0.0.1:$port" >"$DATA/server-$calls.log" 2>&1 &
  PIDS+=($!)
  wait_up "http://127.0.0.1:$port/healthz" "${PIDS[-1]}" "$DATA/server-$calls.log"
  jar=$DATA/cookies-$calls
  token=$(curl -sS -c "$jar" "http://127.0.0.1:$port/signin" | python3 -c '
import re, sys; print(re.search(r"name=\"token\" value=\"([^\"]+)\"", sys.stdin.read()).group(1))')
  curl -sS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "key=$KEY" --data-urlencode "token=$token" \
    --data-urlencode "next=/dashboard" "http://127.0.0.1:$port/signin"
  total=$(curl -sS -b "$jar" "http://127.0.0.1:$port/dashboard?period=30d" |
    python3 -c 'import re, sys; print(re.search(r"data-metric=\"calls_total\" data-value=\"(\d+)\"", sys.stdin.read()).group(1))')
  log "$calls calls: 30 days hold $total; rollup rows $rollup_rows; measuring"
  base=$(times "http://127.0.0.1:$HELLO_PORT/" | stats)
  week=$(times "http://127.0.0.1:$port/dashboard?period=7d" -b "$jar" | stats)
  month=$(times "http://127.0.0.1:$port/dashboard?period=30d" -b "$jar" | stats)
  usage=$(times "http://127.0.0.1:$port/api/v1/usage?start=$(date -u -d '29 days ago' +%F)&end=$(date -u +%F)" \
    -H "authorization: Bearer $KEY" | stats)
  ROWS+=("$calls|$seed_secs|$rollup_rows|$total|$base|$week|$month|$usage")
  kill "${PIDS[-1]}" 2>/dev/null || true
done

TRIGGER_ROW=""
if [ "$TRIGGER_CALLS" -gt 0 ]; then
  for variant in with without; do
    dir=$DATA/trig-$variant
    read -r ORG KEY < <(new_org "$dir")
    if [ $variant = without ]; then
      sqlite3 "$dir/switchyard.db" "DROP TRIGGER call_rollup_insert; DROP TRIGGER call_rollup_delete; \
        DROP TRIGGER call_rollup_update; DROP TRIGGER call_tag_rollup_insert; DROP TRIGGER call_tag_rollup_delete; \
        DROP TRIGGER call_tag_rollup_call_delete; DROP TRIGGER call_tag_rollup_call_move; DROP INDEX calls_talk;"
    fi
    log "seeding $TRIGGER_CALLS calls $variant the dashboard's triggers"
    secs=$(seed "$dir" "$ORG" "$TRIGGER_CALLS")
    TRIGGER_ROW+="$variant=$secs "
  done
fi

python3 - "$REQUESTS" "$TRIGGER_CALLS" "$TRIGGER_ROW" "${#SERVER_CPU[@]}" "${ROWS[@]}" <<'EOF'
import sys
requests, trigger_calls, trigger, pinned, *rows = sys.argv[1:]
print(f"curl, one request at a time, {requests} per URL after 5 to warm up; ms as median / p90; "
      f"{'server on core 0, curl on core 1' if pinned != '0' else 'no CPU pinning'}\n")
print("| calls | seed s | rollup rows | calls in 30 days | baseline (hello) | /dashboard 7d | /dashboard 30d | GET /usage 30 days |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for row in rows:
    calls, seed, rollup, total, base, week, month, usage = row.split("|")
    fmt = lambda x: " / ".join(x.split())
    print(f"| {int(calls):,} | {seed} | {int(rollup):,} | {int(total):,} | {fmt(base)} | {fmt(week)} | {fmt(month)} | {fmt(usage)} |")
if trigger.strip():
    got = dict(x.split("=") for x in trigger.split())
    w, wo = float(got["with"]), float(got["without"])
    print(f"\nSeed of {int(trigger_calls):,} calls: {w:.1f} s with the dashboard's triggers and index, "
          f"{wo:.1f} s without ({w / wo:.2f}x; {int(trigger_calls) / w:,.0f} vs {int(trigger_calls) / wo:,.0f} calls/s)")
EOF
