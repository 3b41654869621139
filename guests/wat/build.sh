#!/usr/bin/env bash
# Rebuild every *.wasm in this directory from its hand-written *.wat.
# Needs wat2wasm from WABT: apt-get install wabt
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v wat2wasm >/dev/null 2>&1; then
    echo "error: wat2wasm not found; install it with: apt-get install wabt" >&2
    exit 1
fi

for wat in *.wat; do
    wasm="${wat%.wat}.wasm"
    # two_memories.wat uses the multi-memory proposal, which wabt 1.0.32
    # does not enable by default (reference types and multi-value it does).
    flags=()
    case "$wat" in two_memories.wat) flags=(--enable-multi-memory) ;; esac
    echo "+ wat2wasm ${flags[*]} $wat -o $wasm"
    wat2wasm "${flags[@]}" "$wat" -o "$wasm"
done
