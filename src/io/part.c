/* part: the identity of a sweep file and of its parts (sweep --part I/N): the sweep_id hash
 * (of the study: every identity option but part and the replica range),
 * the part_index/part_count root attributes, the recorded sweep options read back. Shared by
 * the sweep writer (h5_sweep.c), merge and info. */
#include "part.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "h5_common.h"
#include "tasks.h"

#define ATTR_PART_INDEX "part_index"
#define ATTR_PART_COUNT "part_count"

/* the options every part of one sweep shares */
static int is_identity(const ps_option *opt)
{
    return opt->identity && (opt->commands & (1u << PS_CMD_SWEEP)) &&
           !(opt->props & PS_OPT_PER_PART);
}

/* ... but the replica range, which sweeps of one study differ in (merge joins them) */
static int is_study(const ps_option *opt)
{
    return is_identity(opt) && !(opt->props & PS_OPT_REPLICA_RANGE);
}

/* FNV-1a 64 of "name=value\n" over the study's options, and over the replica range too when
 * legacy (the sweep_id of files made before --replicas A:B) */
static void sweep_hash(const ps_options *o, int legacy, char id[17])
{
    size_t n;
    const ps_option *table = ps_option_table(&n);
    uint64_t h = 14695981039346656037ull;
    ps_options def;
    ps_options_default(&def);
    for (size_t i = 0; i < n; i++) {
        if (!(legacy ? is_identity(&table[i]) : is_study(&table[i]))) continue;
        /* an option added later, at its default: the id of the files made before it */
        if ((table[i].props & PS_OPT_ADDED) && ps_option_equal(&table[i], o, &def)) continue;
        char text[256];
        ps_option_format(&table[i], o, text, sizeof text);
        const char *pieces[4] = {table[i].name, "=", text, "\n"};
        for (int k = 0; k < 4; k++)
            for (const unsigned char *c = (const unsigned char *)pieces[k]; *c; c++) {
                h ^= *c;
                h *= 1099511628211ull;
            }
        /* an axis' every value (its text may be cut): bit for bit */
        const ps_axis_list *axis = ps_options_axis(o, &table[i]);
        for (int v = 0; axis && v < axis->n; v++)
            for (size_t b = 0; b < sizeof axis->v[v]; b++) {
                h ^= ((const unsigned char *)&axis->v[v])[b];
                h *= 1099511628211ull;
            }
    }
    snprintf(id, 17, "%016llx", (unsigned long long)h);
}

void ps_sweep_id(const ps_options *o, char id[17]) { sweep_hash(o, 0, id); }

int ps_sweep_id_matches(const ps_options *o, const char *stored)
{
    char id[17], old[17];
    sweep_hash(o, 0, id);
    sweep_hash(o, 1, old);
    return stored && (!strcmp(stored, id) || (o->replica_first == 0 && !strcmp(stored, old)));
}

void ps_part_first_difference(const ps_options *a, const ps_options *b, const char *an,
                             const char *bn, char *msg, size_t len)
{
    size_t n;
    const ps_option *table = ps_option_table(&n);
    msg[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_study(&table[i])) continue;
        char x[256], y[256];
        ps_option_format(&table[i], a, x, sizeof x);
        ps_option_format(&table[i], b, y, sizeof y);
        if (strcmp(x, y) || !ps_option_equal(&table[i], a, b)) {
            snprintf(msg, len, "%s=%s (%s) vs %s (%s)", table[i].name, x, an, y, bn);
            return;
        }
    }
}

void ps_part_write_attrs(hid_t file, const ps_options *o)
{
    char id[17];
    ps_sweep_id(o, id);
    ps_h5_attr_write_string(file, PS_PART_ATTR_SWEEP_ID, id);
    if (o->part_count < 1) return;
    const int64_t index = o->part_index, count = o->part_count;
    ps_h5_attr_write(file, ATTR_PART_INDEX, H5T_NATIVE_INT64, 0, &index);
    ps_h5_attr_write(file, ATTR_PART_COUNT, H5T_NATIVE_INT64, 0, &count);
}

int ps_sweep_options_read(hid_t f, ps_options *o, char *why, size_t len)
{
    size_t n;
    const ps_option *table = ps_option_table(&n);
    ps_options_default(o);
    o->cmd = PS_CMD_SWEEP;
    why[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->commands & (1u << PS_CMD_SWEEP))) continue;
        char name[64];
        ps_h5_attr_name(opt, name, sizeof name);
        int rc = ps_h5_attr_read_option(f, opt, o);
        if (rc == 2) {
            snprintf(why, len, "attribute %s is not a valid --%s", name, opt->name);
            return 1;
        }
        /* files from before --part, --eigensolver, --curves, --problem, --gr or --update lack
         * that attribute: unset (a whole sweep, the auto solver) or the default (PS_OPT_ADDED) */
        if (rc == 1 && opt->identity && !(opt->props & (PS_OPT_PER_PART | PS_OPT_ADDED)) &&
            opt->type != PS_OPT_STRING) {
            snprintf(why, len, "it has no attribute %s (not a phasesweep sweep file)", name);
            return 1;
        }
    }
    /* the attribute is checked as the command line's --part is */
    if (o->part && o->part[0] && ps_cli_check_part(o, why, len)) return 1;
    return 0;
}

void ps_part_read_attrs(hid_t f, int64_t *index, int64_t *count)
{
    *index = *count = 0;
    if (PS_H5(H5Aexists(f, ATTR_PART_COUNT)) <= 0 || PS_H5(H5Aexists(f, ATTR_PART_INDEX)) <= 0)
        return;
    hid_t a = (hid_t)PS_H5(H5Aopen(f, ATTR_PART_COUNT, H5P_DEFAULT));
    PS_H5(H5Aread(a, H5T_NATIVE_INT64, count));
    PS_H5(H5Aclose(a));
    a = (hid_t)PS_H5(H5Aopen(f, ATTR_PART_INDEX, H5P_DEFAULT));
    PS_H5(H5Aread(a, H5T_NATIVE_INT64, index));
    PS_H5(H5Aclose(a));
}

int ps_part_summary(hid_t f, const uint8_t *done, size_t total, size_t *tasks, size_t *n_done)
{
    int64_t index, count;
    ps_part_read_attrs(f, &index, &count);
    if (count < 1) return 0;
    ps_options o;
    char why[512];
    if (ps_sweep_options_read(f, &o, why, sizeof why) || o.part_count != count ||
        o.part_index != index || (size_t)ps_task_count(&o) != total) {
        ps_options_free(&o);
        printf("part: %lld/%lld of an unreadable sweep (%s)\n", (long long)index,
               (long long)count, why[0] ? why : "part attributes disagree");
        return 0;
    }
    int *part_of = ps_malloc(sizeof *part_of * (total ? total : 1), "task parts");
    ps_tasks_partition(&o, o.part_count, part_of);
    *tasks = *n_done = 0;
    for (size_t t = 0; t < total; t++)
        if (part_of[t] == o.part_index) {
            ++*tasks;
            *n_done += done[t] != 0;
        }
    free(part_of);
    char *id = ps_h5_attr_read_string(f, PS_PART_ATTR_SWEEP_ID);
    printf("part: %d/%d of sweep %s: %zu of the sweep's %zu tasks (phasesweep merge joins the "
           "%d parts)\n", o.part_index, o.part_count, id ? id : "?", *tasks, total,
           o.part_count);
    free(id);
    ps_options_free(&o);
    return 1;
}
