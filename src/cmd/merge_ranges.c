/* merge_ranges: the replica ranges of a merge's files (merge_core.h). */
#include "merge_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tasks.h"

/* Where the missing tasks belong, by the dealing: "parts 2, 5 of 8 not given; b.h5 (part
 * 1/8) has 3 left (resume it)", the first few of each kind. */
static void missing_parts(const ps_options *so, const part *p, int n, const int *from,
                          char *what, size_t len)
{
    const int N = so->part_count;
    const int64_t total = ps_task_count(so);
    int *part_of = ps_malloc(sizeof *part_of * (size_t)(total ? total : 1), "task parts");
    int64_t *left = ps_calloc((size_t)N, sizeof *left, "missing tasks");
    ps_tasks_partition(so, N, part_of);
    for (int64_t t = 0; t < total; t++)
        if (from[t] < 0) left[part_of[t]]++;
    char absent[256] = "", unfinished[600] = "";
    int n_absent = 0, n_unfinished = 0;
    for (int k = 0; k < N; k++) {
        int given = -1;
        for (int i = 0; i < n; i++)
            if (p[i].o.part_index == k) given = i;
        if (given < 0 && n_absent++ < 8) {
            size_t used = strlen(absent);
            snprintf(absent + used, sizeof absent - used, "%s%d", n_absent > 1 ? ", " : "", k);
        } else if (given >= 0 && left[k] && n_unfinished++ < 4) {
            size_t used = strlen(unfinished);
            snprintf(unfinished + used, sizeof unfinished - used, "%s%s (part %s) has %lld left",
                     n_unfinished > 1 ? ", " : "", p[given].path, p[given].o.part,
                     (long long)left[k]);
        }
    }
    what[0] = 0;
    if (n_absent)
        snprintf(what, len, "part%s %s%s of %d not given", n_absent > 1 ? "s" : "", absent,
                 n_absent > 8 ? ", ..." : "", N);
    if (n_unfinished) {
        size_t used = strlen(what);
        snprintf(what + used, len - used, "%s%s%s (resume %s)", used ? "; " : "", unfinished,
                 n_unfinished > 4 ? ", ..." : "", n_unfinished > 1 ? "them" : "it");
    }
    if (!what[0]) snprintf(what, len, "the parts' done flags disagree with their dealing");
    free(left);
    free(part_of);
}

/* By replica range (first, then count), then part index: each range's files side by side. */
static int by_range(const void *pa, const void *pb)
{
    const ps_options *a = &((const part *)pa)->o, *b = &((const part *)pb)->o;
    if (a->replica_first != b->replica_first)
        return a->replica_first < b->replica_first ? -1 : 1;
    if (a->replicas != b->replicas) return a->replicas < b->replicas ? -1 : 1;
    if (a->part_index != b->part_index) return a->part_index < b->part_index ? -1 : 1;
    return strcmp(((const part *)pa)->path, ((const part *)pb)->path); /* messages' order */
}

int ps_merge_same_range(const part *a, const part *b)
{
    return a->o.replica_first == b->o.replica_first && a->o.replicas == b->o.replicas;
}

/* "A:B", replicas A .. B-1 */
void ps_merge_range_text(const ps_options *o, char *buf, size_t len)
{
    snprintf(buf, len, "%d:%lld", o->replica_first, (long long)o->replica_first + o->replicas);
}

/* The n files of one replica range (sorted by part index) are one whole sweep, or parts of
 * one split, each once: "" or why not. */
static void range_problem(const part *p, int n, char *why, size_t len)
{
    char r[32];
    ps_merge_range_text(&p[0].o, r, sizeof r);
    why[0] = 0;
    for (int i = 0; i < n && n > 1; i++) {
        if (p[i].o.part_count >= 1) continue;
        const part *q = &p[i ? 0 : 1];
        if (q->o.part_count < 1)
            snprintf(why, len, "%s and %s both hold replicas %s (duplicate sweeps)", p[i].path,
                     q->path, r);
        else
            snprintf(why, len, "%s is not a part (made without --part I/N) and holds replicas "
                     "%s, as part %s (%s) does: they overlap", p[i].path, r, q->o.part, q->path);
        return;
    }
    for (int i = 1; i < n && !why[0]; i++)
        if (p[i].o.part_count != p[0].o.part_count)
            snprintf(why, len, "%s (part %s) and %s (part %s) overlap: parts of different splits",
                     p[0].path, p[0].o.part, p[i].path, p[i].o.part);
    for (int i = 1; i < n && !why[0]; i++)
        if (p[i].o.part_index == p[i - 1].o.part_index)
            snprintf(why, len, "%s and %s are both part %s (duplicate parts)", p[i - 1].path,
                     p[i].path, p[i].o.part);
}

int ps_merge_ranges(part *p, int n, char *why, size_t len)
{
    int ranges = 0;
    why[0] = 0;
    qsort(p, (size_t)n, sizeof *p, by_range);
    for (int g = 0, h; g < n; g = h) {
        for (h = g + 1; h < n && ps_merge_same_range(&p[g], &p[h]); h++) continue;
        range_problem(&p[g], h - g, why, len);
        if (why[0]) return 0;
        ranges++;
        if (!g) continue;
        /* the previous range's last file, this range's first: side by side */
        const ps_options *a = &p[g - 1].o, *b = &p[g].o;
        const long long end = (long long)a->replica_first + a->replicas;
        const long long b_end = (long long)b->replica_first + b->replicas;
        char ra[32], rb[32];
        ps_merge_range_text(a, ra, sizeof ra);
        ps_merge_range_text(b, rb, sizeof rb);
        if (b->replica_first < end) {
            snprintf(why, len, "%s (replicas %s) and %s (replicas %s) overlap: replicas %d:%lld "
                     "are in both", p[g - 1].path, ra, p[g].path, rb, b->replica_first,
                     end < b_end ? end : b_end);
            return 0;
        }
        if (b->replica_first > end) {
            snprintf(why, len, "replicas %lld:%d are missing between %s (replicas %s) and %s "
                     "(replicas %s); sweep them with --replicas %lld:%d", end, b->replica_first,
                     p[g - 1].path, ra, p[g].path, rb, end, b->replica_first);
            return 0;
        }
    }
    return ranges;
}

/* The output's task of q's task t: the same point and replica number (the replica is the
 * fastest dimension of every sweep file). */
int64_t ps_merge_out_task(const ps_options *out, const ps_options *q, int64_t t)
{
    return t / q->replicas * out->replicas + (q->replica_first - out->replica_first) +
           t % q->replicas;
}

/* What the range of the n files p (its tasks' sources in the output's from) misses,
 * appended to what (after "replicas A:B: " when label): the dealing's missing parts, or a
 * whole sweep's tasks left. */
void ps_merge_range_missing(const ps_options *out, const part *p, int n, const int *from,
                            int label, char *what, size_t len)
{
    int *local = ps_malloc(sizeof *local * (size_t)(p[0].total ? p[0].total : 1), "sources");
    int64_t left = 0;
    for (int64_t t = 0; t < p[0].total; t++) {
        local[t] = from[ps_merge_out_task(out, &p[0].o, t)];
        left += local[t] < 0;
    }
    char here[1024] = "", r[32];
    ps_merge_range_text(&p[0].o, r, sizeof r);
    if (left && p[0].o.part_count >= 1)
        missing_parts(&p[0].o, p, n, local, here, sizeof here);
    else if (left)
        snprintf(here, sizeof here, "%s has %lld left (resume it)", p[0].path, (long long)left);
    size_t used = strlen(what);
    if (here[0])
        snprintf(what + used, len - used, "%s%s%s%s", used ? "; " : "", label ? "replicas " : "",
                 label ? r : "", label ? ": " : "");
    used = strlen(what);
    if (here[0]) snprintf(what + used, len - used, "%s", here);
    free(local);
}

