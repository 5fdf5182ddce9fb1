#!/usr/bin/env bash
# The gRPC contract's checks (`npm run proto:check [-- <git ref>]`, part of `npm test`):
# - buf lint (rules and their exceptions in buf.yaml);
# - no breaking change against the contract as committed at <git ref>: HEAD by default, so an edit that
#   breaks the committed contract fails before it is committed; on a branch, pass its base (`-- main`);
# - src/gen is what `npm run generate` makes of proto/ now.
set -euo pipefail
cd "$(dirname "$0")/.."
against="${1:-HEAD}"

buf lint

if git cat-file -e "$against:proto" 2>/dev/null; then
  buf breaking --against ".git#ref=$against"
else
  echo "proto:check: $against has no proto/, so there is nothing to check for breaking changes"
fi

generated="$(mktemp -d)"
trap 'rm -rf "$generated"' EXIT
buf generate --output "$generated"
if ! diff -r "$generated/src/gen" src/gen; then
  echo "proto:check: src/gen is out of date with proto/: run npm run generate" >&2
  exit 1
fi
