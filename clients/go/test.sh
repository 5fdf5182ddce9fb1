#!/usr/bin/env bash
# The Go client's suite against a running service: XIAOZHI_MCP_SERVICE_URL and XIAOZHI_MCP_SERVICE_KEY name it
# (node scripts/with-service.ts -- clients/go/test.sh starts one). Offline: GOPROXY=off, and gorilla/websocket
# comes from Debian's golang-github-gorilla-websocket-dev through a go.work generated here (go.mod stays clean).
# Prints "SKIPPED go client: <what is missing>" and exits 0 when Go 1.19+ or the WebSocket library is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

skip() {
  echo "SKIPPED go client: $1"
  exit 0
}

command -v go >/dev/null 2>&1 || skip "no go toolchain (apt-get install golang-go golang-github-gorilla-websocket-dev)"
version="$(go env GOVERSION)"
minor="$(echo "$version" | sed -E 's/^go1\.([0-9]+).*/\1/')"
[[ "$minor" =~ ^[0-9]+$ && "$minor" -ge 19 ]] || skip "go 1.19 or newer is needed, found $version"

if [[ -z "${XIAOZHI_MCP_SERVICE_URL:-}" || -z "${XIAOZHI_MCP_SERVICE_KEY:-}" ]]; then
  echo "go client: set XIAOZHI_MCP_SERVICE_URL and XIAOZHI_MCP_SERVICE_KEY to a running service," >&2
  echo "  or run: node scripts/with-service.ts -- clients/go/test.sh" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOPROXY=off GOTOOLCHAIN=local GOFLAGS=
unset GOWORK
cache="$(go env GOCACHE)"
if [[ -z "$cache" || "$cache" == off ]] || ! mkdir -p "$cache" 2>/dev/null; then
  export GOCACHE="$work/cache"
fi

ws_dir="${GORILLA_WEBSOCKET_DIR:-/usr/share/gocode/src/github.com/gorilla/websocket}"
if [[ -f "$ws_dir/go.mod" ]]; then
  (cd "$work" && go work init "$here" && go work edit -replace=github.com/gorilla/websocket="$ws_dir")
  export GOWORK="$work/go.work"
elif ! (cd "$here" && go mod download github.com/gorilla/websocket >/dev/null 2>&1); then
  skip "github.com/gorilla/websocket is neither in $ws_dir (apt-get install golang-github-gorilla-websocket-dev) nor in the module cache"
fi

cd "$here"
echo "go client: $version against $XIAOZHI_MCP_SERVICE_URL"
go vet ./...
go test -count=1 "$@" ./...
