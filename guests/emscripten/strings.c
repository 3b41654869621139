/* Sample wasmcall guest written the way Emscripten users write C for the web.
 *
 * Built three ways from this one file (see build.sh):
 *   glue.wasm       the usual build with JS glue (the .js is not kept): the
 *                   .wasm imports Emscripten's helpers from "env"
 *                   (emscripten_memcpy_big, emscripten_resize_heap, ...) and
 *                   WASI calls from "wasi_snapshot_preview1"
 *   standalone.wasm -sSTANDALONE_WASM: only WASI imports
 *   imported_memory.wasm  the glue build with -sIMPORTED_MEMORY: the memory
 *                   is the import "env" "memory", as in Emscripten's SQLite build
 *
 * Memory rule: strings are NUL-terminated (char *). Exports that return a
 * char * return a malloc'd copy the caller frees with free(); inputs are
 * borrowed (the caller frees them).
 */
#include <ctype.h>
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "Hello, <name>!" in a new malloc'd string. */
EMSCRIPTEN_KEEPALIVE char *greet(const char *name) {
    size_t size = strlen(name) + sizeof "Hello, !";
    char *out = malloc(size);
    if (out) snprintf(out, size, "Hello, %s!", name);
    return out;
}

/* An uppercased malloc'd copy of s. */
EMSCRIPTEN_KEEPALIVE char *upper(const char *s) {
    char *out = strdup(s);
    for (char *p = out; p && *p; p++) *p = (char)toupper((unsigned char)*p);
    return out;
}

/* s repeated `times` times in one malloc'd string. Long copies go through
 * memcpy, which in the glue builds calls the import
 * env.emscripten_memcpy_big, and large results grow the heap through
 * env.emscripten_resize_heap. */
EMSCRIPTEN_KEEPALIVE char *repeat(const char *s, int times) {
    size_t len = strlen(s);
    size_t total = times > 0 ? len * (size_t)times : 0;
    char *out = malloc(total + 1);
    if (!out) return NULL;
    char *p = out;
    if (times > 0 && len > 0) {
        memcpy(p, s, len);
        /* doubling: each memcpy copies everything written so far */
        for (size_t done = len; done < total; done *= 2) {
            size_t chunk = done < total - done ? done : total - done;
            memcpy(out + done, out, chunk);
        }
    }
    out[total] = '\0';
    return out;
}

/* Allocates and fills `mib` MiB and returns how many of its bytes are
 * non-zero (mib * 1048576 when it worked, 0 when malloc failed). The heap
 * starts at 16 MiB, so 32 grows it through env.emscripten_resize_heap in
 * the glue builds (memory.grow inside the module in the standalone build). */
EMSCRIPTEN_KEEPALIVE int fill_mib(int mib) {
    size_t size = (size_t)mib << 20;
    unsigned char *block = malloc(size);
    if (!block) return 0;
    memset(block, 1, size);
    int count = 0;
    for (size_t i = 0; i < size; i += 4096) count += block[i];
    free(block);
    return count * 4096;
}

/* Sum of the len bytes at data (borrowed). */
EMSCRIPTEN_KEEPALIVE unsigned sum_bytes(const unsigned char *data, int len) {
    unsigned sum = 0;
    for (int i = 0; i < len; i++) sum += data[i];
    return sum;
}

/* Prints s on stdout (WASI fd_write through Emscripten's libc) and returns
 * the number of characters printed. */
EMSCRIPTEN_KEEPALIVE int shout(const char *s) {
    int n = printf("%s!\n", s);
    fflush(stdout);
    return n;
}

/* 1 if path can be read, else 0: access() is the syscall import
 * env.__syscall_faccessat in the glue builds (Emscripten's JS file system)
 * and a WASI call in the standalone build. */
EMSCRIPTEN_KEEPALIVE int can_read(const char *path) { return access(path, R_OK) == 0; }

EMSCRIPTEN_KEEPALIVE int add(int a, int b) { return a + b; }

EMSCRIPTEN_KEEPALIVE double average(double a, double b) { return (a + b) / 2; }
