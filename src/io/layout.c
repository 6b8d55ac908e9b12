/* layout: the tables of include/layout.h and their JSON export. */
#include "layout.h"

#include <string.h>

#include "run.h"

/* The ps_result fields in `run`'s printed order, which is its JSON key order, a contract:
 * a new metric is appended. stop_reason is the file's and the output's name of ps_result.stop. */
#define FIELD(name, kind) {#name, kind, offsetof(ps_result, name)}
static const ps_result_field result_fields[] = {
    FIELD(min_test_error, PS_FIELD_F64),
    FIELD(stable_rank, PS_FIELD_F64),
    FIELD(iterations, PS_FIELD_INT),
    FIELD(log_distance, PS_FIELD_F64),
    FIELD(n_iter, PS_FIELD_INT),
    {"stop_reason", PS_FIELD_STOP, offsetof(ps_result, stop)},
    FIELD(final_train_error, PS_FIELD_F64),
    FIELD(width, PS_FIELD_I64),
    FIELD(sigma2, PS_FIELD_F64),
    FIELD(lr, PS_FIELD_F64),
    FIELD(seconds, PS_FIELD_F64),
};

#define STOP_MEANINGS "converged overfitting plateau max_iter diverged"

/* A row without its last field, `only`, is PS_ONLY_ALWAYS (0): in every file. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const ps_layout_var sweep_vars[] = {
    {"gamma_s", PS_VAR_F64, PS_FILL_NONE, 1, {"gamma_s"}, "1", "gamma_s",
     "initialization variance exponent: sigma2 = d^gamma_s", NULL},
    {"gamma_w", PS_VAR_F64, PS_FILL_NONE, 1, {"gamma_w"}, "1", "gamma_w",
     "width exponent: width = floor(d^gamma_w)", NULL},
    {"replica", PS_VAR_I64, PS_FILL_NONE, 1, {"replica"}, "1", "replica",
     "replica number (0 .. R-1, or A .. B-1 of --replicas A:B): its own teacher and "
     "initial weights", NULL},
    {"iteration", PS_VAR_I64, PS_FILL_NONE, 1, {"iteration"}, "1", "iteration",
     "gradient descent steps taken at a recorded point of the curves: 0, K, 2K, ... "
     "(K = --curves-every)", NULL, PS_ONLY_CURVES},
    {"sigma2", PS_VAR_F64, PS_FILL_NONE, 1, {"gamma_s"}, "1", "initialization variance",
     "variance of the initial weights, d^gamma_s", NULL},
    {"width", PS_VAR_I64, PS_FILL_NONE, 1, {"gamma_w"}, "1", "network width",
     "hidden width w = floor(d^gamma_w)", NULL},
    {"min_test_error", PS_VAR_F64, PS_FILL_NAN, 3, {"gamma_s", "gamma_w", "replica"}, "1",
     "minimum test error", "min over recorded iterations of ||A_i - A*||_F^2 / d^2", NULL},
    {"stable_rank", PS_VAR_F64, PS_FILL_NAN, 3, {"gamma_s", "gamma_w", "replica"}, "1",
     "stable rank at the minimum", "||A_j||_F^2 / ||A_j||_op^2 at the test-error argmin j",
     NULL},
    {"iterations", PS_VAR_I32, PS_FILL_MINUS1, 3, {"gamma_s", "gamma_w", "replica"}, "1",
     "iterations to the minimum", "the test-error argmin j (first on ties)", NULL},
    {"log_distance", PS_VAR_F64, PS_FILL_NAN, 3, {"gamma_s", "gamma_w", "replica"}, "1",
     "ln max GD-vs-theory distance",
     "ln max_i ||A_i - B_i||_F^2 / d^2; NaN without the theory dynamics", NULL},
    {"final_train_error", PS_VAR_F64, PS_FILL_NAN, 3, {"gamma_s", "gamma_w", "replica"}, "1",
     "final train error", "train error of the last recorded iterate", NULL},
    {"n_iter", PS_VAR_I32, PS_FILL_MINUS1, 3, {"gamma_s", "gamma_w", "replica"}, "1",
     "GD steps taken", "gradient descent steps until the run stopped", NULL},
    {"seconds", PS_VAR_F64, PS_FILL_NAN, 3, {"gamma_s", "gamma_w", "replica"}, "s",
     "run time", "wall time of the task, drawing the network included", NULL},
    {"stop_reason", PS_VAR_I8, PS_FILL_MINUS1, 3, {"gamma_s", "gamma_w", "replica"}, "1",
     "stop reason", "why the run stopped; the fill -1 means not done", STOP_MEANINGS},
    {"gd_train_error", PS_VAR_F64, PS_FILL_NAN, 4, {"gamma_s", "gamma_w", "replica", "iteration"}, "1",
     "GD train error", "||A - (A* + E)||_F^2 / d^2 of gradient descent's A = W2 W1 at each "
     "recorded iteration; NaN after the task stopped", NULL, PS_ONLY_CURVES},
    {"gd_test_error", PS_VAR_F64, PS_FILL_NAN, 4, {"gamma_s", "gamma_w", "replica", "iteration"}, "1",
     "GD test error", "||A - A*||_F^2 / d^2 of gradient descent's A = W2 W1 at each recorded "
     "iteration; NaN after the task stopped", NULL, PS_ONLY_CURVES},
    {"theory_train_error", PS_VAR_F64, PS_FILL_NAN, 4, {"gamma_s", "gamma_w", "replica", "iteration"}, "1",
     "theory train error", "||B - (A* + E)||_F^2 / d^2 of the self-consistent dynamics' B at "
     "each recorded iteration; NaN after the task stopped", NULL, PS_ONLY_CURVES},
    {"theory_test_error", PS_VAR_F64, PS_FILL_NAN, 4, {"gamma_s", "gamma_w", "replica", "iteration"}, "1",
     "theory test error", "||B - A*||_F^2 / d^2 of the self-consistent dynamics' B at each "
     "recorded iteration; NaN after the task stopped", NULL, PS_ONLY_CURVES},
    {"distance", PS_VAR_F64, PS_FILL_NAN, 4, {"gamma_s", "gamma_w", "replica", "iteration"}, "1",
     "GD-vs-theory distance", "||A - B||_F^2 / d^2 at each recorded iteration; NaN after the "
     "task stopped", NULL, PS_ONLY_CURVES},
    {"done", PS_VAR_U8, PS_FILL_NONE, 3, {"gamma_s", "gamma_w", "replica"}, "1", "task done",
     "1 once every value of the task is written (written last)", "not_done done"},
};

static const ps_layout_var trace_vars[] = {
    {"iteration", PS_VAR_I64, PS_FILL_NONE, 1, {"iteration"}, "1", "iteration",
     "gradient descent steps taken (0: the initial network)", NULL},
    {"sv_index", PS_VAR_I64, PS_FILL_NONE, 1, {"sv_index"}, "1", "singular value index",
     "position of a singular value in descending order (0: the largest)", NULL},
    {"gd_train_error", PS_VAR_F64, PS_FILL_NONE, 1, {"iteration"}, "1", "GD train error",
     "||A - (A* + E)||_F^2 / d^2 of gradient descent's A = W2 W1", NULL},
    {"gd_test_error", PS_VAR_F64, PS_FILL_NONE, 1, {"iteration"}, "1", "GD test error",
     "||A - A*||_F^2 / d^2 of gradient descent's A = W2 W1", NULL},
    {"theory_train_error", PS_VAR_F64, PS_FILL_NONE, 1, {"iteration"}, "1",
     "theory train error", "||B - (A* + E)||_F^2 / d^2 of the self-consistent dynamics' B",
     NULL},
    {"theory_test_error", PS_VAR_F64, PS_FILL_NONE, 1, {"iteration"}, "1",
     "theory test error", "||B - A*||_F^2 / d^2 of the self-consistent dynamics' B", NULL},
    {"distance", PS_VAR_F64, PS_FILL_NONE, 1, {"iteration"}, "1", "GD-vs-theory distance",
     "||A - B||_F^2 / d^2", NULL},
    {"gd_singular_values", PS_VAR_F64, PS_FILL_NONE, 2, {"iteration", "sv_index"}, "1",
     "singular values of A", "all singular values of gradient descent's A, descending", NULL},
    {"theory_singular_values", PS_VAR_F64, PS_FILL_NONE, 2, {"iteration", "sv_index"}, "1",
     "singular values of B", "all singular values of the theory's B, descending", NULL},
};

#pragma GCC diagnostic pop

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
static const ps_layout sweep = {"sweep", COUNT(sweep_vars), sweep_vars, "sigma2 width"};
/* the views of ps_layout_sweep_for, filled once from the table */
static ps_layout_var view_vars[2][COUNT(sweep_vars)];
static ps_layout views[2];
static const ps_layout trace = {"trace", COUNT(trace_vars), trace_vars, NULL};

const ps_result_field *ps_result_fields(int *n)
{
    *n = COUNT(result_fields);
    return result_fields;
}

const ps_result_field *ps_result_field_find(const char *name)
{
    for (int i = 0; i < COUNT(result_fields); i++)
        if (!strcmp(result_fields[i].name, name)) return &result_fields[i];
    return NULL;
}

/* Through memcpy: the field's own type at its offset, whatever ps_result's other members. */
double ps_result_f64(const ps_result_field *f, const ps_result *r)
{
    double x;
    memcpy(&x, (const char *)r + f->offset, sizeof x);
    return x;
}

int64_t ps_result_int(const ps_result_field *f, const ps_result *r)
{
    const char *p = (const char *)r + f->offset;
    int i;
    int64_t j;
    enum ps_stop s;
    switch (f->kind) {
    case PS_FIELD_INT: memcpy(&i, p, sizeof i); return i;
    case PS_FIELD_I64: memcpy(&j, p, sizeof j); return j;
    case PS_FIELD_STOP: memcpy(&s, p, sizeof s); return (int64_t)s;
    case PS_FIELD_F64: break;
    }
    return 0;
}

void ps_result_store(const ps_result_field *f, ps_result *r, double x, int64_t i)
{
    char *p = (char *)r + f->offset;
    const int n = (int)i;
    const enum ps_stop s = (enum ps_stop)i;
    switch (f->kind) {
    case PS_FIELD_F64: memcpy(p, &x, sizeof x); break;
    case PS_FIELD_INT: memcpy(p, &n, sizeof n); break;
    case PS_FIELD_I64: memcpy(p, &i, sizeof i); break;
    case PS_FIELD_STOP: memcpy(p, &s, sizeof s); break;
    }
}

const ps_layout *ps_layout_sweep_for(int curves)
{
    curves = curves != 0;
    if (!views[curves].vars) {
        int n = 0;
        for (int i = 0; i < sweep.n_vars; i++)
            if (sweep_vars[i].only == PS_ONLY_ALWAYS || curves)
                view_vars[curves][n++] = sweep_vars[i];
        views[curves] = (ps_layout){sweep.kind, n, view_vars[curves], sweep.coordinates};
    }
    return &views[curves];
}

const ps_layout *ps_layout_sweep(void) { return ps_layout_sweep_for(0); }

int ps_layout_is_task_var(const ps_layout_var *v)
{
    return v->ndims >= 3 && !strcmp(v->dims[v->ndims - 1], "replica") &&
           !strcmp(v->dims[v->ndims - 2], "gamma_w") && !strcmp(v->dims[v->ndims - 3], "gamma_s");
}

/* dims starting with gamma_s, gamma_w, replica: a per-task variable or a curve variable */
static int starts_with_task_dims(const ps_layout_var *v)
{
    return v->ndims >= 3 && !strcmp(v->dims[0], "gamma_s") && !strcmp(v->dims[1], "gamma_w") &&
           !strcmp(v->dims[2], "replica");
}

const ps_layout *ps_layout_sweep_nd(ps_layout_nd *buf, int curves, int k,
                                    const ps_layout_axis *axes)
{
    const ps_layout *base = ps_layout_sweep_for(curves);
    int n = 0, has_d = 0;
    if (k < 0 || k > PS_LAYOUT_MAX_DIMS - 4 || k + base->n_vars > PS_LAYOUT_MAX_VARS) return NULL;
    for (int a = 0; a < k; a++) {
        has_d |= !strcmp(axes[a].dim, "d");
        buf->vars[n++] = (ps_layout_var){axes[a].dim, axes[a].type, PS_FILL_NONE, 1,
                                         {axes[a].dim}, "1", axes[a].long_name,
                                         "an axis of the sweep: one value per point", NULL,
                                         PS_ONLY_ALWAYS};
    }
    for (int i = 0; i < base->n_vars; i++) {
        ps_layout_var v = base->vars[i];
        const int depends_on_d = !strcmp(v.name, "sigma2") || !strcmp(v.name, "width");
        if (starts_with_task_dims(&v)) {
            for (int j = 0; j < v.ndims; j++) v.dims[k + j] = base->vars[i].dims[j];
            for (int a = 0; a < k; a++) v.dims[a] = axes[a].dim;
            v.ndims += k;
        } else if (depends_on_d && has_d) {
            v.dims[1] = v.dims[0];
            v.dims[0] = "d";
            v.ndims = 2;
        }
        buf->vars[n++] = v;
    }
    buf->L = (ps_layout){base->kind, n, buf->vars, base->coordinates};
    return &buf->L;
}
const ps_layout *ps_layout_trace(void) { return &trace; }

const ps_layout_var *ps_layout_find(const ps_layout *L, const char *name)
{
    for (int i = 0; i < L->n_vars; i++)
        if (!strcmp(L->vars[i].name, name)) return &L->vars[i];
    return NULL;
}

int ps_layout_is_scale(const ps_layout_var *v)
{
    return v->ndims == 1 && !strcmp(v->name, v->dims[0]);
}

const char *ps_var_type_name(enum ps_var_type t)
{
    static const char *const names[] = {"float64", "int64", "int32", "int8", "uint8", "uint64"};
    return names[t];
}

/* Our strings hold no character JSON needs escaped; checked by the JSON test. */
static void put_var(FILE *out, const ps_layout_var *v)
{
    static const char *const fills[] = {"null", "\"nan\"", "-1"};
    fprintf(out, "{\"name\": \"%s\", \"type\": \"%s\", \"fill\": %s, \"dims\": [", v->name,
            ps_var_type_name(v->type), fills[v->fill]);
    for (int d = 0; d < v->ndims; d++) fprintf(out, "%s\"%s\"", d ? ", " : "", v->dims[d]);
    fprintf(out, "], \"units\": \"%s\", \"long_name\": \"%s\", \"description\": \"%s\", "
            "\"flag_meanings\": ", v->units, v->long_name, v->description);
    if (v->flag_meanings) fprintf(out, "\"%s\"", v->flag_meanings);
    else fputs("null", out);
    fputs(v->only == PS_ONLY_CURVES ? ", \"only\": \"curves\"}" : ", \"only\": null}", out);
}

void ps_layout_json(FILE *out)
{
    const ps_layout *all[2] = {&sweep, &trace};
    fprintf(out, "{\"layout_version\": %d", PS_LAYOUT_VERSION);
    for (int k = 0; k < 2; k++) {
        fprintf(out, ",\n \"%s_coordinates\": \"%s\"", all[k]->kind,
                all[k]->coordinates ? all[k]->coordinates : "");
        fprintf(out, ",\n \"%s\": [", all[k]->kind);
        for (int i = 0; i < all[k]->n_vars; i++) {
            fputs(i ? ",\n  " : "\n  ", out);
            put_var(out, &all[k]->vars[i]);
        }
        fputs("]", out);
    }
    fputs("}\n", out);
}
