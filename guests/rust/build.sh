#!/usr/bin/env bash
# Rebuild memory.wasm from memory.rs with Debian's rustc (which ships the
# wasm32-unknown-unknown std in package libstd-rust-dev-wasm32).
# A rustup rustc earlier on PATH may lack that target, so it is not used.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

RUSTC="$(dpkg -L rustc 2>/dev/null | grep 'bin/rustc$' | head -n 1 || true)"
if [ -z "$RUSTC" ] || [ ! -x "$RUSTC" ]; then
    RUSTC=/usr/bin/rustc
fi
if [ ! -x "$RUSTC" ]; then
    echo "error: Debian's rustc was not found." >&2
    echo "Install it with: sudo apt-get install rustc libstd-rust-dev-wasm32" >&2
    exit 1
fi
if [ ! -d "$("$RUSTC" --print sysroot)/lib/rustlib/wasm32-unknown-unknown" ]; then
    echo "error: $RUSTC has no wasm32-unknown-unknown standard library." >&2
    echo "Install it with: sudo apt-get install libstd-rust-dev-wasm32" >&2
    exit 1
fi

# +multivalue makes upper_pair return (i32, i32). rustc 1.63 does not know the
# feature name and warns "unknown feature specified for -Ctarget-feature:
# multivalue", but passes it to LLVM, which honours it; the warning is expected.
# -C lto -C codegen-units=1 makes the output smaller and compiles std together
# with this crate under the same target features.
"$RUSTC" --target wasm32-unknown-unknown --crate-type cdylib \
    -O -C lto -C codegen-units=1 -C strip=debuginfo \
    -C target-feature=+multivalue \
    memory.rs -o memory.wasm.tmp
chmod 644 memory.wasm.tmp
mv memory.wasm.tmp memory.wasm
echo "built $(pwd)/memory.wasm ($(wc -c < memory.wasm) bytes) with $RUSTC ($("$RUSTC" --version))"

# wasi.wasm: a cdylib for wasm32-wasi (std in the same Debian package). No
# +multivalue here, so the #[repr(C)] struct result becomes an sret out-pointer.
if [ ! -d "$("$RUSTC" --print sysroot)/lib/rustlib/wasm32-wasi" ]; then
    echo "error: $RUSTC has no wasm32-wasi standard library." >&2
    echo "Install it with: sudo apt-get install libstd-rust-dev-wasm32" >&2
    exit 1
fi
"$RUSTC" --target wasm32-wasi --crate-type cdylib \
    -O -C lto -C codegen-units=1 -C strip=debuginfo \
    wasi.rs -o wasi.wasm.tmp
chmod 644 wasi.wasm.tmp
mv wasi.wasm.tmp wasi.wasm
echo "built $(pwd)/wasi.wasm ($(wc -c < wasi.wasm) bytes) with $RUSTC ($("$RUSTC" --version))"
