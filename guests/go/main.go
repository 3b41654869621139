// Sample wasmcall guest written the way Go users write wasm exports since
// Go 1.24: GOOS=wasip1 GOARCH=wasm, //go:wasmexport, -buildmode=c-shared
// (a WASI reactor: the host runs _initialize once, then calls exports).
//
// Memory rule: everything lives in Go's garbage-collected heap. The GC may
// reclaim any object that no Go variable points at, and the host's copy of
// a pointer does not count. So the host's buffers (malloc) and the results
// handed out (upper, greet, reverse) are kept alive in the `pinned` map until
// the host calls free(ptr), which only forgets them; the GC reclaims them
// later. free on a pointer the guest never handed out does nothing. This is
// the allocation pattern of wazero's Go/TinyGo examples (examples/allocation).
package main

import (
	"strings"
	"unsafe"
)

// main is never run in a c-shared (reactor) build; package main needs it.
func main() {}

// pinned keeps host-owned buffers reachable for Go's GC, by address.
var pinned = map[uintptr][]byte{}

// keep pins a byte slice and returns its address.
func keep(buf []byte) unsafe.Pointer {
	if len(buf) == 0 {
		buf = make([]byte, 1)[:0:1]
	}
	ptr := unsafe.Pointer(unsafe.SliceData(buf))
	pinned[uintptr(ptr)] = buf
	return ptr
}

// pack returns a pinned copy of s as (ptr << 32) | len.
func pack(s string) uint64 {
	ptr := keep([]byte(s))
	return uint64(uintptr(ptr))<<32 | uint64(len(s))
}

// view reads (ptr, size) from linear memory without copying.
func view(ptr unsafe.Pointer, size uint32) string {
	return unsafe.String((*byte)(ptr), size)
}

// malloc allocates size bytes in the GC heap and pins them until free.
//
//go:wasmexport malloc
func malloc(size uint32) unsafe.Pointer {
	return keep(make([]byte, size))
}

// free unpins a buffer from malloc or a result; unknown pointers are ignored.
//
//go:wasmexport free
func free(ptr unsafe.Pointer) {
	delete(pinned, uintptr(ptr))
}

// upper returns an uppercased copy of the UTF-8 text at (ptr, size), packed
// as (ptr << 32) | len. It borrows its input; the result stays pinned until
// the host calls free(result ptr).
//
//go:wasmexport upper
func upper(ptr unsafe.Pointer, size uint32) uint64 {
	return pack(strings.ToUpper(view(ptr, size)))
}

// greet returns "Hello, <name>!" packed like upper.
//
//go:wasmexport greet
func greet(ptr unsafe.Pointer, size uint32) uint64 {
	return pack("Hello, " + view(ptr, size) + "!")
}

// reverse returns the bytes at (ptr, size) in reverse order, packed like upper.
//
//go:wasmexport reverse
func reverse(ptr unsafe.Pointer, size uint32) uint64 {
	in := unsafe.Slice((*byte)(ptr), size)
	out := make([]byte, size)
	for i, b := range in {
		out[len(in)-1-i] = b
	}
	return pack(string(out))
}

// add is wrapping int32 addition.
//
//go:wasmexport add
func add(a, b int32) int32 {
	return a + b
}

// mul is wrapping int64 multiplication.
//
//go:wasmexport mul
func mul(a, b int64) int64 {
	return a * b
}

// average is the mean of two float64s.
//
//go:wasmexport average
func average(a, b float64) float64 {
	return (a + b) / 2
}
