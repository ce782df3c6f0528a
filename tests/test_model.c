/* test_model.c — the model file: bit-exact round trips through memory and disk,
 * atomic save, and a loader that rejects every truncation, random damage and a
 * list of targeted corruptions with the right status and a message that names
 * the field and its offset.
 *
 * The file is walked here with its own little-endian reader written from the
 * format description in model.h, and the CRC is held to a bit-by-bit twin and
 * the standard check value, so the test does not only agree with itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "model.h"
#include "rng.h"

#define N_MUTATIONS 4000
/* Status codes run from ANC_OK (0) down to ANC_E_NUMERIC (-8). */
#define N_STATUS 9

/* ---- the format, read independently ---------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_crc(uint8_t *b, size_t len)
{
    set_le32(b + len - 4, anc_crc32(0, b, len - 4));
}

typedef struct rec_loc {
    size_t at;       /* name length */
    size_t name_at;
    size_t dtype_at; /* dtype, then ndim, then dims */
    size_t values_at;
    size_t end;
    uint32_t ndim, dims[2];
} rec_loc;

/* Walks the records by the documented layout into locs (room for max); returns
 * how many were found. */
static int list_records(const uint8_t *b, size_t len, rec_loc *locs, int max)
{
    size_t pos = le32(b + 12);
    uint32_t count = le32(b + pos);
    int n = 0;
    pos += 4;
    for (uint32_t r = 0; r < count && n < max && pos + 4 <= len - 4; r++) {
        rec_loc *l = &locs[n++];
        l->at = pos;
        uint32_t nl = le32(b + pos);
        l->name_at = pos + 4;
        l->dtype_at = l->name_at + nl;
        l->ndim = le32(b + l->dtype_at + 4);
        size_t nv = 1;
        for (uint32_t d = 0; d < l->ndim; d++) {
            l->dims[d] = le32(b + l->dtype_at + 8 + 4 * d);
            nv *= l->dims[d];
        }
        l->values_at = l->dtype_at + 8 + 4 * l->ndim;
        l->end = l->values_at + 4 * nv;
        pos = l->end;
    }
    return n;
}

/* Finds record `name`; 0 if absent. */
static int find_record(const uint8_t *b, size_t len, const char *name, rec_loc *loc)
{
    rec_loc locs[64];
    int n = list_records(b, len, locs, 64);
    for (int i = 0; i < n; i++) {
        uint32_t nl = le32(b + locs[i].at);
        if (nl == strlen(name) && !memcmp(b + locs[i].name_at, name, nl)) {
            *loc = locs[i];
            return 1;
        }
    }
    return 0;
}

/* CRC-32 one bit at a time from the polynomial: the twin of the table version. */
static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* ---- a small random model -------------------------------------------------- */

static anc_model_header test_header(void)
{
    anc_model_header h;
    memset(&h, 0, sizeof h);
    h.sample_rate = 48000;
    h.n_fft = 256;
    h.hop = 64;
    h.window = ANC_WINDOW_HANN;
    h.floor_db = -100.0f;
    h.arch.n_input = 129;
    h.arch.n_latent = 3;
    h.arch.n_hidden = 2;
    h.arch.hidden[0] = 8;
    h.arch.hidden[1] = 6;
    h.arch.act = ANC_ACT_SILU;
    h.epochs = 7;
    h.train_files = 12;
    h.val_files = 3;
    h.train_frames = 123456789012ull; /* above 2^32: the u64 fields must keep all bits */
    h.val_frames = 98765;
    h.seed = 0xDEADBEEFCAFEF00Dull;
    h.beta = 0.5f;
    h.train_seconds = 12.5f;
    h.train_lsd_db = 3.25f;
    h.val_lsd_db = 4.5f;
    h.pca_val_lsd_db = 6.75f;
    h.val_elbo_nats_per_frame = -123.456f;
    return h;
}

static anc_model *make_model(uint64_t seed)
{
    anc_model_header h = test_header();
    anc_model *m = NULL;
    anc_error err;
    if (anc_model_create(&m, &h, &err) != ANC_OK) {
        printf("FAIL: anc_model_create: %s\n", err.message);
        exit(1);
    }
    anc_rng rng;
    anc_rng_seed(&rng, seed);
    anc_rng_normal_fill(&rng, anc_model_params(m), anc_model_num_params(m));
    float *mean = anc_model_feature_mean(m), *std = anc_model_feature_std(m);
    for (int k = 0; k < 129; k++) {
        mean[k] = (float)(-80.0 + 60.0 * anc_rng_uniform(&rng));
        std[k] = (float)(1.0 + 19.0 * anc_rng_uniform(&rng));
    }
    anc_latent_stats ls;
    anc_model_latent_stats(m, &ls);
    static const uint32_t order[3] = {2, 0, 1};
    for (int j = 0; j < 3; j++) {
        ls.kl[j] = (float)(3.0 - j + anc_rng_uniform(&rng));
        ls.mu_mean[j] = (float)anc_rng_normal(&rng);
        ls.mu_std[j] = (float)(0.5 + anc_rng_uniform(&rng));
        ls.order[j] = order[j];
    }
    /* Extras as a trainer's checkpoint would add them. */
    float xf[5];
    uint32_t xu[3] = {1, 0xFFFFFFFFu, 42};
    for (int i = 0; i < 5; i++)
        xf[i] = (float)anc_rng_normal(&rng);
    if (anc_model_set_extra(m, "test.f", ANC_DTYPE_F32, xf, 5, &err) != ANC_OK ||
        anc_model_set_extra(m, "test.u", ANC_DTYPE_U32, xu, 3, &err) != ANC_OK) {
        printf("FAIL: anc_model_set_extra: %s\n", err.message);
        exit(1);
    }
    return m;
}

/* Extra `name` of dtype holds the same bits in a and b. */
static int same_extra(const anc_model *a, const anc_model *b, const char *name, unsigned dtype)
{
    size_t na, nb;
    const void *xa = anc_model_get_extra(a, name, dtype, &na);
    const void *xb = anc_model_get_extra(b, name, dtype, &nb);
    return (!xa && !xb) || (xa && xb && na == nb && !memcmp(xa, xb, 4 * na));
}

static int same_bits(const void *a, const void *b, size_t n) { return !memcmp(a, b, n); }

/* Every header field and array of a and b equal, floats bit for bit. */
static int models_equal(const anc_model *a, const anc_model *b)
{
    const anc_model_header *x = anc_model_get_header(a), *y = anc_model_get_header(b);
    int ok = x->sample_rate == y->sample_rate && x->n_fft == y->n_fft && x->hop == y->hop &&
             x->window == y->window && same_bits(&x->floor_db, &y->floor_db, 4) &&
             x->arch.n_input == y->arch.n_input && x->arch.n_latent == y->arch.n_latent &&
             x->arch.n_hidden == y->arch.n_hidden && x->arch.act == y->arch.act &&
             x->epochs == y->epochs && x->train_files == y->train_files &&
             x->val_files == y->val_files && x->train_frames == y->train_frames &&
             x->val_frames == y->val_frames && x->seed == y->seed &&
             same_bits(&x->beta, &y->beta, 4) &&
             same_bits(&x->train_seconds, &y->train_seconds, 4) &&
             same_bits(&x->train_lsd_db, &y->train_lsd_db, 4) &&
             same_bits(&x->val_lsd_db, &y->val_lsd_db, 4) &&
             same_bits(&x->pca_val_lsd_db, &y->pca_val_lsd_db, 4) &&
             same_bits(&x->val_elbo_nats_per_frame, &y->val_elbo_nats_per_frame, 4) &&
             x->pitch_mode == y->pitch_mode &&
             x->rel_points_per_octave == y->rel_points_per_octave &&
             same_bits(&x->rel_octaves_below, &y->rel_octaves_below, 4) &&
             same_bits(&x->rel_f0_min, &y->rel_f0_min, 4) &&
             same_bits(&x->rel_f0_ref, &y->rel_f0_ref, 4) &&
             same_bits(&x->pitch_lo_hz, &y->pitch_lo_hz, 4) &&
             same_bits(&x->pitch_hi_hz, &y->pitch_hi_hz, 4) &&
             same_bits(&x->voiced_fraction, &y->voiced_fraction, 4) &&
             x->level_mode == y->level_mode && same_bits(&x->level_db, &y->level_db, 4);
    for (int i = 0; i < ANC_MAX_HIDDEN; i++)
        ok = ok && x->arch.hidden[i] == y->arch.hidden[i];
    if (!ok)
        return 0;
    const size_t bins = (size_t)x->arch.n_input, L = (size_t)x->arch.n_latent;
    anc_latent_stats sa, sb;
    anc_model_latent_stats(a, &sa);
    anc_model_latent_stats(b, &sb);
    return anc_model_num_params(a) == anc_model_num_params(b) &&
           same_bits(anc_model_params_const(a), anc_model_params_const(b),
                     anc_model_num_params(a) * sizeof(float)) &&
           same_bits(anc_model_feature_mean_const(a), anc_model_feature_mean_const(b),
                     bins * sizeof(float)) &&
           same_bits(anc_model_feature_std_const(a), anc_model_feature_std_const(b),
                     bins * sizeof(float)) &&
           same_bits(sa.kl, sb.kl, L * 4) && same_bits(sa.mu_mean, sb.mu_mean, L * 4) &&
           same_bits(sa.mu_std, sb.mu_std, L * 4) && same_bits(sa.order, sb.order, L * 4) &&
           same_extra(a, b, "test.f", ANC_DTYPE_F32) && same_extra(a, b, "test.u", ANC_DTYPE_U32);
}

/* ---- files ------------------------------------------------------------------ */

static char tmpdir[4096];

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[8192];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            uint8_t *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = nb;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    *len = n;
    return b;
}

static int write_whole(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(b, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

/* ---- checks ----------------------------------------------------------------- */

static void test_crc(void)
{
    const char *s = "123456789";
    uint32_t c = anc_crc32(0, s, 9);
    check_true(c == 0xCBF43926u, "crc32(\"123456789\") = 0x%08x, want 0xcbf43926", (unsigned)c);
    check_true(anc_crc32(0, NULL, 0) == 0, "crc32 of nothing is not 0");

    anc_rng rng;
    anc_rng_seed(&rng, 11);
    uint8_t buf[1024];
    int bad = 0;
    for (int t = 0; t < 500; t++) {
        size_t n = (size_t)anc_rng_below(&rng, sizeof buf + 1);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)anc_rng_next(&rng);
        size_t cut = n ? (size_t)anc_rng_below(&rng, n + 1) : 0;
        uint32_t ref = crc32_bitwise(0, buf, n);
        uint32_t whole = anc_crc32(0, buf, n);
        uint32_t chained = anc_crc32(anc_crc32(0, buf, cut), buf + cut, n - cut);
        if (whole != ref || chained != ref)
            bad++;
    }
    check_true(bad == 0, "crc32: %d of 500 random buffers differ from the bitwise twin", bad);
    printf("%s crc32: check value 0x%08x, 500 random buffers whole and chained match the bitwise "
           "twin\n", bad ? "FAIL" : "ok", (unsigned)c);
}

/* The documented layout, read at its documented offsets. */
static void test_layout(const uint8_t *b, size_t len)
{
    check_true(!memcmp(b, "ANCVAE\r\n", 8), "layout: magic");
    check_true(le32(b + 8) == 1, "layout: version %u", (unsigned)le32(b + 8));
    check_true(le32(b + 12) == 144, "layout: header size %u", (unsigned)le32(b + 12));
    check_true(le32(b + 16) == 48000 && le32(b + 20) == 256 && le32(b + 24) == 64,
               "layout: sample rate, n_fft, hop");
    check_true(le32(b + 36) == 129 && le32(b + 40) == 3 && le32(b + 44) == 2 &&
                   le32(b + 48) == 8 && le32(b + 52) == 6 && le32(b + 56) == 0 &&
                   le32(b + 80) == ANC_ACT_SILU,
               "layout: architecture");
    check_true(le32(b + 96) == (uint32_t)123456789012ull && le32(b + 100) == 123456789012ull >> 32,
               "layout: train_frames as u64");
    float v;
    uint32_t u = le32(b + 140);
    memcpy(&v, &u, 4);
    check_true(v == -123.456f, "layout: val_elbo_nats_per_frame %g", (double)v);
    check_true(le32(b + len - 4) == crc32_bitwise(0, b, len - 4), "layout: trailing CRC");
    rec_loc l;
    check_true(find_record(b, len, "enc.0.w", &l) && l.at == 148 && l.ndim == 2 &&
                   l.dims[0] == 8 && le32(b + l.dtype_at) == 1 && l.dims[1] == 129,
               "layout: first record enc.0.w [8][129] f32 at 148");
    check_true(find_record(b, len, "log_sigma", &l) && l.ndim == 1 && l.dims[0] == 1,
               "layout: log_sigma [1]");
    check_true(find_record(b, len, "latent.order", &l) && le32(b + l.dtype_at) == 2 &&
                   le32(b + l.values_at) == 2,
               "layout: latent.order u32 [3]");
    rec_loc lf, lu;
    check_true(find_record(b, len, "test.f", &lf) && lf.at == l.end && lf.ndim == 1 &&
                   lf.dims[0] == 5 && le32(b + lf.dtype_at) == 1 &&
                   find_record(b, len, "test.u", &lu) && lu.at == lf.end && lu.end == len - 4 &&
                   le32(b + lu.dtype_at) == 2 && le32(b + lu.values_at + 4) == 0xFFFFFFFFu,
               "layout: extras test.f f32 [5] and test.u u32 [3] after the model's records");
    check_true(le32(b + 144) == 4 * 2 + 7 + 6 + 2, /* per hidden layer enc w, b, dec w, b */
               "layout: record count %u (VAE tensors + 6 + 2 extras)", (unsigned)le32(b + 144));
    printf("ok layout: %zu bytes, %u records, documented offsets hold\n", len,
           (unsigned)le32(b + 144));
}

static void test_round_trip(const anc_model *m, const uint8_t *b, size_t len)
{
    anc_model *m2 = NULL, *m2b = NULL;
    anc_error err;
    anc_status st = anc_model_load_memory(&m2, b, len, 0, &err);
    if (!check_true(st == ANC_OK, "load_memory of a fresh file: %s", err.message))
        return;
    check_true(err.status == ANC_OK && err.message[0] == '\0', "success leaves err clear");
    check_true(models_equal(m, m2), "loaded model differs from the original");
    void *b2;
    size_t len2;
    st = anc_model_serialize(m2, &b2, &len2, &err);
    check_true(st == ANC_OK && len2 == len && !memcmp(b, b2, len),
               "serialize -> load -> serialize is not bit-exact");
    printf("%s round trip in memory: %zu bytes, %zu parameters, bit-exact\n",
           st == ANC_OK && len2 == len && !memcmp(b, b2, len) ? "ok" : "FAIL", len,
           anc_model_num_params(m2));
    free(b2);

    /* The loader reads bytes, so an odd address is fine. */
    uint8_t *odd = malloc(len + 1);
    if (odd) {
        memcpy(odd + 1, b, len);
        st = anc_model_load_memory(&m2b, odd + 1, len, 0, &err);
        check_true(st == ANC_OK && models_equal(m, m2b), "load from an odd address: %s",
                   err.message);
        anc_model_free(m2b);
        free(odd);
    }

    /* Tensors reach the same floats by name. */
    anc_vae_tensors t1, t2;
    anc_model_tensors(m, &t1);
    anc_model_tensors(m2, &t2);
    check_true(t1.out_w[5] == t2.out_w[5] && t1.log_sigma[0] == t2.log_sigma[0] &&
                   t2.dec_w[1] != NULL && t2.enc_w[2] == NULL,
               "named tensors");
    anc_model_free(m2);
}

static void test_create(void)
{
    anc_model_header h = test_header();
    anc_model *m = NULL;
    anc_error err;
    /* Junk in unused hidden slots is dropped, not stored. */
    h.arch.hidden[5] = 77;
    check_true(anc_model_create(&m, &h, &err) == ANC_OK, "create: %s", err.message);
    if (!m)
        return;
    check_true(anc_model_get_header(m)->arch.hidden[5] == 0, "create keeps unused widths");
    /* A fresh model is valid as it stands. */
    void *b;
    size_t len;
    anc_model *m2 = NULL;
    check_true(anc_model_serialize(m, &b, &len, &err) == ANC_OK, "serialize fresh: %s",
               err.message);
    check_true(anc_model_load_memory(&m2, b, len, 0, &err) == ANC_OK, "load fresh: %s",
               err.message);
    check_true(m2 && models_equal(m, m2), "fresh model round trip");
    anc_model_free(m2);
    free(b);
    /* Structural fields must not change behind the arrays' back. */
    anc_model_header_mut(m)->arch.hidden[1] = 7;
    anc_status st = anc_model_serialize(m, &b, &len, &err);
    check_true(st == ANC_E_INVALID, "serialize after changing arch gave %d", st);
    anc_model_header_mut(m)->arch.hidden[1] = 6;
    anc_model_header_mut(m)->epochs = 99;
    st = anc_model_serialize(m, &b, &len, &err);
    check_true(st == ANC_OK, "serialize after changing the summary: %s", err.message);
    if (st == ANC_OK)
        free(b);
    anc_model_free(m);
    anc_model_free(NULL);

    static const struct {
        const char *what;
        anc_status want;
    } cases[] = {
        {"n_fft 100", ANC_E_INVALID},   {"hop 0", ANC_E_INVALID},
        {"n_input 128", ANC_E_INVALID}, {"n_latent 0", ANC_E_INVALID},
        {"beta NaN", ANC_E_NUMERIC},
    };
    int bad = 0;
    for (int i = 0; i < 5; i++) {
        h = test_header();
        switch (i) {
        case 0: h.n_fft = 100; break;
        case 1: h.hop = 0; break;
        case 2: h.arch.n_input = 128; break;
        case 3: h.arch.n_latent = 0; break;
        case 4: h.beta = NAN; break;
        }
        m = (anc_model *)&h; /* must be reset to NULL on failure */
        st = anc_model_create(&m, &h, &err);
        if (!check_true(st == cases[i].want && m == NULL && err.message[0],
                        "create with %s gave %d (%s), want %d", cases[i].what, st, err.message,
                        cases[i].want))
            bad++;
        if (st == ANC_OK)
            anc_model_free(m);
    }
    printf("%s create: valid fresh model round-trips; 5 bad headers refused\n", bad ? "FAIL" : "ok");
}

static void test_files(const anc_model *m, const uint8_t *b, size_t len)
{
    char path[8192], path2[8192];
    anc_error err;
    anc_model *m2 = NULL;

    snprintf(path, sizeof path, "%s/model.vae", tmpdir);
    anc_status st = anc_model_save(m, path, &err);
    check_true(st == ANC_OK, "save: %s", err.message);
    size_t flen = 0;
    uint8_t *fb = read_whole(path, &flen);
    check_true(fb && flen == len && !memcmp(fb, b, len), "saved file differs from serialize");
    free(fb);
    check_true(count_entries(tmpdir) == 1, "save left %d entries in its folder",
               count_entries(tmpdir));
    struct stat sb;
    check_true(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644, "saved file mode %o",
               (unsigned)(sb.st_mode & 0777));
    st = anc_model_load_file(&m2, path, &err);
    check_true(st == ANC_OK && m2 && models_equal(m, m2), "load_file round trip: %s",
               err.message);
    anc_model_free(m2);
    m2 = NULL;

    /* Saving over an existing file replaces it. */
    anc_model *other = make_model(99);
    st = anc_model_save(other, path, &err);
    check_true(st == ANC_OK, "save over existing: %s", err.message);
    st = anc_model_load_file(&m2, path, &err);
    check_true(st == ANC_OK && m2 && models_equal(other, m2) && !models_equal(m, m2),
               "save over an existing file did not replace it");
    anc_model_free(m2);
    m2 = NULL;
    st = anc_model_save(m, path, &err); /* back to m */
    check_true(st == ANC_OK, "save: %s", err.message);
    anc_model_free(other);

    /* Failed saves: the existing file is untouched and no temporary is left. */
    const char *bad_paths[3] = {"no-such-folder/model.vae", "model.vae/inside.vae", "sub"};
    const char *why[3] = {"a path in a non-existent folder", "a path through a file",
                          "a target that is a folder (rename fails)"};
    snprintf(path2, sizeof path2, "%s/sub", tmpdir);
    check_true(mkdir(path2, 0755) == 0, "mkdir sub");
    int failed_ok = 0;
    for (int i = 0; i < 3; i++) {
        snprintf(path2, sizeof path2, "%s/%s", tmpdir, bad_paths[i]);
        anc_error_clear(&err);
        st = anc_model_save(m, path2, &err);
        fb = read_whole(path, &flen);
        int ok = st == ANC_E_IO && err.status == ANC_E_IO && strstr(err.message, path2) &&
                 count_entries(tmpdir) == 2 && fb && flen == len && !memcmp(fb, b, len);
        free(fb);
        snprintf(path2, sizeof path2, "%s/sub", tmpdir);
        ok = ok && count_entries(path2) == 0;
        failed_ok += check_true(ok, "save to %s: status %d \"%s\", %d entries left", why[i], st,
                                err.message, count_entries(tmpdir));
        printf("  save to %s: %s\n", why[i], err.message);
    }
    printf("%s files: save/load_file round trip, replace, %d/3 failed saves clean\n",
           failed_ok == 3 ? "ok" : "FAIL", failed_ok);

    /* Unreadable paths name themselves. */
    snprintf(path2, sizeof path2, "%s/missing.vae", tmpdir);
    m2 = (anc_model *)&err;
    st = anc_model_load_file(&m2, path2, &err);
    check_true(st == ANC_E_IO && m2 == NULL && strstr(err.message, path2),
               "load of a missing file: %d \"%s\"", st, err.message);
    printf("  missing file: %s\n", err.message);
    st = anc_model_load_file(&m2, tmpdir, &err);
    check_true(st == ANC_E_IO && strstr(err.message, tmpdir), "load of a folder: %d \"%s\"", st,
               err.message);
    printf("  folder: %s\n", err.message);
    snprintf(path2, sizeof path2, "%s/empty.vae", tmpdir);
    check_true(write_whole(path2, "", 0) == 0, "write empty file");
    st = anc_model_load_file(&m2, path2, &err);
    check_true(st == ANC_E_TRUNCATED && strstr(err.message, path2), "load of an empty file: %d \"%s\"",
               st, err.message);
    printf("  empty file: %s\n", err.message);
    unlink(path2);
    snprintf(path2, sizeof path2, "%s/other.vae", tmpdir);
    /* A damaged file: the message has the path and the loader's reason. */
    uint8_t *dam = malloc(len);
    if (dam) {
        memcpy(dam, b, len);
        dam[len / 2] ^= 0x10;
        check_true(write_whole(path2, dam, len) == 0, "write damaged file");
        st = anc_model_load_file(&m2, path2, &err);
        check_true(st == ANC_E_CHECKSUM && strstr(err.message, path2) &&
                       strstr(err.message, "checksum"),
                   "load of a damaged file: %d \"%s\"", st, err.message);
        printf("  damaged file: %s\n", err.message);
        free(dam);
    }
    /* Too large: a sparse file one byte over the limit is refused unread. */
    int fd = open(path2, O_WRONLY | O_TRUNC);
    if (fd >= 0 && ftruncate(fd, (off_t)ANC_MODEL_MAX_BYTES + 1) == 0) {
        close(fd);
        st = anc_model_load_file(&m2, path2, &err);
        check_true(st == ANC_E_FORMAT && strstr(err.message, path2), "oversized file: %d \"%s\"",
                   st, err.message);
        printf("  oversized file: %s\n", err.message);
    } else {
        if (fd >= 0)
            close(fd);
        printf("  (oversized file not tested: cannot make a sparse file here)\n");
    }
    unlink(path2);
}

static void print_counts(const char *what, const int *counts)
{
    printf("  %s:", what);
    for (int s = 0; s < N_STATUS; s++)
        if (counts[s])
            printf(" %s %d,", anc_status_string((anc_status)-s), counts[s]);
    printf("\n");
}

static void test_truncations(const uint8_t *b, size_t len)
{
    for (int pass = 0; pass < 2; pass++) {
        const unsigned flags = pass ? ANC_LOAD_SKIP_CRC : 0;
        int counts[N_STATUS] = {0}, bad = 0;
        for (size_t n = 0; n < len; n++) {
            /* A copy of exactly n bytes, so ASan sees any read past the end. */
            uint8_t *c = malloc(n ? n : 1);
            if (!c) {
                printf("FAIL: out of memory\n");
                exit(1);
            }
            memcpy(c, b, n);
            anc_model *m = NULL;
            anc_error err;
            anc_status st = anc_model_load_memory(&m, n ? c : NULL, n, flags, &err);
            if (st == ANC_OK || st < -(N_STATUS - 1) || m || !err.message[0] ||
                err.status != st) {
                if (bad++ < 5)
                    printf("  truncation to %zu bytes: status %d \"%s\"\n", n, st, err.message);
                anc_model_free(m);
            } else {
                counts[-st]++;
            }
            free(c);
        }
        check_true(bad == 0, "%d truncations not rejected cleanly", bad);
        printf("%s truncations%s: %zu of %zu lengths rejected with a message\n",
               bad ? "FAIL" : "ok", pass ? " (CRC skipped)" : "", len - (size_t)bad, len);
        print_counts("by status", counts);
    }
}

/* Changes 1-4 bytes, each to a different value. */
static void mutate(anc_rng *rng, uint8_t *c, size_t len)
{
    int n = 1 + (int)anc_rng_below(rng, 4);
    for (int i = 0; i < n; i++)
        c[anc_rng_below(rng, len)] ^= (uint8_t)(1 + anc_rng_below(rng, 255));
}

/* Changes 1-4 of the structural bytes (header, record count, record headers). */
static void mutate_structure(anc_rng *rng, uint8_t *c, const size_t *where, size_t n_where)
{
    int n = 1 + (int)anc_rng_below(rng, 4);
    for (int i = 0; i < n; i++)
        c[where[anc_rng_below(rng, n_where)]] ^= (uint8_t)(1 + anc_rng_below(rng, 255));
}

/* Passes: 0 random changes, 1 the same behind the CRC, 2 changes to the
 * structural bytes only behind the CRC (most random changes land in weights,
 * which a parser check cannot reject). */
static void test_mutations(const uint8_t *b, size_t len)
{
    anc_rng rng;
    uint8_t *c = malloc(len);
    size_t *where = malloc(len * sizeof *where), n_where = 0;
    if (!c || !where) {
        printf("FAIL: out of memory\n");
        exit(1);
    }
    rec_loc locs[64];
    int nrec = list_records(b, len, locs, 64);
    for (size_t i = 0; i < 148; i++)
        where[n_where++] = i;
    for (int r = 0; r < nrec; r++)
        for (size_t i = locs[r].at; i < locs[r].values_at; i++)
            where[n_where++] = i;
    static const char *const pass_name[3] = {"", " (CRC skipped)", " (structure, CRC skipped)"};
    for (int pass = 0; pass < 3; pass++) {
        const unsigned flags = pass ? ANC_LOAD_SKIP_CRC : 0;
        int counts[N_STATUS] = {0}, bad = 0, unchanged = 0, loaded = 0;
        anc_rng_seed(&rng, pass == 2 ? 77 : 2024); /* passes 0 and 1 make the same changes */
        for (int t = 0; t < N_MUTATIONS; t++) {
            memcpy(c, b, len);
            if (pass == 2)
                mutate_structure(&rng, c, where, n_where);
            else
                mutate(&rng, c, len);
            if (!memcmp(c, b, len)) { /* two changes cancelled out */
                unchanged++;
                continue;
            }
            anc_model *m = NULL;
            anc_error err;
            anc_status st = anc_model_load_memory(&m, c, len, flags, &err);
            if (st == ANC_OK) {
                if (!pass) {
                    if (bad++ < 5)
                        printf("  mutation %d loaded despite the CRC\n", t);
                    anc_model_free(m);
                    continue;
                }
                /* Behind the CRC a change may load, but only as a model that
                 * passes every range check and serialises again. */
                anc_model *m2 = NULL;
                anc_error e2;
                anc_model_header h = *anc_model_get_header(m);
                void *sb;
                size_t sl;
                int ok = anc_model_create(&m2, &h, &e2) == ANC_OK &&
                         anc_vae_config_check(&h.arch, &e2) == ANC_OK &&
                         anc_model_serialize(m, &sb, &sl, &e2) == ANC_OK;
                if (ok) {
                    free(sb);
                    loaded++;
                } else if (bad++ < 5) {
                    printf("  mutation %d loaded an invalid model: %s\n", t, e2.message);
                }
                anc_model_free(m2);
                anc_model_free(m);
                counts[0]++;
                continue;
            }
            if (st < -(N_STATUS - 1) || m || !err.message[0] || err.status != st) {
                if (bad++ < 5)
                    printf("  mutation %d: status %d \"%s\"\n", t, st, err.message);
                continue;
            }
            counts[-st]++;
        }
        check_true(bad == 0, "%d of %d mutations mishandled", bad, N_MUTATIONS);
        if (!pass)
            printf("%s mutations: %d of %d changes of 1-4 bytes rejected (%d cancelled out)\n",
                   bad ? "FAIL" : "ok", N_MUTATIONS - unchanged - bad, N_MUTATIONS, unchanged);
        else
            printf("%s mutations%s: %d rejected, %d loaded as valid models, %d mishandled, "
                   "%d cancelled out\n", bad ? "FAIL" : "ok", pass_name[pass],
                   N_MUTATIONS - unchanged - loaded - bad, loaded, bad, unchanged);
        print_counts("by status", counts);
    }
    printf("  (%zu structural bytes in %d records and the header)\n", n_where, nrec);
    free(where);
    free(c);
}

/* One targeted corruption, with the CRC made right again. */
typedef struct corruption {
    const char *what;
    anc_status want;
    const char *needle; /* must appear in the message */
} corruption;

static int expect(const uint8_t *c, size_t len, const corruption *k, int fix)
{
    uint8_t *d = malloc(len);
    if (!d) {
        printf("FAIL: out of memory\n");
        exit(1);
    }
    memcpy(d, c, len);
    if (fix)
        fix_crc(d, len);
    anc_model *m = NULL;
    anc_error err;
    anc_status st = anc_model_load_memory(&m, d, len, 0, &err);
    int ok = st == k->want && !m && strstr(err.message, k->needle) &&
             strstr(err.message, "offset");
    check_true(ok, "%s: status %d (%s) \"%s\", want %d (%s) naming \"%s\"", k->what, st,
               anc_status_string(st), err.message, k->want, anc_status_string(k->want), k->needle);
    if (ok)
        printf("  %-34s -> %-17s %s\n", k->what, anc_status_string(st), err.message);
    anc_model_free(m);
    free(d);
    return ok;
}

static void test_corruptions(const uint8_t *b, size_t len)
{
    uint8_t *c = malloc(len + 64);
    if (!c) {
        printf("FAIL: out of memory\n");
        exit(1);
    }
    int n = 0, good = 0;
    rec_loc l;
    float nan_f = NAN, inf_f = INFINITY;
    uint32_t nan_u, inf_u;
    memcpy(&nan_u, &nan_f, 4);
    memcpy(&inf_u, &inf_f, 4);

#define CASE(WHAT, WANT, NEEDLE, EDIT)                                   \
    do {                                                                 \
        memcpy(c, b, len);                                               \
        EDIT;                                                            \
        corruption k = {WHAT, WANT, NEEDLE};                             \
        good += expect(c, len, &k, 1);                                   \
        n++;                                                             \
    } while (0)

    CASE("bad magic", ANC_E_FORMAT, "magic", c[0] = 'X');
    CASE("version 4", ANC_E_VERSION, "version 4", set_le32(c + 8, 4));
    CASE("version 3 with a version 2 header", ANC_E_FORMAT, "needs at least 184",
         set_le32(c + 8, 3));
    CASE("version 0", ANC_E_VERSION, "version 0", set_le32(c + 8, 0));
    CASE("header size 100", ANC_E_FORMAT, "header size", set_le32(c + 12, 100));
    CASE("header size past the end", ANC_E_TRUNCATED, "header size", set_le32(c + 12, 1u << 30));
    CASE("sample rate 1000", ANC_E_FORMAT, "sample_rate", set_le32(c + 16, 1000));
    CASE("n_fft 0", ANC_E_FORMAT, "n_fft", set_le32(c + 20, 0));
    CASE("n_fft 258 (n_input mismatch)", ANC_E_FORMAT, "n_input", set_le32(c + 20, 258));
    CASE("n_fft odd", ANC_E_FORMAT, "n_fft", set_le32(c + 20, 255));
    CASE("hop > n_fft/2", ANC_E_FORMAT, "hop", set_le32(c + 24, 129));
    CASE("window 1", ANC_E_FORMAT, "window", set_le32(c + 28, 1));
    CASE("floor_db NaN", ANC_E_NUMERIC, "floor_db", set_le32(c + 32, nan_u));
    CASE("n_latent 0", ANC_E_FORMAT, "latent", set_le32(c + 40, 0));
    CASE("n_latent 2^31", ANC_E_FORMAT, "n_latent", set_le32(c + 40, 1u << 31));
    CASE("9 hidden layers", ANC_E_FORMAT, "hidden", set_le32(c + 44, 9));
    CASE("unused hidden width 5", ANC_E_FORMAT, "hidden[3]", set_le32(c + 60, 5));
    CASE("activation 99", ANC_E_FORMAT, "act", set_le32(c + 80, 99));
    CASE("beta Inf", ANC_E_NUMERIC, "beta", set_le32(c + 120, inf_u));
    CASE("record count 2^31", ANC_E_TRUNCATED, "record count", set_le32(c + 144, 1u << 31));
    CASE("record count one short", ANC_E_FORMAT, "unexpected bytes",
         set_le32(c + 144, le32(b + 144) - 1));
    CASE("record count one more", ANC_E_TRUNCATED, "past the end",
         set_le32(c + 144, le32(b + 144) + 1));
    find_record(b, len, "dec.0.w", &l);
    CASE("dec.0.w shape 6x4", ANC_E_FORMAT, "tensor dec.0.w: shape 6x4 expected 6x3",
         set_le32(c + l.dtype_at + 12, 4));
    CASE("dec.0.w 1-D", ANC_E_FORMAT, "dec.0.w", set_le32(c + l.dtype_at + 4, 1));
    CASE("dec.0.w ndim 3", ANC_E_FORMAT, "dec.0.w: ndim 3", set_le32(c + l.dtype_at + 4, 3));
    CASE("dec.0.w dtype 7", ANC_E_FORMAT, "dec.0.w: unknown dtype", set_le32(c + l.dtype_at, 7));
    CASE("dec.0.w dtype u32", ANC_E_FORMAT, "dec.0.w: dtype 2", set_le32(c + l.dtype_at, 2));
    CASE("dec.0.w dimension 0", ANC_E_FORMAT, "dec.0.w: dims[0] is 0", set_le32(c + l.dtype_at + 8, 0));
    CASE("dec.0.w name length 0", ANC_E_FORMAT, "name length", set_le32(c + l.at, 0));
    CASE("dec.0.w name length 40", ANC_E_FORMAT, "name length", set_le32(c + l.at, 40));
    CASE("dec.0.w name with a NUL", ANC_E_FORMAT, "printable", c[l.name_at + 2] = 0);
    find_record(b, len, "out.w", &l);
    CASE("out.w dims overflow", ANC_E_TRUNCATED, "out.w",
         (set_le32(c + l.dtype_at + 8, 0xFFFFFFFFu), set_le32(c + l.dtype_at + 12, 0xFFFFFFFFu)));
    CASE("out.w dims past the end", ANC_E_TRUNCATED, "out.w", set_le32(c + l.dtype_at + 8, 1u << 20));
    find_record(b, len, "enc.0.w", &l);
    CASE("NaN weight in enc.0.w", ANC_E_NUMERIC, "enc.0.w", set_le32(c + l.values_at + 20, nan_u));
    find_record(b, len, "log_sigma", &l);
    CASE("log_sigma -Inf", ANC_E_NUMERIC, "log_sigma",
         set_le32(c + l.values_at, inf_u | 0x80000000u));
    find_record(b, len, "mu.b", &l);
    CASE("mu.b renamed mu.w (duplicate)", ANC_E_FORMAT, "mu.w: duplicate", c[l.name_at + 3] = 'w');
    CASE("mu.b renamed xx.b (missing)", ANC_E_FORMAT, "mu.b missing",
         (c[l.name_at] = 'x', c[l.name_at + 1] = 'x'));
    find_record(b, len, "feature.std", &l);
    CASE("feature.std 0", ANC_E_FORMAT, "feature.std", set_le32(c + l.values_at + 8, 0));
    find_record(b, len, "latent.order", &l);
    CASE("latent.order not a permutation", ANC_E_FORMAT, "latent.order",
         set_le32(c + l.values_at + 4, 2));
    CASE("latent.order out of range", ANC_E_FORMAT, "latent.order",
         set_le32(c + l.values_at, 3));
    CASE("latent.order as f32", ANC_E_FORMAT, "latent.order: dtype", set_le32(c + l.dtype_at, 1));
#undef CASE

    /* Damage the CRC leaves as it is. */
    memcpy(c, b, len);
    c[len / 3] ^= 4;
    corruption k = {"one bit flipped, CRC kept", ANC_E_CHECKSUM, "checksum"};
    good += expect(c, len, &k, 0);
    n++;
    memcpy(c, b, len);
    c[len - 1] ^= 0x80;
    corruption k2 = {"CRC itself changed", ANC_E_CHECKSUM, "checksum"};
    good += expect(c, len, &k2, 0);
    n++;
    printf("%s targeted corruptions: %d of %d gave the expected status and message\n",
           good == n ? "ok" : "FAIL", good, n);
    free(c);
}

/* A later writer's file: extra header bytes and an unknown record load as the
 * same model. */
static void test_forward_compatible(const anc_model *m, const uint8_t *b, size_t len)
{
    const size_t extra_header = 12;
    static const char name[] = "future.thing";
    const size_t nl = sizeof name - 1;
    const size_t rec = 4 + nl + 4 + 4 + 8 + 6 * 4; /* f32 [2][3] */
    const size_t n = len + extra_header + rec;
    uint8_t *c = calloc(1, n);
    if (!c) {
        printf("FAIL: out of memory\n");
        exit(1);
    }
    memcpy(c, b, 144);
    memset(c + 144, 0xA5, extra_header);
    set_le32(c + 12, 144 + (uint32_t)extra_header);
    memcpy(c + 144 + extra_header, b + 144, len - 4 - 144);
    size_t pos = 144 + extra_header;
    set_le32(c + pos, le32(b + 144) + 1);
    pos = len - 4 + extra_header;
    set_le32(c + pos, (uint32_t)nl);
    memcpy(c + pos + 4, name, nl);
    pos += 4 + nl;
    set_le32(c + pos, 1);
    set_le32(c + pos + 4, 2);
    set_le32(c + pos + 8, 2);
    set_le32(c + pos + 12, 3);
    for (int i = 0; i < 6; i++) /* an unknown record is not checked for finite values */
        set_le32(c + pos + 16 + 4 * i, 0x7FC00000u);
    fix_crc(c, n);
    anc_model *m2 = NULL;
    anc_error err;
    anc_status st = anc_model_load_memory(&m2, c, n, 0, &err);
    int ok = check_true(st == ANC_OK && m2 && models_equal(m, m2),
                        "extra header bytes and an unknown record: %d \"%s\"", st, err.message);
    size_t nx = 0;
    const uint32_t *x = m2 ? anc_model_get_extra(m2, name, ANC_DTYPE_F32, &nx) : NULL;
    ok &= check_true(x && nx == 6 && x[0] == 0x7FC00000u && x[5] == 0x7FC00000u,
                     "the unknown record is kept as an extra, bits intact");
    /* Written back after the model's own records, shape and bits unchanged. */
    void *b2 = NULL;
    size_t len2 = 0;
    if (m2 && anc_model_serialize(m2, &b2, &len2, &err) == ANC_OK) {
        ok &= check_true(len2 == n - extra_header &&
                             !memcmp((uint8_t *)b2 + len - 4, c + len - 4 + extra_header, rec),
                         "the unknown record is written back as read");
        free(b2);
    }
    printf("%s forward compatibility: %zu unknown header bytes skipped, record \"%s\" [2][3] "
           "kept and written back\n", ok ? "ok" : "FAIL", extra_header, name);
    anc_model_free(m2);

    /* Duplicate extras, and more than the model keeps, are refused. */
    int nrec = (int)le32(b + 144);
    for (int pass = 0; pass < 2; pass++) {
        const int add = pass ? ANC_MODEL_MAX_EXTRAS : 2; /* test.f and test.u are there too */
        const size_t rl = 4 + 8 + 4 + 8 + 4;          /* name "xtra.NNN"-style, 8 bytes, [1] */
        const size_t n3 = len + add * rl;
        uint8_t *d = malloc(n3);
        if (!d) {
            printf("FAIL: out of memory\n");
            exit(1);
        }
        memcpy(d, b, len - 4);
        set_le32(d + 144, (uint32_t)(nrec + add));
        size_t q = len - 4;
        for (int i = 0; i < add; i++, q += rl) {
            char nm[9];
            snprintf(nm, sizeof nm, "xtra.%03d", pass ? i : 7);
            set_le32(d + q, 8);
            memcpy(d + q + 4, nm, 8);
            set_le32(d + q + 12, ANC_DTYPE_U32);
            set_le32(d + q + 16, 1);
            set_le32(d + q + 20, 1);
            set_le32(d + q + 24, (uint32_t)i);
        }
        fix_crc(d, n3);
        m2 = NULL;
        st = anc_model_load_memory(&m2, d, n3, 0, &err);
        check_true(st == ANC_E_FORMAT && !m2 &&
                       strstr(err.message, pass ? "more than" : "xtra.007: duplicate"),
                   "%s: %d \"%s\"", pass ? "too many extras" : "duplicate extra", st,
                   err.message);
        printf("  %-34s -> %s\n", pass ? "64 extras beside 2 (66)" : "extra twice", err.message);
        anc_model_free(m2);
        free(d);
    }
    free(c);
}

static void test_extras(void)
{
    anc_model *m = make_model(5);
    anc_error err;
    size_t n = 99;
    int bad = 0;
    const float *f = anc_model_get_extra(m, "test.f", ANC_DTYPE_F32, &n);
    bad += !check_true(f && n == 5, "get_extra test.f");
    bad += !check_true(!anc_model_get_extra(m, "test.f", ANC_DTYPE_U32, &n) && n == 0,
                       "get_extra with the wrong dtype");
    n = 99;
    bad += !check_true(!anc_model_get_extra(m, "nope", ANC_DTYPE_F32, &n) && n == 0,
                       "get_extra of a missing extra");
    /* Replacing keeps one record of that name. */
    const float v[2] = {1.5f, -2.5f};
    bad += !check_true(anc_model_set_extra(m, "test.f", ANC_DTYPE_F32, v, 2, &err) == ANC_OK,
                       "replace extra: %s", err.message);
    f = anc_model_get_extra(m, "test.f", ANC_DTYPE_F32, &n);
    bad += !check_true(f && n == 2 && f[0] == 1.5f && f[1] == -2.5f, "replaced extra");
    void *b;
    size_t len;
    anc_model *m2 = NULL;
    if (anc_model_serialize(m, &b, &len, &err) == ANC_OK) {
        bad += !check_true(anc_model_load_memory(&m2, b, len, 0, &err) == ANC_OK &&
                               models_equal(m, m2) && le32((uint8_t *)b + 144) == 23,
                           "round trip after replacing an extra: %s", err.message);
        anc_model_free(m2);
        free(b);
    } else {
        bad += !check_true(0, "serialize: %s", err.message);
    }
    static const struct {
        const char *name;
        unsigned dtype;
        size_t count;
    } refused[] = {
        {"", ANC_DTYPE_F32, 1},         {"has space", ANC_DTYPE_F32, 1},
        {"a-name-that-is-far-too-long-for-it", ANC_DTYPE_F32, 1},
        {"mu.w", ANC_DTYPE_F32, 1},     {"latent.order", ANC_DTYPE_U32, 1},
        {"ok.name", 3, 1},              {"ok.name", ANC_DTYPE_F32, 0},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        anc_status st = anc_model_set_extra(m, refused[i].name, refused[i].dtype, v,
                                            refused[i].count, &err);
        bad += !check_true(st == ANC_E_INVALID && err.message[0],
                           "set_extra(\"%s\", %u, %zu) gave %d", refused[i].name,
                           refused[i].dtype, refused[i].count, st);
    }
    char nm[16];
    int added = 0;
    for (int i = 0; i < ANC_MODEL_MAX_EXTRAS; i++) {
        snprintf(nm, sizeof nm, "x.%d", i);
        added += anc_model_set_extra(m, nm, ANC_DTYPE_U32, &i, 1, &err) == ANC_OK;
    }
    bad += !check_true(added == ANC_MODEL_MAX_EXTRAS - 2, "%d extras added, want %d (2 there)",
                       added, ANC_MODEL_MAX_EXTRAS - 2);
    printf("%s extras: get/replace/round trip; %zu bad names, dtypes and counts refused; at most "
           "%d kept\n", bad ? "FAIL" : "ok", sizeof refused / sizeof refused[0],
           ANC_MODEL_MAX_EXTRAS);
    anc_model_free(m);
}

/* Version 2: a relative model (its input is the relative axis, arch.n_input =
 * K) and an absolute one with pitch statistics round-trip as version 2 files;
 * an absolute model without them stays a version 1 file; impossible
 * representation fields are refused with the field's offset. */
static void test_version2(void)
{
    anc_model_header h = test_header();
    h.pitch_mode = ANC_PITCH_RELATIVE;
    h.rel_points_per_octave = 24;
    h.rel_octaves_below = 1.0f;
    h.rel_f0_min = 60.0f;
    h.rel_f0_ref = 100.0f;
    h.pitch_lo_hz = 98.0f;
    h.pitch_hi_hz = 880.0f;
    h.voiced_fraction = 0.875f;
    anc_relfreq_config rc;
    anc_model_relfreq_config(&h, &rc);
    const int K = anc_relfreq_size(&rc);
    anc_error err;
    anc_model *m = NULL;
    check_true(anc_model_create(&m, &h, &err) == ANC_E_INVALID && strstr(err.message, "relative"),
               "relative header with n_input = bins refused: %s", err.message);
    h.arch.n_input = K;
    if (!check_true(anc_model_create(&m, &h, &err) == ANC_OK, "relative model: %s", err.message))
        return;
    anc_rng rng;
    anc_rng_seed(&rng, 5);
    anc_rng_normal_fill(&rng, anc_model_params(m), anc_model_num_params(m));
    for (int k = 0; k < K; k++)
        anc_model_feature_std(m)[k] = 2.0f + (float)k;
    void *buf;
    size_t len;
    anc_model *back = NULL;
    int ok = anc_model_serialize(m, &buf, &len, &err) == ANC_OK;
    const uint8_t *b = buf;
    ok = ok && le32(b + 8) == 2 && le32(b + 12) == 176;
    ok = ok && anc_model_load_memory(&back, buf, len, 0, &err) == ANC_OK && models_equal(m, back);
    check_true(ok, "relative model (K %d) round trip as version 2: %s", K, err.message);
    printf("%s version 2: relative model, K %d points, round trip\n", ok ? "ok" : "FAIL", K);

    /* Damage: pitch_mode 7, ppo 3, fields fixed up with a new CRC. */
    uint8_t *c = malloc(len);
    static const struct { size_t off; uint32_t v; const char *want; } bad[] = {
        {144, 7, "pitch_mode 7"}, {148, 3, "points per octave"}, {168, 0, "pitch range"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memcpy(c, buf, len);
        set_le32(c + bad[i].off, bad[i].v);
        fix_crc(c, len);
        anc_model *x = NULL;
        anc_status st = anc_model_load_memory(&x, c, len, 0, &err);
        check_true(st == ANC_E_FORMAT && strstr(err.message, bad[i].want) && !x,
                   "damaged v2 field at %zu: status %d \"%s\" (want one naming %s)", bad[i].off,
                   st, err.message, bad[i].want);
        anc_model_free(x);
    }
    free(c);
    free(buf);
    anc_model_free(back);
    anc_model_free(m);

    /* Absolute: version 1 without pitch statistics, version 2 with them. */
    anc_model_header a = test_header();
    m = NULL;
    anc_model_create(&m, &a, &err);
    anc_model_serialize(m, &buf, &len, &err);
    b = buf;
    check_true(le32(b + 8) == 1 && le32(b + 12) == 144, "absolute model without pitch statistics "
               "writes version 1 (got %u, header %u)", le32(b + 8), le32(b + 12));
    free(buf);
    anc_model_header_mut(m)->voiced_fraction = 0.5f;
    anc_model_header_mut(m)->pitch_lo_hz = 110.0f;
    anc_model_header_mut(m)->pitch_hi_hz = 440.0f;
    back = NULL;
    ok = anc_model_serialize(m, &buf, &len, &err) == ANC_OK && le32((uint8_t *)buf + 8) == 2 &&
         anc_model_load_memory(&back, buf, len, 0, &err) == ANC_OK && models_equal(m, back);
    check_true(ok, "absolute model with pitch statistics round trip as version 2: %s",
               err.message);
    printf("%s version 1 for plain absolute models, version 2 with pitch statistics\n",
           ok ? "ok" : "FAIL");
    free(buf);
    anc_model_free(back);
    anc_model_free(m);
}

/* Version 3: a level-normalised model round-trips as a version 3 file (header
 * 184 bytes) with its level; an unknown level mode, a level out of range and a
 * level on a model that keeps levels are refused, naming the field. */
static void test_version3(void)
{
    anc_model_header h = test_header();
    h.level_mode = ANC_LEVEL_NORMALIZED;
    h.level_db = -12.5f;
    anc_error err;
    anc_model *m = NULL, *back = NULL;
    if (!check_true(anc_model_create(&m, &h, &err) == ANC_OK, "normalised model: %s",
                    err.message))
        return;
    anc_rng rng;
    anc_rng_seed(&rng, 9);
    anc_rng_normal_fill(&rng, anc_model_params(m), anc_model_num_params(m));
    void *buf;
    size_t len;
    int ok = anc_model_serialize(m, &buf, &len, &err) == ANC_OK;
    const uint8_t *b = buf;
    ok = ok && le32(b + 8) == 3 && le32(b + 12) == 184;
    ok = ok && anc_model_load_memory(&back, buf, len, 0, &err) == ANC_OK && models_equal(m, back) &&
         anc_model_get_header(back)->level_db == -12.5f;
    check_true(ok, "level-normalised model round trip as version 3: %s", err.message);
    printf("%s version 3: level-normalised model, level -12.5 dB, round trip\n",
           ok ? "ok" : "FAIL");

    uint8_t *c = malloc(len);
    static const struct { size_t off; uint32_t v; const char *want; } bad[] = {
        {176, 2, "level_mode 2"}, {180, 0x40a00000u /* 5.0f */, "level_db 5"},
        {180, 0xc2a00000u /* -80.0f */, "level_db -80"}, {180, 0x7fc00000u /* NaN */, "level_db"}};
    for (size_t i = 0; c && i < sizeof bad / sizeof *bad; i++) {
        memcpy(c, buf, len);
        set_le32(c + bad[i].off, bad[i].v);
        fix_crc(c, len);
        anc_model *x = NULL;
        anc_status st = anc_model_load_memory(&x, c, len, 0, &err);
        check_true((st == ANC_E_FORMAT || st == ANC_E_NUMERIC) && strstr(err.message, bad[i].want)
                   && !x, "damaged v3 field at %zu: status %d \"%s\" (want one naming %s)",
                   bad[i].off, st, err.message, bad[i].want);
        anc_model_free(x);
    }
    /* Kept levels with a level set: the writer never makes it; the reader refuses it. */
    if (c) {
        memcpy(c, buf, len);
        set_le32(c + 176, 0);
        fix_crc(c, len);
        anc_model *x = NULL;
        anc_status st = anc_model_load_memory(&x, c, len, 0, &err);
        check_true(st == ANC_E_FORMAT && strstr(err.message, "keeps levels") && !x,
                   "level_db on a kept-level model: status %d \"%s\"", st, err.message);
        anc_model_free(x);
    }
    free(c);
    free(buf);
    anc_model_free(back);
    anc_model_free(m);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/anc_test_model_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL: mkdtemp %s: %s\n", tmpdir, strerror(errno));
        return 1;
    }

    test_crc();
    anc_model *m = make_model(7);
    void *buf;
    size_t len;
    anc_error err;
    if (anc_model_serialize(m, &buf, &len, &err) != ANC_OK) {
        printf("FAIL: serialize: %s\n", err.message);
        return 1;
    }
    const uint8_t *b = buf;
    test_layout(b, len);
    test_round_trip(m, b, len);
    test_create();
    test_version2();
    test_version3();
    test_extras();
    test_files(m, b, len);
    test_forward_compatible(m, b, len);
    test_corruptions(b, len);
    test_truncations(b, len);
    test_mutations(b, len);

    free(buf);
    anc_model_free(m);
    remove_tree(tmpdir);
    return check_exit();
}
