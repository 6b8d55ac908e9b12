/* opt_table: the rows of the options database (include/cli.h), one per option and command
 * group, in --help's order, and the look-ups over them. */
#include "cli.h"

#include <string.h>

#include "check.h"
#include "cli_core.h"

#define RUN (1u << PS_CMD_RUN)
#define TRACE (1u << PS_CMD_TRACE)
#define SWEEP_ONLY (1u << PS_CMD_SWEEP)
#define ESTIMATE (1u << PS_CMD_ESTIMATE)
/* estimate takes every option of sweep (it plans that sweep) */
#define SWEEP (SWEEP_ONLY | ESTIMATE)
#define RT (RUN | TRACE)
#define RTS (RUN | TRACE | SWEEP)
#define INFO (1u << PS_CMD_INFO)
#define MERGE (1u << PS_CMD_MERGE)
#define OFF(field) offsetof(ps_options, field)
/* may be an axis of a sweep; and defines the teacher as well */
#define AXIS PS_OPT_AXIS
#define TEACHER (PS_OPT_AXIS | PS_OPT_TEACHER)

#define KIB 1024.0
#define MIB (KIB * KIB)
#define GIB (MIB * KIB)
#define TIB (GIB * KIB)
#define PIB (TIB * KIB)

/* name, type, field, min, max, commands, identity, help, --help heading, min_open, required,
 * props (PS_OPT_STEERS: stored as run_NAME, never compared; AXIS: a number a sweep may take
 * as a range or a list, an axis of its file; TEACHER: an axis that defines the teacher),
 * metavar; the names of a PS_OPT_CHOICE row are in `choices` below */
static const ps_option table[] = {
    /* Model */
    {"d", PS_OPT_INT, OFF(p.d), 2, 65536, RTS, 1,
     "dimension d of A = W2 W1 (d x d)", "Model", 0, 0, TEACHER, NULL},
    {"rank", PS_OPT_INT, OFF(p.k), 1, 65536, RTS, 1,
     "teacher rank k, at most --d", "Model", 0, 0, TEACHER, NULL},
    {"noise", PS_OPT_DOUBLE, OFF(p.noise), 0, 1e6, RTS, 1,
     "standard deviation of the observation noise E", "Model", 0, 0, TEACHER, NULL},
    {"problem", PS_OPT_CHOICE, OFF(p.problem), 0, 1, RTS, 1,
     "denoise (fit every entry of Y, the paper's task) or completion (fit only a "
     "Bernoulli(--observed) share of its entries, one mask per replica)", "Model", 0, 0,
     PS_OPT_ADDED, "PROBLEM"},
    {"observed", PS_OPT_DOUBLE, OFF(p.observed), 0, 1, RTS, 1,
     "completion: probability P that an entry of Y is observed (needs --problem completion)",
     "Model", 1, 0, TEACHER | PS_OPT_ADDED, "P"},
    {"seed", PS_OPT_U64, OFF(p.seed), 0, 18446744073709551615.0, RTS, 1,
     "random seed of the teacher and the initial weights", "Model", 0, 0, TEACHER, NULL},
    {"replica", PS_OPT_INT, OFF(p.replica), 0, 2147483647.0, RT, 0,
     "replica index: another teacher and other initial weights", "Model", 0, 0, 0, NULL},
    {"replicas", PS_OPT_REPLICAS, OFF(replica_span), 1, 1e6, SWEEP, 1,
     "replicas per grid point: R (replicas 0 .. R-1) or A:B (replicas A .. B-1; merge joins "
     "it to the sweep of the others)", "Model", 0, 0, PS_OPT_REPLICA_RANGE, NULL},
    /* Scalings */
    {"gs", PS_OPT_DOUBLE, OFF(p.gs), -20, 20, RT, 1,
     "gamma_s: initial weight variance sigma2 = d^gamma_s", "Scalings", 0, RT, 0, NULL},
    {"gs", PS_OPT_RANGE, OFF(gs_range), -20, 20, SWEEP, 1,
     "gamma_s grid A:B:N, N points from A to B inclusive, N in [1, 100000]", "Scalings", 0,
     SWEEP, 0, NULL},
    {"gw", PS_OPT_DOUBLE, OFF(p.gw), 0, 15, RT, 1,
     "gamma_w: width w = floor(d^gamma_w) <= 2^53 (optional if --load has W1, W2)",
     "Scalings", 0, RT, PS_OPT_FROM_LOAD, NULL},
    {"gw", PS_OPT_RANGE, OFF(gw_range), 0, 15, SWEEP, 1,
     "gamma_w grid A:B:N, N in [1, 100000]; floor(d^gamma_w) <= 2^53", "Scalings", 0, SWEEP,
     0, NULL},
    {"gr", PS_OPT_DOUBLE, OFF(p.gr), -1e6, 1e6, RTS, 1,
     "gamma_r, the layer imbalance: W1 variance d^(gs+gr), W2 variance d^(gs-gr) (each must "
     "stay in [1e-290, 1e290])", "Scalings", 0, 0, AXIS | PS_OPT_ADDED, NULL},
    /* Training */
    {"max-iter", PS_OPT_INT, OFF(p.max_iter), 1, 1e8, RTS, 1,
     "maximal number of gradient steps", "Training", 0, 0, AXIS, NULL},
    {"lr-scale", PS_OPT_DOUBLE, OFF(p.lr_scale), 0, 1e12, RTS, 1,
     "c in eta = 1/(c w sigma2) (gs + gw > 1) or 1/(c ||A*||_op)", "Training", 1, 0, AXIS, NULL},
    {"mode", PS_OPT_CHOICE, OFF(p.mode), 0, 1, RTS, 1,
     "reduced (exact, cost independent of w) or explicit (full W1, W2)", "Training", 0, 0,
     0, "MODE"},
    {"no-theory", PS_OPT_FLAG, OFF(p.theory), 1, 0, RTS, 1,
     "skip the self-consistent dynamics (log_distance becomes null)", "Training", 0, 0,
     0, NULL},
    {"update", PS_OPT_CHOICE, OFF(p.update), 0, 1, RTS, 1,
     "the order of the two factor updates: sequential (W2's step uses the new W1; the "
     "paper's code) or simultaneous (both from the old weights)", "Training", 0, 0,
     PS_OPT_ADDED, "ORDER"},
    /* Stopping */
    {"no-stop", PS_OPT_FLAG, OFF(p.stop_rules), 1, 0, RTS, 1,
     "ignore the three stopping rules: run --max-iter steps (Figure 1); divergence still stops",
     "Stopping", 0, 0, 0, NULL},
    {"tol-converged", PS_OPT_DOUBLE, OFF(p.tol_converged), 0, 1e300, RTS, 1,
     "converged when L_train < this", "Stopping", 0, 0, AXIS, NULL},
    {"tol-plateau", PS_OPT_DOUBLE, OFF(p.tol_plateau), 0, 1e300, RTS, 1,
     "plateau when |L_train(i) - L_train(i-1)| < this ...", "Stopping", 0, 0, AXIS, NULL},
    {"plateau-min-drop", PS_OPT_DOUBLE, OFF(p.plateau_min_drop), 0, 1e300, RTS, 1,
     "... and L_train(0) - L_train(i) > this", "Stopping", 0, 0, AXIS, NULL},
    {"diverge-factor", PS_OPT_DOUBLE, OFF(p.diverge_factor), 1, 1e300, RTS, 1,
     "diverged when L_train > this * max(1, L_train(0))", "Stopping", 1, 0, AXIS, NULL},
    /* Resources */
    {"max-mem", PS_OPT_BYTES, OFF(p.max_mem), MIB, PIB, RTS, 0,
     "memory one run may allocate; suffix K, M, G, T = KiB, MiB, GiB, TiB",
     "Resources", 0, 0, PS_OPT_STEERS, NULL},
    {"threads", PS_OPT_INT, OFF(p.threads), 1, 1024, RTS, 0,
     "BLAS threads per rank", "Resources", 0, 0, PS_OPT_STEERS, NULL},
    {"group-size", PS_OPT_GROUP, OFF(group_size), 1, 2147483647.0, RTS, 0,
     "ranks per run (ScaLAPACK group), or auto (1 unless memory or fewer tasks than ranks "
     "at large d need more)", "Resources", 0, 0, PS_OPT_STEERS, NULL},
    {"block", PS_OPT_INT, OFF(block), 1, 4096, RTS, 0,
     "ScaLAPACK block size NB", "Resources", 0, 0, PS_OPT_STEERS, NULL},
    {"eigensolver", PS_OPT_STRING, OFF(p.eigensolver), 0, 0, RTS, 1,
     "the theory step's symmetric eigensolver, NAME or auto (the default: dsyevd on one rank; "
     "elpa when built with it, else pdsyevd, in groups); one rank: dsyevd, dsyevr; groups: "
     "pdsyevd, elpa. Changes the last bits, so it is recorded as a run parameter",
     "Resources", 0, 0, 0, "NAME"},
    {"max-file", PS_OPT_BYTES, OFF(max_file), MIB, PIB, SWEEP, 0,
     "largest sweep file to make (curves included); a larger sweep is refused up front",
     "Resources", 0, 0, PS_OPT_STEERS, NULL},
    /* Input and output */
    {"load", PS_OPT_STRING, OFF(load), 0, 0, RT, 0,
     "HDF5 file: A_star, noise (d x d), optionally W1 (w x d), W2 (d x w) and, for completion, "
     "mask (d x d, 0/1)",
     "Input and output", 0, 0, 0, NULL},
    {"from", PS_OPT_STRING, OFF(from), 0, 0, RT, 0,
     "sweep file: compute one of its tasks (--task or --at), options from the file",
     "Input and output", 0, 0, PS_OPT_STEERS, NULL},
    {"task", PS_OPT_STRING, OFF(task), 0, 0, RT, 0,
     "with --from: the task's indices I,J,... in the file's dimension order, replica last",
     "Input and output", 0, 0, PS_OPT_STEERS, "I,J,..."},
    {"at", PS_OPT_STRING, OFF(at), 0, 0, RT, 0,
     "with --from: the task by coordinates, e.g. gamma_s=-1.85,gamma_w=2.25,replica=0 "
     "(nearest stored point)", "Input and output", 0, 0, PS_OPT_STEERS, "NAME=X,..."},
    {"config", PS_OPT_STRING, OFF(config), 0, 0, SWEEP, 0,
     "INI file of options, key = value (see below); the command line wins",
     "Input and output", 0, 0, PS_OPT_STEERS, NULL},
    {"out", PS_OPT_STRING, OFF(out), 0, 0, TRACE | SWEEP | MERGE, 0,
     "output HDF5 file (trace overwrites an existing one)", "Input and output", 0,
     TRACE | SWEEP_ONLY | MERGE, PS_OPT_STEERS, NULL},
    {"part", PS_OPT_STRING, OFF(part), 0, 0, SWEEP, 1,
     "compute only part I (0 .. N-1) of N cost-balanced shares (phasesweep merge joins them)",
     "Input and output", 0, 0, PS_OPT_PER_PART, "I/N"},
    {"curves", PS_OPT_FLAG, OFF(curves), 0, 1, SWEEP, 1,
     "also store every task's learning curves: train and test error of GD and the theory "
     "and their distance per recorded iteration", "Input and output", 0, 0, PS_OPT_ADDED,
     NULL},
    {"curves-every", PS_OPT_INT, OFF(curves_every), 1, 1e8, SWEEP, 1,
     "with --curves: record iterations 0, K, 2K, ... below --max-iter", "Input and output", 0,
     0, PS_OPT_ADDED, "K"},
    {"resume", PS_OPT_FLAG, OFF(resume), 0, 1, SWEEP_ONLY, 0,
     "continue the unfinished tasks of an existing --out", "Input and output", 0, 0,
     PS_OPT_STEERS, NULL},
    {"force", PS_OPT_FLAG, OFF(force), 0, 1, SWEEP_ONLY | MERGE, 0,
     "overwrite an existing --out", "Input and output", 0, 0, PS_OPT_STEERS, NULL},
    {"partial", PS_OPT_FLAG, OFF(partial), 0, 1, MERGE, 0,
     "merge parts with tasks left (and parts missing); says how many tasks are missing",
     "Input and output", 0, 0, PS_OPT_STEERS, NULL},
    {"json", PS_OPT_FLAG, OFF(json), 0, 1, RT, 0,
     "print the result as one JSON object (the default)", "Input and output", 0, 0,
     PS_OPT_STEERS, NULL},
    {"text", PS_OPT_FLAG, OFF(text), 0, 1, RT, 0,
     "print the result as aligned key value lines instead", "Input and output", 0, 0,
     PS_OPT_STEERS, NULL},
    {"layout", PS_OPT_STRING, OFF(layout), 0, 0, INFO, 0,
     "print the sweep and trace file layouts (names, types, dims, units); no FILE",
     "Input and output", 0, 0, PS_OPT_STEERS, "json"},
    /* estimate */
    {"ranks", PS_OPT_INT, OFF(est_ranks), 1, 1e7, ESTIMATE, 0,
     "MPI ranks to plan for: prints the #SBATCH --time they need", "Estimate", 0, 0,
     PS_OPT_STEERS, NULL},
    {"wall", PS_OPT_STRING, OFF(est_wall), 0, 0, ESTIMATE, 0,
     "wall-clock limit HH:MM to plan for: prints the #SBATCH --ntasks it needs", "Estimate",
     0, 0, PS_OPT_STEERS, NULL},
    {"pilot", PS_OPT_INT, OFF(est_pilot), 0, 10000, ESTIMATE, 0,
     "grid points of the pilot sweep that measures iteration counts (0: model only)",
     "Estimate", 0, 0, PS_OPT_STEERS, NULL},
    {"pilot-d", PS_OPT_INT, OFF(est_pilot_d), 0, 65536, ESTIMATE, 0,
     "d of the pilot runs (0: min(d, 48)); more is closer to the sweep, and slower",
     "Estimate", 0, 0, PS_OPT_STEERS, NULL},
};

#define N_OPTIONS (sizeof table / sizeof table[0])
_Static_assert(sizeof(enum ps_update) == sizeof(int), "--update is a PS_OPT_CHOICE (an int)");
_Static_assert(sizeof(enum ps_mode) == sizeof(int), "--mode is a PS_OPT_CHOICE (an int)");
_Static_assert(sizeof(enum ps_problem) == sizeof(int), "--problem is a PS_OPT_CHOICE (an int)");
_Static_assert(N_OPTIONS <= 64, "ps_options.given has 64 bits");

/* The names of each PS_OPT_CHOICE row, by its field; index = the enum's value. */
static const char *const update_names[] = {"sequential", "simultaneous", NULL};
static const char *const mode_names[] = {"reduced", "explicit", NULL};
static const char *const problem_names[] = {"denoise", "completion", NULL};
static const struct {
    size_t offset;
    const char *const *names;
} choices[] = {
    {OFF(p.update), update_names},
    {OFF(p.mode), mode_names},
    {OFF(p.problem), problem_names},
};

const char *const *ps_option_choices(const ps_option *opt)
{
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++)
        if (choices[i].offset == opt->offset) return choices[i].names;
    ps_fail(PS_EXIT_FAIL, "ps_option_choices", "--%s has no names", opt->name);
}

const ps_option *ps_option_table(size_t *n)
{
    *n = N_OPTIONS;
    return table;
}

size_t ps_option_row(const ps_option *opt) { return (size_t)(opt - table); }

const ps_option *ps_option_find_n(const char *name, size_t len, enum ps_command cmd)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(table[i].name) == len && !strncmp(table[i].name, name, len) &&
            (table[i].commands & (1u << cmd)))
            return &table[i];
    return NULL;
}

int ps_option_known(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(table[i].name) == len && !strncmp(table[i].name, name, len)) return 1;
    return 0;
}

const ps_option *ps_option_find(const char *name, enum ps_command cmd)
{
    return ps_option_find_n(name, strlen(name), cmd);
}

int ps_option_given(const ps_options *o, const char *name)
{
    const ps_option *opt = ps_option_find(name, o->cmd);
    return opt && (o->given >> ps_option_row(opt) & 1);
}
