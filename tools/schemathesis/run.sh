#!/usr/bin/env bash
# Schemathesis against every API's OpenAPI document, every check: each API starts on in-memory
# fixture data (its `src/fixture-server.ts`), schemathesis runs `--checks all` against /docs/json, and
# any failure fails this script. Schemathesis comes from PyPI into a venv cached under ~/.cache.
# Usage: tools/schemathesis/run.sh [api…]   (default: every API; an API is a folder under apis/)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
version="4.32.5"
venv="${SCHEMATHESIS_VENV:-$HOME/.cache/oxagry-schemathesis/venv-$version}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

apis=("$@")
if [ ${#apis[@]} -eq 0 ]; then
  for dir in apis/*/; do [ -f "$dir/src/fixture-server.ts" ] && apis+=("$(basename "$dir")"); done
fi

status=0
for api in "${apis[@]}"; do
  log="$(mktemp)"
  node --import tsx "apis/$api/src/fixture-server.ts" >"$log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 120); do
    url="$(sed -n 's/^listening //p' "$log" | head -1)"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if [ -z "$url" ]; then
    echo "schemathesis: the $api fixture server did not start:" >&2
    cat "$log" >&2
    kill "$pid" 2>/dev/null || true
    status=1
    continue
  fi
  headers=()
  # An API with authentication prints a token with every scope for the fixture's tests to use.
  token="$(sed -n 's/^token //p' "$log" | head -1)"
  [ -n "$token" ] && headers=(--header "Authorization: Bearer $token")
  echo "== schemathesis: $api at $url"
  set +e
  # From the cache folder: schemathesis keeps its example database in ./.schemathesis.
  (cd "$(dirname "$venv")" && "$venv/bin/schemathesis" --config-file "$root/tools/schemathesis/schemathesis.toml" run "$url/docs/json" --checks all --seed "${SCHEMATHESIS_SEED:-1}" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" --workers 1 --wait-for-schema 30 \
    "${headers[@]}")
  result=$?
  set -e
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  [ "$result" -ne 0 ] && status=1
done
exit "$status"
