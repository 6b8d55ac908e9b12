/* merge: part files (sweep --part I/N), sweeps of adjacent replica ranges (--replicas A:B;
 * merge_ranges.c) and `phasesweep merge`. The output is created by ps_sweep_create from the
 * files' recorded options (over the ranges' union), exactly as a single sweep's file, then
 * every done task's values are copied in, raw (each dataset read and written in its own file
 * type: no conversion, NaN payloads and signed zeros kept). Built under a temporary name and
 * renamed at the end, `done` written last, so that an interrupted merge leaves no file. */
#define _POSIX_C_SOURCE 200809L
#include "merge.h"
#include "merge_core.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "h5_file.h"
#include "h5_attr.h"
#include "h5_errors.h"
#include "h5io.h"
#include "layout.h"
#include "lock.h"
#include "outpath.h"
#include "part.h"
#include "provenance.h"
#include "signals.h"
#include "tasks.h"

/* Every per-task dataset the merge copies: the layout table's variables of shape
 * [axes..][gamma_s][gamma_w][replica] (whole, in the task numbering; and with --curves the curves, [...][iteration]: `points`
 * values per task), in its order, so done comes last (written last); the done flags tell
 * which part holds a task. The grid variables are not copied: ps_sweep_create writes them
 * from the options, as for any sweep. */
#define MAX_MERGED 32
static size_t merged_names(const ps_options *o, const char *names[MAX_MERGED],
                           size_t per_task[MAX_MERGED])
{
    const ps_layout *L = ps_layout_sweep_for(o->curves);
    size_t n = 0;
    for (int k = 0; k < L->n_vars && n < MAX_MERGED; k++)
        if (L->vars[k].ndims >= 3) {
            per_task[n] = L->vars[k].ndims > 3 ? (size_t)ps_curve_points(o) : 1;
            names[n++] = L->vars[k].name;
        }
    return n;
}
#define DONE_DATASET "done"
/* ---- merge ---- */

/* Opens a dataset of a file that passed the layout check (check_layout); returns it and its
 * file type. */
static hid_t open_dataset(const part *p, const char *name, hid_t *type)
{
    hid_t d = (hid_t)PS_H5(H5Dopen2(p->f, name, H5P_DEFAULT));
    *type = (hid_t)PS_H5(H5Dget_type(d));
    return d;
}

/* A part must be a sweep file of this layout whose variables have the shape its options say:
 * the layer's own checks (h5_layout.c), as --resume runs them. "" or why not, in why. */
static void layout_problem(const part *p, char *why, size_t len)
{
    ps_sweep_shape s;
    ps_sweep_shape_of(&p->o, &s);
    ps_h5_layout_problem(p->f, s.L, s.dims, s.sizes, s.nfile, why, len);
}

static void remove_path(void *path) { remove((const char *)path); }

/* Same file (inode), for refusing --out among the parts. */
static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* A refusal of the merge: "merge: ..." into msg, status 2, and every resource let go. */
#define REFUSE(...)                                                                       \
    do { snprintf(msg, len, "merge: " __VA_ARGS__); rc = PS_EXIT_USAGE; goto out; } while (0)

int ps_merge(const ps_options *o, ps_merge_report *rep, char *msg, size_t len)
{
    const int n = o->n_merge_parts;
    struct stat st;
    char why[PS_H5_MSG];
    char tmp[PATH_MAX + 32] = "";
    int rc = 0, made = 0;
    hid_t fo = H5I_INVALID_HID;
    int *from = NULL;
    part *p = ps_calloc((size_t)n, sizeof *p, "merge parts");
    for (int i = 0; i < n; i++) p[i].f = H5I_INVALID_HID;
    memset(rep, 0, sizeof *rep);
    msg[0] = 0;
    if (stat(o->out, &st) == 0 && !o->force) {
        snprintf(msg, len, "--out: %s exists; --force overwrites it", o->out);
        rc = PS_EXIT_USAGE;
        goto out;
    }

    for (int i = 0; i < n; i++) {
        p[i].path = o->merge_parts[i];
        if (same_file(p[i].path, o->out)) {
            snprintf(msg, len, "--out: %s is one of the parts", o->out);
            rc = PS_EXIT_USAGE;
            goto out;
        }
        p[i].f = ps_h5_open_serial(p[i].path, H5F_ACC_RDONLY, "merge", msg, len);
        if (p[i].f < 0) {
            rc = PS_EXIT_USAGE;
            goto out;
        }
        /* every check of this part blames this part: a failing read is its damage (exit 2) */
        ps_h5_input("merge", p[i].path);
        if (ps_h5_not_this_layout(p[i].f, "sweep", why, sizeof why))
            REFUSE("%s is %s", p[i].path, why);
        if (ps_sweep_options_read(p[i].f, &p[i].o, why, sizeof why))
            REFUSE("%s: %s", p[i].path, why);
        /* its declared size before anything of that size is read or allocated: the done
         * flags of every part and two buffers of 8 bytes per task */
        const double need = (double)ps_task_count(&p[i].o) *
                            (16.0 * (1 + ps_curve_points(&p[i].o)) + n);
        if (need > o->p.max_mem)
            REFUSE("%s declares %lld tasks, %.3g GiB to merge, more than %.3g GiB (--max-mem's "
                   "default)", p[i].path, (long long)ps_task_count(&p[i].o),
                   need / 1073741824.0, o->p.max_mem / 1073741824.0);
        layout_problem(&p[i], why, sizeof why);
        if (!why[0]) ps_sweep_grid_problem(p[i].f, &p[i].o, why, sizeof why);
        if (!why[0]) ps_provenance_problem(p[i].f, why, sizeof why);
        if (why[0]) REFUSE("%s: %s", p[i].path, why);
        char *stored = ps_h5_attr_read_string(p[i].f, PS_PART_ATTR_SWEEP_ID);
        int64_t index, count;
        ps_part_read_attrs(p[i].f, &index, &count);
        int agree = ps_sweep_id_matches(&p[i].o, stored) && index == p[i].o.part_index &&
                    count == p[i].o.part_count;
        free(stored);
        if (!agree)
            REFUSE("%s: its part attributes (sweep_id, part_index, part_count) disagree with "
                   "its parameters", p[i].path);
        p[i].total = ps_task_count(&p[i].o);
        ps_h5_input(NULL, NULL);
    }
    /* one sweep (but for the replica range) */
    for (int i = 1; i < n; i++) {
        ps_part_first_difference(&p[0].o, &p[i].o, p[0].path, p[i].path, why, sizeof why);
        if (why[0])
            REFUSE("%s and %s are of different sweeps: %s", p[0].path, p[i].path, why);
    }
    if (n == 1 && p[0].o.part_count < 1)
        REFUSE("%s is not a part (made without --part I/N); merge takes the parts of a sweep, "
               "or sweeps (or their parts) of adjacent replica ranges", p[0].path);
    /* replica ranges side by side, each one whole sweep or the parts of one split; together
     * replicas A .. B-1 without overlap or gap */
    const int ranges = ps_merge_ranges(p, n, why, sizeof why);
    if (!ranges) REFUSE("%s", why);

    /* the output's options: the first range's, over every replica */
    ps_options out = p[0].o;
    out.replicas = p[n - 1].o.replica_first + p[n - 1].o.replicas - out.replica_first;
    /* which file holds each of the output's tasks */
    const ps_options *so = &out;
    const int64_t total = ps_task_count(so);
    if ((double)total * (16.0 + n) > o->p.max_mem)
        REFUSE("the merged file holds %lld tasks, %.3g GiB to merge, more than %.3g GiB "
               "(--max-mem's default)", (long long)total,
               (double)total * (16.0 + n) / 1073741824.0, o->p.max_mem / 1073741824.0);
    from = ps_malloc(sizeof *from * (size_t)(total ? total : 1), "merge sources");
    for (int64_t t = 0; t < total; t++) from[t] = -1;
    for (int i = 0; i < n; i++) {
        hid_t type;
        const size_t own = (size_t)(p[i].total ? p[i].total : 1);
        ps_h5_input("merge", p[i].path);
        hid_t d = open_dataset(&p[i], DONE_DATASET, &type);
        p[i].done = ps_malloc(own, "done flags");
        PS_H5(H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, p[i].done));
        PS_H5(H5Tclose(type));
        PS_H5(H5Dclose(d));
        /* every other per-task variable read once here, so that a damaged one refuses the
         * part before the output is made */
        const char *names[MAX_MERGED];
        size_t per[MAX_MERGED];
        const size_t nm = merged_names(&p[i].o, names, per);
        for (size_t k = 0; k < nm; k++) {
            hid_t pd = open_dataset(&p[i], names[k], &type);
            unsigned char *buf = ps_malloc(H5Tget_size(type) * per[k] * own, "merge check");
            PS_H5(H5Dread(pd, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
            free(buf);
            PS_H5(H5Tclose(type));
            PS_H5(H5Dclose(pd));
        }
        ps_h5_input(NULL, NULL);
        for (int64_t t = 0; t < p[i].total; t++) {
            if (!p[i].done[t]) continue;
            const int64_t u = ps_merge_out_task(so, &p[i].o, t);
            if (from[u] >= 0) {
                int is, iw, r;
                ps_task_decode(so, u, &is, &iw, &r);
                REFUSE("%s and %s overlap: task %lld [is=%d, iw=%d, r=%d] is done in both",
                       p[from[u]].path, p[i].path, (long long)u, is, iw,
                       so->replica_first + r);
            }
            from[u] = i;
        }
    }
    int64_t missing = 0;
    for (int64_t t = 0; t < total; t++) missing += from[t] < 0;
    if (missing) {
        for (int g = 0, h; g < n; g = h) {
            for (h = g + 1; h < n && ps_merge_same_range(&p[g], &p[h]); h++) continue;
            ps_merge_range_missing(so, &p[g], h - g, from, ranges > 1, rep->missing_parts,
                                   sizeof rep->missing_parts);
        }
        if (!rep->missing_parts[0])
            snprintf(rep->missing_parts, sizeof rep->missing_parts,
                     "the parts' done flags disagree with their dealing");
        if (!o->partial)
            REFUSE("%lld of %lld tasks are not done: %s; --partial merges what is done",
                   (long long)missing, (long long)total, rep->missing_parts);
    }

    /* The output: a sweep file of the parts' options, made by the one function that makes
     * every sweep file, then filled. */
    if (snprintf(tmp, sizeof tmp, "%s.merge.%ld", o->out, (long)getpid()) >= (int)sizeof tmp) {
        tmp[0] = 0;
        snprintf(msg, len, "--out: %s: path too long", o->out);
        rc = PS_EXIT_USAGE;
        goto out;
    }
    out.out = tmp;
    out.force = 0; /* the temporary name is new */
    out.resume = 0;
    out.part = NULL;
    out.part_index = out.part_count = 0;
    out.command_line = o->command_line;
    ps_sweep_file *sf;
    if (ps_sweep_create(MPI_COMM_SELF, &out, &sf, why, sizeof why)) REFUSE("%s", why);
    ps_sweep_close(sf);
    made = 1;
    ps_set_cleanup(remove_path, tmp);
    fo = ps_h5_open_serial(tmp, H5F_ACC_RDWR, "merge", msg, len);
    if (fo < 0) {
        rc = PS_EXIT_FAIL; /* the file just made: not the input's fault */
        goto out;
    }
    /* the record names the file as a single sweep's would: its final path */
    char out_attr[128];
    ps_h5_attr_name(ps_option_find("out", PS_CMD_SWEEP), out_attr, sizeof out_attr);
    PS_H5(H5Adelete(fo, out_attr));
    ps_h5_attr_write_string(fo, out_attr, o->out);
    const size_t count = (size_t)total;
    const char *merged_dataset[MAX_MERGED];
    size_t per_task[MAX_MERGED];
    const size_t n_merged = merged_names(so, merged_dataset, per_task);
    for (size_t k = 0; k < n_merged; k++) {
        part target = {.path = tmp, .f = fo};
        hid_t type;
        hid_t d = open_dataset(&target, merged_dataset[k], &type);
        const size_t size = H5Tget_size(type) * per_task[k]; /* one task's values */
        unsigned char *buf = ps_malloc(size * (count ? count : 1), "merge buffer");
        unsigned char *in = ps_malloc(size * (count ? count : 1), "merge buffer");
        PS_H5(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)); /* the fill values */
        int bad = -1;
        for (int i = 0; i < n && bad < 0; i++) {
            hid_t ptype;
            ps_h5_input("merge", p[i].path);
            hid_t pd = open_dataset(&p[i], merged_dataset[k], &ptype);
            if (PS_H5(H5Tequal(ptype, type)) <= 0) {
                bad = i;
            } else {
                PS_H5(H5Dread(pd, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, in));
                for (int64_t t = 0; t < p[i].total; t++) {
                    const int64_t u = ps_merge_out_task(so, &p[i].o, t);
                    if (from[u] == i) memcpy(buf + u * size, in + t * size, size);
                }
            }
            PS_H5(H5Tclose(ptype));
            PS_H5(H5Dclose(pd));
            ps_h5_input(NULL, NULL);
        }
        if (bad < 0) PS_H5(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
        free(buf);
        free(in);
        PS_H5(H5Tclose(type));
        PS_H5(H5Dclose(d));
        if (bad >= 0)
            REFUSE("%s: dataset %s is not of the type a sweep writes", p[bad].path,
                   merged_dataset[k]);
        if (ps_signal_caught()) break;
    }
    PS_H5(H5Fclose(fo));
    fo = H5I_INVALID_HID;
    if (ps_signal_caught()) {
        /* the parts were only read: nothing is left of the merge */
        snprintf(msg, len, "merge: stopped by signal %d; nothing written", ps_signal_caught());
        rc = PS_MERGE_STOPPED;
        goto out;
    }
    if (rename(tmp, o->out) != 0)
        ps_fail(PS_EXIT_FAIL, "rename", "%s -> %s: %s", tmp, o->out, strerror(errno));
    made = 0;
    ps_set_cleanup(NULL, NULL);
    ps_sweep_id(so, rep->sweep_id);
    rep->parts = n;
    rep->part_count = p[0].o.part_count;
    rep->ranges = ranges;
    ps_merge_range_text(so, rep->replicas, sizeof rep->replicas);
    rep->total = total;
    rep->missing = missing;

out:
    ps_h5_input(NULL, NULL);
    if (fo >= 0) PS_H5(H5Fclose(fo));
    if (made) {
        ps_set_cleanup(NULL, NULL);
        remove(tmp);
    }
    for (int i = 0; i < n; i++) {
        if (p[i].f >= 0) PS_H5(H5Fclose(p[i].f));
        free(p[i].done);
        ps_options_free(&p[i].o);
    }
    free(p);
    free(from);
    return rc;
}

int ps_merge_main(const ps_options *o)
{
    char msg[PS_H5_MSG] = "";
    /* the path first (a directory, /proc, too long for the temporaries), then one writer per
     * output, as for sweep and trace; merge runs on one rank */
    ps_outpath_problem(o->out, PS_OUT_MERGE, msg, sizeof msg);
    ps_lock *lock;
    if (ps_lock_claim(MPI_COMM_SELF, o->out, &lock, msg, sizeof msg))
        ps_usage_error("%s", msg);
    ps_merge_report rep;
    int rc = ps_merge(o, &rep, msg, sizeof msg);
    ps_lock_release(lock);
    if (rc == PS_MERGE_STOPPED) {
        /* the temporary is gone; the signal ends the process as without handlers */
        fprintf(stderr, "phasesweep: %s\n", msg);
        fflush(stderr);
        ps_signals_default();
        return PS_EXIT_FAIL; /* not reached */
    }
    if (rc == PS_EXIT_USAGE) ps_usage_error("%s", msg);
    if (rc) ps_fail(rc, "merge", "%s", msg);
    if (rep.missing)
        fprintf(stderr, "phasesweep: merge --partial: %lld of %lld tasks missing: %s\n",
                (long long)rep.missing, (long long)rep.total, rep.missing_parts);
    if (rep.ranges > 1)
        printf("merged %d files of %d replica ranges (replicas %s) of sweep %s into %s: %lld of "
               "%lld tasks done\n", rep.parts, rep.ranges, rep.replicas, rep.sweep_id, o->out,
               (long long)(rep.total - rep.missing), (long long)rep.total);
    else
        printf("merged %d of %d parts of sweep %s into %s: %lld of %lld tasks done\n",
               rep.parts, rep.part_count, rep.sweep_id, o->out,
               (long long)(rep.total - rep.missing), (long long)rep.total);
    fflush(stdout);
    return 0;
}
