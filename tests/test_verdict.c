/* The collective refusal: ps_verdict gives every rank the code and one-line message of the
 * rank that reached the verdict (and "" with 0 when there is none, whatever the others'
 * buffers held); ps_lock_claim returns its refusal the same way on every rank -- a message
 * given by rank 0, a lock file planted as a symbolic link -- without printing or exiting,
 * and the lock on rank 0 only when it is taken. mpirun-ranks: 1 2 3 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "check.h"
#include "lock.h"

static char dir[64];

static void test_verdict_of_any_rank_reaches_all(void **state)
{
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    for (int from = 0; from < ranks; from++) {
        char msg[256];
        snprintf(msg, sizeof msg, "rank %d's own words", rank);
        int code = rank == from ? PS_EXIT_USAGE : 0;
        if (rank == from) snprintf(msg, sizeof msg, "--out: refused by rank %d", from);
        assert_int_equal(ps_verdict(MPI_COMM_WORLD, from, code, msg, sizeof msg),
                         PS_EXIT_USAGE);
        char want[256];
        snprintf(want, sizeof want, "--out: refused by rank %d", from);
        assert_string_equal(msg, want);
        /* no refusal: 0 and "" everywhere, the others' codes and buffers ignored */
        snprintf(msg, sizeof msg, "left over on rank %d", rank);
        code = rank == from ? 0 : 7;
        assert_int_equal(ps_verdict(MPI_COMM_WORLD, from, code, msg, sizeof msg), 0);
        assert_string_equal(msg, "");
    }
}

static void test_lock_claim_returns_its_refusal(void **state)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char out[128], msg[1024];
    snprintf(out, sizeof out, "%s/x.h5", dir);

    /* a refusal of rank 0's own checks, given in msg: returned on every rank */
    snprintf(msg, sizeof msg, "%s", rank == 0 ? "--out: checked and refused" : "");
    ps_lock *lock = (ps_lock *)&msg;
    assert_int_equal(ps_lock_claim(MPI_COMM_WORLD, out, &lock, msg, sizeof msg), 2);
    assert_null(lock);
    assert_string_equal(msg, "--out: checked and refused");

    /* taken: the lock on rank 0, NULL elsewhere, nothing to say */
    msg[0] = 0;
    assert_int_equal(ps_lock_claim(MPI_COMM_WORLD, out, &lock, msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    char path[160];
    snprintf(path, sizeof path, "%s.lock", out);
    if (rank == 0) assert_non_null(lock);
    else assert_null(lock);
    MPI_Barrier(MPI_COMM_WORLD);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    MPI_Barrier(MPI_COMM_WORLD);
    ps_lock_release(lock);
    MPI_Barrier(MPI_COMM_WORLD);
    assert_int_not_equal(lstat(path, &st), 0);
    /* every rank has looked before rank 0 plants the link below (a slower rank once saw
     * /etc/passwd through it) */
    MPI_Barrier(MPI_COMM_WORLD);

    /* a lock file planted as a symbolic link: refused on every rank, never followed */
    if (rank == 0) assert_int_equal(symlink("/etc/passwd", path), 0);
    MPI_Barrier(MPI_COMM_WORLD);
    msg[0] = 0;
    assert_int_equal(ps_lock_claim(MPI_COMM_WORLD, out, &lock, msg, sizeof msg), 2);
    assert_null(lock);
    assert_non_null(strstr(msg, "is a symbolic link; it is never followed or written"));
    assert_null(strchr(msg, '\n'));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) unlink(path);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        snprintf(dir, sizeof dir, "/tmp/test_verdict.XXXXXX");
        if (!mkdtemp(dir)) MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_of_any_rank_reaches_all),
        cmocka_unit_test(test_lock_claim_returns_its_refusal),
    };
    int failed = cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
    int any;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) rmdir(dir);
    MPI_Finalize();
    return any ? 1 : 0;
}
