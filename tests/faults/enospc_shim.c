/* LD_PRELOAD shim for tests/faults: once the file $PS_SHIM_TRIGGER exists, every write to the
 * file $PS_SHIM_TARGET fails with ENOSPC, as on a filesystem that just filled up. Lets a test
 * stop a sweep by a "full disk" in the middle of its tasks (a real tmpfs cannot: the sweep
 * file is allocated whole at creation). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int full(int fd)
{
    const char *trigger = getenv("PS_SHIM_TRIGGER"), *target = getenv("PS_SHIM_TARGET");
    if (!trigger || !target || access(trigger, F_OK) != 0) return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    return strcmp(path, target) == 0;
}

#define WRAP(name, params, args)                                                   \
    ssize_t name params                                                             \
    {                                                                               \
        static ssize_t (*real) params;                                              \
        if (!real) real = (ssize_t (*) params)dlsym(RTLD_NEXT, #name);              \
        if (full(fd)) {                                                             \
            errno = ENOSPC;                                                         \
            return -1;                                                              \
        }                                                                           \
        return real args;                                                           \
    }

WRAP(write, (int fd, const void *b, size_t n), (fd, b, n))
WRAP(pwrite, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o))
WRAP(pwrite64, (int fd, const void *b, size_t n, off64_t o), (fd, b, n, o))
WRAP(writev, (int fd, const struct iovec *v, int c), (fd, v, c))
WRAP(pwritev, (int fd, const struct iovec *v, int c, off_t o), (fd, v, c, o))
WRAP(pwritev64, (int fd, const struct iovec *v, int c, off64_t o), (fd, v, c, o))
