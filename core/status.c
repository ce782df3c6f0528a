/* status.c — status strings and the error out-parameter. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

const char *anc_status_string(anc_status s)
{
    switch (s) {
    case ANC_OK: return "success";
    case ANC_E_NOMEM: return "out of memory";
    case ANC_E_INVALID: return "invalid argument";
    case ANC_E_IO: return "input/output error";
    case ANC_E_FORMAT: return "not a valid Ancestral model";
    case ANC_E_VERSION: return "unsupported model format version";
    case ANC_E_TRUNCATED: return "truncated data";
    case ANC_E_CHECKSUM: return "checksum mismatch";
    case ANC_E_NUMERIC: return "non-finite value";
    }
    return "unknown error";
}

anc_status anc_error_set(anc_error *err, anc_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = s;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return s;
}

void anc_error_clear(anc_error *err)
{
    if (err) {
        err->status = ANC_OK;
        err->message[0] = '\0';
    }
}
