#!/usr/bin/env bash
# Fuzzes the server against its own OpenAPI document with schemathesis: builds the server,
# starts `serve --demo` on a fresh database and a free port, and sends it generated requests
# (valid and invalid ones) for every documented operation with the demo Owner key. Fails on
# any 5xx, any answer whose status, content type, headers or body the document does not
# describe, an error in the server's log, or a server that dies. Runs on SQLite, then on
# PostgreSQL too when FUZZ_POSTGRES_URL (default: SWITCHYARD_TEST_POSTGRES_URL) is set: a
# database `switchyard_fuzz` on that server is dropped and made afresh. A few minutes.
#
#   bash scripts/fuzz-api.sh
#
# FUZZ_MAX_EXAMPLES (default 60) bounds the generated requests per operation and phase;
# FUZZ_SEED (default fixed) makes a run repeatable; FUZZ_ARGS adds schemathesis flags (it runs
# in a temporary directory: give reports absolute paths, e.g. `--report har --report-dir /tmp/r`).
# schemathesis lives in a virtual environment under target/fuzz-venv, made on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
VENV="$TARGET_DIR/fuzz-venv"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-60}"
SEED="${FUZZ_SEED:-20240101}"
POSTGRES_URL="${FUZZ_POSTGRES_URL:-${SWITCHYARD_TEST_POSTGRES_URL:-}}"
started=$(date +%s)

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION"
fi
schemathesis="$(cd "$VENV" && pwd)/bin/schemathesis"

echo "fuzz: building the server"
cargo build --quiet --locked -p switchyard --bin switchyard
server_bin="$(cd "$TARGET_DIR" && pwd)/debug/switchyard"

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the server with extra flags ($@); sets `base` and `key`.
start_server() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  rm -rf "$work/data"
  SWITCHYARD_LOG="${SWITCHYARD_LOG:-warn}" NO_COLOR=1 "$server_bin" serve --demo \
    --addr "127.0.0.1:$port" --data-dir "$work/data" --sim-speed 20 "$@" \
    >"$work/stdout.log" 2>"$work/stderr.log" &
  server_pid=$!
  key=""
  for _ in $(seq 1 120); do
    key=$(grep -o -m1 'sy_[0-9a-f]\{10\}_[A-Za-z0-9_-]\{43\}' "$work/stdout.log" || true)
    if [ -n "$key" ] && python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "$base/healthz" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "fuzz: the server did not start:" >&2
  cat "$work/stdout.log" "$work/stderr.log" >&2
  return 1
}

# Ids of the demo organization's objects, so that requests reach past the `404`s and `422`s
# that random ids get: schemathesis draws path ids and body fields from these most of the time.
write_config() {
  python3 - "$base" "$key" >"$work/schemathesis.toml" <<'PY'
import json, sys, urllib.request

base, key = sys.argv[1], sys.argv[2]

def get(path):
    request = urllib.request.Request(base + "/api/v1" + path, headers={"authorization": "Bearer " + key})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)

def post(path, body):
    request = urllib.request.Request(
        base + "/api/v1" + path, data=json.dumps(body).encode(), method="POST",
        headers={"authorization": "Bearer " + key, "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)

calls = get("/calls?limit=100")["calls"]
numbers = get("/numbers")
dictionaries = {
    "calls": [c["id"] for c in calls],
    "notes": [n["id"] for c in calls for n in c["notes"]],
    "use_cases": [u["id"] for u in get("/use-cases")],
    "agents": [a["id"] for a in get("/agents")],
    "numbers": [n["id"] for n in numbers],
    # An export of every call, which the server's worker finishes during the run.
    "exports": [post("/calls/export", {})["export_id"]],
    "lines": [n["number"] for n in numbers],
    # The simulated network's deterministic outcomes, and a person who answers.
    "phones": ["+14155550123"] + ["+1555010000%d" % i for i in range(1, 7)],
}
operations = [
    (r"^/api/v1/calls/\{id\}", {"path.id": "calls", "path.note_id": "notes"}),
    (r"^/api/v1/calls/current-page$", {"query.callId": "calls"}),
    (r"^/api/v1/use-cases/\{id\}$", {"path.id": "use_cases"}),
    (r"^/api/v1/agents/\{id\}$", {"path.id": "agents"}),
    (r"^/api/v1/exports/\{id\}$", {"path.id": "exports"}),
    (r"^/api/v1/numbers/\{id\}", {"path.id": "numbers", "body.use_case_id": "use_cases", "body.agent_routes[*].id": "agents"}),
    (r"^/api/v1/dial/outbound$", {"body.number_id": "numbers", "body.phone_number": "phones", "body.use_case_id": "use_cases", "body.agent_id": "agents"}),
    (r"^/api/v1/dial/outbound-batched$", {"body.[*].number_id": "numbers", "body.[*].phone_number": "phones"}),
    (r"^/api/v1/dial/scheduled$", {"body.number_id": "numbers", "body.use_case_id": "use_cases", "body.calls[*].phone_number": "phones"}),
    (r"^/api/v1/sim/inbound$", {"body.to": "lines", "body.from": "phones"}),
]
print("[dictionaries]")
for name, values in dictionaries.items():
    if values:
        print(f"{name} = {{ values = {json.dumps(values)} }}")
for regex, parameters in operations:
    print("\n[[operations]]")
    print(f"include-path-regex = {json.dumps(regex)}")
    print("[operations.parameters]")
    for parameter, dictionary in parameters.items():
        if dictionaries[dictionary]:
            print(f'"{parameter}" = {{ dictionary = "{dictionary}", probability = 0.8 }}')
PY
}

fuzz() {
  # From the temporary directory: schemathesis and hypothesis keep caches in the current one.
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  (cd "$work" && "$schemathesis" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --generation-database none \
    --request-timeout 10 \
    --no-color \
    "$@" ${FUZZ_ARGS:-})
}

status=0
# Fuzzes one backend: the server is started with the flags given ($@).
run_backend() {
  local name=$1
  shift
  echo "fuzz: $name: starting the server"
  start_server "$@" || { status=1; return; }
  write_config
  echo "fuzz: $name: schemathesis $SCHEMATHESIS_VERSION on $base, at most $MAX_EXAMPLES examples per operation, seed $SEED"
  # Members last, on their own: the fuzzer reads member emails from answers and would demote
  # or remove the demo Owner, leaving the other operations only 401s and 403s to test.
  fuzz --exclude-path /api/v1/member || status=1
  echo "fuzz: $name: members"
  fuzz --include-path /api/v1/member || status=1
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "fuzz: $name: the server died during the run" >&2
    status=1
  fi
  stop_server
  if grep -E 'ERROR|panicked' "$work/stderr.log" >&2; then
    echo "fuzz: $name: the server logged errors (above)" >&2
    status=1
  fi
}

run_backend sqlite
if [ -n "$POSTGRES_URL" ]; then
  fuzz_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/switchyard_fuzz", query="")))' "$POSTGRES_URL")
  psql -q "$POSTGRES_URL" -c 'DROP DATABASE IF EXISTS switchyard_fuzz WITH (FORCE)' -c 'CREATE DATABASE switchyard_fuzz'
  run_backend postgres --database-url "$fuzz_url"
else
  echo "fuzz: PostgreSQL skipped (set FUZZ_POSTGRES_URL or SWITCHYARD_TEST_POSTGRES_URL)"
fi
echo "fuzz: finished in $(($(date +%s) - started)) s: $([ "$status" = 0 ] && echo passed || echo FAILED)"
exit "$status"
