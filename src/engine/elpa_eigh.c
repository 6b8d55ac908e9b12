/* elpa_eigh: ELPA 1-stage behind the group engine (see include/elpa_eigh.h). */
#include "elpa_eigh.h"

#include <stdlib.h>

#include "check.h"

#ifdef PS_HAVE_ELPA
#include <elpa/elpa.h>

struct ps_elpa {
    elpa_t h;
};

int ps_elpa_available(void) { return 1; }

/* elpa_init once per process; ELPA keeps no other global state we rely on. */
static int elpa_ready;

#define PS_ELPA(call, what)                                                               \
    do { int err_ = ELPA_OK; call;                                                        \
         if (err_ != ELPA_OK)                                                             \
             ps_fail(PS_EXIT_FAIL, "ELPA", "%s: %s", what, elpa_strerr(err_)); } while (0)

static void set_int(elpa_t h, const char *name, int v)
{
    int err = ELPA_OK;
    elpa_set_integer(h, name, v, &err);
    if (err != ELPA_OK) ps_fail(PS_EXIT_FAIL, "ELPA", "setting %s = %d: %s", name, v,
                                elpa_strerr(err));
}

ps_elpa *ps_elpa_create(MPI_Comm comm, int ctxt, int d, int nb, int mloc, int nloc, int myrow,
                        int mycol)
{
    if (!elpa_ready) {
        if (elpa_init(ELPA_API_VERSION) != ELPA_OK)
            ps_fail(PS_EXIT_FAIL, "ELPA", "elpa_init(%d) refused: the library is older than "
                    "the header", ELPA_API_VERSION);
        elpa_ready = 1;
    }
    ps_elpa *e = ps_calloc(1, sizeof *e, "ELPA handle");
    int err = ELPA_OK;
    e->h = elpa_allocate(&err);
    if (err != ELPA_OK) ps_fail(PS_EXIT_FAIL, "ELPA", "elpa_allocate: %s", elpa_strerr(err));
    set_int(e->h, "na", d);
    set_int(e->h, "nev", d);
    set_int(e->h, "local_nrows", mloc);
    set_int(e->h, "local_ncols", nloc);
    set_int(e->h, "nblk", nb);
    set_int(e->h, "mpi_comm_parent", (int)MPI_Comm_c2f(comm));
    set_int(e->h, "process_row", myrow);
    set_int(e->h, "process_col", mycol);
    set_int(e->h, "blacs_context", ctxt);
    if (elpa_setup(e->h) != ELPA_OK) ps_fail(PS_EXIT_FAIL, "ELPA", "elpa_setup refused the grid");
    /* 1-stage: Debian's ELPA has only generic 2-stage kernels, ~3x slower (issue #15) */
    set_int(e->h, "solver", ELPA_SOLVER_1STAGE);
    return e;
}

void ps_elpa_eigh(ps_elpa *e, double *a, double *ev, double *q)
{
    PS_ELPA(elpa_eigenvectors_a_h_a_d(e->h, a, ev, q, &err_), "elpa_eigenvectors");
}

void ps_elpa_free(ps_elpa *e)
{
    if (!e) return;
    int err = ELPA_OK;
    elpa_deallocate(e->h, &err);
    free(e);
}

#else /* built without ELPA: the group engine uses pdsyevd */

int ps_elpa_available(void) { return 0; }

ps_elpa *ps_elpa_create(MPI_Comm comm, int ctxt, int d, int nb, int mloc, int nloc, int myrow,
                        int mycol)
{
    return NULL;
}

void ps_elpa_eigh(ps_elpa *e, double *a, double *ev, double *q)
{
    ps_fail(PS_EXIT_FAIL, "ELPA", "this build has no ELPA");
}

void ps_elpa_free(ps_elpa *e) { (void)e; }

#endif
