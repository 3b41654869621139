// Sample wasmcall guest: the typed-array guest of ../assemblyscript/arrays.ts
// built with AssemblyScript 0.14, the last runtime before 0.18 replaced it.
//
// The 0.14 runtime ("full", the default) is reference counted and exports
//   __alloc(size, id) -> ptr   allocate a managed object of class `id`
//   __retain(ptr) -> ptr       count one more reference (the host's)
//   __release(ptr)             drop the host's reference (frees at zero)
//   __collect()                collect reference cycles
//   __rtti_base                where the class table starts
// instead of 0.18's __new/__pin/__unpin. The host allocates an argument with
// __alloc + __retain and releases it after the call; a result comes back
// already retained for the host, which calls __release(result) when done.
// Object layout: the class id at ptr - 8 and the byte size at ptr - 4, as in
// 0.18; typed arrays and Array<T> are header objects pointing at an ArrayBuffer:
//   Uint8Array etc.: [buffer: usize, dataStart: usize, byteLength: i32]
//   Array<T>:        [buffer, dataStart, byteLength, length_: i32]
//   StaticArray<T>:  the elements themselves (no header object)

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

/** A string in and out: 0.14 strings are UTF-16 like 0.18's, but class id 1
 * (ArrayBuffer is 0), where 0.18 uses 2 (and 1 for ArrayBuffer). */
export function shout(s: string): string {
  return s.toUpperCase() + "!";
}
