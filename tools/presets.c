/* presets.c — LV2 preset bundle writer (see presets.h); symbols and ranges from
 * the control table (core/controls.h). */
#include "presets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int mkdirs(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++)
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            buf[i] = c;
        }
    struct stat sb;
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

/* A file name from a label: letters, digits, '-', '_' and '.', others become '_'. */
static void sanitise(const char *label, char *out, size_t cap)
{
    size_t j = 0;
    for (const char *p = label; *p && j + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        out[j++] = ok ? (char)c : '_';
    }
    if (j == 0)
        out[j++] = 'p';
    out[j] = '\0';
}

/* Writes s as a Turtle string literal body (escapes quotes, backslashes, controls). */
static void put_literal(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04X", *p);
        else
            fputc(*p, f);
    }
}

char *anc_file_uri(const char *abs_path)
{
    size_t n = strlen(abs_path);
    char *u = malloc(8 + 3 * n);
    if (!u)
        return NULL;
    strcpy(u, "file://");
    char *o = u + 7;
    for (const unsigned char *p = (const unsigned char *)abs_path; *p; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("/-_.~", *p);
        if (plain)
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return u;
}

static const char *prefixes = "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
                              "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
                              "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                              "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n\n";

anc_status anc_presets_write(const char *dir, const anc_preset *presets, size_t n,
                             const char *model_uri, anc_error *err)
{
    if (mkdirs(dir) != 0)
        return anc_error_set(err, ANC_E_IO, "%s: cannot create the preset folder: %s", dir,
                             strerror(errno));
    char (*names)[128] = calloc(n ? n : 1, sizeof *names);
    if (!names)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for preset names");
    for (size_t i = 0; i < n; i++) {
        char base[112];
        sanitise(presets[i].label, base, sizeof base);
        snprintf(names[i], sizeof names[i], "%s.ttl", base);
        for (int k = 2; ; k++) {
            int clash = 0;
            for (size_t j = 0; j < i; j++)
                clash |= !strcmp(names[i], names[j]);
            if (!clash)
                break;
            snprintf(names[i], sizeof names[i], "%s_%d.ttl", base, k);
        }
    }
    char path[4096];
    anc_status s = ANC_OK;
    snprintf(path, sizeof path, "%s/manifest.ttl", dir);
    FILE *m = fopen(path, "w");
    if (!m) {
        s = anc_error_set(err, ANC_E_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    fputs(prefixes, m);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "<%s>\n    a pset:Preset ;\n    lv2:appliesTo <%s> ;\n    rdfs:seeAlso <%s> .\n\n",
                names[i], ANC_PLUGIN_URI, names[i]);
    if (fclose(m) != 0) {
        s = anc_error_set(err, ANC_E_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "w");
        if (!f) {
            s = anc_error_set(err, ANC_E_IO, "%s: %s", path, strerror(errno));
            goto done;
        }
        fputs(prefixes, f);
        fprintf(f, "<>\n    a pset:Preset ;\n    lv2:appliesTo <%s> ;\n    rdfs:label \"",
                ANC_PLUGIN_URI);
        put_literal(f, presets[i].label);
        fputs("\" ;\n    lv2:port", f);
        for (int k = 0; k < ANC_KNOBS; k++) {
            const int id = ANC_CONTROL_Z1 + k;
            float v = k < presets[i].n_knobs ? presets[i].knobs[k] : anc_controls[id].def;
            v = anc_control_clamp(id, v);
            fprintf(f, "%s [\n        lv2:symbol \"%s\" ;\n        pset:value %.6f\n    ]",
                    k ? " ," : "", anc_controls[id].symbol, (double)v);
        }
        if (model_uri)
            fprintf(f, " ;\n    state:state [\n        <%s> <%s>\n    ]", ANC_MODEL_URI,
                    model_uri);
        fputs(" .\n", f);
        if (fclose(f) != 0) {
            s = anc_error_set(err, ANC_E_IO, "%s: %s", path, strerror(errno));
            goto done;
        }
    }
done:
    free(names);
    return s;
}
