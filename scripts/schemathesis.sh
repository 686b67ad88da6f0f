#!/usr/bin/env bash
# Fuzz the API from its own OpenAPI document with schemathesis: no request may get a 5xx.
#
# Starts the API alone (no worker, so uploads stay queued and fuzzed questions find no passages:
# every route is exercised, none waits on the chat model) on a fresh DATA_DIR with an admin key,
# then runs `st run … --checks not_a_server_error` with a bounded number of examples per operation.
# schemathesis lives in a venv of its own under $CITED_CACHE_DIR (pinned; installed once).
#
# Usage: bash scripts/schemathesis.sh   (SCHEMATHESIS_EXAMPLES=N, default 50; needs Redis and models)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=4.32.5
cache="${CITED_CACHE_DIR:-$HOME/.cache/cited}"
venv="$cache/schemathesis-$version"
examples="${SCHEMATHESIS_EXAMPLES:-50}"
report="$root/test-artifacts/schemathesis"

if [ ! -x "$venv/bin/st" ]; then
  echo "schemathesis: installing schemathesis==$version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

work=$(mktemp -d /tmp/cited-st.XXXXXX)
port=$((20000 + RANDOM % 20000))
api_pid=""
cleanup() {
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null || true
  node -e '
    const { Redis } = require("ioredis");
    const r = new Redis(process.env.REDIS_URL || "redis://127.0.0.1:6379");
    r.keys(process.argv[1] + ":*").then((k) => (k.length ? r.del(...k) : 0)).finally(() => r.disconnect());' \
    "cited-st-$$" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export DATA_DIR="$work/data" PORT="$port" HOST=127.0.0.1 OPEN_MODE=false QUEUE_PREFIX="cited-st-$$"
# The audit trail's key (outside DATA_DIR), as an operator sets it.
export AUDIT_KEY="$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
export RATE_LIMIT_PER_MINUTE=0 JUDGE_MODEL=none LOG_LEVEL=warn LLAMA_THREADS="${LLAMA_THREADS:-1}"
export NODE_OPTIONS=""
key=$(node --import tsx src/cli/main.ts keys create --tenant fuzz --groups g1 --role admin --label schemathesis 2>/dev/null)
node --import tsx src/api/main.ts >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "API did not start"; tail -20 "$work/api.log"; exit 1; }

mkdir -p "$report"
status=0
# From the scratch folder: schemathesis keeps its example database in ./.schemathesis.
# One worker: with two threads, CPython 3.11's ast.parse (which hypothesis calls to describe its
# strategies) can fail with "AST constructor recursion depth mismatch" (python/cpython#106905), a
# runtime error of the tool that failed CI once, not a finding about the API.
cd "$work"
"$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error \
  --max-examples "$examples" \
  --phases examples,coverage,fuzzing \
  --workers 1 \
  --request-timeout 60 \
  --seed "${SCHEMATHESIS_SEED:-20251126}" \
  --report junit --report-dir "$report" \
  --warnings off || status=$?
if grep -q '"level":50' "$work/api.log"; then
  echo "schemathesis: the API logged errors:"
  grep '"level":50' "$work/api.log" | head -5 | cut -c1-600
fi
exit "$status"
