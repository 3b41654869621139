"""``python -m wasmcall``: the same entry point as the console script."""

from wasmcall.launch import run

run()
