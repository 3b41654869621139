;; bindgen_externref_bg.wat - hand-written stand-in for the `_bg.wasm` that
;; wasm-bindgen 0.2.100+ emits for Rust 1.82+ (reference types and
;; multi-value on by default), for:
;;
;;     #[wasm_bindgen]
;;     extern "C" {
;;         #[wasm_bindgen(js_namespace = console)]
;;         fn log(v: &JsValue);                  // -> import taking an externref
;;     }
;;     #[wasm_bindgen] pub fn greet(name: &str) -> String { format!("Hello, {name}!") }
;;     #[wasm_bindgen] pub fn upper(s: &str) -> String { s.to_uppercase() }     // retptr form
;;     #[wasm_bindgen] pub fn reverse(s: &str) -> String { s.chars().rev().collect() }
;;     #[wasm_bindgen] pub fn log_it(s: &str) { log(&JsValue::from_str(s)) }
;;     #[wasm_bindgen] pub fn is_null(v: JsValue) -> bool { v.is_null() }
;;     #[wasm_bindgen] pub fn add(a: u32, b: u32) -> u32 { a.wrapping_add(b) }
;;
;; The shapes mirror real generated glue found in public repositories:
;;   * allocators exported under numbered names, as the JS glue of recent
;;     releases calls them:
;;       passStringToWasm0(arg0, wasm.__wbindgen_export_0, wasm.__wbindgen_export_1)
;;       ... finally { wasm.__wbindgen_export_3(deferred1_0, deferred1_1, 1) }
;;     i.e. __wbindgen_export_0 = malloc(size, align),
;;     __wbindgen_export_1 = realloc(ptr, old_size, new_size, align) and a
;;     later number (2, 3, 11, 13 ... depending on the module) = free(ptr, len,
;;     align); here 2 is the externref table and 3 is free;
;;   * the externref machinery of wasm-bindgen 0.2.100 glue (e.g.
;;     meri-leeworthy/organ astro/src/wasm/minissg/minissg_bg.js):
;;       const idx = wasm.__externref_table_alloc(); wasm.__wbindgen_export_1.set(idx, obj);
;;       takeFromExternrefTable0(idx) ... wasm.__externref_table_dealloc(idx)
;;     the import wbg.__wbindgen_init_externref_table, called from the
;;     exported __wbindgen_start, and imports/exports typed externref (the
;;     "externref shim" functions of wasm-bindgen's externref-xform tests);
;;   * String results as multi-value (the same glue: `const ret =
;;     wasm.render(...); var ptr1 = ret[0]; var len1 = ret[1]; ... finally
;;     { wasm.__wbindgen_free(ptr1, len1, 1) }`), while getters and some
;;     exports keep the older retptr form:
;;       const retptr = wasm.__wbindgen_add_to_stack_pointer(-16);
;;       wasm.upper(retptr, ptr0, len0); r0 = i32 at retptr, r1 = i32 at retptr+4
;;   * a `&str` argument is anchored as Box<str> on the Rust side, so every
;;     export here FREES its input string: the host must NOT free it again.
;;
;; The allocator is the one of bindgen.wat: first-fit with an 8-byte header;
;; free traps on a double free, a foreign pointer or a too-long length.
;; Memory layout as rustc's wasm32 default: shadow stack below 1 MiB,
;; static data at 1 MiB, heap after it.
(module
  (type $t_ii_v (func (param i32 i32)))
  (import "wbg" "__wbindgen_throw" (func $__wbindgen_throw (type $t_ii_v)))
  (import "wbg" "__wbindgen_init_externref_table" (func $init_externref_table))
  (import "wbg" "__wbindgen_string_new" (func $string_new (param i32 i32) (result externref)))
  (import "wbg" "__wbg_log_8d1d5c3e2f7a9b60" (func $__wbg_log (param externref)))

  (memory $memory 17)
  (table $externrefs 128 externref)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap_top (mut i32) (i32.const 1048640))   ;; bump pointer
  (global $free_list (mut i32) (i32.const 0))         ;; header addr of first free block
  (global $next_ref (mut i32) (i32.const 4))          ;; slots 0..3: undefined, null, true, false

  (data (i32.const 1048576) "Hello, ")                 ;; 7 bytes
  (data (i32.const 1048583) "!")                       ;; 1 byte

  (export "memory" (memory $memory))
  (export "greet" (func $greet))
  (export "upper" (func $upper))
  (export "reverse" (func $reverse))
  (export "log_it" (func $log_it))
  (export "is_null" (func $is_null))
  (export "add" (func $add))
  (export "__wbindgen_export_0" (func $malloc))
  (export "__wbindgen_export_1" (func $realloc))
  (export "__wbindgen_export_2" (table $externrefs))
  (export "__wbindgen_export_3" (func $free))
  (export "__externref_table_alloc" (func $externref_table_alloc))
  (export "__externref_table_dealloc" (func $externref_table_dealloc))
  (export "__wbindgen_add_to_stack_pointer" (func $__wbindgen_add_to_stack_pointer))
  (export "__wbindgen_start" (func $__wbindgen_start))

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
  (func $malloc (param $size i32) (param $align i32) (result i32)
    (if (i32.eqz (call $valid_align (local.get $align))) (then unreachable))
    (if (i32.eqz (local.get $size)) (then (return (local.get $align))))
    (call $alloc (local.get $size) (local.get $align)))

  (func $realloc (param $ptr i32) (param $old i32) (param $new i32) (param $align i32) (result i32)
    (local $q i32)
    (if (i32.eqz (call $valid_align (local.get $align))) (then unreachable))
    (if (i32.eqz (local.get $old))
      (then (return (call $malloc (local.get $new) (local.get $align)))))
    (if (i32.eqz (local.get $new))
      (then
        (call $dealloc (local.get $ptr) (local.get $old))
        (return (local.get $align))))
    (if (i32.le_u (local.get $new) (i32.load (i32.sub (local.get $ptr) (i32.const 8))))
      (then (return (local.get $ptr))))
    (local.set $q (call $alloc (local.get $new) (local.get $align)))
    (call $memcpy (local.get $q) (local.get $ptr) (local.get $old))
    (call $dealloc (local.get $ptr) (local.get $old))
    (local.get $q))

  (func $free (param $ptr i32) (param $len i32) (param $align i32)
    (if (i32.eqz (local.get $len)) (then (return)))
    (call $dealloc (local.get $ptr) (local.get $len)))

  (func $__wbindgen_add_to_stack_pointer (param $delta i32) (result i32)
    (global.set $__stack_pointer
      (i32.add (global.get $__stack_pointer) (local.get $delta)))
    (global.get $__stack_pointer))

  ;; the JS glue calls this once after instantiation; it asks JS to fill
  ;; the table's first slots (undefined, null, true, false)
  (func $__wbindgen_start
    (call $init_externref_table))

  (func $externref_table_alloc (result i32)
    (local $idx i32)
    (local.set $idx (global.get $next_ref))
    (global.set $next_ref (i32.add (local.get $idx) (i32.const 1)))
    (local.get $idx))

  (func $externref_table_dealloc (param $idx i32)
    (table.set $externrefs (local.get $idx) (ref.null extern)))

  ;; "Hello, " + s + "!" in a new block; frees s.
  (func $hello (param $ptr i32) (param $len i32) (result i32 i32)
    (local $n i32) (local $out i32)
    (local.set $n (i32.add (local.get $len) (i32.const 8)))
    (local.set $out (call $malloc (local.get $n) (i32.const 1)))
    (call $memcpy (local.get $out) (i32.const 1048576) (i32.const 7))
    (call $memcpy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 7))) (i32.const 33))
    (call $free (local.get $ptr) (local.get $len) (i32.const 1))
    (local.get $out) (local.get $n))

  ;; greet(ptr, len) -> (ptr, len): multi-value String result
  (func $greet (param $ptr i32) (param $len i32) (result i32 i32)
    (call $hello (local.get $ptr) (local.get $len)))

  ;; upper(retptr, ptr, len): ASCII upper-case copy written as [ptr, len] at retptr
  (func $upper (param $retptr i32) (param $ptr i32) (param $len i32)
    (local $out i32) (local $i i32) (local $c i32)
    (local.set $out (call $malloc (local.get $len) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
        (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $free (local.get $ptr) (local.get $len) (i32.const 1))
    (i32.store offset=4 (local.get $retptr) (local.get $len))
    (i32.store (local.get $retptr) (local.get $out)))

  ;; reverse(ptr, len) -> (ptr, len): the bytes reversed (ASCII input), multi-value
  (func $reverse (param $ptr i32) (param $len i32) (result i32 i32)
    (local $out i32) (local $i i32)
    (local.set $out (call $malloc (local.get $len) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8
          (i32.sub (i32.add (local.get $out) (local.get $len)) (i32.add (local.get $i) (i32.const 1)))
          (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $free (local.get $ptr) (local.get $len) (i32.const 1))
    (local.get $out) (local.get $len))

  ;; log_it(ptr, len): console.log(JsValue::from_str(s)) through two glue imports
  (func $log_it (param $ptr i32) (param $len i32)
    (call $__wbg_log (call $string_new (local.get $ptr) (local.get $len)))
    (call $free (local.get $ptr) (local.get $len) (i32.const 1)))

  ;; is_null(v: externref) -> i32: an export whose own signature has a reference type
  (func $is_null (param $v externref) (result i32)
    (ref.is_null (local.get $v)))

  (func $add (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b)))
)
