;; packed_arg.wat - a guest that takes a buffer as ONE i64 parameter,
;; packed as (len << 32) | ptr, and returns its result packed the same way.
;;
;; This is the calling shape of a markdown renderer written in Zig over a C
;; library, whose JS side does
;;     const ptr = alloc(bytes.length); ...copy...;
;;     const out = render((BigInt(bytes.length) << 32n) | BigInt(ptr));
;;     const outPtr = Number(out & 0xffffffffn), outLen = Number(out >> 32n);
;; i.e. `fn render(input: u64) u64` with the slice as (len << 32 | ptr): the
;; pointer is in the LOW half, unlike the (ptr << 32 | len) results of the
;; Zig, Go and Rust guests here.
;;
;; Memory rule: alloc(len) -> ptr / free(ptr, len), Zig-style. Exports
;; borrow their input (the host frees it); results come from alloc and the
;; host frees them with free(ptr, len). free traps on a pointer alloc never
;; returned, or a length different from the allocation's.
(module
  (memory $memory 2)
  (global $top (mut i32) (i32.const 1024))

  (export "memory" (memory $memory))
  (export "alloc" (func $alloc))
  (export "free" (func $free))
  (export "upper" (func $upper))
  (export "length" (func $length))
  (export "count_lines" (func $count_lines))

  ;; bump allocator; each block has an 8-byte header [len u32][magic u32]
  (func $alloc (param $len i32) (result i32)
    (local $p i32) (local $pages i32)
    (local.set $p (i32.add (global.get $top) (i32.const 8)))
    (global.set $top
      (i32.and (i32.add (i32.add (local.get $p) (local.get $len)) (i32.const 7)) (i32.const -8)))
    (local.set $pages
      (i32.sub (i32.shr_u (i32.add (global.get $top) (i32.const 0xffff)) (i32.const 16))
               (memory.size)))
    (if (i32.gt_s (local.get $pages) (i32.const 0))
      (then (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then unreachable))))
    (i32.store (i32.sub (local.get $p) (i32.const 8)) (local.get $len))
    (i32.store (i32.sub (local.get $p) (i32.const 4)) (i32.const 0x4b434150)) ;; "PACK"
    (local.get $p))

  (func $free (param $p i32) (param $len i32)
    (if (i32.or
          (i32.or (i32.lt_u (local.get $p) (i32.const 1032))
                  (i32.ge_u (local.get $p) (global.get $top)))
          (i32.or (i32.ne (i32.load (i32.sub (local.get $p) (i32.const 4))) (i32.const 0x4b434150))
                  (i32.ne (i32.load (i32.sub (local.get $p) (i32.const 8))) (local.get $len))))
      (then unreachable))
    (i32.store (i32.sub (local.get $p) (i32.const 4)) (i32.const 0x45455246))) ;; "FREE"

  (func $ptr_of (param $packed i64) (result i32)
    (i32.wrap_i64 (local.get $packed)))
  (func $len_of (param $packed i64) (result i32)
    (i32.wrap_i64 (i64.shr_u (local.get $packed) (i64.const 32))))

  ;; upper(input) -> output: ASCII upper-case copy, both packed (len << 32) | ptr
  (func $upper (param $input i64) (result i64)
    (local $ptr i32) (local $len i32) (local $out i32) (local $i i32) (local $c i32)
    (local.set $ptr (call $ptr_of (local.get $input)))
    (local.set $len (call $len_of (local.get $input)))
    (local.set $out (call $alloc (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
        (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))
      (i64.extend_i32_u (local.get $out))))

  ;; length(input) -> i32: the byte length half of the packed argument
  (func $length (param $input i64) (result i32)
    (call $len_of (local.get $input)))

  ;; count_lines(input) -> i32: number of '\n'-terminated or final lines
  (func $count_lines (param $input i64) (result i32)
    (local $ptr i32) (local $len i32) (local $i i32) (local $n i32)
    (local.set $ptr (call $ptr_of (local.get $input)))
    (local.set $len (call $len_of (local.get $input)))
    (if (i32.eqz (local.get $len)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (if (i32.eq (i32.load8_u (i32.add (local.get $ptr) (local.get $i))) (i32.const 10))
          (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; a last line without '\n' counts too
    (if (i32.ne (i32.load8_u (i32.add (local.get $ptr) (i32.sub (local.get $len) (i32.const 1))))
                (i32.const 10))
      (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
    (local.get $n))
)
