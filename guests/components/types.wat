;; The core module inside types.wasm, written by hand against the canonical ABI
;; (https://github.com/WebAssembly/component-model/blob/main/design/mvp/CanonicalABI.md).
;; Results wider than one flat value go through a return area at RET (16); the
;; functions write the argument's memory layout there, so an echo returns the
;; very value it was given. cabi_realloc is a bump allocator that never frees.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 64) "Hello, ")
  (data (i32.const 80) "division by zero")

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

  ;; identities: one flat value in, the same out
  (func $same_i32 (param i32) (result i32) (local.get 0))
  (func $same_i64 (param i64) (result i64) (local.get 0))
  (func $same_f32 (param f32) (result f32) (local.get 0))
  (func $same_f64 (param f64) (result f64) (local.get 0))
  (export "echo-bool" (func $same_i32))
  (export "echo-u8" (func $same_i32))
  (export "echo-s8" (func $same_i32))
  (export "echo-u16" (func $same_i32))
  (export "echo-s16" (func $same_i32))
  (export "echo-u32" (func $same_i32))
  (export "echo-s32" (func $same_i32))
  (export "echo-char" (func $same_i32))
  (export "echo-color" (func $same_i32))
  (export "echo-perms" (func $same_i32))
  (export "echo-u64" (func $same_i64))
  (export "echo-s64" (func $same_i64))
  (export "echo-f32" (func $same_f32))
  (export "echo-f64" (func $same_f64))

  ;; two i32 words at RET: string, list<T> (ptr, len) and point (x, y)
  (func $words2 (param i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store offset=4 (i32.const 16) (local.get 1))
    (i32.const 16))
  (export "echo-string" (func $words2))
  (export "echo-bytes" (func $words2))
  (export "echo-strings" (func $words2))
  (export "echo-points" (func $words2))
  (export "echo-point" (func $words2))

  ;; tuple<u32, string>: u32 at 0, string at 4
  (func (export "echo-pair") (param i32 i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store offset=4 (i32.const 16) (local.get 1))
    (i32.store offset=8 (i32.const 16) (local.get 2))
    (i32.const 16))

  ;; option<u32>: discriminant byte at 0, payload at 4
  (func (export "echo-maybe") (param i32 i32) (result i32)
    (i32.store8 (i32.const 16) (local.get 0))
    (i32.store offset=4 (i32.const 16) (local.get 1))
    (i32.const 16))

  ;; shape and result<string, u32>: discriminant byte at 0, two payload words at 4 and 8
  (func $tagged2 (param i32 i32 i32) (result i32)
    (i32.store8 (i32.const 16) (local.get 0))
    (i32.store offset=4 (i32.const 16) (local.get 1))
    (i32.store offset=8 (i32.const 16) (local.get 2))
    (i32.const 16))
  (export "echo-shape" (func $tagged2))
  (export "echo-outcome" (func $tagged2))

  ;; option<option<u8>>: three bytes
  (func (export "echo-nested") (param i32 i32 i32) (result i32)
    (i32.store8 (i32.const 16) (local.get 0))
    (i32.store8 offset=1 (i32.const 16) (local.get 1))
    (i32.store8 offset=2 (i32.const 16) (local.get 2))
    (i32.const 16))

  ;; user { name: string (0), age: u8 (8), tags: list<string> (12) }
  (func (export "echo-user") (param i32 i32 i32 i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store offset=4 (i32.const 16) (local.get 1))
    (i32.store8 offset=8 (i32.const 16) (local.get 2))
    (i32.store offset=12 (i32.const 16) (local.get 3))
    (i32.store offset=16 (i32.const 16) (local.get 4))
    (i32.const 16))

  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  ;; "Hello, " + name + "!" in a fresh buffer
  (func (export "greet") (param $name i32) (param $len i32) (result i32)
    (local $out i32)
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                   (i32.add (local.get $len) (i32.const 8))))
    (memory.copy (local.get $out) (i32.const 64) (i32.const 7))
    (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $name) (local.get $len))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 7))) (i32.const 33))
    (call $words2 (local.get $out) (i32.add (local.get $len) (i32.const 8))))

  (func (export "byte-sum") (param $ptr i32) (param $len i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; result<u32, string>: err "division by zero" when b is 0
  (func (export "divide") (param $a i32) (param $b i32) (result i32)
    (if (i32.eqz (local.get $b))
      (then
        (i32.store8 (i32.const 16) (i32.const 1))
        (i32.store offset=4 (i32.const 16) (i32.const 80))
        (i32.store offset=8 (i32.const 16) (i32.const 16)))
      (else
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store offset=4 (i32.const 16) (i32.div_u (local.get $a) (local.get $b)))))
    (i32.const 16))

  ;; point { x, y } -> point { x: y, y: x }
  (func (export "mirror") (param i32 i32) (result i32)
    (call $words2 (local.get 1) (local.get 0)))

  (func (export "nothing"))
  (func (export "crash") unreachable)
  (func (export "spin") (loop $forever (br $forever)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
