/* check: the one error path. Every MPI, HDF5, LAPACK and C library call that can fail goes
 * through one of these macros, which name the failing call and exit through ps_fail().
 * Exit status 1 is a runtime failure; usage errors (bad input) exit with status 2 via
 * ps_usage_error(). Before exiting, ps_fail() runs the registered cleanup (e.g. removing a
 * half-written output file) so nothing partial is left behind. ps_fail prints ONE line,
 * "phasesweep: rank R: CALL (file.c:LINE): message" (no "rank R: " on a single rank), and
 * then ends every rank: MPI_Abort when there are several (the others may wait in a collective
 * that will never complete), exit() on one. HDF5's atexit handler is off (H5dont_atexit in
 * main): closing a file after a failure would run collectives and hang, or crash. */
#ifndef PS_CHECK_H
#define PS_CHECK_H

#include <errno.h>
#include <mpi.h>
#include <stddef.h>
#include <stdnoreturn.h>

#define PS_EXIT_FAIL 1
#define PS_EXIT_USAGE 2

noreturn void ps_fail(int status, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "phasesweep: <fmt>" on stderr, exit status 2. */
noreturn void ps_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Bad input met by one rank (a damaged input file) while the others may wait in a
 * collective: the line (unless quiet), the cleanup, then exit status 2 on every rank
 * (MPI_Abort when several run, exit() on one). */
noreturn void ps_bad_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Library code refuses by returning a code (PS_EXIT_USAGE for bad input) with a one-line
 * message in a caller's buffer; only commands print it and exit. A verdict reached on one
 * rank that every rank must act on goes through ps_verdict: collective over comm, it
 * broadcasts rank `from`'s code and message (len bytes, the same len on every rank) and
 * returns the code on every rank, msg filled alike (0: no refusal, msg ""). */
int ps_verdict(MPI_Comm comm, int from, int code, char *msg, size_t len);
/* A command's end after a refusal every rank of comm knows (a ps_verdict, or a check every
 * rank ran alike): rank 0 prints "phasesweep: <msg>", a barrier lets the line out before any
 * rank exits (and mpirun reacts), then exit(status) on every rank. */
noreturn void ps_refuse_collective(MPI_Comm comm, int status, const char *msg);
/* Ranks other than 0 call this with 1: they meet the same bad input and exit 2 silently. */
void ps_usage_quiet(int quiet);
/* One function run by ps_fail/ps_usage_error before exit (NULL to clear). */
void ps_set_cleanup(void (*fn)(void *), void *arg);
/* One more function run by ps_fail just before MPI_Abort, which skips atexit handlers. */
void ps_set_abort_hook(void (*fn)(void));

/* MPI calls return MPI_SUCCESS (the communicators use MPI_ERRORS_RETURN); the line carries
 * MPI's error string. */
#define PS_MPI(call)                                                                      \
    do { int ps_rc_ = (call);                                                            \
         if (ps_rc_ != 0) ps_mpi_fail_(ps_rc_, #call, __FILE__, __LINE__); } while (0)
noreturn void ps_mpi_fail_(int rc, const char *call, const char *file, int line);
/* HDF5 calls return a negative value on failure; PS_H5 yields the value otherwise. errno is
 * cleared before the call so that the operating system's reason of a failure can be told
 * (src/io/h5_errors.c turns HDF5's error stack into the line). */
#define PS_H5(call) ps_h5_check_((errno = 0, (long long)(call)), #call, __FILE__, __LINE__)
long long ps_h5_check_(long long rc, const char *call, const char *file, int line);
/* "NAME (file.c:LINE)" for a call's text "NAME(args...)" and its place. */
void ps_call_where(char *buf, size_t len, const char *call, const char *file, int line);
/* LAPACKE returns info: < 0 a bad argument, > 0 no convergence. */
#define PS_LAPACK(call)                                                                   \
    do { int ps_info_ = (int)(call);                                                     \
         if (ps_info_ != 0) ps_fail(PS_EXIT_FAIL, #call, "LAPACK info = %d", ps_info_); } while (0)
/* C library allocation: never returns NULL. */
void *ps_malloc(size_t bytes, const char *what);
void *ps_calloc(size_t n, size_t size, const char *what);

#endif
