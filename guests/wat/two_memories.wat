;; two_memories.wat - a module with two memories (multi-memory proposal,
;; enabled by default in wasmtime). Memory 0 is the one exported as
;; "memory": malloc hands out memory-0 addresses and every export reads and
;; writes memory 0. Memory 1, exported as "scratch" and listed FIRST among
;; the exports, holds different bytes at the same addresses ("WRONG MEMORY"
;; over the whole heap range), so a host that writes arguments to, or reads
;; results from, the wrong memory gives a visibly wrong answer instead of a
;; plausible one.
;;
;; Memory rule: malloc(size) / free(ptr) (free is a no-op); exports borrow
;; their input; results are malloc'd and freed by the host with free.
(module
  (memory $main 1)     ;; declared first: memory 0, what unqualified loads and stores address
  (memory $scratch 1)
  (global $top (mut i32) (i32.const 1024))

  (data (memory $main) (i32.const 16) "hello from memory 0")          ;; 19 bytes
  (data (memory $scratch) (i32.const 16) "WRONG: memory 1 (!)")       ;; 19 bytes, same place
  (data (memory $scratch) (i32.const 1024)
    "WRONG MEMORY WRONG MEMORY WRONG MEMORY WRONG MEMORY WRONG MEMORY ")

  (export "scratch" (memory $scratch))
  (export "memory" (memory $main))
  (export "malloc" (func $malloc))
  (export "free" (func $free))
  (export "upper" (func $upper))
  (export "sum" (func $sum))
  (export "hello" (func $hello))

  (func $malloc (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top
      (i32.and (i32.add (i32.add (local.get $p) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (global.get $top) (i32.const 65536)) (then unreachable))
    (local.get $p))

  (func $free (param $p i32))

  ;; upper(ptr, len) -> (ptr, len): ASCII upper-case copy in memory 0
  (func $upper (param $ptr i32) (param $len i32) (result i32 i32)
    (local $out i32) (local $i i32) (local $c i32)
    (local.set $out (call $malloc (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u $main (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
        (i32.store8 $main (i32.add (local.get $out) (local.get $i)) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $out) (local.get $len))

  ;; sum(ptr, len) -> i32: byte sum of memory 0
  (func $sum (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $s
          (i32.add (local.get $s) (i32.load8_u $main (i32.add (local.get $ptr) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s))

  ;; hello() -> (ptr, len): a static string in memory 0
  (func $hello (result i32 i32)
    (i32.const 16) (i32.const 19))
)
