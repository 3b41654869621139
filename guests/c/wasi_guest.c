/*
 * wasi_guest.c - sample C guest for wasmcall: a WASI (preview 1) reactor.
 *
 * Build (see build.sh):
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor \
 *         -Wl,--export=malloc -Wl,--export=free wasi_guest.c -o wasi_guest.wasm
 *
 * The module exports _initialize (run it before anything else), memory,
 * malloc and free, plus the functions below. Conventions shown:
 *   greet      NUL-terminated char* in, malloc'd NUL-terminated char* out
 *   reverse    struct return -> sret out-pointer as the FIRST wasm param:
 *              (i32 retptr, i32 ptr, i32 len) -> nil; ptr at +0, len at +4
 *   checksum   (ptr, len) borrowed, returns a u32
 *   shout      (ptr, len) -> writes to stdout and stderr, returns a count
 *   file_size  path as char*, uses WASI preopened directories
 *   env_len    name as char*, uses WASI environment variables
 *   quit       exit(code) -> WASI proc_exit
 *   truncate_file  path as char*, opens it O_WRONLY|O_TRUNC (WASI path_open
 *              with the TRUNCATE flag): 0, or the errno when refused
 * Inputs are borrowed: the host still owns (and frees) what it passed in.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* "Hello, <name>!" in a malloc'd NUL-terminated buffer; the host frees it
 * with free(). Returns NULL if allocation fails. */
EXPORT("greet")
char *greet(const char *name) {
    static const char prefix[] = "Hello, ";
    size_t n = strlen(name);
    size_t total = sizeof(prefix) - 1 + n + 1 /* '!' */ + 1 /* NUL */;
    char *out = malloc(total);
    if (!out)
        return NULL;
    memcpy(out, prefix, sizeof(prefix) - 1);
    memcpy(out + sizeof(prefix) - 1, name, n);
    out[sizeof(prefix) - 1 + n] = '!';
    out[total - 1] = '\0';
    return out;
}

struct slice {
    uint8_t *ptr;
    uint32_t len;
};

/* Reversed copy of p[0..len) in a malloc'd buffer (free it with free()).
 * clang returns the struct through a hidden out-pointer, the first wasm
 * param, so the wasm signature is (i32 retptr, i32 p, i32 len) -> nil. */
EXPORT("reverse")
struct slice reverse(const uint8_t *p, uint32_t len) {
    struct slice r = {NULL, 0};
    uint8_t *out = malloc(len ? len : 1);
    if (!out)
        return r;
    for (uint32_t i = 0; i < len; i++)
        out[i] = p[len - 1 - i];
    r.ptr = out;
    r.len = len;
    return r;
}

/* Sum of the bytes (mod 2^32). Borrows the input. */
EXPORT("checksum")
uint32_t checksum(const uint8_t *p, uint32_t len) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

/* Writes the uppercased text and a newline to stdout, then
 * "shouted N bytes\n" to stderr; returns N (= len). */
EXPORT("shout")
int shout(const char *p, uint32_t len) {
    for (uint32_t i = 0; i < len; i++)
        putchar(toupper((unsigned char)p[i]));
    fwrite("\n", 1, 1, stdout);
    fflush(stdout);
    fprintf(stderr, "shouted %u bytes\n", (unsigned)len);
    fflush(stderr);
    return (int)len;
}

/* Size in bytes of the file at path, or -1 if it cannot be opened
 * (e.g. its directory was not granted to the guest). */
EXPORT("file_size")
long file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return -1;
    }
    long size = ftell(f);
    fclose(f);
    return size;
}

/* strlen(getenv(name)), or -1 if the variable is not set. */
EXPORT("env_len")
int env_len(const char *name) {
    const char *v = getenv(name);
    return v ? (int)strlen(v) : -1;
}

/* exit(code): flushes stdio and calls WASI proc_exit. */
EXPORT("quit")
void quit(int code) {
    exit(code);
}

/* Open path for writing with O_TRUNC (WASI path_open with oflags TRUNCATE),
 * emptying the file: 0 on success, else the errno (EPERM/ENOTCAPABLE on a
 * read-only grant, ENOENT outside any grant). */
EXPORT("truncate_file")
int truncate_file(const char *path) {
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}
