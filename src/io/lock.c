/* lock: the one-writer lock of an output file (see lock.h). fcntl() locks rather than flock():
 * they are the ones NFS (v3 through lockd, v4 natively), Lustre (mounted with -o flock), GPFS
 * and CephFS carry across nodes. They belong to the process and are dropped by ANY close() of
 * the same file in it, which is why the lock is on a companion file that nothing else opens,
 * never on the HDF5 file itself. */
#define _POSIX_C_SOURCE 200809L
#include "lock.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "h5_attr.h"
#include "outpath.h"

struct ps_lock {
    int fd;
    pid_t pid; /* the process that took it: a forked child must not remove it */
    char path[PATH_MAX + 8];
};

/* The lock this process holds, released by exit() too (a refusal after the lock was taken). */
static ps_lock *held;

static void release_at_exit(void) { ps_lock_release(held); }

/* "pid P on host H since T": what the holder wrote into the lock file, waiting a little for
 * a holder that has the lock but has not written yet. */
static void holder(int fd, char *buf, size_t len)
{
    for (int i = 0; i < 50; i++) {
        ssize_t n = pread(fd, buf, len - 1, 0);
        if (n > 0) {
            buf[n] = 0;
            buf[strcspn(buf, "\n")] = 0;
            if (buf[0]) return;
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
        snprintf(buf, len, "pid %ld", (long)fl.l_pid);
    else
        snprintf(buf, len, "another process");
}

/* name + n if it starts with lit followed by at least one digit up to the end or to a '.',
 * the rest after the digits; NULL otherwise. */
static const char *skip_digits(const char *name, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(name, lit, n) != 0 || !isdigit((unsigned char)name[n])) return NULL;
    name += n;
    while (isdigit((unsigned char)*name)) name++;
    return name;
}

/* Whether name (in out's directory) is a temporary of a writer of out: BASE.tmp.DIGITS (sweep,
 * trace), BASE.merge.DIGITS (merge) or BASE.merge.DIGITS.tmp.DIGITS (merge's sweep file). */
static int is_temporary(const char *name, const char *base)
{
    const size_t nb = strlen(base);
    if (strncmp(name, base, nb) != 0) return 0;
    const char *rest = skip_digits(name + nb, ".tmp.");
    if (rest) return !*rest;
    rest = skip_digits(name + nb, ".merge.");
    if (!rest) return 0;
    if (!*rest) return 1;
    rest = skip_digits(rest, ".tmp.");
    return rest && !*rest;
}

/* Removes the temporaries of this --out that a killed writer left (is_temporary): regular
 * files of this user only, never through a link. */
static void remove_stale_temps(const char *out)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(out, '/');
    const char *base = slash ? slash + 1 : out;
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == out) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_temporary(e->d_name, base)) continue;
        char path[PATH_MAX + 256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) unlink(path);
    }
    closedir(d);
}

/* Why the lock path may not be used, or "": an existing entry must be a regular file of
 * this user with one link (never a symbolic link, which would be followed to a victim). */
static int hostile_lock(const char *path, char *msg, size_t len)
{
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    const char *what = S_ISLNK(st.st_mode)   ? "a symbolic link"
                       : S_ISDIR(st.st_mode) ? "a directory"
                       : !S_ISREG(st.st_mode) ? "not a regular file"
                       : st.st_uid != geteuid() ? "owned by another user"
                       : st.st_nlink != 1     ? "a file with several hard links"
                                              : NULL;
    if (!what) return 0;
    snprintf(msg, len, "--out: the lock file %s is %s; it is never followed or written: "
             "remove it (or choose another --out)", path, what);
    return 1;
}

int ps_lock_take(const char *out, ps_lock **lock, char *msg, size_t len)
{
    *lock = NULL;
    msg[0] = 0;
    ps_lock *l = ps_calloc(1, sizeof *l, "lock");
    if (snprintf(l->path, sizeof l->path, "%s.lock", out) >= (int)sizeof l->path) {
        free(l);
        snprintf(msg, len, "--out: %s: path too long", out);
        return 2;
    }
    /* A releaser unlinks the file while it holds the lock: a lock taken on an unlinked file
     * is no lock, so take it again on the file that is now at the path. */
    for (int tries = 0; tries < 100; tries++) {
        if (hostile_lock(l->path, msg, len)) {
            free(l);
            return 4;
        }
        /* O_NOFOLLOW: a link planted after the check is refused too; O_NONBLOCK: a FIFO
         * planted there cannot block the open (fstat below refuses it) */
        l->fd = open(l->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
        if (l->fd < 0 && (errno == ELOOP || errno == EISDIR || errno == ENXIO)) {
            if (!hostile_lock(l->path, msg, len))
                snprintf(msg, len, "--out: the lock file %s is not a regular file; it is never "
                         "followed or written", l->path);
            free(l);
            return 4;
        }
        struct stat fst;
        if (l->fd >= 0 && (fstat(l->fd, &fst) != 0 || !S_ISREG(fst.st_mode))) {
            close(l->fd);
            snprintf(msg, len, "--out: the lock file %s is not a regular file; it is never "
                     "written", l->path);
            free(l);
            return 4;
        }
        if (l->fd < 0) {
            snprintf(msg, len, "--out: cannot create the lock file %s: %s", l->path,
                     strerror(errno));
            free(l);
            return 2;
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(l->fd, F_SETLK, &fl) != 0) {
            int err = errno;
            if (err == EACCES || err == EAGAIN) {
                char who[256];
                holder(l->fd, who, sizeof who);
                snprintf(msg, len, "--out: %s is being written by %s (lock file %s); wait for "
                         "it to end or stop it, or choose another --out", out, who, l->path);
                close(l->fd);
                free(l);
                return 1;
            }
            snprintf(msg, len, "--out: cannot lock %s: %s", l->path, strerror(err));
            close(l->fd);
            free(l);
            return 3;
        }
        struct stat a, b;
        if (fstat(l->fd, &a) == 0 && lstat(l->path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            break;
        close(l->fd);
        l->fd = -1;
    }
    if (l->fd < 0) {
        snprintf(msg, len, "--out: cannot lock %s: it keeps being replaced", l->path);
        free(l);
        return 3;
    }
    char host[256] = "unknown", when[32], text[400];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    ps_h5_now(when, sizeof when);
    int n = snprintf(text, sizeof text, "pid %ld on host %s since %s\n", (long)getpid(), host,
                     when);
    /* best effort: the content only names the holder in a refusal */
    if (ftruncate(l->fd, 0) == 0 && pwrite(l->fd, text, (size_t)n, 0) != n) (void)0;
    l->pid = getpid();
    remove_stale_temps(out);
    static int registered;
    if (!registered && atexit(release_at_exit) == 0) registered = 1;
    ps_set_abort_hook(release_at_exit);
    held = l;
    *lock = l;
    return 0;
}

void ps_lock_release(ps_lock *l)
{
    if (!l || l->pid != getpid()) return;
    /* unlinked while still locked: a waiting taker then sees another inode and retries */
    struct stat a, b;
    if (fstat(l->fd, &a) == 0 && lstat(l->path, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        unlink(l->path);
    close(l->fd);
    if (held == l) held = NULL;
    free(l);
}

void ps_out_problem(const char *out, char *msg, size_t len)
{
    ps_outpath_problem(out, PS_OUT_TRACE, msg, len);
}

int ps_lock_claim(MPI_Comm comm, const char *out, ps_lock **lock, char *msg, size_t len)
{
    int rank, code = msg[0] ? PS_EXIT_USAGE : 0;
    ps_lock *l = NULL;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0 && !code && out) {
        int rc = ps_lock_take(out, &l, msg, len);
        if (rc == 3) {
            fprintf(stderr, "phasesweep: warning: %s; a second writer of %s would not be "
                    "refused\n", msg, out);
            fflush(stderr);
        }
        /* 2: the caller's checks name the directory's problem */
        if (rc == 1 || rc == 4) code = PS_EXIT_USAGE;
        else msg[0] = 0;
    }
    *lock = l;
    return ps_verdict(comm, 0, code, msg, len);
}
