/* eigensolver: the registry (see include/eigensolver.h). A new solver is its file
 * eig_NAME.c defining `const ps_eigensolver ps_eig_NAME` and one X(NAME) on the line below. */
#include "eigensolver.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dist.h"

#define PS_EIGENSOLVERS(X) X(dsyevd) X(dsyevr) X(elpa) X(pdsyevd)

#define DECLARE(n) extern const ps_eigensolver ps_eig_##n;
#define ROW(n) &ps_eig_##n,
PS_EIGENSOLVERS(DECLARE)
static const ps_eigensolver *const table[] = {PS_EIGENSOLVERS(ROW)};
#define N_SOLVERS (sizeof table / sizeof table[0])

const ps_eigensolver *const *ps_eigensolver_table(size_t *n)
{
    *n = N_SOLVERS;
    return table;
}

static int is_auto(const char *name) { return !name || !name[0] || !strcmp(name, "auto"); }

static int available(const ps_eigensolver *e) { return !e->available || e->available(); }

const ps_eigensolver *ps_eigensolver_find(const char *name)
{
    for (size_t i = 0; name && i < N_SOLVERS; i++)
        if (!strcmp(table[i]->name, name)) return table[i];
    return NULL;
}

void ps_eigensolver_names(enum ps_dense_kind kind, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "auto");
    for (size_t i = 0; i < N_SOLVERS && at < len; i++)
        if (table[i]->kind == kind && available(table[i]))
            at += (size_t)snprintf(buf + at, len - at, ", %s", table[i]->name);
}

int ps_eigensolver_check(const char *name, enum ps_dense_kind kind, char *msg, size_t len)
{
    if (is_auto(name)) return 0;
    const ps_eigensolver *e = ps_eigensolver_find(name);
    if (e && e->kind == kind && available(e)) return 0;
    char names[256];
    ps_eigensolver_names(kind, names, sizeof names);
    const char *why = !e ? "is no eigensolver"
                      : e->kind != kind ? (kind == PS_DENSE_LOCAL ? "runs in groups only"
                                                                  : "runs on one rank only")
                                        : "is not in this build";
    snprintf(msg, len, "--eigensolver: '%s' %s (accepted %s: %s)", name, why,
             kind == PS_DENSE_LOCAL ? "on one rank" : "in groups", names);
    return -1;
}

static const ps_eigensolver *first_fitting(size_t from, const ps_dense *b, int d)
{
    for (size_t i = from; i < N_SOLVERS; i++) {
        const ps_eigensolver *e = table[i];
        if (e->kind == b->ops->kind && available(e) && (!e->fits || e->fits(b, d))) return e;
    }
    return NULL;
}

const ps_eigensolver *ps_eigensolver_pick(const char *name, const ps_dense *b, int d)
{
    char msg[512];
    if (ps_eigensolver_check(name, b->ops->kind, msg, sizeof msg))
        ps_fail(PS_EXIT_FAIL, "ps_eigensolver_pick", "%s", msg);
    size_t from = 0;
    if (!is_auto(name))
        while (table[from] != ps_eigensolver_find(name)) from++;
    const ps_eigensolver *e = first_fitting(from, b, d);
    if (!e) ps_fail(PS_EXIT_FAIL, "ps_eigensolver_pick", "no eigensolver fits d = %d here", d);
    return e;
}

double ps_eigensolver_bytes(const char *name, int d, int P, int nb)
{
    enum ps_dense_kind kind = P > 1 ? PS_DENSE_DIST : PS_DENSE_LOCAL;
    char msg[512];
    if (ps_eigensolver_check(name, kind, msg, sizeof msg)) return -1.0;
    const ps_eigensolver *e = ps_eigensolver_find(name);
    for (size_t i = 0; !e && i < N_SOLVERS; i++)
        if (table[i]->kind == kind && available(table[i])) e = table[i];
    return e ? e->bytes(d, P, nb > 0 ? nb : PS_DIST_NB) : -1.0;
}
