/* test_metrics.c — the metric definitions of DESIGN.md checked on frames whose
 * answer is known by hand: a uniform 6 dB offset reads 6 dB of LSD, the -60 dBFS
 * gate and the -80 dBFS clip behave as written, and a 10 % magnitude error reads
 * -20 dB of spectral convergence. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "metrics.h"

int main(void)
{
    enum { N = 64 };
    float ref[N], rec[N], db_ref[N], db_rec[N];
    for (int k = 0; k < N; k++) {
        ref[k] = 0.5f / (1.0f + k);
        rec[k] = ref[k] * 0.5f; /* -6.0206 dB everywhere */
        db_ref[k] = 20.0f * log10f(ref[k]);
        db_rec[k] = db_ref[k] - 6.0206f;
    }
    anc_lsd a = {0}, b = {0};
    anc_lsd_add_mag(&a, ref, rec, N);
    anc_lsd_add_db(&b, db_ref, db_rec, N);
    check_true(fabs(anc_lsd_result(&a) - 6.0206) < 1e-3, "LSD of a 6 dB offset (mag): %.4f",
               anc_lsd_result(&a));
    check_true(fabs(anc_lsd_result(&b) - 6.0206) < 1e-3, "LSD of a 6 dB offset (dB): %.4f",
               anc_lsd_result(&b));

    /* A frame with its peak at -70 dBFS is not counted. */
    float quiet[N], quiet_rec[N];
    for (int k = 0; k < N; k++) {
        quiet[k] = 3.16e-4f / (1.0f + k);
        quiet_rec[k] = 0.0f;
    }
    anc_lsd_add_mag(&a, quiet, quiet_rec, N);
    check_true(a.frames == 1, "a frame below the -60 dBFS gate was counted");

    /* Both sides clip at -80 dBFS: -90 vs -120 dB bins differ by nothing. */
    anc_lsd c = {0};
    float r2[N], x2[N];
    for (int k = 0; k < N; k++) {
        r2[k] = k == 0 ? -10.0f : -90.0f;
        x2[k] = k == 0 ? -10.0f : -120.0f;
    }
    anc_lsd_add_db(&c, r2, x2, N);
    check_true(fabs(anc_lsd_result(&c)) < 1e-9, "clipping at -80 dBFS: LSD %.4f",
               anc_lsd_result(&c));
    anc_lsd empty = {0};
    check_true(isnan(anc_lsd_result(&empty)), "LSD of no frames should be NaN");

    anc_sc s = {0};
    for (int k = 0; k < N; k++)
        rec[k] = ref[k] * 1.1f;
    anc_sc_add(&s, ref, rec, N);
    check_true(fabs(anc_sc_result(&s) + 20.0) < 1e-3, "spectral convergence of 10 %% error: %.4f",
               anc_sc_result(&s));
    printf("ok LSD 6 dB offset %.4f, gate, clip; spectral convergence of 10%% error %.4f dB\n",
           anc_lsd_result(&b), anc_sc_result(&s));
    return check_exit();
}
