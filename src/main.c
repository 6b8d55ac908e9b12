/* main: MPI set-up, the options, and the dispatch to the commands (run, trace, sweep, info,
 * merge, estimate). run and trace compute on the first --group-size ranks together (one rank
 * by default); rank 0 prints and writes; further ranks only take part in MPI_Init/Finalize. */
#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "blascheck.h"
#include "check.h"
#include "cli.h"
#include "estimate.h"
#include "farm.h"
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

/* The refusal before anything big is allocated; the trace's series count as well. */
static void check_memory(const ps_params *p, int64_t width, int trace, int P)
{
    char msg[512];
    double series = trace ? 8.0 * (double)p->max_iter * (5.0 + 2.0 * p->d) : 0.0;
    if (ps_group_memory_check(p, width, P, series, msg, sizeof msg)) ps_usage_error("%s", msg);
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
        lock = ps_lock_claim(MPI_COMM_WORLD, o->out, lmsg, sizeof lmsg);
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
        ps_teacher_generate(&t, p);
        ps_coords_draw(&x, p, w, ps_sigma2(p->d, p->gs));
    } else {
        ps_loaded L;
        ps_h5_load(o->load, p->max_mem, &L);
        adopt_loaded(o, &L);
        const int64_t w = L.w ? L.w : ps_width(p->d, p->gw);
        check_memory(p, w, tracing, P);
        ps_teacher_from(&t, L.d, p->k, L.Astar, L.E);
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
        if (trp) ps_h5_write_trace(o->out, o, &res, trp);
        print_result(o, &res);
    }
    ps_lock_release(lock);
    if (trp) ps_trace_free(trp);
    ps_teacher_free(&t);
    ps_group_free(&g);
    return 0;
}

int main(int argc, char **argv)
{
    int rank, status = 0;
    ps_signals_early(); /* before anything slow: MPI_Init takes 0.1-0.3 s */
    PS_MPI(MPI_Init(&argc, &argv));
    ps_h5_errors_init(); /* before any other HDF5 call */
    ps_provenance_mark_start();
    PS_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    PS_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));

    ps_options o;
    char err[512];
    int rc = ps_cli_parse_args(argc, argv, &o, err, sizeof err);
    if (rc != PS_CLI_OK) {
        /* every rank parsed the same line; one of them speaks */
        if (rank == 0) {
            if (rc == PS_CLI_ERROR) ps_usage_error("%s", err);
            if (rc == PS_CLI_VERSION) printf("phasesweep %s\n", PS_VERSION);
            else ps_cli_help(stdout, rc == PS_CLI_HELP ? (int)o.cmd : -1);
        }
        ps_options_free(&o);
        PS_MPI(MPI_Finalize());
        ps_signals_default();
        return rc == PS_CLI_ERROR ? PS_EXIT_USAGE : 0;
    }
    openblas_set_num_threads(o.p.threads);
    /* sweep, run, trace and merge act on the signal flag; the others get the default back */
    if (o.cmd == PS_CMD_INFO || o.cmd == PS_CMD_ESTIMATE) ps_signals_default();

    switch (o.cmd) {
    case PS_CMD_RUN:
    case PS_CMD_TRACE:
        ps_usage_quiet(rank != 0); /* every rank meets the same bad input; rank 0 says it */
        status = cmd_run(&o);
        break;
    case PS_CMD_SWEEP: status = ps_sweep_main(MPI_COMM_WORLD, &o); break;
    case PS_CMD_INFO:
        if (rank == 0 && o.layout) ps_layout_json(stdout);
        else if (rank == 0) status = ps_info(o.info_file);
        break;
    case PS_CMD_MERGE:
        if (rank == 0) status = ps_merge_main(&o);
        break;
    case PS_CMD_ESTIMATE:
        if (rank == 0) status = ps_estimate_main(&o);
        break;
    }
    ps_options_free(&o);
    PS_MPI(MPI_Finalize());
    return status;
}
