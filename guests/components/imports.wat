;; The core module inside imports.wasm.
(module
  (import "wasmcall:imports/host" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "answer") (result i32) (i32.const 42))
  (func (export "log-twice") (param i32 i32)
    (call $log (local.get 0) (local.get 1))
    (call $log (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.const 0))
  (func (export "tools#double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
)
