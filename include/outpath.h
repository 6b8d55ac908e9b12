/* outpath: an output path checked up front, before any lock, computation or collective open.
 * A writer's --out must name a regular file or nothing, in an existing writable directory of
 * a filesystem that holds files (not /proc, /sys, ... told by statfs), and be short enough
 * that every name made from it fits: OUT.lock, OUT.tmp.PID, OUT.merge.PID.tmp.PID within
 * NAME_MAX and PATH_MAX, and for the writers through MPI-IO within what Open MPI's
 * shared-file-pointer components copy into fixed buffers (sharedfp/lockedfile: 256 bytes for
 * NAME + ".locktest." + rank; sharedfp/sm: a NAME_MAX basename NAME_cid-C-PID.sm). PIDs and
 * ranks count at their widest (7 digits), so the verdict does not depend on the PID. */
#ifndef PS_OUTPATH_H
#define PS_OUTPATH_H

#include <stddef.h>

enum ps_out_kind {
    PS_OUT_TRACE,  /* serial HDF5: OUT.tmp.PID renamed to OUT */
    PS_OUT_SWEEP,  /* MPI-IO: OUT.tmp.PID renamed to OUT */
    PS_OUT_MERGE,  /* MPI-IO on one rank: OUT.merge.PID built as OUT.merge.PID.tmp.PID */
    PS_OUT_RESUME, /* an existing OUT opened in place (MPI-IO); only its lock file is made */
};

/* The longest path of an MPI-IO file Open MPI 4.1 handles, and of its basename. */
#define PS_MPIIO_PATH_MAX 238
#define PS_MPIIO_NAME_MAX 229

/* "" or why out cannot be written by this kind of writer, as one line starting "--out: ":
 * empty, too long (naming the limit), a directory, not a regular file, a directory that is
 * missing, not a directory or not writable (not checked for RESUME), a special filesystem. */
void ps_outpath_problem(const char *out, enum ps_out_kind kind, char *msg, size_t len);

/* Creates path as a new, empty regular file of this process (O_CREAT | O_EXCL | O_NOFOLLOW),
 * first removing whatever entry (a symbolic link, a stale file) sits at the name: the name
 * holds this process's PID and the writer holds the output's lock. 0, or an errno. */
int ps_outpath_make_temp(const char *path);

#endif
