#!/usr/bin/env bash
# Rebuild arrays.wasm from arrays.ts with AssemblyScript 0.14 (the runtime
# with __alloc/__retain/__release), pinned in package.json and installed
# into node_modules/ (not committed). Needs Node.js and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: node/npm not found; install them with: apt-get install nodejs npm" >&2
    exit 1
fi
if [ ! -x node_modules/.bin/asc ]; then
    npm ci --no-audit --no-fund
fi

# --runtime full is 0.14's default: TLSF + reference counting, exported to the host.
set -x
npx --no-install asc arrays.ts -b arrays.wasm -O3z --runtime full
