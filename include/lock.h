/* lock: one writer per output file. The writer of --out (sweep, resume, force, trace) holds an
 * exclusive fcntl() lock on the companion file OUT.lock for its whole life; the kernel (or the
 * NFS v4 server) drops it when the process dies, SIGKILL included, so a killed writer never
 * blocks a later run. Holding the lock, it removes the stale temporaries OUT.tmp.PID that a
 * killed writer of the same --out left: no other writer of that --out can be running. */
#ifndef PS_LOCK_H
#define PS_LOCK_H

#include <mpi.h>
#include <stddef.h>

typedef struct ps_lock ps_lock;

/* Serial. 0: taken (*lock set); 1: held by another process, msg "--out: OUT is being written
 * by pid P on host H since T (lock file OUT.lock) ..."; 2: no lock file can be made here (the
 * directory is missing or not writable: the caller's own checks say so); 3: the filesystem
 * has no POSIX locks; 4: OUT.lock is a symbolic link, a directory, a FIFO or another
 * non-regular file, a file of another user or with several links: never followed, opened
 * for writing or written (O_NOFOLLOW | O_NONBLOCK, then fstat). On 2, 3 and 4, *lock = NULL
 * and msg says why. Holding the lock, the temporaries OUT.tmp.PID, OUT.merge.PID and
 * OUT.merge.PID.tmp.PID that killed writers left are removed (regular files of this user). */
int ps_lock_take(const char *out, ps_lock **lock, char *msg, size_t len);
/* Removes the lock file and drops the lock (NULL: nothing). */
void ps_lock_release(ps_lock *lock);

/* "" or why --out cannot be written, as a one-line usage message: outpath.h's checks for a
 * serial writer (trace). */
void ps_out_problem(const char *out, char *msg, size_t len);

/* Collective over comm: rank 0 takes the lock of out unless msg (rank 0's, len bytes on every
 * rank) already holds a refusal. Returns on every rank alike: 0, with *lock the lock on rank 0
 * (NULL elsewhere); or PS_EXIT_USAGE with the one-line refusal in msg on every rank (msg given,
 * a lock held by another process, a hostile lock path; ps_verdict), *lock NULL. Never exits
 * or prints a refusal: the command does (ps_refuse_collective). A filesystem without locks
 * gets a one-line warning on stderr and the run goes on unlocked (0). */
int ps_lock_claim(MPI_Comm comm, const char *out, ps_lock **lock, char *msg, size_t len);

#endif
