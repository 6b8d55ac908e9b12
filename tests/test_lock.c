/* test_lock: the one-writer lock of an output file (src/io/lock.c), serial. Another process (a
 * forked child) is refused while the lock is held, with the holder's pid and host; a holder
 * that dies (even by SIGKILL) leaves a lock file that holds nothing; release removes the
 * file; taking the lock removes exactly this --out's stale temporaries OUT.tmp.DIGITS; the
 * --out checks of trace refuse directories and missing directories. */
#define _GNU_SOURCE /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"

static char dir[256];

static const char *at(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
}

/* ps_lock_take(out) in a child: its return code, and its message in msg. */
static int take_in_child(const char *out, char *msg, size_t len)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        ps_lock *l;
        char m[1024];
        int rc = ps_lock_take(out, &l, m, sizeof m);
        if (write(fd[1], m, strlen(m) + 1) < 0) _exit(99);
        _exit(rc);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], msg, len - 1);
    msg[n > 0 ? n : 0] = 0;
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_second_writer_refused_then_free(void **state)
{
    (void)state;
    const char *out = at("a.h5");
    char msg[1024], want[128], host[256] = "";
    ps_lock *l;
    assert_int_equal(ps_lock_take(out, &l, msg, sizeof msg), 0);
    assert_non_null(l);
    assert_true(exists(at("a.h5.lock")));
    gethostname(host, sizeof host - 1);
    assert_int_equal(take_in_child(out, msg, sizeof msg), 1);
    snprintf(want, sizeof want, "is being written by pid %ld on host %s since ", (long)getpid(),
             host);
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, "a.h5.lock"));
    assert_null(strchr(msg, '\n'));
    ps_lock_release(l);
    assert_false(exists(at("a.h5.lock")));
    assert_int_equal(take_in_child(out, msg, sizeof msg), 0);
    /* the child exited without releasing: the file stays, the lock does not */
    assert_true(exists(at("a.h5.lock")));
    assert_int_equal(ps_lock_take(out, &l, msg, sizeof msg), 0);
    ps_lock_release(l);
}

static void test_sigkilled_holder_never_blocks(void **state)
{
    (void)state;
    const char *out = at("k.h5");
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ps_lock *l;
        char m[1024];
        if (ps_lock_take(out, &l, m, sizeof m) != 0) _exit(1);
        if (write(ready[1], "1", 1) != 1) _exit(2);
        for (;;) pause();
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    char msg[1024];
    ps_lock *l;
    assert_int_equal(ps_lock_take(out, &l, msg, sizeof msg), 1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(ps_lock_take(out, &l, msg, sizeof msg), 0);
    ps_lock_release(l);
    close(ready[0]);
    close(ready[1]);
}

static void test_stale_temporaries_removed(void **state)
{
    (void)state;
    const char *stale[] = {"s.h5.tmp.1", "s.h5.tmp.4194999"};
    const char *kept[] = {"s.h5", "s.h5.tmp.", "s.h5.tmp.12x", "s.h5.tmp.1.bak", "s.h5.tmpx",
                          "other.h5.tmp.1", "xs.h5.tmp.1"};
    for (size_t i = 0; i < 2; i++) touch(at(stale[i]));
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) touch(at(kept[i]));
    ps_lock *l;
    char msg[1024];
    assert_int_equal(ps_lock_take(at("s.h5"), &l, msg, sizeof msg), 0);
    for (size_t i = 0; i < 2; i++) assert_false(exists(at(stale[i])));
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) assert_true(exists(at(kept[i])));
    ps_lock_release(l);
}

static void test_no_lock_without_directory(void **state)
{
    (void)state;
    ps_lock *l = (ps_lock *)1;
    char msg[1024];
    assert_int_equal(ps_lock_take(at("missing/x.h5"), &l, msg, sizeof msg), 2);
    assert_null(l);
    assert_non_null(strstr(msg, "missing/x.h5.lock"));
}

static void test_out_problem(void **state)
{
    (void)state;
    char msg[1024];
    ps_out_problem(dir, msg, sizeof msg);
    assert_non_null(strstr(msg, "is a directory"));
    ps_out_problem(at("missing/x.h5"), msg, sizeof msg);
    assert_non_null(strstr(msg, "does not exist"));
    ps_out_problem(at("fine.h5"), msg, sizeof msg);
    assert_string_equal(msg, "");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_lock.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_writer_refused_then_free),
        cmocka_unit_test(test_sigkilled_holder_never_blocks),
        cmocka_unit_test(test_stale_temporaries_removed),
        cmocka_unit_test(test_no_lock_without_directory),
        cmocka_unit_test(test_out_problem),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) rc = rc ? rc : 1;
    return rc;
}
