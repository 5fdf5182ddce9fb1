#!/usr/bin/env bash
# The TypeScript client's suite (node:test) against a running service: XIAOZHI_MCP_SERVICE_URL and
# XIAOZHI_MCP_SERVICE_KEY, as scripts/with-service.ts sets them; without them it starts one itself that way.
# Node 22 is the project's own (node_modules/node/bin), for its type stripping and WebSocket.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
node="$root/node_modules/node/bin/node"
if [[ ! -x "$node" ]]; then
  echo "SKIPPED ts client: Node 22 (node_modules/node/bin/node; run npm install)"
  exit 0
fi
if [[ -z "${XIAOZHI_MCP_SERVICE_URL:-}" || -z "${XIAOZHI_MCP_SERVICE_KEY:-}" ]]; then
  exec "$node" "$root/scripts/with-service.ts" -- bash "$0" "$@"
fi
cd "$here"
# A test that fails with a socket still open must not hold the run: each test has a deadline, and the run
# ends when the tests do.
exec "$node" --test --test-reporter=spec --test-timeout=60000 --test-force-exit "$@" test/*.test.ts
