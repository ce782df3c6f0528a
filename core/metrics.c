/* metrics.c — log-spectral distance and spectral convergence (see metrics.h). */
#include "metrics.h"

#include <math.h>

static double clip_db(double v)
{
    return v > ANC_LSD_CLIP_DB ? v : ANC_LSD_CLIP_DB;
}

int anc_frame_above_gate(const float *db, int n_bins)
{
    float peak = -INFINITY;
    for (int k = 0; k < n_bins; k++)
        if (db[k] > peak)
            peak = db[k];
    return peak > ANC_LSD_GATE_DB;
}

void anc_lsd_add_db(anc_lsd *acc, const float *ref_db, const float *rec_db, int n_bins)
{
    double s = 0.0;
    if (!anc_frame_above_gate(ref_db, n_bins))
        return;
    for (int k = 0; k < n_bins; k++) {
        double d = clip_db(ref_db[k]) - clip_db(rec_db[k]);
        s += d * d;
    }
    acc->sum += sqrt(s / n_bins);
    acc->frames++;
}

static double mag_db(float m)
{
    /* 1e-10 keeps log10 finite; anything below -80 dB is clipped anyway */
    return 20.0 * log10(fmax((double)m, 1e-10));
}

void anc_lsd_add_mag(anc_lsd *acc, const float *ref_mag, const float *rec_mag, int n_bins)
{
    double peak = 0.0, s = 0.0;
    for (int k = 0; k < n_bins; k++)
        if (ref_mag[k] > peak)
            peak = ref_mag[k];
    if (!(mag_db((float)peak) > ANC_LSD_GATE_DB))
        return;
    for (int k = 0; k < n_bins; k++) {
        double d = clip_db(mag_db(ref_mag[k])) - clip_db(mag_db(rec_mag[k]));
        s += d * d;
    }
    acc->sum += sqrt(s / n_bins);
    acc->frames++;
}

double anc_lsd_result(const anc_lsd *acc)
{
    return acc->frames ? acc->sum / (double)acc->frames : NAN;
}

void anc_sc_add(anc_sc *acc, const float *ref_mag, const float *mag, int n_bins)
{
    for (int k = 0; k < n_bins; k++) {
        double d = (double)mag[k] - ref_mag[k];
        acc->err2 += d * d;
        acc->ref2 += (double)ref_mag[k] * ref_mag[k];
    }
}

double anc_sc_result(const anc_sc *acc)
{
    return acc->ref2 > 0.0 ? 10.0 * log10(acc->err2 / acc->ref2) : NAN;
}
