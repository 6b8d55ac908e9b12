/* cli: the options database. One table lists every option of every command with its type,
 * default, accepted range and help; --help prints it, the INI reader (--config) and the
 * command line both fill a ps_options through it (command line wins), and the sweep file's
 * root attributes and the --resume comparison iterate over it. The commands themselves are
 * rows of a table (ps_command_def) that the caller hands to the parser and to --help. Bad
 * input exits with status 2 and one line naming the option and the accepted range. */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <stddef.h>
#include <stdio.h>
#include "axes.h"
#include "params.h"
#include "version.h"

/* The commands, in the order of the commands table (main.c); an option's row names the
 * commands that take it by these bits. */
enum ps_command { PS_CMD_RUN, PS_CMD_TRACE, PS_CMD_SWEEP, PS_CMD_INFO, PS_CMD_MERGE,
                  PS_CMD_ESTIMATE };
#define PS_N_COMMANDS 6

typedef struct ps_range { double a, b; int n; } ps_range; /* inclusive linear grid a:b:n */
/* The i-th point: a + (b - a) * i / (n - 1), exactly this expression (a when n == 1). */
double ps_range_at(const ps_range *r, int i);
/* --replicas R (replicas 0 .. R-1) or A:B (replicas A .. B-1): how many, and the first. */
typedef struct ps_replica_span { int n, first; } ps_replica_span;

/* An extra axis of a sweep (issue #19): a number option given as a range A:B:N or a list
 * v1,v2,... to sweep or estimate (or in --config). Its values, distinct, in the order given. */
#define PS_MAX_AXES 16
#define PS_MAX_TASKS 100000000LL /* a sweep's task count (axes x gs x gw x replicas) at most */
typedef struct ps_axis_list {
    const ps_axis *axis; /* its row of the axes table (axes.h) */
    int row;             /* its option's row of the options table */
    int n;
    ps_axis_value *v;    /* n values, owned by ps_options */
} ps_axis_list;

typedef struct ps_options {
    enum ps_command cmd;
    ps_params p;            /* run options; p.gs/p.gw also for run/trace */
    int gs_given, gw_given; /* --gs/--gw appeared (run/trace need them unless --load has W) */
    ps_range gs_range, gw_range; /* sweep */
    union { /* sweep: --replicas; the option's field is the span, named also as its two */
        ps_replica_span replica_span;
        struct { int replicas, replica_first; }; /* how many; the first replica number */
    };
    int curves, curves_every; /* sweep --curves [--curves-every K]: every task's learning curves */
    double max_file;        /* sweep: the largest file a sweep may make (bytes) */
    const char *out;        /* trace/sweep output */
    const char *load;       /* run/trace: --load FILE.h5 */
    const char *from, *task, *at; /* run/trace: --from SWEEP.h5 --task I,J,.. | --at N=X,.. */
    const char *config;     /* sweep: --config FILE.ini */
    const char *info_file;  /* info: positional */
    const char *layout;     /* info: --layout json */
    const char *part;       /* sweep: --part I/N as given, canonical "I/N" after parsing */
    int part_index, part_count; /* sweep --part I/N (0 <= I < N); 0, 0 without --part */
    char **merge_parts;     /* merge: the positional PART files */
    int n_merge_parts;
    int partial;            /* merge --partial */
    int resume, force, json, text;
    int group_size;         /* 0 = auto */
    int block;              /* ScaLAPACK NB */
    int est_ranks, est_pilot, est_pilot_d; /* estimate: --ranks, --pilot, --pilot-d */
    const char *est_wall;   /* estimate: --wall HH:MM */
    const char *command_line; /* argv joined, for the record */
    unsigned long long given; /* bit i: table row i was set (command line or --config) */
    int n_axes;             /* sweep/estimate: the extra axes, in the options table's order */
    ps_axis_list axes[PS_MAX_AXES];
} ps_options;

/* The value types; each has one row of operations (opt_types.h; HDF5 attributes: h5_common.h). */
enum ps_opt_type { PS_OPT_INT, PS_OPT_U64, PS_OPT_DOUBLE, PS_OPT_BYTES, PS_OPT_RANGE,
                   PS_OPT_FLAG, PS_OPT_STRING, PS_OPT_GROUP, PS_OPT_REPLICAS,
                   PS_OPT_CHOICE, /* one of the row's names (ps_option.choices): an int index */
                   PS_OPT_N_TYPES };

/* Properties of a row (ps_option.props), so that no code tests an option by its name. */
enum {
    /* steers the run without changing its results (out, threads, max-mem, ...): stored in
     * files as run_NAME, never compared on --resume or between parts; a row without it is a
     * run parameter, stored under its own name (identity says whether a sweep compares it) */
    PS_OPT_STEERS = 1u << 0,
    /* part of a sweep's identity that differs between its parts (--part): outside the
     * sweep_id the parts share, and optional in files made before it existed */
    PS_OPT_PER_PART = 1u << 1,
    /* may come from the --load file (gw: the width of W1): required only without --load */
    PS_OPT_FROM_LOAD = 1u << 2,
    /* the replica range (--replicas): compared on --resume, but outside the sweep_id, so that
     * sweeps that differ in it only are one study, which merge joins */
    PS_OPT_REPLICA_RANGE = 1u << 3,
    /* a run parameter added after files were made (--curves, --problem, --gr, --update):
     * a file without its attribute holds the default, for --resume, merge and the readers
     * alike, and at its default it stays out of the sweep_id (older files keep theirs) */
    PS_OPT_ADDED = 1u << 4,
    /* a number that may be an axis of a sweep (a range or a list: axes.h derives its row) */
    PS_OPT_AXIS = 1u << 5,
    /* defines the teacher (A*, E, the mask): tasks share a teacher only with equal values of these */
    PS_OPT_TEACHER = 1u << 6,
};

typedef struct ps_option {
    const char *name;      /* long option without dashes; also the INI key and attribute name */
    enum ps_opt_type type;
    size_t offset;         /* into ps_options */
    double min, max;       /* accepted range (numbers) */
    unsigned commands;     /* bit (1 << ps_command) for each command that takes it */
    int identity;          /* part of a sweep's identity: stored and compared on --resume */
    const char *help;
    const char *group;     /* --help heading */
    int min_open;          /* the range excludes min: (min, max] */
    unsigned required;     /* commands that need it (PS_OPT_FROM_LOAD: unless --load) */
    unsigned props;        /* PS_OPT_STEERS, PS_OPT_PER_PART, PS_OPT_FROM_LOAD, PS_OPT_ADDED, ... */
    const char *metavar;   /* the value's name in --help; NULL: the type's (INT, X, FILE, ...) */
} ps_option;
/* A PS_OPT_CHOICE row's names, NULL-terminated (the field holds the index). */
const char *const *ps_option_choices(const ps_option *opt);
/* Flags store max when given and min otherwise (--no-theory: p.theory 1 -> 0); their
 * formatted value is "true" when given. Strings are owned by ps_options (ps_options_free). */

const ps_option *ps_option_table(size_t *n);

/* One row of the commands table: PS_N_COMMANDS rows indexed by enum ps_command. The parser
 * finds a command by name; --help prints usage, help and example; main runs it on every rank
 * (it returns the exit status; rank is MPI_COMM_WORLD's). */
typedef struct ps_command_def {
    const char *name, *usage, *help, *example;
    int (*main)(ps_options *o, int rank);
} ps_command_def;
/* The option's value as text (e.g. "200", "-3:0:30", "reduced"; an axis' values "16,24,32"),
 * for records and messages. */
void ps_option_format(const ps_option *opt, const ps_options *o, char *buf, size_t len);
/* text into opt's field of o through its type's row: 0, or -1 with the reason in err (without
 * the option's name). A flag's text is a boolean or NULL (given on the command line). */
int ps_option_parse(const ps_option *opt, const char *text, ps_options *o, char *err,
                    size_t errlen);
/* opt's field holds the same value in a and b (the --resume and merge comparison); an axis
 * equals only the same axis, value for value. */
int ps_option_equal(const ps_option *opt, const ps_options *a, const ps_options *b);

/* The parser core, which never exits: 0 parsed, PS_CLI_ERROR with one line in err (no
 * "phasesweep: " prefix), PS_CLI_HELP (o->cmd's help asked), PS_CLI_HELP_ALL, PS_CLI_VERSION. */
enum { PS_CLI_OK = 0, PS_CLI_ERROR = -1, PS_CLI_HELP = 1, PS_CLI_HELP_ALL = 2,
       PS_CLI_VERSION = 3 };
int ps_cli_parse_args(const ps_command_def *cmds, int argc, char **argv, ps_options *o,
                      char *err, size_t errlen);
/* o->part "I/N" against o's grid: 0 and o->part made canonical with part_index/part_count set,
 * or PS_CLI_ERROR with one line in err (the command line and merge's part files share it). */
int ps_cli_check_part(ps_options *o, char *err, size_t errlen);
/* Usage of one command (every option, default, range, help), or of the program (cmd < 0). */
void ps_cli_help(FILE *f, const ps_command_def *cmds, int cmd);
void ps_options_default(ps_options *o);
void ps_options_free(ps_options *o);
/* The axis of option row opt in o, or NULL (a scalar). */
const ps_axis_list *ps_options_axis(const ps_options *o, const ps_option *opt);
/* The largest --max-iter of o's tasks: the scalar, or the largest value of its axis. */
int ps_options_max_iter(const ps_options *o);
/* The axes' values as a new copy into dst (dst's own freed first), for copies of options. */
void ps_options_copy_axes(ps_options *dst, const ps_options *src);
void ps_options_free_axes(ps_options *o);
/* Parses text as an axis of opt (a range A:B:N or a list v1,v2,...: each element checked as
 * the scalar is, integers for integer options, no value twice) into o's axes, replacing
 * opt's axis; 0, or -1 with one line in err (without the option's name). */
int ps_axis_parse(const ps_option *opt, const char *text, ps_options *o, char *err,
                  size_t errlen);
/* 1 when text is an axis (holds ',' or ':'), for options with PS_OPT_AXIS. */
int ps_axis_text(const char *text);
/* The values as text "v1,v2,..." (shortest exact form; "..." when cut), and equality (bit
 * for bit; two NULLs are equal). */
void ps_axis_list_format(const ps_axis_list *a, char *buf, size_t len);
int ps_axis_list_equal(const ps_axis_list *a, const ps_axis_list *b);
/* Removes opt's axis from o (a scalar given after it). */
void ps_axis_drop(ps_options *o, const ps_option *opt);
/* The row of name taken by cmd, or NULL. */
const ps_option *ps_option_find(const char *name, enum ps_command cmd);
/* The option appeared on the command line or in --config (for cmd's row of that name). */
int ps_option_given(const ps_options *o, const char *name);

#endif
