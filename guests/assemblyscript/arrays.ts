// Sample wasmcall guest: AssemblyScript typed arrays and arrays as
// parameters and results.
//
// Built twice (see build.sh): arrays.wasm with --exportRuntime and
// --bindings esm (arrays.js and arrays.d.ts beside it say which class each
// parameter and result is), and arrays_plain.wasm with neither (no
// allocator exports at all, the default output of `asc`).
//
// Every object here is managed by AssemblyScript's GC. A typed array or
// Array<T> is a 12- or 16-byte header object pointing at an ArrayBuffer:
//   Uint8Array etc.: [buffer: usize, dataStart: usize, byteLength: i32]
//   Array<T>:        [buffer, dataStart, byteLength, length_: i32]
//   StaticArray<T>:  the elements themselves (no header object)
// and the class id at ptr - 8 tells them apart. The host allocates them with
// __new(size, classId) and __pin, and unpins results; it never frees.

/** Sum of the bytes (Uint8Array in). */
export function sumBytes(data: Uint8Array): u32 {
  let sum: u32 = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  return sum;
}

/** Sum of the Int32Array's elements, wrapping. */
export function sumInt32(values: Int32Array): i32 {
  let sum: i32 = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

/** Mean of a Float64Array (NaN when empty). */
export function mean(values: Float64Array): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / <f64>values.length;
}

/** ASCII-uppercased copy (Uint8Array in, Uint8Array out). */
export function upperBytes(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    out[i] = c >= 97 && c <= 122 ? c - 32 : c;
  }
  return out;
}

/** The bytes in reverse order (StaticArray<u8> in and out). */
export function reverseStatic(data: StaticArray<u8>): StaticArray<u8> {
  const n = data.length;
  const out = new StaticArray<u8>(n);
  for (let i = 0; i < n; i++) out[i] = data[n - 1 - i];
  return out;
}

/** Each element doubled (Array<i32> in and out). */
export function doubled(values: Array<i32>): Array<i32> {
  return values.map<i32>((v: i32) => v * 2);
}

/** Sum of an Array<u8> (the same bytes as sumBytes, another class). */
export function sumArray(values: Array<u8>): u32 {
  let sum: u32 = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

/** The squares 0, 1, 4, ... of 0..n-1 (numbers in, Int32Array out). */
export function squares(n: i32): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i * i;
  return out;
}

/** Every element times k (Float64Array and f64 in, Float64Array out). */
export function scaled(values: Float64Array, k: f64): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * k;
  return out;
}

/** Numbers only: works with any build. */
export function add(a: i32, b: i32): i32 {
  return a + b;
}
