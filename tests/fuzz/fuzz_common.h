/* fuzz_common.h — what every fuzz target shares: broken(), which reports a
 * promise the code under test did not keep (one line naming the target) and
 * aborts, so libFuzzer and the replay tests both see a crash.
 * Define FUZZ_TARGET ("fuzz_model", ...) before including this header. */
#ifndef ANC_FUZZ_COMMON_H
#define ANC_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_TARGET
#error "define FUZZ_TARGET before including fuzz_common.h"
#endif

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
static void broken(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(FUZZ_TARGET ": BROKEN PROMISE: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#endif
