#!/usr/bin/env bash
# Rebuild glue.wasm, imported_memory.wasm and standalone.wasm from strings.c
# with Debian's Emscripten (apt-get install emscripten node-acorn).
# Only the .wasm files are kept: the JS glue the first two builds write is
# generated Emscripten runtime (150 kB) and goes to a temporary directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v emcc >/dev/null 2>&1; then
    echo "error: emcc not found; install it with: apt-get install emscripten node-acorn" >&2
    exit 1
fi
# Debian's emcc runs its JS optimizer with `node` and needs Debian's acorn
# (/usr/share/nodejs), which a Node.js not from Debian does not search.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

exports=_malloc,_free,_greet,_upper,_repeat,_fill_mib,_sum_bytes,_shout,_can_read,_add,_average
# -O1, not -Os, for the two glue builds: from -O2 on, emcc minifies the names
# of a glue build's imports and exports (module "a", functions "a", "b", ...;
# exports "e", "f", ...) and only the generated .js knows which is which.
set -x
emcc -O1 strings.c -sEXPORTED_FUNCTIONS="$exports" -sALLOW_MEMORY_GROWTH \
    -o "$out/glue.js"
emcc -O1 strings.c -sEXPORTED_FUNCTIONS="$exports" -sALLOW_MEMORY_GROWTH \
    -sIMPORTED_MEMORY -o "$out/imported_memory.js"
emcc -Os strings.c -sEXPORTED_FUNCTIONS="$exports" -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH \
    -o "$out/standalone.wasm"
set +x
for name in glue imported_memory standalone; do
    install -m 644 "$out/$name.wasm" "$name.wasm"
done
