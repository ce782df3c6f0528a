/* status.h — status codes and the error out-parameter used by every core function.
 *
 * Core functions return an anc_status (0 = success, negative = failure) and, when
 * given a non-NULL anc_error, write one human-readable line of context into it
 * (file, offset, tensor name...). The core never prints and never exits. */
#ifndef ANC_STATUS_H
#define ANC_STATUS_H

typedef enum anc_status {
    ANC_OK = 0,
    ANC_E_NOMEM = -1,     /* an allocation failed */
    ANC_E_INVALID = -2,   /* an argument or setting is out of range */
    ANC_E_IO = -3,        /* reading or writing a file failed */
    ANC_E_FORMAT = -4,    /* bytes are not a valid model file (bad magic, bad field) */
    ANC_E_VERSION = -5,   /* a model file of a format version we do not read */
    ANC_E_TRUNCATED = -6, /* a size in the file points past its end */
    ANC_E_CHECKSUM = -7,  /* CRC-32 mismatch: the file was damaged */
    ANC_E_NUMERIC = -8    /* NaN or Inf where a finite number is required */
} anc_status;

#define ANC_ERROR_MESSAGE_MAX 256

typedef struct anc_error {
    anc_status status;
    char message[ANC_ERROR_MESSAGE_MAX]; /* one line, no trailing newline */
} anc_error;

/* Fixed text for a status ("checksum mismatch", ...). Never NULL. */
const char *anc_status_string(anc_status s);

/* Records s and a printf-style message in err (if err is not NULL) and returns s,
 * so callers can write `return anc_error_set(err, ANC_E_FORMAT, "...", ...);`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
anc_status anc_error_set(anc_error *err, anc_status s, const char *fmt, ...);

/* Clears err to ANC_OK with an empty message. err may be NULL. */
void anc_error_clear(anc_error *err);

#endif
