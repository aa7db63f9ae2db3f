#!/usr/bin/env bash
# SIP benchmark: how many concurrent SIP calls one switchyard instance holds with clean
# audio (send timing p95 under 5 ms), and the CPU each call costs.
#
#   bash bench/sip.sh                      # CALLS="1 5 10 20 40", TALK_MS=20000
#   CALLS="1 10 50" TALK_MS=30000 bash bench/sip.sh
#
# For each N in CALLS: a fresh data directory, SIPp as the trunk (bench/sip/uas_echo_talk.xml:
# answers every INVITE, echoes our RTP back with -rtp_echo, hangs up after TALK_MS), the
# release server with --telephony sip, one organization, use case and number, then N calls
# dialed at once (POST /dial/outbound-batched). From the dial until every call is final,
# bench/sip/cpu.py measures the server's CPU, its children's (espeak-ng,
# pocketsphinx_continuous) and the whole machine's. Then every call's `media` log line
# gives its packets and jitter. The N=1 run is the baseline of the CPU ratios (keep 1 first).
#
# Options (environment): CALLS, TALK_MS (20000), IDLE_SECS (3: the machine's background
# load, measured before each dial), TARGET_MS (5), SKIP_BUILD=1 (use the binary as it is),
# SWITCHYARD=path (measure that binary), KEEP=1 (keep the data directory).
# Needs sipp (sip-tester), espeak-ng, pocketsphinx (+ pocketsphinx-en-us), curl, python3.
set -euo pipefail

CALLS=${CALLS:-1 5 10 20 40}
TALK_MS=${TALK_MS:-20000}
IDLE_SECS=${IDLE_SECS:-3}
TARGET_MS=${TARGET_MS:-5}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${SWITCHYARD:-$TARGET_DIR/release/switchyard}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# A UDP port free now on 127.0.0.1, outside the server's RTP range (30000-39999) and with
# the port two above it free too (SIPp's -mp takes PORT and PORT+2).
free_port() { python3 -c '
import socket
while True:
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
    port = a.getsockname()[1]
    if 30000 <= port <= 40001 or port > 65533:
        continue
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", port + 2))
    except OSError:
        continue
    print(port); break'; }
json() { python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }

for tool in sipp espeak-ng pocketsphinx_continuous curl python3; do
  command -v $tool >/dev/null || { echo "missing: $tool (apt install sip-tester espeak-ng pocketsphinx pocketsphinx-en-us curl python3)" >&2; exit 1; }
done

if [ "${SKIP_BUILD:-0}" != 1 ] && [ -z "${SWITCHYARD:-}" ]; then
  log "building the release binary (target dir $TARGET_DIR)"
  cargo build --release -q -p switchyard
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }

WORK=$(mktemp -d /tmp/switchyard-bench-sip.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then log "data kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Stops a process we started (SIGTERM), waiting up to 30 s before SIGKILL.
stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

run() { # N
  local n=$1 dir=$WORK/n$1
  mkdir -p "$dir/logs"
  local sipp_port media_port sip_port
  sipp_port=$(free_port) media_port=$(free_port) sip_port=$(free_port)
  log "N=$n: SIPp on 127.0.0.1:$sipp_port (media $media_port), talk ${TALK_MS} ms"
  (cd "$dir" && exec sipp -sf "$ROOT/bench/sip/uas_echo_talk.xml" \
      -i 127.0.0.1 -mi 127.0.0.1 -bind_local -p "$sipp_port" -mp "$media_port" -rtp_echo \
      -d "$TALK_MS" -m "$n" -nostdin -trace_err -timeout 600s \
      >"$dir/sipp.out" 2>"$dir/sipp.err") &
  local sipp_pid=$!
  PIDS+=("$sipp_pid")

  local key
  key=$("$BIN" --data-dir "$dir/db" org create --name "SIP bench" --owner b@bench.test --json | json 'v["api_key"]')
  SWITCHYARD_LOG_FORMAT=json "$BIN" --data-dir "$dir/db" serve --addr 127.0.0.1:0 \
    --telephony sip --sip-trunk "sip:127.0.0.1:$sipp_port" --sip-bind "127.0.0.1:$sip_port" \
    --rtp-ports 30000-39999 --concurrency-per-org "$n" --allow-private-webhooks \
    >"$dir/server.out" 2>"$dir/server.log" &
  local server_pid=$!
  PIDS+=("$server_pid")
  local addr=""
  for _ in $(seq 1 600); do
    addr=$(python3 - "$dir/server.log" <<'PY'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("fields", {}).get("message") == "switchyard listening":
        print(e["fields"]["addr"]); break
PY
)
    [ -n "$addr" ] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$dir/server.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$addr" ] || { echo "the server did not come up" >&2; exit 1; }
  local api=http://$addr/api/v1
  call_api() { curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }

  local use_case number_json number_id
  use_case=$(call_api -X POST "$api/use-cases" -d '{"name": "SIP bench"}' | json 'v["id"]')
  number_json=$(call_api -X POST "$api/numbers" -d '{}')
  number_id=$(json 'v["id"]' <<<"$number_json")
  call_api -X PATCH "$api/numbers/$number_id" -d "{\"use_case_id\": \"$use_case\"}" >/dev/null
  python3 -c "
import json
print(json.dumps([{'number_id': '$number_id', 'phone_number': '+1415555%04d' % i} for i in range($n)]))
" >"$dir/batch.json"

  # The machine's background load (nothing is calling yet).
  python3 "$ROOT/bench/sip/cpu.py" "$server_pid" "$dir/idle.json" &
  local meter=$!
  sleep "$IDLE_SECS"
  kill -TERM "$meter"; wait "$meter" || true

  python3 "$ROOT/bench/sip/cpu.py" "$server_pid" "$dir/cpu.json" &
  meter=$!
  PIDS+=("$meter")
  sleep 0.2
  local start
  start=$(date +%s.%N)
  call_api -X POST "$api/dial/outbound-batched" --data-binary @"$dir/batch.json" >"$dir/dialed.json"
  local live=$n deadline=$(( $(date +%s) + TALK_MS / 1000 + 180 ))
  while :; do
    live=$(call_api "$api/calls?limit=1&statuses=Scheduled,Queued,Initiated,Ringing,In%20progress" | json 'v["count"]')
    [ "$live" = 0 ] && break
    if [ "$(date +%s)" -ge "$deadline" ]; then log "N=$n: $live calls still live at the deadline"; break; fi
    sleep 0.25
  done
  kill -TERM "$meter"; wait "$meter" || true
  log "N=$n: all final after $(python3 -c "import time; print(f'{time.time() - $start:.1f}')") s"

  call_api "$api/calls?limit=2000" >"$dir/calls.json"
  for id in $(json '" ".join(c["id"] for c in v["calls"])' <"$dir/calls.json"); do
    call_api "$api/calls/$id/logs" >"$dir/logs/$id.json"
  done

  stop "$server_pid"
  # SIPp ends by itself after its N calls (-m); give it a moment, then stop it.
  for _ in $(seq 1 50); do kill -0 "$sipp_pid" 2>/dev/null || break; sleep 0.1; done
  local sipp_rc
  if kill -0 "$sipp_pid" 2>/dev/null; then stop "$sipp_pid"; sipp_rc=stopped
  else wait "$sipp_pid" && sipp_rc=0 || sipp_rc=$?; fi
  echo "$sipp_rc" >"$dir/sipp.rc"

  python3 "$ROOT/bench/sip/report.py" run "$dir" "$n" "$TALK_MS" >"$dir/run.json"
}

RUNS=()
for n in $CALLS; do
  run "$n"
  RUNS+=("$WORK/n$n/run.json")
done
python3 "$ROOT/bench/sip/report.py" table "$TARGET_MS" "${RUNS[@]}"
