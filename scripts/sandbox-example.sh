#!/usr/bin/env bash
# Runs docs/examples/test_sandbox.py (the pytest example of docs/TESTING.md) against a
# fresh `serve --sandbox` on a free port, so that the documented example keeps working.
# Checks first that docs/TESTING.md shows the example exactly as it is in the file.
# pytest and requests live in a virtual environment under target/example-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTEST_VERSION=8.3.4
REQUESTS_VERSION=2.32.3
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
VENV="$TARGET_DIR/example-venv"

python3 - <<'PY'
import sys
example = open("docs/examples/test_sandbox.py").read()
if example not in open("docs/TESTING.md").read():
    sys.exit("docs/TESTING.md does not show docs/examples/test_sandbox.py as it is")
PY

if ! "$VENV/bin/python" -c "import pytest, requests; assert pytest.__version__ == '$PYTEST_VERSION'" 2>/dev/null; then
  echo "example: installing pytest $PYTEST_VERSION and requests $REQUESTS_VERSION in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pytest==$PYTEST_VERSION" "requests==$REQUESTS_VERSION"
fi

echo "example: building the server"
cargo build --quiet --locked -p switchyard --bin switchyard
server_bin="$(cd "$TARGET_DIR" && pwd)/debug/switchyard"

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
SWITCHYARD_LOG=warn NO_COLOR=1 "$server_bin" --data-dir "$work/data" serve \
  --addr "127.0.0.1:$port" --sandbox --admin-token "$token" --allow-private-webhooks \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

echo "example: pytest docs/examples/test_sandbox.py"
status=0
SWITCHYARD_URL="http://127.0.0.1:$port" SWITCHYARD_ADMIN_TOKEN="$token" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider docs/examples/test_sandbox.py || status=$?
if [ "$status" != 0 ]; then
  echo "example: the server's log:" >&2
  cat "$work/server.log" >&2
fi
exit "$status"
