;; canonical.wat - hand-written stand-in for the core module wit-bindgen
;; produces for a component (before `wasm-tools component new` wraps it).
;;
;; Mirrors wit-bindgen's Rust (0.2x+ "_export_*_cabi" / "_RetArea" era) and
;; C generators for a WORLD-level export
;;
;;     world canonical { export upper: func(s: string) -> string; }
;;
;; Checked against generated bindings in public repositories:
;;   * Rust:  #[export_name = "run"] unsafe extern "C" fn export_run(arg0: *mut u8, arg1: usize) -> *mut u8
;;            #[export_name = "cabi_post_run"] unsafe extern "C" fn _post_return_run(arg0: *mut u8)
;;              { let l0 = *arg0.add(0).cast::<*mut u8>(); let l1 = *arg0.add(4).cast::<usize>();
;;                _rt::cabi_dealloc(l0, l1, 1); }
;;            #[repr(align(4))] struct _RetArea([MaybeUninit<u8>; 8]); static mut _RET_AREA ...
;;   * C:     __attribute__((__weak__, __export_name__("cabi_realloc")))
;;            void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
;;              { if (new_size == 0) return (void*) align; ... realloc(ptr, new_size) ... }
;;            __attribute__((weak, export_name("cabi_post_thunk"))) void ..._post_return(int32_t arg0)
;; So a world-level function keeps its WIT (kebab-case) name as the export
;; ("upper", "get-schema"), its post-return is "cabi_post_" + that name, and
;; an interface function is "ns:pkg/iface#name" / "cabi_post_ns:pkg/iface#name".
;; (The newer wasm-tools "cm32p2" mangling - cm32p2||upper, cm32p2||upper_post,
;; cm32p2_realloc, cm32p2_memory - is not used here.)
;;
;; ABI of upper(ptr, len) -> retptr:
;;   * the host allocates the argument with cabi_realloc(0, 0, 1, len) and
;;     copies the UTF-8 bytes in; the callee OWNS it (Rust lifts it with
;;     Vec::from_raw_parts and drops it), so the host must not touch it again.
;;   * the result is a pointer to a static 8-byte return area (align 4)
;;     holding [ptr: u32, len: u32] of a freshly allocated string. The area
;;     is reused by the next call: read it before calling again.
;;   * after reading, the host calls cabi_post_upper(retptr), which frees the
;;     string (cabi_dealloc(ptr, len, 1); a no-op when len == 0).
;;   * uppercasing is ASCII-only here (Rust's str::to_uppercase is Unicode).
;;
;; Allocator: first-fit free list with an 8-byte header [capacity][state]
;; before each block; freeing a block twice, or one never handed out, traps.
;; cabi_realloc(_, 0, align, 0) returns `align` (a dangling pointer), as
;; wit-bindgen's does. Layout as rustc's wasm32 default: stack below 1 MiB,
;; static data (the return area) at 1 MiB, heap after it.
(module
  (memory $memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap_top (mut i32) (i32.const 1048640))
  (global $free_list (mut i32) (i32.const 0))
  ;; _RET_AREA: 8 bytes at 1048576 (align 4)

  (export "memory" (memory $memory))
  (export "upper" (func $upper))
  (export "cabi_post_upper" (func $cabi_post_upper))
  (export "cabi_realloc" (func $cabi_realloc))

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
  (func $valid_align (param $align i32) (result i32)
    (i32.and
      (i32.ne (local.get $align) (i32.const 0))
      (i32.eqz (i32.and (local.get $align) (i32.sub (local.get $align) (i32.const 1))))))

  (func $alloc (param $size i32) (param $align i32) (result i32)
    (local $prev i32) (local $h i32) (local $p i32) (local $cap i32)
    (local.set $cap
      (i32.and (i32.add (local.get $size) (i32.const 7)) (i32.const -8)))
    (if (i32.lt_u (local.get $cap) (i32.const 8)) (then (local.set $cap (i32.const 8))))
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
            (if (i32.eqz (local.get $prev))
              (then (global.set $free_list (i32.load offset=8 (local.get $h))))
              (else (i32.store offset=8 (local.get $prev) (i32.load offset=8 (local.get $h)))))
            (i32.store offset=4 (local.get $h) (i32.const 0x4556494c)) ;; "LIVE"
            (return (i32.add (local.get $h) (i32.const 8)))))
        (local.set $prev (local.get $h))
        (local.set $h (i32.load offset=8 (local.get $h)))
        (br $scan)))
    (if (i32.lt_u (local.get $align) (i32.const 8)) (then (local.set $align (i32.const 8))))
    (local.set $p
      (i32.and
        (i32.add (i32.add (global.get $heap_top) (i32.const 8))
                 (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap_top (i32.add (local.get $p) (local.get $cap)))
    (if (i32.gt_u (global.get $heap_top) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.sub
                  (i32.shr_u (i32.add (global.get $heap_top) (i32.const 0xffff)) (i32.const 16))
                  (memory.size)))
              (i32.const -1))
          (then unreachable))))
    (i32.store (i32.sub (local.get $p) (i32.const 8)) (local.get $cap))
    (i32.store (i32.sub (local.get $p) (i32.const 4)) (i32.const 0x4556494c))
    (local.get $p))

  ;; cabi_dealloc(ptr, size, align): no-op for size 0, traps on a bad free
  (func $cabi_dealloc (param $p i32) (param $len i32) (param $align i32)
    (local $h i32)
    (if (i32.eqz (local.get $len)) (then (return)))
    (local.set $h (i32.sub (local.get $p) (i32.const 8)))
    (if (i32.or
          (i32.or (i32.lt_u (local.get $p) (i32.const 1048648))
                  (i32.gt_u (local.get $p) (global.get $heap_top)))
          (i32.or (i32.ne (i32.load offset=4 (local.get $h)) (i32.const 0x4556494c))
                  (i32.gt_u (local.get $len) (i32.load (local.get $h)))))
      (then unreachable))
    (i32.store offset=4 (local.get $h) (i32.const 0x45455246)) ;; "FREE"
    (i32.store offset=8 (local.get $h) (global.get $free_list))
    (global.set $free_list (local.get $h)))

  ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr
  (func $cabi_realloc (param $old_ptr i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
    (local $q i32)
    (if (i32.eqz (call $valid_align (local.get $align))) (then unreachable))
    (if (i32.eqz (local.get $old_size))
      (then
        (if (i32.eqz (local.get $new_size)) (then (return (local.get $align))))
        (return (call $alloc (local.get $new_size) (local.get $align)))))
    ;; non-zero old_size requires non-zero new_size (as wit-bindgen asserts)
    (if (i32.eqz (local.get $new_size)) (then unreachable))
    (if (i32.le_u (local.get $new_size) (i32.load (i32.sub (local.get $old_ptr) (i32.const 8))))
      (then (return (local.get $old_ptr))))
    (local.set $q (call $alloc (local.get $new_size) (local.get $align)))
    (call $memcpy (local.get $q) (local.get $old_ptr) (local.get $old_size))
    (call $cabi_dealloc (local.get $old_ptr) (local.get $old_size) (local.get $align))
    (local.get $q))

  ;; ------------------------------------------------------------------ exports
  ;; upper(ptr, len) -> retptr to [out_ptr, out_len]; consumes the input.
  (func $upper (param $ptr i32) (param $len i32) (result i32)
    (local $out i32) (local $i i32) (local $c i32)
    (if (i32.eqz (local.get $len))
      (then (local.set $out (i32.const 1)))       ;; String::new(): dangling, len 0
      (else
        (local.set $out (call $alloc (local.get $len) (i32.const 1)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
            (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
            (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
              (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
            (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $c))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))))
    ;; drop the lifted argument (Vec::from_raw_parts(ptr, len, len))
    (call $cabi_dealloc (local.get $ptr) (local.get $len) (i32.const 1))
    (i32.store offset=4 (i32.const 1048576) (local.get $len))
    (i32.store (i32.const 1048576) (local.get $out))
    (i32.const 1048576))

  ;; cabi_post_upper(retptr): frees the string upper returned.
  (func $cabi_post_upper (param $retptr i32)
    (call $cabi_dealloc
      (i32.load (local.get $retptr))
      (i32.load offset=4 (local.get $retptr))
      (i32.const 1)))
)
