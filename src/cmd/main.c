/* main: MPI set-up, the options, and the commands table (run, trace, sweep, info, merge,
 * estimate: name, usage, help and main of each), through which the parser and --help find
 * the commands and main dispatches. run and trace compute on the first --group-size ranks
 * together (one rank by default); rank 0 prints and writes; further ranks only take part in
 * MPI_Init/Finalize. */
#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "blascheck.h"
#include "check.h"
#include "cli.h"
#include "estimate.h"
#include "group.h"
#include "h5_errors.h"
#include "h5io.h"
#include "init.h"
#include "layout.h"
#include "provenance.h"
#include "lock.h"
#include "merge.h"
#include "run.h"
#include "signals.h"
#include "sweep.h"
#include "trace_from.h"


static void put_number(double v)
{
    if (isfinite(v)) printf("%.17g", v);
    else fputs("null", stdout);
}

/* One JSON object on one line, or the same values as aligned "key value" lines: the result
 * fields of layout.h in its order. */
static void print_result(const ps_options *o, const ps_result *r)
{
    ps_result shown = *r;
    if (!o->p.theory) shown.log_distance = NAN;
    int n;
    const ps_result_field *f = ps_result_fields(&n);
    if (o->json) putchar('{');
    for (int i = 0; i < n; i++) {
        if (o->json) printf("%s\"%s\": ", i ? ", " : "", f[i].name);
        else printf("%-18s ", f[i].name);
        if (f[i].kind == PS_FIELD_F64) put_number(ps_result_f64(&f[i], &shown));
        else if (f[i].kind == PS_FIELD_STOP)
            printf(o->json ? "\"%s\"" : "%s", ps_stop_name(shown.stop));
        else printf("%lld", (long long)ps_result_int(&f[i], &shown));
        if (!o->json) putchar('\n');
    }
    if (o->json) puts("}");
    fflush(stdout);
}

/* The refusal before anything big is allocated; a trace's records count as well. */
static void check_memory(const ps_params *p, int64_t width, int trace, int P)
{
    char msg[512];
    if (ps_group_memory_check(p, width, P, trace, msg, sizeof msg)) ps_usage_error("%s", msg);
}

/* The loaded arrays fix d (and w when weights are present); options given must agree. */
static void adopt_loaded(ps_options *o, const ps_loaded *L)
{
    ps_params *p = &o->p;
    const ps_option *dopt = ps_option_find("d", o->cmd);
    if (L->d < dopt->min || L->d > dopt->max)
        ps_usage_error("--load: %s: A_star is %d x %d, d out of range [%.0f, %.0f]", o->load,
                       L->d, L->d, dopt->min, dopt->max);
    if (ps_option_given(o, "d") && p->d != L->d)
        ps_usage_error("--d: %d disagrees with d = %d of A_star in %s", p->d, L->d, o->load);
    p->d = L->d;
    if (p->k > p->d)
        ps_usage_error("--rank: %d is out of range [1, d] with d = %d from %s", p->k, p->d,
                       o->load);
    if (!o->gs_given)
        ps_usage_error("%s with --load needs --gs (sigma2 = d^gs sets the learning rate and "
                       "the threshold), a number in [-20, 20]", o->cmd == PS_CMD_RUN ? "run"
                                                                                  : "trace");
    if (L->w == 0) {
        if (!o->gw_given)
            ps_usage_error("--gw: required, since %s has no W1, W2 to take the width from",
                           o->load);
        if (ps_width(p->d, p->gw) < 0)
            ps_usage_error("--gw: %.17g gives d^gw = %d^%.17g beyond 2^53", p->gw, p->d, p->gw);
    } else if (o->gw_given) {
        int64_t w = ps_width(p->d, p->gw);
        if (w != L->w)
            ps_usage_error("--gw: %.17g gives w = floor(%d^gw) = %lld, but W1 in %s has w = %lld",
                           p->gw, p->d, (long long)w, o->load, (long long)L->w);
    } else {
        /* the learning rate's side of gs + gw = 1 needs a gamma_w: the one of the loaded w */
        p->gw = log((double)L->w) / log((double)p->d);
    }
    if (L->mask && p->problem != PS_PROBLEM_COMPLETION)
        ps_usage_error("--load: %s has a mask dataset, which needs --problem completion",
                       o->load);
    /* the loaded mask's observed share is P unless --observed says otherwise */
    if (L->mask && !ps_option_given(o, "observed"))
        p->observed = (double)L->n_observed / ((double)p->d * (double)p->d);
}

static int cmd_run(ps_options *o)
{
    ps_params *p = &o->p;
    const int tracing = o->cmd == PS_CMD_TRACE;
    ps_teacher t;
    ps_result res;
    ps_trace tr, *trp = tracing ? &tr : NULL;
    int ranks, rank;
    char msg[512];
    PS_MPI(MPI_Comm_size(MPI_COMM_WORLD, &ranks));
    PS_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    int P = ps_group_resolve(o, ranks, msg, sizeof msg);
    if (!P) ps_usage_error("%s", msg);
    ps_lock *lock = NULL; /* trace: one writer per --out, refused up front */
    if (tracing) {
        char lmsg[1024] = "";
        if (rank == 0) ps_out_problem(o->out, lmsg, sizeof lmsg);
        if (ps_lock_claim(MPI_COMM_WORLD, o->out, &lock, lmsg, sizeof lmsg))
            ps_refuse_collective(MPI_COMM_WORLD, PS_EXIT_USAGE, lmsg);
    }
    ps_group g;
    ps_group_split(MPI_COMM_WORLD, P, o->block, &g);
    if (rank >= P) { /* not in the first group: nothing to do */
        ps_group_free(&g);
        return 0;
    }

    ps_coords x;
    double t0 = MPI_Wtime(); /* seconds count the draw too, as a sweep task's do */
    if (!o->load) {
        int64_t w = ps_width(p->d, p->gw);
        check_memory(p, w, tracing, P);
        ps_teacher_generate(&t, p); /* with the mask of completion */
        ps_coords_draw(&x, p, w, ps_sigma2(p->d, p->gs));
    } else {
        ps_loaded L;
        char why[8192]; /* the path may be long */
        if (ps_h5_load(o->load, p->max_mem, &L, why, sizeof why)) ps_usage_error("%s", why);
        adopt_loaded(o, &L);
        ps_layer_vars_problem(p->d, p->gs, p->gr, why, sizeof why);
        if (why[0]) ps_usage_error("%s", why);
        const int64_t w = L.w ? L.w : ps_width(p->d, p->gw);
        check_memory(p, w, tracing, P);
        ps_teacher_from(&t, L.d, p->k, L.Astar, L.E);
        if (L.mask) ps_teacher_set_mask(&t, L.mask, p->observed);
        else if (p->problem == PS_PROBLEM_COMPLETION) ps_teacher_draw_mask(&t, p);
        if (L.w) ps_coords_from_weights(&x, p->d, w, L.W1, L.W2T, p->mode);
        else ps_coords_draw(&x, p, w, ps_sigma2(p->d, p->gs));
        ps_loaded_free(&L);
    }
    /* once, after every refusal (bad input stays one line); never fails */
    if (rank == 0) ps_blas_warn(stderr);
    if (trp) ps_trace_alloc(trp, p->max_iter, p->d);
    /* a signal (SIGTERM, SIGINT, SIGUSR1/2) aborts the run, agreed within the group */
    ps_group_hook gh = {&g, NULL, 0};
    ps_hooks hooks = {ps_group_poll, &gh};
    ps_run_coords(p, &t, &x, &res, trp, &hooks, &g.maker);
    res.seconds = MPI_Wtime() - t0;
    if (res.stop == PS_STOP_ABORTED || ps_signal_caught()) {
        /* nothing half-written: no trace file was begun; the lock goes, then the signal
         * ends the process as it would have without handlers */
        if (rank == 0) {
            fprintf(stderr, "phasesweep: %s: stopped by signal %d; nothing written\n",
                    tracing ? "trace" : "run", ps_signal_caught());
            fflush(stderr);
        }
        ps_lock_release(lock);
        ps_signals_default();
    }
    if (rank == 0) {
        char why[4608];
        if (trp && ps_h5_write_trace(o->out, o, &res, trp, why, sizeof why))
            ps_usage_error("%s", why);
        print_result(o, &res);
    }
    ps_lock_release(lock);
    if (trp) ps_trace_free(trp);
    ps_teacher_free(&t);
    ps_group_free(&g);
    return 0;
}

/* The commands' mains (commands[].main), on every rank. */
static int run_or_trace(ps_options *o, int rank)
{
    ps_usage_quiet(rank != 0); /* every rank meets the same bad input; rank 0 says it */
    ps_from_resolve(o, rank);  /* --from SWEEP.h5 --task ...: the task's options */
    return cmd_run(o);
}

static int cmd_sweep(ps_options *o, int rank) { return ps_sweep_main(MPI_COMM_WORLD, o); }

/* info, merge and estimate act on rank 0 only. info and estimate ignore signals (default
 * handling back); sweep, run, trace and merge act on the signal flag. */
static int cmd_info(ps_options *o, int rank)
{
    ps_signals_default();
    if (rank != 0) return 0;
    if (o->layout) {
        ps_layout_json(stdout);
        return 0;
    }
    char msg[4096];
    int status = ps_info(o->info_file, msg, sizeof msg);
    if (status == PS_EXIT_USAGE) ps_usage_error("%s", msg);
    return status;
}

static int cmd_merge(ps_options *o, int rank) { return rank == 0 ? ps_merge_main(o) : 0; }

static int cmd_estimate(ps_options *o, int rank)
{
    ps_signals_default();
    return rank == 0 ? ps_estimate_main(o) : 0;
}

/* The commands: one row each (name, usage, help, example, main), in enum ps_command order.
 * Adding a command is a row here, its main and its enum value (cli.h). */
static const ps_command_def commands[] = {
    [PS_CMD_RUN] = {"run",
        "phasesweep run --gs GAMMA_S --gw GAMMA_W [options]",
        "Trains one two-layer linear network at one (gamma_s, gamma_w) point, GD and the\n"
        "self-consistent dynamics side by side, and prints its metrics as one JSON line.\n"
        "With --from SWEEP.h5 and --task I,J,... or --at NAME=X,..., one task of a sweep file,\n"
        "its parameters read from the file: the values the sweep stored, bit for bit.",
        "phasesweep run --d 200 --rank 5 --gs -1.5 --gw 2",
        run_or_trace},
    [PS_CMD_TRACE] = {"trace",
        "phasesweep trace --gs GAMMA_S --gw GAMMA_W --out FILE.h5 [options]",
        "Like run, and writes every iteration's errors and singular values of GD and of the\n"
        "theory to FILE.h5 (replacing an existing file). With --from SWEEP.h5 and --task\n"
        "I,J,... (indices in the file's dimension order, replica last) or --at NAME=X,...\n"
        "(coordinates, nearest stored point), one task of a sweep, its parameters read from\n"
        "the file: its final and minimum values equal the sweep's, bit for bit.",
        "phasesweep trace --d 500 --gs -1.85 --gw 2.25 --lr-scale 5 --max-iter 100 --no-stop \\\n"
        "      --out fig1.h5",
        run_or_trace},
    [PS_CMD_SWEEP] = {"sweep",
        "phasesweep sweep --gs A:B:N --gw A:B:N --out FILE.h5 [options]",
        "Runs the whole (gamma_s, gamma_w) grid, every replica and every point of the extra\n"
        "axes (e.g. --d 16,24,32), over all MPI ranks, into one HDF5 file; --resume\n"
        "continues an interrupted sweep.",
        "mpirun -n $(nproc) phasesweep sweep --gs -3:0:30 --gw 0:2.8:30 --replicas 4 --out fig2.h5",
        cmd_sweep},
    [PS_CMD_INFO] = {"info",
        "phasesweep info FILE.h5 | phasesweep info --layout json",
        "Prints a sweep file's parameters, its completion and min/median/max of each metric;\n"
        "exits 0 when every task is done and 3 otherwise. --layout json prints the layout of\n"
        "sweep and trace files instead (layout_version 2).",
        "phasesweep info fig2.h5",
        cmd_info},
    [PS_CMD_MERGE] = {"merge",
        "phasesweep merge --out FILE.h5 PART.h5...",
        "Joins the part files of one sweep (sweep ... --part=I/N) into one file whose results equal\n"
        "those of the whole sweep run at once; refuses parts of other sweeps, overlapping parts\n"
        "and unfinished ones (unless --partial).",
        "phasesweep merge --out fig2.h5 fig2.part0.h5 fig2.part1.h5 fig2.part2.h5",
        cmd_merge},
    [PS_CMD_ESTIMATE] = {"estimate",
        "phasesweep estimate --gs A:B:N --gw A:B:N [sweep options] [--ranks N | --wall HH:MM]",
        "Estimates what the same sweep would cost on this machine: the tasks, one iteration\n"
        "timed here, an upper bound and an expected figure in core-hours (from a short pilot\n"
        "sweep), and #SBATCH lines for --ranks or --wall. An estimate, not a measurement.",
        "phasesweep estimate --config jobs/figure2.ini --wall 02:00",
        cmd_estimate},
};
_Static_assert(sizeof commands / sizeof commands[0] == PS_N_COMMANDS, "a row per command");

int main(int argc, char **argv)
{
    int rank, status;
    ps_signals_early(); /* before anything slow: MPI_Init takes 0.1-0.3 s */
    PS_MPI(MPI_Init(&argc, &argv));
    ps_h5_errors_init(); /* before any other HDF5 call */
    ps_provenance_mark_start();
    PS_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    PS_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));

    ps_options o;
    char err[512];
    int rc = ps_cli_parse_args(commands, argc, argv, &o, err, sizeof err);
    if (rc != PS_CLI_OK) {
        /* every rank parsed the same line; one of them speaks */
        if (rank == 0) {
            if (rc == PS_CLI_ERROR) ps_usage_error("%s", err);
            if (rc == PS_CLI_VERSION) printf("phasesweep %s\n", PS_VERSION);
            else ps_cli_help(stdout, commands, rc == PS_CLI_HELP ? (int)o.cmd : -1);
        }
        ps_options_free(&o);
        PS_MPI(MPI_Finalize());
        ps_signals_default();
        return rc == PS_CLI_ERROR ? PS_EXIT_USAGE : 0;
    }
    openblas_set_num_threads(o.p.threads);
    status = commands[o.cmd].main(&o, rank);
    ps_options_free(&o);
    PS_MPI(MPI_Finalize());
    return status;
}
