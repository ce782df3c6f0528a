/* atomic_file.h — writing a file so that a reader, or a crash at any moment,
 * sees either the old file or the whole new one, never a part of it.
 *
 * The bytes go to a temporary beside the target (PATH.tmp-XXXXXX, on the same
 * file system so that rename() is atomic), which is synced, renamed over the
 * target, and the folder synced so the rename itself is durable. A failed or
 * abandoned write removes the temporary and leaves any file at PATH untouched.
 * The model file, the trainer's checkpoint and ancestral-render's WAV output are
 * all written this way. File I/O only: no printing, no exit. */
#ifndef ANC_ATOMIC_FILE_H
#define ANC_ATOMIC_FILE_H

#include <stddef.h>

#include "status.h"

/* An open write. The fields are the caller's to read (write to fd), not to set. */
typedef struct anc_atomic_file {
    char *path; /* the target, a copy */
    char *tmp;  /* the temporary, NULL once released */
    int fd;     /* open for writing on tmp; -1 once closed */
} anc_atomic_file;

/* Creates the temporary beside path with mode 0644 (models and renders are shared
 * data that a plugin host running as another user may read). On success f->fd is
 * open for writing and the write ends with anc_atomic_commit() or
 * anc_atomic_abort(); on failure f is released and err names path and the reason
 * (ANC_E_IO, ANC_E_NOMEM, ANC_E_INVALID). */
anc_status anc_atomic_begin(anc_atomic_file *f, const char *path, anc_error *err);

/* Syncs and closes f->fd (the caller may have closed it already and set it to -1),
 * renames the temporary over the target and syncs the folder. Releases f whatever
 * the outcome; on failure before the rename the temporary is removed. ANC_E_IO
 * with path and the reason in err. */
anc_status anc_atomic_commit(anc_atomic_file *f, anc_error *err);

/* Closes f->fd, removes the temporary and releases f. Accepts a released or
 * zeroed f (then does nothing), so it can run at exit. */
void anc_atomic_abort(anc_atomic_file *f);

/* begin, len bytes of data, commit: a whole file at once. */
anc_status anc_atomic_write(const char *path, const void *data, size_t len, anc_error *err);

#endif
