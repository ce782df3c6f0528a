/* atomic_file.c — temporary, fsync, rename, folder fsync (see atomic_file.h). */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(anc_atomic_file *f)
{
    free(f->path);
    free(f->tmp);
    f->path = f->tmp = NULL;
    f->fd = -1;
}

anc_status anc_atomic_begin(anc_atomic_file *f, const char *path, anc_error *err)
{
    if (!f)
        return anc_error_set(err, ANC_E_INVALID, "anc_atomic_begin: no file object");
    f->path = f->tmp = NULL;
    f->fd = -1;
    if (!path || !*path)
        return anc_error_set(err, ANC_E_INVALID, "anc_atomic_begin: no path");
    static const char suffix[] = ".tmp-XXXXXX"; /* mkstemp replaces the Xs */
    const size_t pl = strlen(path);
    f->path = strdup(path);
    f->tmp = malloc(pl + sizeof suffix);
    if (!f->path || !f->tmp) {
        release(f);
        return anc_error_set(err, ANC_E_NOMEM, "%s: out of memory", path);
    }
    memcpy(f->tmp, path, pl);
    memcpy(f->tmp + pl, suffix, sizeof suffix);
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        const int e = errno;
        release(f);
        return anc_error_set(err, ANC_E_IO, "%s: cannot create a temporary file beside it: %s",
                             path, strerror(e));
    }
    /* mkstemp creates mode 0600. */
    if (fchmod(f->fd, 0644) != 0) {
        const int e = errno;
        anc_atomic_abort(f);
        return anc_error_set(err, ANC_E_IO, "%s: cannot set the mode of its temporary: %s",
                             path, strerror(e));
    }
    return ANC_OK;
}

void anc_atomic_abort(anc_atomic_file *f)
{
    if (!f || !f->tmp)
        return;
    if (f->fd >= 0)
        close(f->fd);
    unlink(f->tmp);
    release(f);
}

/* Syncs the folder holding path: the rename is durable only once the folder's
 * entry is on disk. EINVAL means the file system cannot sync folders, which
 * leaves nothing to do. Returns 0 or -1 with errno set. */
static int sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (dfd < 0)
        return -1;
    int r = fsync(dfd) != 0 && errno != EINVAL ? -1 : 0;
    const int e = errno;
    close(dfd);
    errno = e;
    return r;
}

anc_status anc_atomic_commit(anc_atomic_file *f, anc_error *err)
{
    if (!f || !f->tmp)
        return anc_error_set(err, ANC_E_INVALID, "anc_atomic_commit: no open write");
    if (f->fd >= 0) {
        if (fsync(f->fd) != 0) {
            const int e = errno;
            anc_error_set(err, ANC_E_IO, "%s: writing %s failed: %s", f->path, f->tmp,
                          strerror(e));
            anc_atomic_abort(f);
            return ANC_E_IO;
        }
        const int r = close(f->fd);
        f->fd = -1;
        if (r != 0) {
            anc_error_set(err, ANC_E_IO, "%s: closing %s failed: %s", f->path, f->tmp,
                          strerror(errno));
            anc_atomic_abort(f);
            return ANC_E_IO;
        }
    }
    if (rename(f->tmp, f->path) != 0) {
        anc_error_set(err, ANC_E_IO, "%s: cannot replace it: %s", f->path, strerror(errno));
        anc_atomic_abort(f);
        return ANC_E_IO;
    }
    anc_status st = ANC_OK;
    if (sync_folder(f->path) != 0)
        st = anc_error_set(err, ANC_E_IO, "%s: written, but syncing its folder failed: %s",
                           f->path, strerror(errno));
    else
        anc_error_clear(err);
    release(f);
    return st;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    /* Linux writes at most about 2 GiB per call; stay below that. */
    const size_t chunk_max = (size_t)1 << 30;
    while (n) {
        ssize_t w = write(fd, p, n < chunk_max ? n : chunk_max);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

anc_status anc_atomic_write(const char *path, const void *data, size_t len, anc_error *err)
{
    anc_atomic_file f;
    anc_status st = anc_atomic_begin(&f, path, err);
    if (st != ANC_OK)
        return st;
    if (write_all(f.fd, data, len) != 0) {
        anc_error_set(err, ANC_E_IO, "%s: writing %s failed: %s", f.path, f.tmp,
                      strerror(errno));
        anc_atomic_abort(&f);
        return ANC_E_IO;
    }
    return anc_atomic_commit(&f, err);
}
