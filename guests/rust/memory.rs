//! Sample wasmcall guest: passing numbers and byte buffers across the
//! WebAssembly boundary.
//!
//! Based on "A practical guide to WebAssembly memory" (Radu Matei).
//! The host copies input bytes into guest memory through `alloc`, calls an
//! export, reads the result back and frees buffers with `dealloc`.
//!
//! Memory rule for every buffer in this module: a buffer of `len` bytes that
//! the host owns is freed with `dealloc(ptr, len)`; for every result buffer the
//! allocation's capacity equals the length the host is told to free.
//!
//! Built with `-C target-feature=+multivalue` (see build.sh) so that
//! `upper_pair` returns two values. That flag makes *every* `extern "C"`
//! struct return a multi-value return, so `upper_out` takes an explicit
//! out-pointer parameter instead of relying on an implicit struct-return pointer.

use std::mem;

/// Allocates `len` bytes in guest memory and returns a pointer to them.
/// The caller (host) owns the buffer and frees it with `dealloc(ptr, len)`,
/// or hands ownership to an export that takes it (`array_sum`, `upper`).
#[no_mangle]
pub unsafe extern "C" fn alloc(len: usize) -> *mut u8 {
    // Create a new mutable buffer with capacity `len`.
    let mut buf = Vec::with_capacity(len);
    // Take a mutable pointer to the buffer.
    let ptr = buf.as_mut_ptr();
    // Prevent the buffer from being freed when it goes out of scope.
    mem::forget(buf);
    ptr
}

/// Frees a buffer of `len` bytes that came from `alloc` or from a result of
/// one of the string exports below. Takes ownership of the buffer.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    // Rebuild the Vec with length 0 and capacity `len`; dropping it frees the memory.
    let data = Vec::from_raw_parts(ptr, 0, len);
    mem::drop(data);
}

/// Returns the wrapping sum of the `len` bytes at `ptr`.
/// TAKES OWNERSHIP of the input: it is freed before returning, so the host
/// must not `dealloc` it afterwards.
#[no_mangle]
pub unsafe extern "C" fn array_sum(ptr: *mut u8, len: usize) -> u8 {
    // Rebuild the Vec (length and capacity `len`); it is dropped on return.
    let data = Vec::from_raw_parts(ptr, len, len);
    data.iter().fold(0u8, |acc, x| acc.wrapping_add(*x))
}

/// Returns a pointer to an ASCII-uppercased copy of the UTF-8 string at
/// (`ptr`, `len`); the result has the same length `len`.
/// TAKES OWNERSHIP of the input (freed here). The host owns the result and
/// frees it with `dealloc(result, len)`. Invalid UTF-8 panics, which traps.
#[no_mangle]
pub unsafe extern "C" fn upper(ptr: *mut u8, len: usize) -> *mut u8 {
    // Rebuild the input string from its bytes.
    let data = Vec::from_raw_parts(ptr, len, len);
    let input_str = String::from_utf8(data).unwrap();
    // Uppercase it into a new, exactly-sized buffer (`to_owned` of a slice).
    let mut upper = input_str.to_ascii_uppercase().as_bytes().to_owned();
    let ptr = upper.as_mut_ptr();
    // Hand the buffer to the host.
    mem::forget(upper);
    ptr
}

/// Borrows the `len` bytes at `ptr` (an empty slice when `len` is 0, so a
/// null pointer is fine then).
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

/// ASCII-uppercased copy of the borrowed input, leaked as a buffer whose
/// allocation is exactly `len` bytes (a boxed slice has no spare capacity),
/// so the host can free it with `dealloc(ptr, len)`.
unsafe fn upper_copy(ptr: *const u8, len: usize) -> (*mut u8, usize) {
    let boxed: Box<[u8]> = input(ptr, len).to_ascii_uppercase().into_boxed_slice();
    let out_len = boxed.len();
    (Box::into_raw(boxed) as *mut u8, out_len)
}

/// A (pointer, length) pair; returned as two wasm values (multi-value).
#[repr(C)]
pub struct Pair {
    pub ptr: *mut u8,
    pub len: usize,
}

/// Returns (ptr, len) of an ASCII-uppercased copy of the input as a
/// multi-value result `(result i32 i32)`.
/// BORROWS the input (the host still owns and frees it). The host owns the
/// result and frees it with `dealloc(ptr, len)`.
#[no_mangle]
pub unsafe extern "C" fn upper_pair(ptr: *const u8, len: usize) -> Pair {
    let (ptr, len) = upper_copy(ptr, len);
    Pair { ptr, len }
}

/// Returns an ASCII-uppercased copy of the input packed into one i64:
/// pointer in the high 32 bits, length in the low 32 bits.
/// BORROWS the input. The host owns the result and frees it with `dealloc(ptr, len)`.
#[no_mangle]
pub unsafe extern "C" fn upper_packed(ptr: *const u8, len: usize) -> u64 {
    let (ptr, len) = upper_copy(ptr, len);
    ((ptr as u64) << 32) | len as u64
}

/// Writes (ptr, len) of an ASCII-uppercased copy of the input to the 8 bytes
/// at `out`: ptr at +0, len at +4, little-endian u32 each.
/// `out` is host-provided scratch memory (e.g. from `alloc(8)`), owned by the host.
/// BORROWS the input. The host owns the result and frees it with `dealloc(ptr, len)`.
#[no_mangle]
pub unsafe extern "C" fn upper_out(out: *mut u32, ptr: *const u8, len: usize) {
    let (ptr, len) = upper_copy(ptr, len);
    // wasm is little-endian; unaligned writes so any `out` address works.
    out.write_unaligned(ptr as u32);
    out.add(1).write_unaligned(len as u32);
}

/// Returns a pointer to the NUL-terminated string "Hello, <input>!".
/// BORROWS the input (bytes copied as-is). The host owns the result and frees
/// it with `dealloc(ptr, text_len + 1)`, where text_len = strlen = `len` + 8
/// (the allocation is exactly text_len + 1 bytes, NUL included).
/// A NUL byte inside the input would end the C string early.
#[no_mangle]
pub unsafe extern "C" fn hello_cstr(ptr: *const u8, len: usize) -> *mut u8 {
    let name = input(ptr, len);
    let mut text = Vec::with_capacity(len + 9);
    text.extend_from_slice(b"Hello, ");
    text.extend_from_slice(name);
    text.extend_from_slice(b"!\0");
    // Exact capacity already; into_boxed_slice guarantees it.
    Box::into_raw(text.into_boxed_slice()) as *mut u8
}

/// Wrapping i32 addition. No memory involved.
#[no_mangle]
pub unsafe extern "C" fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// Wrapping i64 multiplication. No memory involved.
#[no_mangle]
pub unsafe extern "C" fn mul_i64(a: i64, b: i64) -> i64 {
    a.wrapping_mul(b)
}

/// Returns `x * k` computed in f64. No memory involved.
#[no_mangle]
pub unsafe extern "C" fn scale(x: f64, k: f32) -> f64 {
    x * k as f64
}

/// Returns `-x`. No memory involved.
#[no_mangle]
pub unsafe extern "C" fn negate_f32(x: f32) -> f32 {
    -x
}
