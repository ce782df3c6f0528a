/* test_reference.c — holds anc_vae_loss_batch() (the loss terms, the gradient of
 * every parameter tensor, and d(total)/dx) to an independent float64 NumPy
 * computation with hand-derived, finite-difference-checked backward passes.
 *
 * The fixture is reference/vae_reference.txt, its format is described at the top
 * of reference/make_vae_reference.py; regenerate it from the repository root with
 *     python3 tests/reference/make_vae_reference.py
 * The path is argv[1] if given, else relative to the working directory, which
 * meson sets to tests/.
 *
 * The C side computes in float32, the reference in float64 from the same
 * (float32-representable) inputs, hence |got - want| <= ATOL + RTOL * |want|. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vae.h"

#define ATOL 1e-5
#define RTOL 1e-4

#define DEFAULT_FIXTURE "reference/vae_reference.txt"
#define MAGIC "ancestral-vae-reference"
#define VERSION 1
#define LINE_MAX_CHARS 8192 /* the fixture's longest line is a few hundred */
#define MAX_TOKENS 64
#define MAX_DIM 4096
#define MAX_VALUES (1 << 20)
#define MAX_CASE_TENSORS ANC_VAE_MAX_TENSORS

typedef struct fx_tensor {
    char name[ANC_TENSOR_NAME_MAX];
    int rows, cols;
    double *v; /* rows * cols, row-major */
} fx_tensor;

typedef struct fx_case {
    char name[32];
    anc_vae_config cfg;
    int B;
    double beta;
    fx_tensor params[MAX_CASE_TENSORS], grads[MAX_CASE_TENSORS];
    int n_params, n_grads;
    fx_tensor x, eps, grad_x;
    double loss[4]; /* total rec kl sq_err */
    int have_loss;
} fx_case;

typedef struct reader {
    FILE *f;
    const char *path;
    long line;
    char buf[LINE_MAX_CHARS];
    char *tok[MAX_TOKENS];
    int ntok;
} reader;

/* Kept here rather than taken from anc_activation_from_name(), so a renamed
 * activation in nn.c cannot silently change what the fixture means. */
static const struct {
    const char *name;
    anc_activation act;
} act_table[] = {
    {"linear", ANC_ACT_LINEAR}, {"relu", ANC_ACT_RELU}, {"leaky_relu", ANC_ACT_LEAKY_RELU},
    {"tanh", ANC_ACT_TANH},     {"silu", ANC_ACT_SILU},
};

static int fail_at(const reader *r, const char *why)
{
    printf("FAIL: %s:%ld: %s\n", r->path, r->line, why);
    return -1;
}

/* Next non-blank, non-comment line split into tokens. 1 = a line, 0 = end of
 * file, -1 = error (reported). */
static int next_line(reader *r)
{
    for (;;) {
        if (!fgets(r->buf, sizeof r->buf, r->f))
            return ferror(r->f) ? fail_at(r, "read error") : 0;
        r->line++;
        size_t n = strlen(r->buf);
        if (n && r->buf[n - 1] == '\n')
            r->buf[--n] = '\0';
        else if (!feof(r->f))
            return fail_at(r, "line too long");
        if (n && r->buf[n - 1] == '\r')
            r->buf[--n] = '\0';
        r->ntok = 0;
        char *p = r->buf;
        for (;;) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (!*p)
                break;
            if (r->ntok == MAX_TOKENS)
                return fail_at(r, "too many fields");
            r->tok[r->ntok++] = p;
            while (*p && *p != ' ' && *p != '\t')
                p++;
            if (*p)
                *p++ = '\0';
        }
        if (r->ntok && r->tok[0][0] != '#')
            return 1;
    }
}

static int parse_int(const reader *r, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        char msg[128];
        snprintf(msg, sizeof msg, "bad integer '%.40s' (range %d..%d)", s, lo, hi);
        return fail_at(r, msg);
    }
    *out = (int)v;
    return 0;
}

static int parse_double(const reader *r, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "bad number '%.40s'", s);
        return fail_at(r, msg);
    }
    *out = v;
    return 0;
}

/* Reads "<rows> <cols>" from tokens first.. and then rows lines of cols values. */
static int read_tensor(reader *r, int first, const char *name, fx_tensor *t)
{
    if (r->ntok != first + 2)
        return fail_at(r, "expected <rows> <cols>");
    if (strlen(name) >= sizeof t->name)
        return fail_at(r, "tensor name too long");
    snprintf(t->name, sizeof t->name, "%s", name);
    if (parse_int(r, r->tok[first], 1, MAX_DIM, &t->rows) ||
        parse_int(r, r->tok[first + 1], 1, MAX_DIM, &t->cols))
        return -1;
    if ((long)t->rows * t->cols > MAX_VALUES)
        return fail_at(r, "tensor too large");
    t->v = malloc((size_t)t->rows * (size_t)t->cols * sizeof *t->v);
    if (!t->v)
        return fail_at(r, "out of memory");
    for (int i = 0; i < t->rows; i++) {
        int got = next_line(r);
        if (got <= 0)
            return got ? -1 : fail_at(r, "file ends inside a tensor");
        if (r->ntok != t->cols)
            return fail_at(r, "wrong number of values in a tensor row");
        for (int j = 0; j < t->cols; j++)
            if (parse_double(r, r->tok[j], &t->v[(size_t)i * t->cols + j]))
                return -1;
    }
    return 0;
}

static void free_case(fx_case *c)
{
    for (int i = 0; i < c->n_params; i++)
        free(c->params[i].v);
    for (int i = 0; i < c->n_grads; i++)
        free(c->grads[i].v);
    free(c->x.v);
    free(c->eps.v);
    free(c->grad_x.v);
    memset(c, 0, sizeof *c);
}

static const fx_tensor *find(const fx_tensor *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i].name, name))
            return &list[i];
    return NULL;
}

/* "case <name> <D> <L> <n_hidden> <widths...> <activation> <B> <beta>" */
static int parse_case_line(reader *r, fx_case *c)
{
    if (r->ntok < 8)
        return fail_at(r, "short case line");
    if (strlen(r->tok[1]) >= sizeof c->name)
        return fail_at(r, "case name too long");
    snprintf(c->name, sizeof c->name, "%s", r->tok[1]);
    anc_vae_config *cfg = &c->cfg;
    if (parse_int(r, r->tok[2], 1, ANC_MAX_WIDTH + 1, &cfg->n_input) ||
        parse_int(r, r->tok[3], 1, ANC_MAX_LATENT, &cfg->n_latent) ||
        parse_int(r, r->tok[4], 0, ANC_MAX_HIDDEN, &cfg->n_hidden))
        return -1;
    const int nh = cfg->n_hidden;
    if (r->ntok != 8 + nh)
        return fail_at(r, "case line field count does not match n_hidden");
    for (int i = 0; i < nh; i++)
        if (parse_int(r, r->tok[5 + i], 1, ANC_MAX_WIDTH, &cfg->hidden[i]))
            return -1;
    const char *act = r->tok[5 + nh];
    size_t k = 0, n_act = sizeof act_table / sizeof act_table[0];
    while (k < n_act && strcmp(act_table[k].name, act))
        k++;
    if (k == n_act)
        return fail_at(r, "unknown activation");
    cfg->act = act_table[k].act;
    if (parse_int(r, r->tok[6 + nh], 1, 1 << 16, &c->B) ||
        parse_double(r, r->tok[7 + nh], &c->beta))
        return -1;
    return 0;
}

/* Checks that the case holds exactly the layout's tensors with the layout's
 * shapes, and x, eps, grad_x, loss. */
static int validate_case(const reader *r, const fx_case *c)
{
    anc_error err;
    if (anc_vae_config_check(&c->cfg, &err) != ANC_OK)
        return fail_at(r, err.message);
    anc_tensor_info infos[ANC_VAE_MAX_TENSORS];
    int n = anc_vae_layout(&c->cfg, infos, NULL);
    if (c->n_params != n || c->n_grads != n)
        return fail_at(r, "case does not hold one tensor and one grad per layout tensor");
    for (int i = 0; i < n; i++) {
        const fx_tensor *p = find(c->params, c->n_params, infos[i].name);
        const fx_tensor *g = find(c->grads, c->n_grads, infos[i].name);
        if (!p || !g) {
            char msg[96];
            snprintf(msg, sizeof msg, "tensor or grad '%.31s' missing", infos[i].name);
            return fail_at(r, msg);
        }
        if (p->rows != infos[i].rows || p->cols != infos[i].cols || g->rows != infos[i].rows ||
            g->cols != infos[i].cols) {
            char msg[128];
            snprintf(msg, sizeof msg, "'%.31s' is %dx%d in the fixture, %dx%d in the layout",
                     infos[i].name, p->rows, p->cols, infos[i].rows, infos[i].cols);
            return fail_at(r, msg);
        }
    }
    const int B = c->B, D = c->cfg.n_input, L = c->cfg.n_latent;
    if (!c->x.v || c->x.rows != B || c->x.cols != D)
        return fail_at(r, "x missing or not [B][D]");
    if (!c->eps.v || c->eps.rows != B || c->eps.cols != L)
        return fail_at(r, "eps missing or not [B][L]");
    if (!c->grad_x.v || c->grad_x.rows != B || c->grad_x.cols != D)
        return fail_at(r, "grad_x missing or not [B][D]");
    if (!c->have_loss)
        return fail_at(r, "loss line missing");
    return 0;
}

/* Reads the next case into c. 1 = a case, 0 = end of file, -1 = error. */
static int read_case(reader *r, fx_case *c)
{
    memset(c, 0, sizeof *c);
    int got = next_line(r);
    if (got <= 0)
        return got;
    if (strcmp(r->tok[0], "case"))
        return fail_at(r, "expected a case line");
    if (parse_case_line(r, c))
        return -1;
    for (;;) {
        got = next_line(r);
        if (got <= 0)
            return got ? -1 : fail_at(r, "file ends inside a case");
        const char *kw = r->tok[0];
        if (!strcmp(kw, "end"))
            return validate_case(r, c) ? -1 : 1;
        if (!strcmp(kw, "tensor") || !strcmp(kw, "grad")) {
            if (r->ntok < 2)
                return fail_at(r, "tensor without a name");
            const char *name = r->tok[1];
            int is_grad = kw[0] == 'g';
            fx_tensor *t;
            if (!is_grad && !strcmp(name, "x"))
                t = &c->x;
            else if (!is_grad && !strcmp(name, "eps"))
                t = &c->eps;
            else {
                fx_tensor *list = is_grad ? c->grads : c->params;
                int *n = is_grad ? &c->n_grads : &c->n_params;
                if (find(list, *n, name))
                    return fail_at(r, "tensor given twice");
                if (*n == MAX_CASE_TENSORS)
                    return fail_at(r, "too many tensors in a case");
                t = &list[(*n)++];
            }
            if (t->v)
                return fail_at(r, "tensor given twice");
            if (read_tensor(r, 2, name, t))
                return -1;
        } else if (!strcmp(kw, "grad_x")) {
            if (c->grad_x.v)
                return fail_at(r, "grad_x given twice");
            if (read_tensor(r, 1, "grad_x", &c->grad_x))
                return -1;
        } else if (!strcmp(kw, "loss")) {
            if (r->ntok != 5 || c->have_loss)
                return fail_at(r, "expected one 'loss <total> <rec> <kl> <sq_err>'");
            for (int i = 0; i < 4; i++)
                if (parse_double(r, r->tok[1 + i], &c->loss[i]))
                    return -1;
            c->have_loss = 1;
        } else {
            return fail_at(r, "unknown record");
        }
    }
}

typedef struct stats {
    double worst_abs, worst_ratio; /* ratio = |diff| / (ATOL + RTOL |want|) */
    char worst_what[64];
} stats;

static void compare(stats *s, const char *case_name, const char *what, const double *got,
                    const double *want, size_t n, double atol, double rtol)
{
    char label[96];
    snprintf(label, sizeof label, "%s/%s", case_name, what);
    check_close_d(label, got, want, n, atol, rtol);
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]);
        double ratio = d / (atol + rtol * fabs(want[i]));
        if (d > s->worst_abs || d != d)
            s->worst_abs = d;
        if (ratio > s->worst_ratio || ratio != ratio) {
            s->worst_ratio = ratio;
            snprintf(s->worst_what, sizeof s->worst_what, "%s[%zu]", what, i);
        }
    }
}

static void to_double(double *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static void to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

static void run_case(const fx_case *c)
{
    const anc_vae_config *cfg = &c->cfg;
    const int B = c->B, D = cfg->n_input, L = cfg->n_latent;
    anc_error err;
    anc_vae *vae = NULL;
    anc_status st = anc_vae_create(&vae, cfg, B, &err);
    if (!check_true(st == ANC_OK, "case %s: anc_vae_create: %s", c->name,
                    st == ANC_OK ? "" : err.message))
        return;

    anc_tensor_info infos[ANC_VAE_MAX_TENSORS];
    size_t total = 0;
    int n = anc_vae_layout(cfg, infos, &total);
    float *x = malloc((size_t)B * D * sizeof *x);
    float *eps = malloc((size_t)B * L * sizeof *eps);
    float *dx = malloc((size_t)B * D * sizeof *dx);
    double *tmp = malloc((total > (size_t)B * D ? total : (size_t)B * D) * sizeof *tmp);
    if (!check_true(x && eps && dx && tmp, "case %s: out of memory", c->name) ||
        !check_true(total == anc_vae_num_params(vae), "case %s: layout has %zu floats, vae %zu",
                    c->name, total, anc_vae_num_params(vae)))
        goto done;

    float *params = anc_vae_params(vae);
    for (int i = 0; i < n; i++) {
        const fx_tensor *p = find(c->params, c->n_params, infos[i].name);
        to_float(params + infos[i].offset, p->v, (size_t)p->rows * p->cols);
    }
    to_float(x, c->x.v, (size_t)B * D);
    to_float(eps, c->eps.v, (size_t)B * L);
    anc_vae_zero_grad(vae);
    for (size_t i = 0; i < (size_t)B * D; i++)
        dx[i] = 1e30f; /* dx is documented as overwritten, not accumulated */

    anc_vae_loss loss;
    st = anc_vae_loss_batch(vae, x, eps, B, (float)c->beta, 1, dx, &loss);
    if (!check_true(st == ANC_OK, "case %s: anc_vae_loss_batch returned %d", c->name, (int)st))
        goto done;

    stats s = {0};
    const double got_loss[4] = {loss.total, loss.rec, loss.kl, loss.sq_err};
    compare(&s, c->name, "loss(total,rec,kl,sq_err)", got_loss, c->loss, 4, ATOL, RTOL);
    const float *grads = anc_vae_grads(vae);
    for (int i = 0; i < n; i++) {
        const fx_tensor *g = find(c->grads, c->n_grads, infos[i].name);
        size_t m = (size_t)g->rows * g->cols;
        to_double(tmp, grads + infos[i].offset, m);
        char what[64];
        snprintf(what, sizeof what, "grad %.31s", infos[i].name);
        compare(&s, c->name, what, tmp, g->v, m, ATOL, RTOL);
    }
    to_double(tmp, dx, (size_t)B * D);
    compare(&s, c->name, "grad x", tmp, c->grad_x.v, (size_t)B * D, ATOL, RTOL);
    printf("case %s: worst |diff| %.3g, worst |diff|/tol %.3g at %s\n", c->name, s.worst_abs,
           s.worst_ratio, s.worst_what);

    /* A second pass without zeroing must double every parameter gradient
     * (backward accumulates) and give the same dx (overwritten). */
    st = anc_vae_loss_batch(vae, x, eps, B, (float)c->beta, 1, dx, &loss);
    if (!check_true(st == ANC_OK, "case %s: second anc_vae_loss_batch returned %d", c->name,
                    (int)st))
        goto done;
    stats s2 = {0};
    for (int i = 0; i < n; i++) {
        const fx_tensor *g = find(c->grads, c->n_grads, infos[i].name);
        size_t m = (size_t)g->rows * g->cols;
        double *want = malloc(m * sizeof *want);
        if (!check_true(want != NULL, "out of memory"))
            goto done;
        for (size_t j = 0; j < m; j++)
            want[j] = 2.0 * g->v[j];
        to_double(tmp, grads + infos[i].offset, m);
        char what[64];
        snprintf(what, sizeof what, "accumulated grad %.31s", infos[i].name);
        compare(&s2, c->name, what, tmp, want, m, 2 * ATOL, RTOL);
        free(want);
    }
    to_double(tmp, dx, (size_t)B * D);
    compare(&s2, c->name, "second grad x", tmp, c->grad_x.v, (size_t)B * D, ATOL, RTOL);

done:
    free(x);
    free(eps);
    free(dx);
    free(tmp);
    anc_vae_free(vae);
}

int main(int argc, char **argv)
{
    reader *r = calloc(1, sizeof *r);
    fx_case *c = calloc(1, sizeof *c);
    if (!r || !c) {
        free(r);
        free(c);
        printf("FAIL: out of memory\n");
        return 1;
    }
    r->path = argc > 1 ? argv[1] : DEFAULT_FIXTURE;
    r->f = fopen(r->path, "r");
    if (!r->f) {
        printf("FAIL: cannot open the fixture %s: %s (run from tests/, or pass its path; "
               "regenerate with python3 tests/reference/make_vae_reference.py)\n",
               r->path, strerror(errno));
        free(r);
        free(c);
        return 1;
    }

    int n_cases = 0, got = next_line(r), version = 0;
    if (got <= 0 || r->ntok != 2 || strcmp(r->tok[0], MAGIC) ||
        parse_int(r, r->tok[1], 0, 1 << 20, &version) || version != VERSION) {
        if (got >= 0)
            fail_at(r, "the first line is not '" MAGIC " 1'");
        check_failures++;
    } else {
        while ((got = read_case(r, c)) == 1) {
            run_case(c);
            free_case(c);
            n_cases++;
        }
        free_case(c);
        if (got < 0)
            check_failures++;
        check_true(n_cases >= 4, "%s holds %d cases, expected at least 4", r->path, n_cases);
    }
    fclose(r->f);
    free(r);
    free(c);
    return check_exit();
}
