;; bindgen.wat - hand-written stand-in for a raw wasm-bindgen `_bg.wasm`.
;;
;; Mirrors what wasm-bindgen 0.2.87 .. 0.2.9x emits (no reference types /
;; no multi-value; the classic "retptr" shape) for:
;;
;;     #[wasm_bindgen]
;;     extern "C" {
;;         #[wasm_bindgen(js_namespace = console)]
;;         fn log(s: &str);                       // -> import wbg.__wbg_log_<hash>
;;     }
;;     #[wasm_bindgen] pub fn greet(name: &str) -> String { format!("Hello, {name}!") }
;;     #[wasm_bindgen] pub fn fail(name: &str) {
;;         if name.is_empty() { wasm_bindgen::throw_str("name must not be empty") }
;;     }
;;     #[wasm_bindgen] pub fn log_it(msg: &str) { log(msg) }
;;
;; Shapes checked against real generated files (_bg.wasm.d.ts / .d.ts
;; InitOutput / _bg.js glue in public repositories) and against
;; wasm-bindgen's CHANGELOG and src/convert/slices.rs:
;;   * 0.2.87 ("Take alignment into consideration during (de/re)allocation",
;;     #3463) added the align params; .d.ts files of that era list
;;       __wbindgen_add_to_stack_pointer: (a: number) => number
;;       __wbindgen_malloc: (a: number, b: number) => number
;;       __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number
;;       __wbindgen_free: (a: number, b: number, c: number) => void
;;     and a String-returning export as (retptr, ptr, len) -> nil, e.g.
;;     `readonly date: (a: number, b: number, c: number) => void`.
;;   * the JS glue for greet is:
;;       const retptr = wasm.__wbindgen_add_to_stack_pointer(-16);
;;       const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
;;       wasm.greet(retptr, ptr0, len0);
;;       r0 = i32 at retptr+0; r1 = i32 at retptr+4;   // result ptr, len
;;       ... finally { __wbindgen_add_to_stack_pointer(16); __wbindgen_free(r0, r1, 1) }
;;   * a `&str` argument is anchored as Box<str> on the Rust side, so the
;;     export FREES its input string: the host must NOT free ptr0 (greet,
;;     fail and log_it here all take ownership of their input).
;;   * __wbindgen_malloc(0, align) returns `align` (a dangling pointer) and
;;     __wbindgen_free(_, 0, _) does nothing, as in Rust.
;; Newer output differs (not mirrored here): with reference types (Rust
;; 1.82+ enables them by default) wasm-bindgen returns (ptr, len) as
;; multi-value `(result i32 i32)`; recent releases also rename the
;; allocator exports to __wbindgen_export_N / __wbindgen_exportN.
;;
;; The allocator is a small first-fit free list with an 8-byte header
;; [capacity u32][state u32] before each block. free() traps (like Rust's
;; abort) on a double free, a pointer it never handed out, or a length
;; larger than the block, so a host that frees wrongly fails loudly.
;;
;; Memory layout as rustc's wasm32 default: shadow stack in [0, 1 MiB)
;; growing down from __stack_pointer = 1048576, static data at 1 MiB,
;; heap after it.
(module
  (type $t_ii_v (func (param i32 i32)))
  (import "wbg" "__wbindgen_throw" (func $__wbindgen_throw (type $t_ii_v)))
  (import "wbg" "__wbg_log_0123456789abcdef" (func $__wbg_log (type $t_ii_v)))

  (memory $memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap_top (mut i32) (i32.const 1048640))   ;; bump pointer
  (global $free_list (mut i32) (i32.const 0))         ;; header addr of first free block

  (data (i32.const 1048576) "Hello, ")                 ;; 7 bytes
  (data (i32.const 1048583) "!")                       ;; 1 byte
  (data (i32.const 1048592) "name must not be empty")  ;; 22 bytes

  (export "memory" (memory $memory))
  (export "greet" (func $greet))
  (export "fail" (func $fail))
  (export "log_it" (func $log_it))
  (export "__wbindgen_add_to_stack_pointer" (func $__wbindgen_add_to_stack_pointer))
  (export "__wbindgen_malloc" (func $__wbindgen_malloc))
  (export "__wbindgen_realloc" (func $__wbindgen_realloc))
  (export "__wbindgen_free" (func $__wbindgen_free))

  ;; byte-wise copy (keeps the module MVP-only: no bulk-memory memory.copy)
  (func $memcpy (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; ---------------------------------------------------------------- allocator
  ;; header at p-8: capacity (bytes usable at p), state ("LIVE" / "FREE")
  ;; free blocks keep the next free block's header address in their first word
  (func $valid_align (param $align i32) (result i32)
    (i32.and
      (i32.ne (local.get $align) (i32.const 0))
      (i32.eqz (i32.and (local.get $align) (i32.sub (local.get $align) (i32.const 1))))))

  (func $alloc (param $size i32) (param $align i32) (result i32)
    (local $prev i32) (local $h i32) (local $p i32) (local $cap i32)
    ;; capacity: round up to 8, at least 8
    (local.set $cap
      (i32.and (i32.add (local.get $size) (i32.const 7)) (i32.const -8)))
    (if (i32.lt_u (local.get $cap) (i32.const 8)) (then (local.set $cap (i32.const 8))))
    ;; first fit in the free list (block must also satisfy the alignment)
    (local.set $prev (i32.const 0))
    (local.set $h (global.get $free_list))
    (block $done
      (loop $scan
        (br_if $done (i32.eqz (local.get $h)))
        (if (i32.and
              (i32.ge_u (i32.load (local.get $h)) (local.get $cap))
              (i32.eqz (i32.and (i32.add (local.get $h) (i32.const 8))
                                (i32.sub (local.get $align) (i32.const 1)))))
          (then
            ;; unlink
            (if (i32.eqz (local.get $prev))
              (then (global.set $free_list (i32.load offset=8 (local.get $h))))
              (else (i32.store offset=8 (local.get $prev) (i32.load offset=8 (local.get $h)))))
            (i32.store offset=4 (local.get $h) (i32.const 0x4556494c)) ;; "LIVE"
            (return (i32.add (local.get $h) (i32.const 8)))))
        (local.set $prev (local.get $h))
        (local.set $h (i32.load offset=8 (local.get $h)))
        (br $scan)))
    ;; bump: p = align_up(heap_top + 8, max(align, 8))
    (if (i32.lt_u (local.get $align) (i32.const 8)) (then (local.set $align (i32.const 8))))
    (local.set $p
      (i32.and
        (i32.add (i32.add (global.get $heap_top) (i32.const 8))
                 (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap_top (i32.add (local.get $p) (local.get $cap)))
    ;; grow memory if needed
    (if (i32.gt_u (global.get $heap_top) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.sub
                  (i32.shr_u (i32.add (global.get $heap_top) (i32.const 0xffff)) (i32.const 16))
                  (memory.size)))
              (i32.const -1))
          (then unreachable))))  ;; out of memory: Rust's handle_alloc_error aborts
    (i32.store (i32.sub (local.get $p) (i32.const 8)) (local.get $cap))
    (i32.store (i32.sub (local.get $p) (i32.const 4)) (i32.const 0x4556494c)) ;; "LIVE"
    (local.get $p))

  (func $dealloc (param $p i32) (param $len i32)
    (local $h i32)
    (local.set $h (i32.sub (local.get $p) (i32.const 8)))
    ;; must be a live block of ours, and len must fit in it
    (if (i32.or
          (i32.or (i32.lt_u (local.get $p) (i32.const 1048648))
                  (i32.gt_u (local.get $p) (global.get $heap_top)))
          (i32.or (i32.ne (i32.load offset=4 (local.get $h)) (i32.const 0x4556494c))
                  (i32.gt_u (local.get $len) (i32.load (local.get $h)))))
      (then unreachable))
    (i32.store offset=4 (local.get $h) (i32.const 0x45455246)) ;; "FREE"
    (i32.store offset=8 (local.get $h) (global.get $free_list))
    (global.set $free_list (local.get $h)))

  ;; ------------------------------------------------------ wasm-bindgen exports
  (func $__wbindgen_malloc (param $size i32) (param $align i32) (result i32)
    (if (i32.eqz (call $valid_align (local.get $align))) (then unreachable))
    (if (i32.eqz (local.get $size)) (then (return (local.get $align))))
    (call $alloc (local.get $size) (local.get $align)))

  (func $__wbindgen_realloc (param $ptr i32) (param $old i32) (param $new i32) (param $align i32) (result i32)
    (local $q i32)
    (if (i32.eqz (call $valid_align (local.get $align))) (then unreachable))
    (if (i32.eqz (local.get $old))
      (then (return (call $__wbindgen_malloc (local.get $new) (local.get $align)))))
    (if (i32.eqz (local.get $new))
      (then
        (call $dealloc (local.get $ptr) (local.get $old))
        (return (local.get $align))))
    ;; fits in place (shrink, or grow within capacity)
    (if (i32.le_u (local.get $new) (i32.load (i32.sub (local.get $ptr) (i32.const 8))))
      (then (return (local.get $ptr))))
    (local.set $q (call $alloc (local.get $new) (local.get $align)))
    (call $memcpy (local.get $q) (local.get $ptr) (local.get $old))
    (call $dealloc (local.get $ptr) (local.get $old))
    (local.get $q))

  (func $__wbindgen_free (param $ptr i32) (param $len i32) (param $align i32)
    (if (i32.eqz (local.get $len)) (then (return)))
    (call $dealloc (local.get $ptr) (local.get $len)))

  (func $__wbindgen_add_to_stack_pointer (param $delta i32) (result i32)
    (global.set $__stack_pointer
      (i32.add (global.get $__stack_pointer) (local.get $delta)))
    (global.get $__stack_pointer))

  ;; greet(retptr, ptr, len): writes [out_ptr, out_len] at retptr; frees input.
  (func $greet (param $retptr i32) (param $ptr i32) (param $len i32)
    (local $n i32) (local $out i32)
    (local.set $n (i32.add (local.get $len) (i32.const 8)))  ;; "Hello, " + name + "!"
    (local.set $out (call $__wbindgen_malloc (local.get $n) (i32.const 1)))
    (call $memcpy (local.get $out) (i32.const 1048576) (i32.const 7))
    (call $memcpy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 7))) (i32.const 33))
    (call $__wbindgen_free (local.get $ptr) (local.get $len) (i32.const 1))  ;; drop Box<str>
    (i32.store offset=4 (local.get $retptr) (local.get $n))
    (i32.store (local.get $retptr) (local.get $out)))

  ;; fail(ptr, len): throws "name must not be empty" via __wbindgen_throw when
  ;; len == 0 (the import never returns: in JS it throws); else returns.
  (func $fail (param $ptr i32) (param $len i32)
    (if (i32.eqz (local.get $len))
      (then
        (call $__wbindgen_throw (i32.const 1048592) (i32.const 22))
        unreachable))
    (call $__wbindgen_free (local.get $ptr) (local.get $len) (i32.const 1)))

  ;; log_it(ptr, len): passes the string to the console.log glue import.
  (func $log_it (param $ptr i32) (param $len i32)
    (call $__wbg_log (local.get $ptr) (local.get $len))
    (call $__wbindgen_free (local.get $ptr) (local.get $len) (i32.const 1)))
)
