/* alloc_count.h — counts heap calls (malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc) made by one thread while it watches,
 * so a host can prove that a plugin's run() never touches the allocator.
 *
 * How: alloc_count.c defines those functions in the executable, in front of
 * glibc's (the plugin, loaded with dlopen, binds to them), and forwards to
 * glibc's __libc_* entry points. Under AddressSanitizer or ThreadSanitizer,
 * which own the allocator, it installs their malloc/free hooks instead. Link it into the
 * executable itself (the host library does, and executables using it are built
 * with export_dynamic so the definitions are visible to dlopen'd code).
 *
 * Threading: the watch flag is per thread, so allocations on a worker thread
 * are never counted while the audio thread watches; the counter is atomic. */
#ifndef ANC_ALLOC_COUNT_H
#define ANC_ALLOC_COUNT_H

/* Starts (on != 0) or stops counting calls made by the calling thread. */
void anc_alloc_watch(int on);
/* Calls counted so far, on all threads while they watched. */
unsigned long anc_alloc_count(void);
/* 1 when calls are really counted ("interposer" or "sanitizer-hooks"), 0 when the
 * counter is blind; *how names the mechanism. */
int anc_alloc_counting(const char **how);

#endif
