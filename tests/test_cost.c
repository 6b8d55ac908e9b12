/* cost: the model's bytes per rank against what a run really allocates, and its flops and
 * iterations against counts. The allocator is interposed for the whole process (malloc and
 * friends defined here, forwarding to glibc's __libc_* entry points), so the count includes
 * what OpenBLAS, LAPACK, ScaLAPACK/PBLAS, ELPA and MPI allocate during the run, not only the
 * engine's ps_malloc. A run's peak is its highest count above the count just before its
 * teacher is drawn; the model must be within 10% of it, on rank 0 (the largest share), for
 * the local engine (reduced and explicit, theory and trace on and off, the
 * series alone of sweep --curves, a few d and w) and for
 * a group of every rank (mpirun -n 2 and -n 3; pdsyevd and, when built, ELPA).
 * mpirun-ranks: 2 3 */
#include <malloc.h>
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cblas.h>

#include "cost.h"
#include "dist.h"
#include "elpa_eigh.h"
#include "init.h"
#include "run.h"

/* ---- the counting allocator ---- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static long long live, peak, calls;

static void *counted(void *p)
{
    if (p) {
        __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
        long long now = __atomic_add_fetch(&live, (long long)malloc_usable_size(p),
                                           __ATOMIC_RELAXED);
        long long was = __atomic_load_n(&peak, __ATOMIC_RELAXED);
        while (now > was &&
               !__atomic_compare_exchange_n(&peak, &was, now, 1, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED)) {
        }
    }
    return p;
}
static void uncount(void *p)
{
    if (p) __atomic_sub_fetch(&live, (long long)malloc_usable_size(p), __ATOMIC_RELAXED);
}
void *malloc(size_t n) { return counted(__libc_malloc(n)); }
void *calloc(size_t a, size_t b) { return counted(__libc_calloc(a, b)); }
void free(void *p)
{
    uncount(p);
    __libc_free(p);
}
void *realloc(void *p, size_t n)
{
    uncount(p);
    return counted(__libc_realloc(p, n));
}
void *memalign(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
void *aligned_alloc(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
int posix_memalign(void **out, size_t a, size_t n)
{
    void *p = counted(__libc_memalign(a, n));
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}

/* ---- runs ---- */

typedef struct run_case {
    int d;
    double gw;
    enum ps_mode mode;
    int theory, trace, max_iter;
    const char *solver; /* group: "pdsyevd" or "elpa"; NULL: the engine's pick */
} run_case;

/* The cases run as --problem completion --observed 0.5 (the mask next to A*, Y) when set. */
static int completion_cases;

typedef struct solver_ctx {
    MPI_Comm comm;
    const char *solver; /* NULL: auto */
} solver_ctx;

static ps_engine make_group(void *ctx, const ps_teacher *t, ps_coords *x0, const ps_params *p,
                            int trace)
{
    const solver_ctx *s = ctx;
    int P, prow, pcol;
    MPI_Comm_size(s->comm, &P);
    ps_dist_grid_shape(P, &prow, &pcol);
    return ps_engine_dist_solver(s->comm, t, x0, p->theory, trace, 0, prow, pcol, s->solver);
}

static ps_params case_params(const run_case *c)
{
    ps_params p;
    ps_params_default(&p);
    p.d = c->d;
    p.k = c->d / 4;
    p.gs = -1.0;
    p.gw = c->gw;
    p.mode = c->mode;
    p.theory = c->theory;
    p.max_iter = c->max_iter;
    p.max_mem = 1e300;
    if (completion_cases) {
        p.problem = PS_PROBLEM_COMPLETION;
        p.observed = 0.5;
    }
    return p;
}

/* The peak bytes above the start of a run of c on comm (MPI_COMM_SELF: the local engine);
 * every rank of comm returns its own. */
static double measured_peak(const run_case *c, MPI_Comm comm)
{
    ps_params p = case_params(c);
    int P;
    MPI_Comm_size(comm, &P);
    solver_ctx sc = {comm, c->solver};
    ps_engine_maker mk = {P > 1 ? make_group : NULL, &sc};
    MPI_Barrier(comm);
    long long base = __atomic_load_n(&live, __ATOMIC_RELAXED);
    __atomic_store_n(&peak, base, __ATOMIC_RELAXED);
    ps_teacher t;
    ps_teacher_generate(&t, &p);
    ps_trace tr, *trp = NULL;
    if (c->trace) {
        if (c->trace == PS_TRACE_CURVES) ps_trace_alloc_curves(&tr, p.max_iter);
        else ps_trace_alloc(&tr, p.max_iter, p.d);
        trp = &tr;
    }
    ps_result res;
    char msg[256];
    assert_int_equal(ps_run_task(&p, &t, &res, trp, NULL, &mk, msg, sizeof msg), 0);
    if (trp) ps_trace_free(trp);
    ps_teacher_free(&t);
    return (double)(__atomic_load_n(&peak, __ATOMIC_RELAXED) - base);
}

static void check_case(const run_case *c, MPI_Comm comm)
{
    int P, rank;
    MPI_Comm_size(comm, &P);
    MPI_Comm_rank(comm, &rank);
    ps_params p = case_params(c);
    ps_cost_in in = ps_cost_in_params(&p, P, c->trace);
    in.eigensolver = c->solver;
    double model = ps_cost_of(&in).bytes;
    double mine = measured_peak(c, comm), most;
    MPI_Allreduce(&mine, &most, 1, MPI_DOUBLE, MPI_MAX, comm);
    if (rank == 0)
        printf("  d=%-4d w=%-6lld %-8s theory=%d trace=%d P=%d %-8s model %10.0f  measured "
               "%10.0f (rank 0; max %10.0f)  model/measured %.3f%s\n",
               c->d, (long long)ps_width(c->d, c->gw),
               c->mode == PS_MODE_EXPLICIT ? "explicit" : "reduced", c->theory, c->trace, P,
               c->solver ? c->solver : P > 1 ? "auto" : "dsyevd", model, mine, most,
               model / mine, completion_cases ? "  completion" : "");
    if (rank == 0) assert_true(fabs(model - mine) <= 0.10 * mine);
    assert_true(most <= 1.10 * model); /* rank 0 holds the largest share */
}

static void test_local_bytes(void **state)
{
    const run_case cases[] = {
        {64, 2.0, PS_MODE_REDUCED, 1, 0, 40, NULL},   /* m = 2d, Bartlett */
        {64, 2.0, PS_MODE_REDUCED, 0, 0, 40, NULL},
        {64, 2.0, PS_MODE_REDUCED, 1, 1, 40, NULL},
        {64, 2.0, PS_MODE_REDUCED, 0, 1, 40, NULL},
        {64, 0.7, PS_MODE_REDUCED, 1, 0, 40, NULL},   /* m = w < 2d */
        {64, 1.5, PS_MODE_EXPLICIT, 1, 0, 40, NULL},  /* m = w = 512 */
        {64, 1.5, PS_MODE_EXPLICIT, 0, 1, 40, NULL},
        {200, 2.0, PS_MODE_REDUCED, 1, 0, 5, NULL},
        {200, 2.0, PS_MODE_REDUCED, 0, 0, 5, NULL},
        {200, 1.2, PS_MODE_EXPLICIT, 1, 1, 5, NULL},
        {200, 1.2, PS_MODE_EXPLICIT, 0, 0, 5, NULL},
        /* sweep --curves: the five series of max_iter, the bulk of a small run */
        {16, 1.0, PS_MODE_REDUCED, 1, PS_TRACE_CURVES, 20000, NULL},
        {16, 1.0, PS_MODE_REDUCED, 0, PS_TRACE_CURVES, 20000, NULL},
        {64, 2.0, PS_MODE_REDUCED, 1, PS_TRACE_CURVES, 40, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i], MPI_COMM_SELF);
    /* completion: the mask next to A*, Y (Bartlett, no theory, explicit with trace) */
    completion_cases = 1;
    check_case(&cases[0], MPI_COMM_SELF);
    check_case(&cases[8], MPI_COMM_SELF);
    check_case(&cases[9], MPI_COMM_SELF);
    completion_cases = 0;
}

static void test_group_bytes(void **state)
{
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const run_case cases[] = {
        {256, 2.0, PS_MODE_REDUCED, 1, 0, 5, "pdsyevd"},
        {256, 2.0, PS_MODE_REDUCED, 0, 0, 5, "pdsyevd"},
        {256, 1.2, PS_MODE_EXPLICIT, 1, 0, 5, "pdsyevd"},
        {384, 2.0, PS_MODE_REDUCED, 1, 0, 5, "pdsyevd"},
        {320, 2.0, PS_MODE_REDUCED, 1, 1, 5, "pdsyevd"},
        {256, 2.0, PS_MODE_REDUCED, 1, 0, 5, "elpa"},
        {384, 2.0, PS_MODE_REDUCED, 1, 0, 5, "elpa"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].solver && !strcmp(cases[i].solver, "elpa") && !ps_elpa_available())
            continue;
        check_case(&cases[i], MPI_COMM_WORLD);
    }
    completion_cases = 1; /* the mask's blocks */
    check_case(&cases[0], MPI_COMM_WORLD);
    check_case(&cases[1], MPI_COMM_WORLD);
    completion_cases = 0;
    (void)size;
}

/* flops: the GD part is 6 m d^2 + 6 d^2 (three m x d x d products and six elementwise passes),
 * counted here from the engine's calls, and it is linear in m; the theory's share is
 * independent of m; the expected iterations keep tasks.c's shape. */
static void test_flops_and_iterations(void **state)
{
    ps_cost_in in = {.d = 100, .k = 10, .width = 150, .mode = PS_MODE_REDUCED, .theory = 0,
                     .P = 1, .max_iter = 1000, .gs = 0.5, .gw = 0.5, .lr_scale = 8,
                     .stop_rules = 1};
    ps_cost a = ps_cost_of(&in);
    double d = 100, m = 150;
    assert_int_equal(a.m, 150);
    assert_true(a.flops_gd == 2 * m * d * d + 2 * 2 * m * d * d + 6 * d * d);
    assert_true(a.flops_theory == 0 && a.flops_trace == 0);
    assert_true(a.iterations == 8.0); /* gs + gw = 1: lr_scale */
    in.theory = 1;
    ps_cost b = ps_cost_of(&in);
    assert_true(b.flops_gd == a.flops_gd);
    /* syrk d^3 + dsyevd 14/3 d^3 + two syrks 2 d^3 + two gemms 4 d^3 + two symms 4 d^3 */
    assert_true(fabs(b.flops_theory - (1 + 14.0 / 3 + 2 + 4 + 4) * d * d * d - 15 * d * d) <
                1e-6 * b.flops_theory);
    in.width = 10000; /* reduced: m = 2d whatever w */
    assert_int_equal(ps_cost_of(&in).m, 200);
    in.mode = PS_MODE_EXPLICIT;
    assert_int_equal(ps_cost_of(&in).m, 10000);
    in.gs = -1.5; /* active: lr_scale (1 + (1 - gs - gw) ln d) = 8 (1 + 2 ln d) */
    assert_true(fabs(ps_cost_of(&in).iterations - 8 * (1 + 2 * log(d))) < 1e-9);
    in.gs = -100;
    assert_true(ps_cost_of(&in).iterations == 1000);
    in.gs = -1.5;
    in.stop_rules = 0;
    assert_true(ps_cost_of(&in).iterations == 1000);
    /* a group does the same work, shared */
    in.P = 4;
    ps_cost g = ps_cost_of(&in);
    in.P = 1;
    assert_true(g.flops == ps_cost_of(&in).flops);
}

/* A rank of a group of P holds about 1/P of the local engine's arrays, plus the full teacher
 * and (while the engine is made) the full coordinates: the peak falls with P towards those. */
static void test_group_share(void **state)
{
    ps_cost_in in = {.d = 2048, .k = 10, .width = 1 << 22, .mode = PS_MODE_REDUCED,
                     .theory = 1, .P = 1, .max_iter = 10, .gs = 0, .gw = 2, .lr_scale = 8,
                     .stop_rules = 1};
    double prev = ps_cost_of(&in).bytes, dd = 8.0 * 2048 * 2048;
    assert_true(prev > 16 * dd); /* 2 teacher + 4 coordinates + 10 matrices + dsyevd's 2 */
    in.eigensolver = "pdsyevd";
    for (int P = 2; P <= 64; P *= 2) {
        in.P = P;
        ps_cost c = ps_cost_of(&in);
        assert_true(c.bytes < prev);
        assert_true(c.bytes_full == 6 * dd); /* A*, Y and both coordinate factors */
        assert_true(c.bytes >= c.bytes_full);
        prev = c.bytes;
    }
    assert_true(prev < 1.1 * 6 * dd);
    in.P = 2;
    double with = ps_cost_of(&in).bytes;
    in.theory = 0;
    assert_true(ps_cost_of(&in).bytes < with);
}

/* The hot loop allocates nothing: on the local engine a run of 40 steps makes as many
 * allocations as one of 4 (the series are sized by max_iter, allocated once), for denoise and
 * for completion, with the theory. In a group PBLAS and MPI allocate inside their calls, so
 * there completion's steps must allocate exactly what denoise's do (the mask op nothing). */
static long long allocations(ps_params *p, int steps, MPI_Comm comm)
{
    int P;
    MPI_Comm_size(comm, &P);
    solver_ctx sc = {comm, NULL};
    ps_engine_maker mk = {P > 1 ? make_group : NULL, &sc};
    p->max_iter = steps;
    p->stop_rules = 0;
    ps_teacher t;
    ps_teacher_generate(&t, p);
    ps_result res;
    char msg[256];
    long long before = __atomic_load_n(&calls, __ATOMIC_RELAXED);
    assert_int_equal(ps_run_task(p, &t, &res, NULL, NULL, &mk, msg, sizeof msg), 0);
    long long n = __atomic_load_n(&calls, __ATOMIC_RELAXED) - before;
    assert_int_equal(res.n_iter, steps);
    ps_teacher_free(&t);
    return n;
}

/* The allocations of 36 more steps, for denoise (0) and completion (1). */
static void per_step_allocations(MPI_Comm comm, long long extra[2])
{
    for (int completion = 0; completion < 2; completion++) {
        ps_params p;
        ps_params_default(&p);
        p.d = 48;
        p.k = 3;
        p.gs = -1.5;
        p.gw = 1.8;
        p.max_mem = 1e300;
        if (completion) {
            p.problem = PS_PROBLEM_COMPLETION;
            p.observed = 0.5;
        }
        allocations(&p, 2, comm); /* first calls: libraries' one-time set-up */
        long long few = allocations(&p, 4, comm), many = allocations(&p, 40, comm);
        extra[completion] = many - few;
    }
}

static void test_hot_loop_allocates_nothing_local(void **state)
{
    long long extra[2];
    per_step_allocations(MPI_COMM_SELF, extra);
    if (extra[0] || extra[1])
        fail_msg("36 more steps allocate %lld times (denoise), %lld times (completion)",
                 extra[0], extra[1]);
}

static void test_hot_loop_allocates_nothing_group(void **state)
{
    long long extra[2];
    per_step_allocations(MPI_COMM_WORLD, extra);
    if (extra[1] != extra[0])
        fail_msg("36 more steps allocate %lld times with the mask, %lld without", extra[1],
                 extra[0]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    openblas_set_num_threads(1);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flops_and_iterations),
        cmocka_unit_test(test_group_share),
        cmocka_unit_test(test_group_bytes),
        cmocka_unit_test(test_hot_loop_allocates_nothing_group),
    };
    int failed = 0;
    if (rank == 0) {
        const struct CMUnitTest local[] = {cmocka_unit_test(test_local_bytes),
                                           cmocka_unit_test(test_hot_loop_allocates_nothing_local)};
        failed += cmocka_run_group_tests(local, NULL, NULL);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    failed += cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return failed ? 1 : 0;
}
