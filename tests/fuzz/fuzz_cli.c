/* fuzz_cli.c — libFuzzer target for the command-line number parsers of
 * tools/cli.c: anc_cli_int, anc_cli_double, anc_cli_u64, anc_cli_int_list and
 * anc_cli_double_list.
 *
 * They print one line and exit(2) on bad input, by design. To fuzz them without
 * changing them, this file compiles tools/cli.c itself with exit() redirected to
 * a longjmp back into the target and stderr to /dev/null; everything else is the
 * unchanged source. (So this target does not link anc_tools, which holds its own
 * copy of cli.c.) An exit code other than 2 is a finding.
 *
 * Checked for every accepted string, from the text itself rather than from the
 * parser: values within [lo, hi], the count within 1..max and equal to the
 * number of comma-separated fields, each field's value as strtol/strtod reads
 * that field alone, and no '-' in what anc_cli_u64 accepts as non-negative.
 * Input: byte 0 picks the parser, its bounds and max; the rest is the string. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FUZZ_TARGET "fuzz_cli"
#include "fuzz_common.h"

static jmp_buf die_jump;
static FILE *sink;

#if defined(__GNUC__)
__attribute__((noreturn))
#endif
static void cli_exit(int code)
{
    if (code != ANC_EXIT_USAGE)
        broken("a parser exited with %d, not %d", code, ANC_EXIT_USAGE);
    longjmp(die_jump, 1);
}

/* The parsers, as they are, with exit and stderr redirected. */
#define exit(code) cli_exit(code)
#undef stderr
#define stderr sink
#include "cli.c"
#undef exit
#undef stderr

enum { MAX_ITEMS = 8 };

static const struct {
    long lo, hi;
} int_ranges[] = {{1, 16}, {1, 8192}, {0, 0}, {-2147483647L - 1, 2147483647L}, {-5, 5}};

static const struct {
    double lo, hi;
} double_ranges[] = {{-4.0, 4.0}, {0.0, 1.0}, {-1e308, 1e308}, {1e-9, 1e-3}};

/* n fields separated by commas in s (a field may be empty). */
static int fields(const char *s)
{
    int n = 1;
    for (; *s; s++)
        n += *s == ',';
    return n;
}

/* Field i of s, copied to out (up to size - 1 bytes). */
static void field(const char *s, int i, char *out, size_t size)
{
    for (; i > 0; s++)
        if (*s == ',')
            i--;
    size_t n = strcspn(s, ",");
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static void check_int_list(const char *s, const int *out, int n, int max, long lo, long hi)
{
    if (n < 1 || n > max || n != fields(s))
        broken("int list '%s': %d values (max %d, %d fields)", s, n, max, fields(s));
    for (int i = 0; i < n; i++) {
        char f[4096];
        field(s, i, f, sizeof f);
        char *end;
        long v = strtol(f, &end, 10);
        if (out[i] < lo || out[i] > hi || v != out[i] || end == f || *end)
            broken("int list '%s': value %d is '%s'", s, out[i], f);
    }
}

static void check_double_list(const char *s, const double *out, int n, int max, double lo,
                              double hi)
{
    if (n < 1 || n > max || n != fields(s))
        broken("double list '%s': %d values (max %d, %d fields)", s, n, max, fields(s));
    for (int i = 0; i < n; i++) {
        char f[4096];
        field(s, i, f, sizeof f);
        char *end;
        double v = strtod(f, &end);
        if (!isfinite(out[i]) || out[i] < lo || out[i] > hi || v != out[i] || end == f || *end)
            broken("double list '%s': value %g is '%s'", s, out[i], f);
    }
}

/* One parse; returns 1 when s was accepted. volatile: set between setjmp and
 * longjmp. */
static int parse(uint8_t sel, const char *s)
{
    volatile int accepted = 0;
    int iv[MAX_ITEMS];
    double dv[MAX_ITEMS];
    const int max = 1 + (sel >> 5) % MAX_ITEMS;
    const size_t ri = (sel >> 3) % (sizeof int_ranges / sizeof int_ranges[0]);
    const size_t rd = (sel >> 3) % (sizeof double_ranges / sizeof double_ranges[0]);
    if (setjmp(die_jump) == 0) {
        switch (sel % 5) {
        case 0: {
            long v = anc_cli_int("--n", s, int_ranges[ri].lo, int_ranges[ri].hi);
            if (v < int_ranges[ri].lo || v > int_ranges[ri].hi || fields(s) != 1)
                broken("int '%s' gave %ld", s, v);
            break;
        }
        case 1: {
            double v = anc_cli_double("--x", s, double_ranges[rd].lo, double_ranges[rd].hi);
            if (!isfinite(v) || v < double_ranges[rd].lo || v > double_ranges[rd].hi)
                broken("double '%s' gave %g", s, v);
            break;
        }
        case 2: {
            unsigned long long v = anc_cli_u64("--seed", s);
            if (strchr(s, '-'))
                broken("u64 '%s' accepted as the non-negative %llu", s, v);
            break;
        }
        case 3: {
            int n = anc_cli_int_list("--hidden", s, iv, max, int_ranges[ri].lo, int_ranges[ri].hi);
            check_int_list(s, iv, n, max, int_ranges[ri].lo, int_ranges[ri].hi);
            break;
        }
        default: {
            int n = anc_cli_double_list("--latent", s, dv, max, double_ranges[rd].lo,
                                        double_ranges[rd].hi);
            check_double_list(s, dv, n, max, double_ranges[rd].lo, double_ranges[rd].hi);
            break;
        }
        }
        accepted = 1;
    }
    return accepted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    if (!sink) {
        sink = fopen("/dev/null", "w");
        if (!sink)
            broken("cannot open /dev/null");
    }
    /* Arguments are C strings: the string ends at the first NUL. */
    char *s = malloc(size);
    if (!s)
        abort();
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    parse(data[0], s);
    free(s);
    return 0;
}
