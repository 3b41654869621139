// strings.ts - sample AssemblyScript guest for wasmcall.
//
// Build (see build.sh): npx asc strings.ts -o strings.wasm --optimize --exportRuntime
//
// AssemblyScript passes managed objects by pointer. A string is UTF-16LE
// (class id 2), an ArrayBuffer is raw bytes (class id 1); the object's byte
// length is the u32 at ptr-4 (rtSize) and its class id the u32 at ptr-8
// (rtId). To pass one in, the host allocates it with __new(byteLength, id),
// writes the bytes, and __pin()s it while it holds the pointer; it
// __unpin()s it (never frees) when done. Results are managed too: pin
// them before allocating anything else, read, then unpin.
// A failed assert calls the env.abort(msg, file, line, col) import.

export function shout(s: string): string {
  return s.toUpperCase() + "!";
}

export function reverseBytes(b: ArrayBuffer): ArrayBuffer {
  const n = b.byteLength;
  const out = new ArrayBuffer(n);
  const src = Uint8Array.wrap(b);
  const dst = Uint8Array.wrap(out);
  for (let i = 0; i < n; i++) {
    dst[i] = src[n - 1 - i];
  }
  return out;
}

export function byteSum(b: ArrayBuffer): u32 {
  const src = Uint8Array.wrap(b);
  let sum: u32 = 0;
  for (let i = 0, n = src.length; i < n; i++) {
    sum += src[i];
  }
  return sum;
}

export function positive(n: i32): i32 {
  assert(n > 0, "n must be positive");
  return n;
}

export function add(a: i32, b: i32): i32 {
  return a + b;
}

export function greetLength(s: string): i32 {
  return s.length;
}
