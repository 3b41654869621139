#!/usr/bin/env bash
# Rebuild every bundled guest from its source. Each toolchain's script says
# which Debian or npm package it needs when that toolchain is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for script in rust/build.sh c/build.sh assemblyscript/build.sh assemblyscript-0.14/build.sh \
    zig/build.sh go/build.sh emscripten/build.sh wat/build.sh; do
  echo "== guests/$script"
  bash "$here/$script"
done
