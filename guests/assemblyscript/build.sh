#!/usr/bin/env bash
# Rebuild strings.wasm from strings.ts with the AssemblyScript compiler
# pinned in package.json (installed into node_modules/, not committed).
# Needs Node.js and npm: apt-get install nodejs npm
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: node/npm not found; install them with: apt-get install nodejs npm" >&2
    exit 1
fi

if [ ! -x node_modules/.bin/asc ]; then
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund
    else
        npm install --no-audit --no-fund
    fi
fi
if [ ! -x node_modules/.bin/asc ]; then
    echo "error: AssemblyScript compiler missing; run: npm install (npm package: assemblyscript)" >&2
    exit 1
fi

set -x
npx --no-install asc strings.ts -o strings.wasm --optimize --exportRuntime
# arrays.wasm: typed arrays and arrays; --bindings esm writes arrays.js and
# arrays.d.ts beside it (committed: they name each parameter's class).
npx --no-install asc arrays.ts -o arrays.wasm --optimize --exportRuntime --bindings esm
# arrays_plain.wasm: the same source with asc's defaults (no runtime exports).
npx --no-install asc arrays.ts -o arrays_plain.wasm --optimize
