/* alloc_count.c — the allocation counter of alloc_count.h: glibc allocator
 * entry points interposed in the executable, or the sanitizers' malloc/free hooks
 * under AddressSanitizer or ThreadSanitizer (which replace the allocator, so
 * interposing would bypass it and break it). The interposed functions forward to glibc's exported __libc_*
 * twins, which are the real allocator, so nothing here ever allocates. */
#include "alloc_count.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ANC_ALLOC_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define ANC_ALLOC_SANITIZER 1
#endif
#endif

/* initial-exec: the executable's TLS block is static, so reading the flag inside
 * malloc can never call __tls_get_addr (which may itself allocate). volatile:
 * the compiler knows strdup() and free() and would otherwise drop the probe's
 * store as dead. */
static _Thread_local volatile int watching __attribute__((tls_model("initial-exec")));
static atomic_ulong counted;

static inline void note(void)
{
    if (watching)
        atomic_fetch_add_explicit(&counted, 1, memory_order_relaxed);
}

void anc_alloc_watch(int on)
{
    watching = on != 0;
}

unsigned long anc_alloc_count(void)
{
    return atomic_load(&counted);
}

#if defined(ANC_ALLOC_SANITIZER)

/* sanitizer/allocator_interface.h is not always installed with GCC; the
 * function has had this signature since LLVM 3.9 / GCC 7. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static int hooks_ok;

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    note();
}

static void on_free(const volatile void *p)
{
    if (p)
        note();
}

__attribute__((constructor)) static void install_hooks(void)
{
    hooks_ok = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
}

static const char *mechanism(void)
{
    return hooks_ok ? "sanitizer-hooks" : NULL;
}

#else

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);
void *__libc_valloc(size_t n);
void *__libc_pvalloc(size_t n);

void *malloc(size_t n)
{
    note();
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    note();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    note();
    return __libc_realloc(p, n);
}

void free(void *p)
{
    /* free(NULL) is a no-op everywhere, including real time. */
    if (p)
        note();
    __libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    note();
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    note();
    return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
    note();
    return __libc_memalign(align, n);
}

void *valloc(size_t n)
{
    note();
    return __libc_valloc(n);
}

void *pvalloc(size_t n)
{
    note();
    return __libc_pvalloc(n);
}

static const char *mechanism(void)
{
    return "interposer";
}

#endif

int anc_alloc_counting(const char **how)
{
    const char *m = mechanism();
    /* Probe through libc: strdup's own call to malloc binds the way a dlopen'd
     * plugin's calls do (global scope, executable first). */
    unsigned long before = anc_alloc_count();
    int was = watching;
    watching = 1;
    char *volatile p = strdup("probe");
    free(p);
    watching = was;
    unsigned long seen = anc_alloc_count() - before;
    atomic_fetch_sub(&counted, seen); /* the probe is not the caller's */
    int ok = m && seen >= 2;
    if (how)
        *how = ok ? m : "none";
    return ok;
}
