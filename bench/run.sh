#!/usr/bin/env bash
# HTTP benchmark of issue 5: switchyard against a baseline axum server (bench/hello).
#
#   bash bench/run.sh                       # 10,000 seeded calls, 3 repetitions
#   CALLS=1000000 REPS=3 bash bench/run.sh  # the big run
#
# Options (environment): CALLS (10000), REPS (3), DURATION (10s), CONNECTIONS (32),
# THREADS (1), PORT and HELLO_PORT (free ports by default), KEEP=1 keeps the data directory,
# ONLY="baseline get_call ..." runs those scenarios alone (keep baseline for the ratios),
# SWITCHYARD=path measures that switchyard binary (an older build, for a same-run A/B).
# Each repetition runs every scenario once, interleaved, with wrk; the table shows the
# median over the repetitions. Needs curl, python3 and wrk (installed with apt if missing).
set -euo pipefail

CALLS=${CALLS:-10000}
REPS=${REPS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=${PORT:-$(free_port)}
HELLO_PORT=${HELLO_PORT:-$(free_port)}
DIAL_CALLS=10000

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=$ROOT/target/release

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if ! command -v wrk >/dev/null; then
  log "installing wrk"
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else sudo apt-get install -y wrk >/dev/null; fi
fi
for tool in curl python3 wrk; do command -v $tool >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done

# Pin the servers to core 0 and wrk to core 1 when there are two cores to pin to.
SERVER_CPU=() LOAD_CPU=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SERVER_CPU=(taskset -c 0) LOAD_CPU=(taskset -c 1)
fi

log "building release binaries"
cargo build --release -q -p switchyard -p switchyard-bench-hello

DATA=$(mktemp -d /tmp/switchyard-bench.XXXXXX)
OUT=$DATA/out
mkdir -p "$OUT"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then log "data kept in $DATA"; else rm -rf "$DATA"; fi
}
trap cleanup EXIT

SY=("${SWITCHYARD:-$BIN/switchyard}" --data-dir "$DATA/db")

ORG_JSON=$("${SY[@]}" org create --name Bench --owner b@bench.test --json)
ORG=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["organization_id"])' <<<"$ORG_JSON")
KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$ORG_JSON")

log "seeding $CALLS calls"
SEED_START=$(date +%s.%N)
"${SY[@]}" seed --org "$ORG" --calls "$CALLS" | tail -1 >&2
SEED_SECS=$(python3 -c "import time; print(f'{time.time() - $SEED_START:.1f}')")

wait_up() { # url pid log
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "server for $1 exited:" >&2; cat "$3" >&2; exit 1; }
    sleep 0.1
  done
  echo "server at $1 did not come up" >&2; exit 1
}

"${SERVER_CPU[@]}" "$BIN/switchyard-bench-hello" --addr "127.0.0.1:$HELLO_PORT" 2>"$OUT/hello.log" &
HELLO_PID=$!
PIDS+=($HELLO_PID)
"${SERVER_CPU[@]}" "${SY[@]}" serve --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=($SERVER_PID)
wait_up "http://127.0.0.1:$HELLO_PORT/" $HELLO_PID "$OUT/hello.log"
wait_up "http://127.0.0.1:$PORT/healthz" $SERVER_PID "$OUT/server.log"

API=http://127.0.0.1:$PORT/api/v1
AUTH="authorization: Bearer $KEY"
api() { # method path [body]
  if [ $# -ge 3 ]; then
    curl -fsS -X "$1" -H "$AUTH" -H 'content-type: application/json' --data-binary "$3" "$API$2"
  else
    curl -fsS -X "$1" -H "$AUTH" "$API$2"
  fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Ids for the scenarios: a call without notes, the seeded use case, the deep page's skip.
COUNT=$(api GET "/calls?limit=1" | json 'd["count"]')
# Two calls without notes: one to read, one to add notes to. A note_add_delete run ends
# with the notes of its last requests still there, and each note makes the call larger to
# read: GET one call, measured on a call with 21 left-over notes, ran at less than half
# its rate.
read -r CALL NOTE_CALL < <(api GET "/calls?limit=50" | json '" ".join([c["id"] for c in d["calls"] if not c["notes"]][:2])')
USE_CASE=$(api GET "/calls?limit=1" | json 'd["calls"][0]["use_case"]["id"]')
DEEP_SKIP=$(( COUNT > 50 ? COUNT - 50 : 0 ))
# The worst case of OFFSET paging: a page past the middle is read backwards from the end.
MIDDLE_SKIP=$(( COUNT / 2 ))
FROM=$(date -u -d '180 days ago' +%F)
TO=$(date -u +%F)
FILTER="limit=50&statuses=Completed,Busy&use_cases=$USE_CASE&from=$FROM&to=$TO"
FILTERED_COUNT=$(api GET "/calls?$FILTER" | json 'd["count"]')
# A keyset page (the `cursor` extension): the second page, which costs what any depth does.
CURSOR=$(api GET "/calls?limit=50&cursor=" | json 'd["next_cursor"]')
log "calls: $COUNT; filtered page matches $FILTERED_COUNT; deep page skip=$DEEP_SKIP"

# A number of the org on a use case of its own, for the batched dial.
UC_B=$(api POST /use-cases '{"name":"b"}' | json 'd["id"]')
NUMBER=$(api POST /numbers '{}' | json 'd["id"]')
api PATCH "/numbers/$NUMBER" "{\"use_case_id\": \"$UC_B\"}" >/dev/null
python3 - "$NUMBER" "$DIAL_CALLS" >"$DATA/dial.json" <<'EOF'
import json, sys
number, n = sys.argv[1], int(sys.argv[2])
print(json.dumps([{"number_id": number, "phone_number": f"+1415{i:07d}",
                   "params": {"load_id": f"LD-{i}"}} for i in range(n)]))
EOF

read -r -a SCENARIOS <<<"${ONLY:-baseline get_call page_50 filtered_page deep_page middle_page cursor_page note_add_delete}"
declare -A LABEL=(
  [baseline]="baseline (hello, GET /)"
  [get_call]="GET one call"
  [page_50]="page of 50"
  [filtered_page]="filtered page of 50"
  [deep_page]="deep page (skip=$DEEP_SKIP)"
  [middle_page]="middle page (skip=$MIDDLE_SKIP)"
  [cursor_page]="page of 50 by cursor"
  [note_add_delete]="add + delete a note"
)

run_wrk() { # scenario rep
  local name=$1 rep=$2 args
  case $name in
    baseline) args=("http://127.0.0.1:$HELLO_PORT/") ;;
    get_call) args=(-H "$AUTH" "$API/calls/$CALL") ;;
    page_50) args=(-H "$AUTH" "$API/calls?limit=50") ;;
    filtered_page) args=(-H "$AUTH" "$API/calls?$FILTER") ;;
    deep_page) args=(-H "$AUTH" "$API/calls?limit=50&skip=$DEEP_SKIP") ;;
    middle_page) args=(-H "$AUTH" "$API/calls?limit=50&skip=$MIDDLE_SKIP") ;;
    cursor_page) args=(-H "$AUTH" "$API/calls?limit=50&cursor=$CURSOR") ;;
    note_add_delete) args=(-H "$AUTH" -s "$ROOT/bench/note.lua" "$API" -- "$NOTE_CALL") ;;
  esac
  "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency \
    "${args[@]}" >"$OUT/$name.$rep.txt" 2>&1
}

for rep in $(seq 1 "$REPS"); do
  for name in "${SCENARIOS[@]}"; do
    log "rep $rep/$REPS: $name"
    run_wrk "$name" "$rep"
  done
done

NOTES_LEFT=$(api GET "/calls/$NOTE_CALL" | json 'len(d["notes"])')
log "notes left on the note call: $NOTES_LEFT (up to one per connection per run is left queued)"

# The batched dial last: the engine then dials those calls in the background.
for rep in $(seq 1 "$REPS"); do
  log "rep $rep/$REPS: batched dial of $DIAL_CALLS"
  curl -sS -o "$DATA/dial.out" -w '%{http_code} %{time_total}\n' -X POST -H "$AUTH" \
    -H 'content-type: application/json' --data-binary "@$DATA/dial.json" \
    "$API/dial/outbound-batched" >"$OUT/dial.$rep.txt"
done

HWM_KB=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")

python3 - "$OUT" "$REPS" "$CALLS" "$SEED_SECS" "$HWM_KB" "$DIAL_CALLS" "$DURATION" "$CONNECTIONS" "$THREADS" \
  "${#SERVER_CPU[@]}" <<EOF
import re, statistics, sys
out, reps, calls, seed_secs, hwm_kb, dial_calls, duration, conns, threads, pinned = sys.argv[1:]
reps = int(reps)
names = "${SCENARIOS[*]}".split()
labels = {$(for n in "${SCENARIOS[@]}"; do printf '"%s": "%s", ' "$n" "${LABEL[$n]}"; done)}
units = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}

def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * units[m.group(2)]

def parse(path):
    """(requests/s, p50 ms, p99 ms, non-2xx, socket errors), or None when no request
    completed (wrk then prints "0 requests in ..." and no usable latencies)."""
    text = open(path).read()
    done = re.search(r"(\d+) requests in", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errs = re.search(r"Socket errors: (.*)", text)
    try:
        if not (done and int(done.group(1)) > 0 and rps):
            raise ValueError("no request completed")
        row = (float(rps.group(1)), ms(p50.group(1)), ms(p99.group(1)))
    except (AttributeError, KeyError, ValueError):
        return None, (errs.group(1) if errs else (text.strip().splitlines() or ["no output"])[-1])
    return row + (int(bad.group(1)) if bad else 0, errs.group(1) if errs else ""), None

def warn(message):
    print(f"\n*** WARNING: {message} ***\n", file=sys.stderr)

rows, problems = {}, []
for n in names:
    runs = []
    for r in range(1, reps + 1):
        x, why = parse(f"{out}/{n}.{r}.txt")
        if x is None:
            warn(f"{labels[n]}, rep {r}: no request completed ({why}); see {out}/{n}.{r}.txt")
            problems.append(f"{labels[n]}, rep {r}: no request completed ({why})")
            runs.append((0.0, None, None, 0, ""))
            continue
        runs.append(x)
        if x[3]: problems.append(f"{labels[n]}, rep {r}: {x[3]} non-2xx responses")
        if x[4]: problems.append(f"{labels[n]}, rep {r}: socket errors: {x[4]}")
    completed = [x for x in runs if x[1] is not None]
    # A run that completed nothing counts as 0 requests/s; latencies come from the others.
    rows[n] = (statistics.median(x[0] for x in runs),
               statistics.median(x[1] for x in completed) if completed else None,
               statistics.median(x[2] for x in completed) if completed else None,
               [x[0] for x in runs])

base = rows["baseline"][0]
print(f"{calls} seeded calls (seed: {seed_secs} s); wrk -t{threads} -c{conns} -d{duration} --latency; "
      f"median of {reps}; {'server on core 0, wrk on core 1' if pinned != '0' else 'no CPU pinning'}\n")
# Each repetition's rate too: a scenario that slows from one repetition to the next (the
# 1M runs of 2026-11-26, bench/README.md) shows there and not in the median.
print("| scenario | requests/s | ratio to baseline | p50 ms | p99 ms | requests/s by repetition |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
for n in names:
    rps, p50, p99, each = rows[n]
    if p50 is None:
        print(f"| {labels[n]} | no request completed | – | – | – | – |")
        continue
    ratio = f"{rps / base:.3f}" if base else "–"
    by_rep = ", ".join(f"{x:,.0f}" for x in each)
    print(f"| {labels[n]} | {rps:,.0f} | {ratio} | {p50:.2f} | {p99:.2f} | {by_rep} |")

dials = []
for r in range(1, reps + 1):
    code, secs = open(f"{out}/dial.{r}.txt").read().split()
    if code != "200": problems.append(f"batched dial, rep {r}: HTTP {code}")
    dials.append(float(secs))
print("\n| measure | figure |\n| --- | --- |")
print(f"| batched dial of {int(dial_calls):,} calls | median {statistics.median(dials):.3f} s "
      f"(runs: {', '.join(f'{d:.3f}' for d in dials)}) |")
print(f"| server peak RSS (VmHWM) | {int(hwm_kb) / 1024:.1f} MB |")
if problems:
    print("\nProblems:\n" + "\n".join(f"* {p}" for p in problems))
EOF

# Engine dispatch with an instant simulated network: the dispatch bench (in-process, same
# release profile), on SQLite, and on PostgreSQL too when SWITCHYARD_BENCH_POSTGRES_URL is set.
if [ "${DISPATCH:-1}" = 1 ]; then
  log "engine dispatch (cargo bench --bench dispatch)"
  echo
  echo "Engine (target: dispatch >= 1,000 calls/s):"
  echo
  cargo bench -q -p switchyard --bench dispatch 2>/dev/null
fi
