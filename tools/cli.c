/* cli.c — shared command-line helpers (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *program = "ancestral";

void anc_cli_set_program(const char *name) { program = name; }
const char *anc_cli_program(void) { return program; }

void anc_cli_die(int code, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: ", program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

void anc_cli_warn(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: warning: ", program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void anc_cli_warn_skipped(void *user, const char *path, const char *reason)
{
    (void)user;
    anc_cli_warn("skipping %s: %s", path, reason);
}

void anc_cli_warn_used(void *user, const char *path, const char *reason)
{
    (void)user;
    anc_cli_warn("%s: %s", path, reason);
}

long anc_cli_int(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        anc_cli_die(ANC_EXIT_USAGE, "%s wants a whole number from %ld to %ld, not '%s'", opt, lo,
                    hi, s);
    return v;
}

double anc_cli_double(const char *opt, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        anc_cli_die(ANC_EXIT_USAGE, "%s wants a number from %g to %g, not '%s'", opt, lo, hi, s);
    return v;
}

unsigned long long anc_cli_u64(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    const char *t = s;
    while (*t == ' ' || (*t >= '\t' && *t <= '\r')) /* strtoull skips these, then negates */
        t++;
    if (*t == '-')
        anc_cli_die(ANC_EXIT_USAGE, "%s wants a non-negative whole number, not '%s'", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        anc_cli_die(ANC_EXIT_USAGE, "%s wants a non-negative whole number, not '%s'", opt, s);
    return v;
}

int anc_cli_int_list(const char *opt, const char *s, int *out, int max, long lo, long hi)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v < lo || v > hi || n == max || (*end && *end != ','))
            anc_cli_die(ANC_EXIT_USAGE,
                        "%s wants up to %d comma-separated whole numbers from %ld to %ld, not '%s'",
                        opt, max, lo, hi, s);
        out[n++] = (int)v;
        if (!*end)
            return n;
        p = end + 1;
    }
}

int anc_cli_double_list(const char *opt, const char *s, double *out, int max, double lo, double hi)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (errno || end == p || !isfinite(v) || v < lo || v > hi || n == max ||
            (*end && *end != ','))
            anc_cli_die(ANC_EXIT_USAGE,
                        "%s wants up to %d comma-separated numbers from %g to %g, not '%s'", opt,
                        max, lo, hi, s);
        out[n++] = v;
        if (!*end)
            return n;
        p = end + 1;
    }
}

int anc_cli_is_tty(void) { return isatty(STDERR_FILENO); }

int anc_cli_cores(void)
{
    /* The cores this process may run on (taskset, cgroup cpusets), not all the
     * machine has; the count of online processors when that cannot be asked. */
    cpu_set_t set;
    long n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n < 1)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > ANC_CLI_MAX_THREADS ? ANC_CLI_MAX_THREADS : (int)n;
}

double anc_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_time(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, n, "--:--");
    else if (s >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", (int)(s / 3600), (int)fmod(s / 60, 60), (int)fmod(s, 60));
    else
        snprintf(buf, n, "%d:%02d", (int)(s / 60), (int)fmod(s, 60));
}

void anc_cli_progress(const char *label, double fraction, double elapsed_s, const char *extra)
{
    enum { WIDTH = 24 };
    char bar[WIDTH + 1], eta[32];
    if (fraction < 0) fraction = 0;
    if (fraction > 1) fraction = 1;
    int filled = (int)(fraction * WIDTH + 0.5);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    fmt_time(eta, sizeof eta, fraction > 0 ? elapsed_s * (1 - fraction) / fraction : NAN);
    fprintf(stderr, "\r\033[K%s [%s] %3d%% ETA %s %s", label, bar, (int)(fraction * 100), eta,
            extra ? extra : "");
    fflush(stderr);
}

void anc_cli_progress_end(void)
{
    if (anc_cli_is_tty())
        fputc('\n', stderr);
}
