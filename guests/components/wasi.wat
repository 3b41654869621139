;; The core module inside wasi.wasm: each export hands the host's answer
;; (written by the canonical ABI into the return area at 16) straight back.
(module
  (import "wasi:cli/environment@0.2.0" "get-environment" (func $get_environment (param i32)))
  (import "wasi:cli/environment@0.2.0" "get-arguments" (func $get_arguments (param i32)))
  (import "wasi:cli/stdout@0.2.0" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:io/streams@0.2.0" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.0" "[resource-drop]output-stream" (func $drop_stream (param i32)))
  (import "wasi:filesystem/preopens@0.2.0" "get-directories" (func $get_directories (param i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  ;; bump allocator, as in types.wat
  (func $realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (block $room
      (br_if $room (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $room (i32.ne (i32.const -1) (memory.grow (i32.add (i32.const 1) (i32.shr_u
        (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16))))))
      unreachable)
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  (func (export "env") (result i32)
    (call $get_environment (i32.const 16))
    (i32.const 16))
  (func (export "args") (result i32)
    (call $get_arguments (i32.const 16))
    (i32.const 16))
  ;; write text to stdout; the write's own result (at 32) is ignored
  (func (export "say") (param $text i32) (param $len i32)
    (local $stdout i32)
    (local.set $stdout (call $get_stdout))
    (call $write (local.get $stdout) (local.get $text) (local.get $len) (i32.const 32))
    (call $drop_stream (local.get $stdout)))
  ;; the guest paths of the preopened directories: copy each (handle, name) tuple's
  ;; name (12-byte elements, name at 4) into a list<string> (8-byte elements)
  (func (export "dirs") (result i32)
    (local $from i32) (local $count i32) (local $to i32) (local $i i32)
    (call $get_directories (i32.const 16))
    (local.set $from (i32.load (i32.const 16)))
    (local.set $count (i32.load offset=4 (i32.const 16)))
    (local.set $to (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (i64.store
          (i32.add (local.get $to) (i32.shl (local.get $i) (i32.const 3)))
          (i64.load offset=4 (i32.add (local.get $from) (i32.mul (local.get $i) (i32.const 12)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 16) (local.get $to))
    (i32.store offset=4 (i32.const 16) (local.get $count))
    (i32.const 16))
)
