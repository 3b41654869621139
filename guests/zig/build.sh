#!/usr/bin/env bash
# Rebuild freestanding.wasm and wasi.wasm from strings.zig with the Zig
# compiler from PyPI (pip install ziglang; run through python -m ziglang).
# PYTHON= names the Python that has ziglang (default: the repository's .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON="${PYTHON:-../../.venv/bin/python}"
if ! "$PYTHON" -m ziglang version >/dev/null 2>&1; then
    echo "error: Zig not found; install it with: $PYTHON -m pip install ziglang" >&2
    exit 1
fi

# ReleaseSmall strips debug info, the name section and the producers section;
# -rdynamic exports every `export fn`, -fno-entry builds a library (no _start).
set -x
"$PYTHON" -m ziglang build-exe strings.zig -target wasm32-freestanding \
    -fno-entry -rdynamic -O ReleaseSmall -femit-bin=freestanding.wasm
"$PYTHON" -m ziglang build-exe strings.zig -target wasm32-wasi \
    -fno-entry -rdynamic -O ReleaseSmall -femit-bin=wasi.wasm
chmod 644 freestanding.wasm wasi.wasm
rm -f freestanding.wasm.o wasi.wasm.o
