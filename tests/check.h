/* check.h — the comparison helpers every test uses (header only).
 *
 * Closeness is |a - b| <= atol + rtol * |b| (b is the reference). On failure a
 * check prints the first mismatches and the worst difference, and the test's
 * failure count goes up; a test's main() returns check_exit(). */
#ifndef ANC_TEST_CHECK_H
#define ANC_TEST_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static int check_failures = 0;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline int check_true(int ok, const char *fmt, ...)
{
    if (!ok) {
        va_list ap;
        va_start(ap, fmt);
        fputs("FAIL: ", stdout);
        vprintf(fmt, ap);
        fputc('\n', stdout);
        va_end(ap);
        check_failures++;
    }
    return ok;
}

/* Compares n values of a (got) with b (reference); prints a summary line either
 * way. Returns the number of mismatches. */
static inline size_t check_close_d(const char *what, const double *a, const double *b, size_t n,
                            double atol, double rtol)
{
    size_t bad = 0, worst_i = 0;
    double worst = -1.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        double tol = atol + rtol * fabs(b[i]);
        int ok = d <= tol; /* false for NaN */
        if (!ok) {
            if (bad < 5)
                printf("  %s[%zu]: got %.9g want %.9g (|diff| %.3g > tol %.3g)\n", what, i, a[i],
                       b[i], d, tol);
            bad++;
        }
        if (!(d <= worst) || worst < 0) {
            worst = d;
            worst_i = i;
        }
    }
    printf("%s %s: %zu values, %zu mismatches, worst |diff| %.3g at %zu (atol %.3g rtol %.3g)\n",
           bad ? "FAIL" : "ok", what, n, bad, worst, worst_i, atol, rtol);
    if (bad)
        check_failures++;
    return bad;
}

static inline size_t check_close_f(const char *what, const float *a, const float *b, size_t n,
                            double atol, double rtol)
{
    size_t bad = 0, worst_i = 0;
    double worst = -1.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        double tol = atol + rtol * fabs((double)b[i]);
        if (!(d <= tol)) {
            if (bad < 5)
                printf("  %s[%zu]: got %.9g want %.9g (|diff| %.3g > tol %.3g)\n", what, i,
                       (double)a[i], (double)b[i], d, tol);
            bad++;
        }
        if (!(d <= worst) || worst < 0) {
            worst = d;
            worst_i = i;
        }
    }
    printf("%s %s: %zu values, %zu mismatches, worst |diff| %.3g at %zu (atol %.3g rtol %.3g)\n",
           bad ? "FAIL" : "ok", what, n, bad, worst, worst_i, atol, rtol);
    if (bad)
        check_failures++;
    return bad;
}

static inline int check_exit(void)
{
    if (check_failures)
        printf("%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

#endif
