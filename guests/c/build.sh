#!/usr/bin/env bash
# Rebuild wasi_guest.wasm from wasi_guest.c (WASI preview 1 reactor).
# Needs Debian packages: clang lld wasi-libc libclang-rt-14-dev-wasm32
# (the clang-rt package name follows your clang major version).
set -euo pipefail
cd "$(dirname "$0")"

CLANG="${CLANG:-clang}"
if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "error: clang not found; install it with: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32" >&2
    exit 1
fi
if ! command -v wasm-ld >/dev/null 2>&1 && ! command -v wasm-ld-14 >/dev/null 2>&1; then
    echo "error: wasm-ld not found; install it with: apt-get install lld" >&2
    exit 1
fi

# The WASI sysroot: Debian's wasi-libc puts it under /usr
# (/usr/lib/wasm32-wasi, /usr/include/wasm32-wasi); the upstream wasi-sdk
# layout is /usr/share/wasi-sysroot or $WASI_SYSROOT.
SYSROOT="${WASI_SYSROOT:-}"
if [ -z "$SYSROOT" ]; then
    for d in /usr /usr/share/wasi-sysroot /opt/wasi-sdk/share/wasi-sysroot; do
        if [ -f "$d/lib/wasm32-wasi/crt1-reactor.o" ]; then SYSROOT="$d"; break; fi
    done
fi
if [ -z "$SYSROOT" ]; then
    echo "error: no wasi sysroot found; install it with: apt-get install wasi-libc (or set WASI_SYSROOT)" >&2
    exit 1
fi

set -x
"$CLANG" --target=wasm32-wasi --sysroot="$SYSROOT" -O2 -mexec-model=reactor \
    -Wl,--export=malloc -Wl,--export=free -Wl,--strip-debug \
    wasi_guest.c -o wasi_guest.wasm
