/* ini_read: a bounded INI reader (see ini_read.h). */
#define _POSIX_C_SOURCE 200809L
#include "ini_read.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEYS 256

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

/* The whole file in a malloc'ed, NUL-terminated buffer; NULL with err set when it is not a
 * regular file, larger than the limit or unreadable. */
static char *slurp(const char *path, size_t *n, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO returns at once (and is refused below) */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        snprintf(err, errlen, "--config: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--config: %s is not a regular file (%s)", path,
                 S_ISDIR(st.st_mode) ? "a directory" : S_ISCHR(st.st_mode) ? "a device"
                 : S_ISFIFO(st.st_mode) ? "a FIFO" : "not a file");
        close(fd);
        return NULL;
    }
    if (st.st_size > PS_INI_MAX_BYTES) {
        snprintf(err, errlen, "--config: %s has %lld bytes, more than the 1 MiB a config file "
                 "may have", path, (long long)st.st_size);
        close(fd);
        return NULL;
    }
    char *buf = malloc(PS_INI_MAX_BYTES + 2);
    size_t got = 0;
    ssize_t r = 0;
    /* at most the limit and one byte more, whatever the file grows to meanwhile */
    while (buf && got <= PS_INI_MAX_BYTES &&
           (r = read(fd, buf + got, PS_INI_MAX_BYTES + 1 - got)) > 0)
        got += (size_t)r;
    int e = errno;
    close(fd);
    if (!buf || r < 0) {
        snprintf(err, errlen, "--config: cannot read %s: %s", path, buf ? strerror(e)
                                                                         : "out of memory");
        free(buf);
        return NULL;
    }
    if (got > PS_INI_MAX_BYTES) {
        snprintf(err, errlen, "--config: %s has more than the 1 MiB a config file may have",
                 path);
        free(buf);
        return NULL;
    }
    buf[got] = 0;
    *n = got;
    return buf;
}

int ps_ini_read(const char *path, ps_ini_handler fn, void *user, char *err, size_t errlen)
{
    size_t n = 0;
    err[0] = 0;
    char *buf = slurp(path, &n, err, errlen);
    if (!buf) return -1;
    /* the keys seen, per section ("section\nkey"), and their lines */
    struct { char key[2 * PS_INI_MAX_LINE + 2]; int line; } *seen = NULL;
    int n_seen = 0, lineno = 0, rc = 0;
    char section[PS_INI_MAX_LINE + 1] = "";
    size_t pos = 0;
    if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) pos = 3; /* a UTF-8 byte order mark */
    while (pos < n && !rc) {
        lineno++;
        char *line = buf + pos;
        size_t len = strcspn(line, "\n");
        if (memchr(line, 0, len) || (pos + len < n && line[len] == 0)) {
            rc = lineno;
            snprintf(err, errlen, "a NUL byte: not a text file");
            break;
        }
        pos += len + (pos + len < n);
        line[len] = 0;
        if (len && line[len - 1] == '\r') line[--len] = 0;
        if (len > PS_INI_MAX_LINE) {
            rc = lineno;
            snprintf(err, errlen, "line longer than %d characters", PS_INI_MAX_LINE);
            break;
        }
        char *s = trim(line);
        if (!*s || *s == ';' || *s == '#') continue;
        if (s != line) {
            rc = lineno;
            snprintf(err, errlen, "an indented line: continuation lines are not supported "
                     "(write the whole value on its key's line, without indentation)");
            break;
        }
        if (*s == '[') {
            char *close_ = strchr(s, ']');
            if (!close_) {
                rc = lineno;
                snprintf(err, errlen, "not a 'key = value' line or [section]");
                break;
            }
            *close_ = 0;
            snprintf(section, sizeof section, "%s", trim(s + 1));
            continue;
        }
        char *sep = strpbrk(s, "=:");
        if (!sep) {
            rc = lineno;
            snprintf(err, errlen, "not a 'key = value' line or [section]");
            break;
        }
        *sep = 0;
        char *key = trim(s), *value = sep + 1;
        for (char *c = value; *c; c++)
            if (*c == ';' && c > value && isspace((unsigned char)c[-1])) {
                *c = 0;
                break;
            }
        value = trim(value);
        char id[2 * PS_INI_MAX_LINE + 2];
        snprintf(id, sizeof id, "%s\n%s", section, key);
        for (int i = 0; i < n_seen; i++)
            if (!strcmp(seen[i].key, id)) {
                rc = lineno;
                snprintf(err, errlen, "key '%s' given twice (first on line %d)", key,
                         seen[i].line);
                break;
            }
        if (rc) break;
        if (n_seen < MAX_KEYS) {
            if (!seen) seen = malloc(sizeof *seen * MAX_KEYS);
            if (seen) {
                snprintf(seen[n_seen].key, sizeof seen[n_seen].key, "%s", id);
                seen[n_seen++].line = lineno;
            }
        }
        if (fn(user, lineno, section, key, value)) rc = lineno;
    }
    free(seen);
    free(buf);
    return rc;
}
