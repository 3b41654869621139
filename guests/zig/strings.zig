//! Sample wasmcall guest written the way Zig users write wasm exports.
//!
//! Built twice from this one file (see build.sh): `wasm32-freestanding`
//! (no imports at all) and `wasm32-wasi` (`-fno-entry`: no `_start`, no
//! `_initialize`; it imports WASI only for `shout`, which exists only in the
//! WASI build). Both use `std.heap.wasm_allocator`, Zig's allocator for wasm.
//!
//! Memory rule: every buffer, input or result, comes from `alloc` and goes
//! back with `free(ptr, len)`. Zig allocators need the length to free a
//! slice, so `free` takes it, unlike C's `free(ptr)`. The host owns every
//! result and frees it; inputs are only borrowed (the host frees them too).

const std = @import("std");
const builtin = @import("builtin");

const allocator = std.heap.wasm_allocator;

/// Allocates `len` bytes for the host; returns 0 when out of memory.
export fn alloc(len: usize) ?[*]u8 {
    const buf = allocator.alloc(u8, len) catch return null;
    return buf.ptr;
}

/// Frees `len` bytes at `ptr` that came from `alloc` or from a result below.
export fn free(ptr: [*]u8, len: usize) void {
    allocator.free(ptr[0..len]);
}

/// Packs a slice the way Zig and Rust guests commonly return one: `(ptr << 32) | len`.
fn pack(bytes: []const u8) u64 {
    return (@as(u64, @intFromPtr(bytes.ptr)) << 32) | bytes.len;
}

/// ASCII-uppercased copy of the `len` bytes at `ptr`, returned packed in a u64
/// (`ptr << 32 | len`). Borrows its input; the host frees the result with
/// `free(ptr, len)`. Returns 0 when out of memory.
export fn upper(ptr: [*]const u8, len: usize) u64 {
    const out = allocator.alloc(u8, len) catch return 0;
    for (ptr[0..len], out) |c, *o| o.* = std.ascii.toUpper(c);
    return pack(out);
}

/// `Hello, <name>!` as a NUL-terminated string (`[*:0]u8`), the shape Zig
/// uses for C strings. Borrows its input; the host frees the result with
/// `free(ptr, strlen + 1)`. Returns null when out of memory.
export fn greet(ptr: [*]const u8, len: usize) ?[*:0]u8 {
    const out = std.fmt.allocPrintSentinel(allocator, "Hello, {s}!", .{ptr[0..len]}, 0) catch return null;
    return out.ptr;
}

/// The bytes at (`ptr`, `len`) in reverse order, returned packed like `upper`.
export fn reverse(ptr: [*]const u8, len: usize) u64 {
    const out = allocator.dupe(u8, ptr[0..len]) catch return 0;
    std.mem.reverse(u8, out);
    return pack(out);
}

/// Wrapping i32 addition.
export fn add(a: i32, b: i32) i32 {
    return a +% b;
}

/// The n-th Fibonacci number as a u64 (wraps past fib(93)).
export fn fib(n: u32) u64 {
    var a: u64 = 0;
    var b: u64 = 1;
    var i: u32 = 0;
    while (i < n) : (i += 1) {
        const next = a +% b;
        a = b;
        b = next;
    }
    return a;
}

/// Euclidean length of (x, y) in f64.
export fn hypot(x: f64, y: f64) f64 {
    return @sqrt(x * x + y * y);
}

/// WASI build only: prints the `len` bytes at `ptr` on stderr with
/// `std.debug.print` (WASI `fd_write` to fd 2) and returns `len`.
fn shout(ptr: [*]const u8, len: usize) callconv(.c) usize {
    std.debug.print("{s}\n", .{ptr[0..len]});
    return len;
}

comptime {
    if (builtin.os.tag == .wasi) @export(&shout, .{ .name = "shout" });
}
