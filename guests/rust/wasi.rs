//! Sample wasmcall guest: a Rust `cdylib` for `wasm32-wasi`, with the result
//! shapes Rust users reach for when they export strings by hand
//! (`#[no_mangle] pub extern "C"`, no wasm-bindgen).
//!
//! Memory rule: inputs come from `alloc(len)` and are borrowed (the host
//! frees them with `dealloc(ptr, len)`). Results:
//! - `greet` returns a `*mut c_char` from `CString::into_raw`: the host reads
//!   to the NUL and frees it with `free_cstring(ptr)` (never `dealloc`: only
//!   `CString::from_raw` knows the allocation's size);
//! - `upper_struct` returns a `#[repr(C)]` struct by value; built without
//!   multivalue, rustc lowers that to an sret out-pointer (first param),
//!   and the host frees `(ptr, len)` with `dealloc`;
//! - `upper_packed` and `reverse_packed` return `(ptr << 32) | len` in a u64,
//!   freed with `dealloc(ptr, len)`.
//! Every (ptr, len) result is a boxed slice, so its capacity equals `len`.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;

/// Allocates `len` bytes for the host (free with `dealloc(ptr, len)`).
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Frees `len` bytes at `ptr` from `alloc` or from a (ptr, len) result.
///
/// # Safety
/// `ptr` must come from `alloc(len)` or a result of exactly `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    drop(Vec::from_raw_parts(ptr, 0, len));
}

/// Frees a string `greet` returned.
///
/// # Safety
/// `ptr` must come from `CString::into_raw` in this module.
#[no_mangle]
pub unsafe extern "C" fn free_cstring(ptr: *mut c_char) {
    drop(CString::from_raw(ptr));
}

/// A (ptr, len) pair returned by value: `#[repr(C)]` makes it an sret
/// out-pointer on wasm32 (ptr at +0, len at +4).
#[repr(C)]
pub struct Buffer {
    pub ptr: *mut u8,
    pub len: usize,
}

unsafe fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
    std::str::from_utf8(std::slice::from_raw_parts(ptr, len)).unwrap_or("\u{fffd}")
}

fn leak(bytes: Vec<u8>) -> (*mut u8, usize) {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len();
    (Box::into_raw(boxed) as *mut u8, len)
}

/// `Hello, <name>!` as a NUL-terminated C string (free with `free_cstring`).
///
/// # Safety
/// (`ptr`, `len`) must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn greet(ptr: *const u8, len: usize) -> *mut c_char {
    let greeting = format!("Hello, {}!", text(ptr, len).replace('\0', ""));
    CString::new(greeting).unwrap().into_raw()
}

/// The length of a NUL-terminated string (a `*const c_char` argument).
///
/// # Safety
/// `s` must point at a NUL-terminated string in guest memory.
#[no_mangle]
pub unsafe extern "C" fn c_strlen(s: *const c_char) -> usize {
    CStr::from_ptr(s).to_bytes().len()
}

/// An uppercased copy, returned as a `#[repr(C)]` struct (sret).
///
/// # Safety
/// (`ptr`, `len`) must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn upper_struct(ptr: *const u8, len: usize) -> Buffer {
    let (ptr, len) = leak(text(ptr, len).to_uppercase().into_bytes());
    Buffer { ptr, len }
}

/// An uppercased copy, packed as `(ptr << 32) | len`.
///
/// # Safety
/// (`ptr`, `len`) must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn upper_packed(ptr: *const u8, len: usize) -> u64 {
    let (ptr, len) = leak(text(ptr, len).to_uppercase().into_bytes());
    ((ptr as u64) << 32) | len as u64
}

/// The input's bytes reversed, packed as `(ptr << 32) | len`.
///
/// # Safety
/// (`ptr`, `len`) must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn reverse_packed(ptr: *const u8, len: usize) -> u64 {
    let mut bytes = std::slice::from_raw_parts(ptr, len).to_vec();
    bytes.reverse();
    let (ptr, len) = leak(bytes);
    ((ptr as u64) << 32) | len as u64
}

/// Prints the text on stdout through WASI (`println!`) and returns its length.
///
/// # Safety
/// (`ptr`, `len`) must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn shout(ptr: *const u8, len: usize) -> usize {
    println!("{}", text(ptr, len).to_uppercase());
    len
}

/// Wrapping i32 addition.
#[no_mangle]
pub extern "C" fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// Euclidean length of (x, y), as `sqrt(x*x + y*y)`. (Not `f64::hypot`:
/// with Debian's rustc 1.63 on wasm32-wasi that call never returned.)
#[no_mangle]
pub extern "C" fn hypot(x: f64, y: f64) -> f64 {
    (x * x + y * y).sqrt()
}
