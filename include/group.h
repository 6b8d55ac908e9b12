/* group: ranks working on one run together. The ranks of a communicator are split into
 * consecutive groups of P (the last one smaller when P does not divide the rank count); a group
 * of one runs the local engine, a larger one the ScaLAPACK engine (dist.h) on its own BLACS
 * grid. The group's rank 0, its leader, talks to the farm and writes results; every member
 * runs the same protocol in lockstep, so anything that can end a run early (the farm's hook,
 * a signal on any member) is agreed on by the whole group at every iteration. */
#ifndef PS_GROUP_H
#define PS_GROUP_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "cost.h"
#include "run.h"

typedef struct ps_group {
    MPI_Comm comm;          /* this rank's group */
    int rank, size;
    int nb;                 /* ScaLAPACK block size */
    ps_engine_maker maker;  /* local (make == NULL) when size == 1 */
} ps_group;

/* --group-size auto. Task parallelism is 97-99% efficient while there are at least as many
 * tasks as ranks, and a group of P is slower than P ranks on P tasks, so:
 *  - P = the smallest divisor of nranks whose per-rank peak (ps_cost_of the widest run with
 *    that P) fits max_mem -- 1 whenever a run fits one rank;
 *  - and only when there are fewer tasks than ranks and d >= PS_GROUP_CROSSOVER_D, possibly
 *    more: the largest divisor P of nranks with P <= nranks / ntasks (the tasks still run at
 *    once) and d^3 / P >= PS_GROUP_CROSSOVER_D^3 / 2 (each rank keeps the share a 2-rank
 *    group has at the crossover).
 * PS_GROUP_CROSSOVER_D: with the dsyevd/ELPA theory step, `make bench` on the quiet 2-core
 * test machine (AMD EPYC, OpenBLAS Haswell kernel) had a 2-rank group's whole iteration at
 * 1.19x one rank's at d = 384, 1.26x at 512, 1.50x at 1024, 1.72x at 2048 (the old
 * dsyevr/pdsyevd step lost at 1024: 0.84x / 0.69x). 512 keeps a margin above the smallest d
 * measured; bench_dist_mpi prints the crossover of the machine at hand next to this constant. */
#define PS_GROUP_CROSSOVER_D 512
int ps_group_auto_size(const ps_cost_in *widest, int nranks, int64_t ntasks, double max_mem);

/* --group-size resolved against nranks (0 = auto: ps_group_auto_size with the command's task
 * count -- 1 for run/trace -- and its widest run): P, or 0 with a one-line complaint in msg
 * when P exceeds nranks or --eigensolver does not suit a group's backend (local in a group
 * of one, ScaLAPACK in larger ones). */
int ps_group_resolve(const ps_options *o, int nranks, char *msg, size_t len);
/* Collective over comm. */
void ps_group_split(MPI_Comm comm, int P, int nb, ps_group *g);
void ps_group_free(ps_group *g);

/* The refusal before anything big is allocated, shared by run, trace and sweep: 0 when a run
 * at this width fits --max-mem on every rank of a group of P (ps_cost_of's peak per rank,
 * with a trace's records and SVD workspace when trace) and an explicit run can index it;
 * else 1 with a one-line message. */
int ps_group_memory_check(const ps_params *p, int64_t width, int P, int trace, char *msg,
                          size_t len);

/* The hook of a group's run: `inner` is the leader's own hook (NULL on members); the group
 * agrees (one small allreduce per iteration) to abort when any member's inner hook says so
 * or any member caught a signal, which is then remembered in `signal`. */
typedef struct ps_group_hook {
    const ps_group *g;
    const ps_hooks *inner;
    int signal;
} ps_group_hook;
int ps_group_poll(void *ctx);

#endif
