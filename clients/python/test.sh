#!/usr/bin/env bash
# The Python client's suite (stdlib unittest, Debian's /usr/bin/python3 with python3-aiohttp and
# python3-websockets) against the running service named by XIAOZHI_MCP_SERVICE_URL and XIAOZHI_MCP_SERVICE_KEY.
# From the repository root: node scripts/with-service.ts -- clients/python/test.sh
# Extra arguments go to unittest (e.g. -v, or -k relay).
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
  echo "SKIPPED python client: $PY not found (apt-get install python3)"
  exit 0
fi
missing=$("$PY" - <<'PYCHECK'
import importlib.util
print(" ".join(f"python3-{m}" for m in ("aiohttp", "websockets") if importlib.util.find_spec(m) is None))
PYCHECK
)
if [ -n "$missing" ]; then
  echo "SKIPPED python client: $missing not installed (apt-get install $missing)"
  exit 0
fi
if [ -z "${XIAOZHI_MCP_SERVICE_URL:-}" ] || [ -z "${XIAOZHI_MCP_SERVICE_KEY:-}" ]; then
  echo "python client: set XIAOZHI_MCP_SERVICE_URL and XIAOZHI_MCP_SERVICE_KEY (or run it through node scripts/with-service.ts -- clients/python/test.sh)" >&2
  exit 2
fi
PYTHONDONTWRITEBYTECODE=1 exec "$PY" -m unittest discover -s tests -t . "$@"
