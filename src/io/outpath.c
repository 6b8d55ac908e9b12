/* outpath: up-front checks of an output path (see outpath.h). */
#define _GNU_SOURCE
#include "outpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Filesystems of the kernel's own objects: nothing written there is a file (statfs(2)). */
static const struct { unsigned long magic; const char *name; } special_fs[] = {
    {0x9fa0, "proc"},          {0x62656572, "sysfs"},      {0x64626720, "debugfs"},
    {0x74726163, "tracefs"},   {0x73636673, "securityfs"}, {0x27e0eb, "cgroup"},
    {0x63677270, "cgroup2"},   {0x1cd1, "devpts"},         {0x6165676c, "pstore"},
    {0xcafe4a11, "bpf"},       {0x62656570, "configfs"},   {0xde5e81e4, "efivarfs"},
    {0xf97cff8c, "selinuxfs"}, {0x42494e4d, "binfmt_misc"}, {0x65735543, "fusectl"},
    {0x19800202, "mqueue"},    {0x958458f6, "hugetlbfs"},  {0x6e736673, "nsfs"},
};

static const char *special_name(const char *dir)
{
    struct statfs sf;
    if (statfs(dir, &sf) != 0) return NULL;
    for (size_t i = 0; i < sizeof special_fs / sizeof special_fs[0]; i++)
        if ((unsigned long)sf.f_type == special_fs[i].magic) return special_fs[i].name;
    return NULL;
}

/* The longest name a writer of this kind makes from OUT, as a suffix; and whether it goes
 * through MPI-IO. 9999999: a PID at its widest (pid_max <= 2^22). */
static const char *longest_suffix(enum ps_out_kind kind, int *mpiio)
{
    *mpiio = kind != PS_OUT_TRACE;
    switch (kind) {
    case PS_OUT_TRACE:
    case PS_OUT_SWEEP: return ".tmp.9999999";
    case PS_OUT_MERGE: return ".merge.9999999.tmp.9999999";
    case PS_OUT_RESUME: return ".lock";
    }
    return ".tmp.9999999";
}

void ps_outpath_problem(const char *out, enum ps_out_kind kind, char *msg, size_t len)
{
    struct stat st;
    char dir[PATH_MAX];
    int mpiio;
    const char *suffix = longest_suffix(kind, &mpiio);
    msg[0] = 0;
    if (!out || !out[0]) {
        snprintf(msg, len, "--out: an empty path");
        return;
    }
    const char *slash = strrchr(out, '/');
    const char *base = slash ? slash + 1 : out;
    const size_t n = strlen(out), nb = strlen(base), ns = strlen(suffix);
    if (!base[0]) {
        snprintf(msg, len, "--out: %s names a directory, not a file", out);
        return;
    }
    /* PATH_MAX and NAME_MAX for every writer; Open MPI's buffers for the MPI-IO ones */
    size_t max_path = PATH_MAX - 1, max_name = NAME_MAX;
    const char *who = "the system's";
    if (mpiio) max_path = PS_MPIIO_PATH_MAX, max_name = PS_MPIIO_NAME_MAX, who = "Open MPI's";
    if (n + ns > max_path || nb + ns > max_name) {
        snprintf(msg, len, "--out: %.64s...: path too long: with its temporary suffix %s it "
                 "has %zu characters (name %zu), %s limit is %zu (name %zu); choose a shorter "
                 "--out", out, suffix, n + ns, nb + ns, who, max_path, max_name);
        return;
    }
    if (stat(out, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(msg, len, "--out: %s is a directory", out);
            return;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(msg, len, "--out: %s exists and is not a regular file", out);
            return;
        }
    }
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == out) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
    if (stat(dir, &st) != 0) {
        snprintf(msg, len, "--out: %s: directory %s does not exist", out, dir);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(msg, len, "--out: %s: %s is not a directory", out, dir);
        return;
    }
    const char *fs = special_name(dir);
    if (fs) {
        snprintf(msg, len, "--out: %s: directory %s is on the %s filesystem, which holds no "
                 "files", out, dir, fs);
        return;
    }
    if (kind != PS_OUT_RESUME && access(dir, W_OK | X_OK) != 0)
        snprintf(msg, len, "--out: %s: directory %s is not writable", out, dir);
}

int ps_outpath_make_temp(const char *path)
{
    for (int tries = 0; tries < 2; tries++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) return close(fd) == 0 ? 0 : errno;
        if (errno != EEXIST) return errno;
        /* a link or a stale file at our own name: removing a link never touches its target */
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) return EISDIR;
        if (unlink(path) != 0 && errno != ENOENT) return errno;
    }
    return EEXIST;
}
