;; tinygo.wat - hand-written stand-in for a TinyGo (wasip1 / wasm-unknown)
;; module, for:
;;
;;     //export greet
;;     func greet(name string) string { return "Hello, " + name + "!" }
;;     //export upper
;;     func upper(ptr, size uint32) uint64 {   // wazero's allocation example style
;;         s := strings.ToUpper(ptrToString(ptr, size))
;;         return uint64(uintptr(unsafe.Pointer(unsafe.StringData(s))))<<32 | uint64(len(s))
;;     }
;;     //export add
;;     func add(a, b int32) int32 { return a + b }
;;
;; The shapes it mirrors (TinyGo's compiler and runtime sources):
;;   * TinyGo exports malloc, free, calloc and realloc for hosts
;;     (src/runtime/arch_tinygowasm_malloc.go). They keep each block alive in
;;     a map, and free on a pointer that map does not hold panics:
;;       panic("free: invalid pointer")
;;     which prints "panic: free: invalid pointer" on stdout (fd_write) and
;;     aborts (`unreachable`).
;;   * A `string` result is a (ptr, len) struct, returned through an sret
;;     out-pointer first param (greet: (retptr, ptr, len) -> ()); a string
;;     argument is two params (ptr, len).
;;   * Strings made by Go code live in the garbage-collected heap, NOT in a
;;     block from malloc. The host must not free a result: freeing it hits
;;     the panic above. (Nothing here collects, so results stay readable.)
;;   * Inputs the host writes come from malloc; the export only borrows them,
;;     and the host frees them with free(ptr).
;;   * A WASI reactor exports _initialize; it imports fd_write for the panic.
;;
;; Memory layout: page 0 holds data (from 1024); the GC heap is a bump
;; region in [64 KiB, 128 KiB); malloc's blocks come from [128 KiB, ...)
;; and are recorded in a 64-slot table at 512.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))

  (memory $memory 3)
  (global $gc_top (mut i32) (i32.const 65536))
  (global $malloc_top (mut i32) (i32.const 131072))

  (data (i32.const 1024) "Hello, ")                       ;; 7 bytes
  (data (i32.const 1031) "!")                             ;; 1 byte
  (data (i32.const 1040) "panic: free: invalid pointer\n") ;; 29 bytes

  (export "memory" (memory $memory))
  (export "_initialize" (func $_initialize))
  (export "malloc" (func $malloc))
  (export "free" (func $free))
  (export "calloc" (func $calloc))
  (export "realloc" (func $realloc))
  (export "greet" (func $greet))
  (export "upper" (func $upper))
  (export "add" (func $add))

  (func $_initialize)

  (func $memcpy (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; GC heap: bump allocation, 8-aligned; never freed by the host
  (func $gc_alloc (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $gc_top))
    (global.set $gc_top
      (i32.and (i32.add (i32.add (local.get $p) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (global.get $gc_top) (i32.const 131072)) (then unreachable))  ;; out of memory
    (local.get $p))

  ;; the slot in the 64-entry table at 512 that holds $p, or -1
  (func $find_slot (param $p i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 64)))
        (if (i32.eq (i32.load offset=512 (i32.shl (local.get $i) (i32.const 2))) (local.get $p))
          (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  ;; malloc(size): a block kept alive for the host until free(ptr)
  (func $malloc (param $size i32) (result i32)
    (local $p i32) (local $slot i32) (local $pages i32)
    (if (i32.eqz (local.get $size)) (then (return (i32.const 0))))
    (local.set $slot (call $find_slot (i32.const 0)))
    (if (i32.lt_s (local.get $slot) (i32.const 0)) (then unreachable))  ;; table full
    (local.set $p (global.get $malloc_top))
    (global.set $malloc_top
      (i32.and (i32.add (i32.add (local.get $p) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (local.set $pages
      (i32.sub (i32.shr_u (i32.add (global.get $malloc_top) (i32.const 0xffff)) (i32.const 16))
               (memory.size)))
    (if (i32.gt_s (local.get $pages) (i32.const 0))
      (then (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then unreachable))))
    (i32.store offset=512 (i32.shl (local.get $slot) (i32.const 2)) (local.get $p))
    (local.get $p))

  ;; free(ptr): forget a malloc'd block; panics on a pointer malloc never returned
  (func $free (param $p i32)
    (local $slot i32)
    (if (i32.eqz (local.get $p)) (then (return)))
    (local.set $slot (call $find_slot (local.get $p)))
    (if (i32.lt_s (local.get $slot) (i32.const 0))
      (then
        ;; iovec at 256: [1040, 29]; nwritten at 264
        (i32.store (i32.const 256) (i32.const 1040))
        (i32.store (i32.const 260) (i32.const 29))
        (drop (call $fd_write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 264)))
        unreachable))
    (i32.store offset=512 (i32.shl (local.get $slot) (i32.const 2)) (i32.const 0)))

  (func $calloc (param $n i32) (param $size i32) (result i32)
    ;; fresh memory above malloc_top is zero: nothing here reuses blocks
    (call $malloc (i32.mul (local.get $n) (local.get $size))))

  (func $realloc (param $p i32) (param $size i32) (result i32)
    (local $q i32)
    (local.set $q (call $malloc (local.get $size)))
    (if (local.get $p)
      (then
        (call $memcpy (local.get $q) (local.get $p) (local.get $size))
        (call $free (local.get $p))))
    (local.get $q))

  ;; greet(retptr, ptr, len): "Hello, <name>!" in the GC heap, [ptr, len] at retptr
  (func $greet (param $retptr i32) (param $ptr i32) (param $len i32)
    (local $n i32) (local $out i32)
    (local.set $n (i32.add (local.get $len) (i32.const 8)))
    (local.set $out (call $gc_alloc (local.get $n)))
    (call $memcpy (local.get $out) (i32.const 1024) (i32.const 7))
    (call $memcpy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 7))) (i32.const 33))
    (i32.store offset=4 (local.get $retptr) (local.get $n))
    (i32.store (local.get $retptr) (local.get $out)))

  ;; upper(ptr, len) -> i64: ASCII upper-case copy in the GC heap, (ptr << 32) | len
  (func $upper (param $ptr i32) (param $len i32) (result i64)
    (local $out i32) (local $i i32) (local $c i32)
    (local.set $out (call $gc_alloc (local.get $len)))
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
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (local.get $len))))

  (func $add (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b)))
)
