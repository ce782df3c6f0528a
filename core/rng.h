/* rng.h — a small seedable random number generator (xoshiro256**, seeded through
 * splitmix64) with uniform and standard normal draws.
 *
 * The state is a plain struct so real-time objects can embed it; no allocation,
 * no global state. The same seed gives the same sequence on every platform. */
#ifndef ANC_RNG_H
#define ANC_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct anc_rng {
    uint64_t s[4];
    double spare;   /* second Gaussian of the last Box-Muller pair */
    int has_spare;
} anc_rng;

void anc_rng_seed(anc_rng *r, uint64_t seed);
uint64_t anc_rng_next(anc_rng *r);
/* Uniform in [0, 1), 53 bits. */
double anc_rng_uniform(anc_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t anc_rng_below(anc_rng *r, uint64_t n);
/* Standard normal N(0, 1) (Box-Muller, double precision). */
double anc_rng_normal(anc_rng *r);
void anc_rng_normal_fill(anc_rng *r, float *out, size_t n);
/* n standard normal floats for the audio path: Box-Muller in float with the
 * approximations of fastmath.h, one 64-bit draw per pair (24 bits for the
 * radius, 26 for the angle), so the tails end at 5.8 sigma. Several times
 * cheaper than anc_rng_normal(); a different sequence from it. Does not touch
 * the spare of anc_rng_normal(). */
void anc_rng_normal_fill_fast(anc_rng *r, float *out, size_t n);

#endif
