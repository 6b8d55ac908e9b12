/* h5_errors: HDF5's error stack turned into the one line of ps_fail (see h5_errors.h). */
#define _POSIX_C_SOURCE 200809L
#include "h5_errors.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

void ps_h5_errors_init(void)
{
    H5dont_atexit();
    const char *v = getenv("PHASESWEEP_HDF5_ERRORS");
    if (!v || !v[0] || !strcmp(v, "0"))
        PS_H5(H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
}

typedef struct walk {
    int err_no;          /* from "errno = N" in a driver's message (sec2, core, family) */
    const char *op;      /* the deepest read/write/open/... that failed */
    char file[1024];     /* from "filename = '...'" in a driver's message */
    char mpi[256];       /* an MPI error string HDF5 recorded */
    char deepest[256];   /* the last message of the stack */
} walk;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    walk *w = data;
    const char *desc = e->desc ? e->desc : "";
    const char *p = strstr(desc, "errno = ");
    if (p) w->err_no = atoi(p + 8);
    if ((p = strstr(desc, "filename = '"))) {
        p += 12;
        const char *q = strchr(p, '\'');
        if (q) snprintf(w->file, sizeof w->file, "%.*s", (int)(q - p), p);
    }
    if (e->min_num == H5E_MPIERRSTR) snprintf(w->mpi, sizeof w->mpi, "%s", desc);
    if (e->min_num == H5E_WRITEERROR) w->op = "write";
    else if (e->min_num == H5E_READERROR) w->op = "read";
    else if (e->min_num == H5E_CANTOPENFILE) w->op = "open";
    else if (e->min_num == H5E_CANTCLOSEFILE) w->op = "close";
    else if (e->min_num == H5E_CANTFLUSH) w->op = "flush";
    else if (e->min_num == H5E_SEEKERROR) w->op = "seek in";
    else if (e->min_num == H5E_TRUNCATED) w->op = "extend";
    if (desc[0]) snprintf(w->deepest, sizeof w->deepest, "%s", desc);
    (void)n;
    return 0;
}

/* Errors of the operating system that name a cause a user can act on. HDF5 looks for files
 * that may not exist (plugins, external links) on the way, so ENOENT and the like could be a
 * leftover of an innocent probe: they do not count. */
static int telling(int e)
{
    switch (e) {
    case ENOSPC: case EDQUOT: case EFBIG: case EIO: case EROFS: case EACCES: case EPERM:
    case ESTALE: case ENOMEM: case EMFILE: case ENFILE: return 1;
    default: return 0;
    }
}

/* HDF5 keeps the name a file was created under: once OUT.tmp.PID is renamed to OUT, name
 * OUT (the temporary no longer exists). */
static void current_name(char *buf)
{
    struct stat st;
    char *t = strstr(buf, ".tmp.");
    if (!t || stat(buf, &st) == 0 || !t[5]) return;
    for (const char *c = t + 5; *c; c++)
        if (!isdigit((unsigned char)*c)) return;
    *t = 0;
    if (stat(buf, &st) != 0) *t = '.';
}

/* The name of the open file being written (HDF5 files open in this process), or "". */
static void open_file_name(char *buf, size_t len)
{
    buf[0] = 0;
    ssize_t n = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE);
    if (n <= 0) return;
    hid_t ids[16];
    if (n > 16) n = 16;
    n = H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_FILE, (size_t)n, ids);
    for (ssize_t i = 0; i < n; i++) {
        unsigned intent = 0;
        if (H5Fget_intent(ids[i], &intent) < 0) continue;
        if (!buf[0] || (intent & H5F_ACC_RDWR)) {
            if (H5Fget_name(ids[i], buf, len) < 0) buf[0] = 0;
            current_name(buf);
            if (intent & H5F_ACC_RDWR) break;
        }
    }
}

/* A write that ended short reports no errno (Open MPI's OMPIO returns the bytes written and
 * HDF5 says "file write failed"): a short write means the space ran out, so ask the
 * filesystem why by writing 64 KiB of a probe file next to path and syncing it. Returns the
 * errno of that, or 0 when the probe fits (space came back meanwhile). */
static int probe_write(const char *path)
{
    char probe[1200];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(probe, sizeof probe, ".phasesweep-probe.%ld", (long)getpid());
    else snprintf(probe, sizeof probe, "%.*s/.phasesweep-probe.%ld", (int)(slash - path), path,
                  (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno == EEXIST ? 0 : errno;
    static const char zeros[4096];
    int err = 0;
    for (int i = 0; i < 16 && !err; i++)
        if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros) err = errno ? errno : ENOSPC;
    if (!err && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    unlink(probe);
    return err;
}

static const char *input_what, *input_path;

void ps_h5_input(const char *what, const char *path)
{
    input_what = what;
    input_path = path;
}

long long ps_h5_check_(long long rc, const char *call, const char *file, int line)
{
    if (rc >= 0) return rc;
    int saved = errno;
    walk w = {0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &w);
    const char *v = getenv("PHASESWEEP_HDF5_ERRORS");
    if (v && v[0] && strcmp(v, "0")) H5Eprint2(H5E_DEFAULT, stderr);
    if (!w.file[0]) open_file_name(w.file, sizeof w.file);
    char reason[512];
    if (w.err_no > 0) snprintf(reason, sizeof reason, "%s", strerror(w.err_no));
    else if (telling(saved)) snprintf(reason, sizeof reason, "%s", strerror(saved));
    else if (w.op && !strcmp(w.op, "write") && w.file[0] && (saved = probe_write(w.file)))
        snprintf(reason, sizeof reason, "%s", strerror(saved));
    else if (w.mpi[0]) snprintf(reason, sizeof reason, "%s", w.mpi);
    else if (w.deepest[0]) snprintf(reason, sizeof reason, "%s (HDF5)", w.deepest);
    else snprintf(reason, sizeof reason, "HDF5 call failed");
    char where[256];
    ps_call_where(where, sizeof where, call, file, line);
    if (input_what) {
        const char *what = input_what, *path = input_path;
        input_what = input_path = NULL;
        /* the call's name only: the input is at fault, not phasesweep's source line */
        ps_bad_input("%s: %s: damaged or not as phasesweep writes it: %.*s failed: %s", what,
                     path, (int)strcspn(where, " "), where, reason);
    }
    if (w.file[0])
        ps_fail(PS_EXIT_FAIL, where, "cannot %s %s: %s", w.op ? w.op : "use", w.file, reason);
    ps_fail(PS_EXIT_FAIL, where, "%s", reason);
}
