/* help: --help of the program and of each command, from the commands table and the options
 * table (include/cli.h); tools/docs_tables.py reads it back into docs/. */
#include "cli.h"

#include <string.h>

#include "opt_types.h"

static void help_option(FILE *f, const ps_option *opt, const ps_options *def, unsigned bit)
{
    const ps_opt_type_ops *t = ps_opt_type(opt->type);
    const void *field = (const char *)def + opt->offset;
    const char *metavar = opt->metavar ? opt->metavar : t->metavar;
    char head[64], dflt[96], range[96];
    snprintf(head, sizeof head, "--%s%s%s", opt->name, metavar[0] ? " " : "", metavar);
    if (opt->required & bit) snprintf(dflt, sizeof dflt, "required");
    else if (t->help_default) t->help_default(opt, field, dflt, sizeof dflt);
    else t->format(opt, field, dflt, sizeof dflt);
    fprintf(f, "  %-22s %s\n", head, opt->help);
    if (!t->help_range) {
        fprintf(f, "  %-22s default: %s\n", "", dflt);
        return;
    }
    t->range(opt, range, sizeof range);
    /* sweep and estimate take it as an axis too: a list v1,v2,... or a range A:B:N */
    const int axis = (opt->props & PS_OPT_AXIS) &&
                     (bit & ((1u << PS_CMD_SWEEP) | (1u << PS_CMD_ESTIMATE)));
    fprintf(f, "  %-22s default: %s; range: %s%s\n", "", dflt, range,
            axis ? "; may be an axis" : "");
}

void ps_cli_help(FILE *f, const ps_command_def *cmds, int cmd)
{
    if (cmd < 0 || cmd >= PS_N_COMMANDS) {
        fprintf(f, "usage: phasesweep COMMAND [options]\n"
                   "       phasesweep COMMAND --help | --help | --version\n\n"
                   "Phase diagram of two-layer linear networks between the lazy and the active\n"
                   "regime (Tu, Aranguri, Jacot, NeurIPS 2024).\n\nCommands:\n");
        for (int i = 0; i < PS_N_COMMANDS; i++)
            fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].usage);
        fprintf(f, "\nExample:\n  %s\n", cmds[PS_CMD_RUN].example);
        return;
    }
    ps_options def;
    ps_options_default(&def);
    unsigned bit = 1u << cmd;
    size_t n;
    const ps_option *table = ps_option_table(&n);
    fprintf(f, "usage: %s\n\n%s\n", cmds[cmd].usage, cmds[cmd].help);
    const char *group = NULL;
    for (size_t i = 0; i < n; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->commands & bit)) continue;
        if (!group || strcmp(group, opt->group)) {
            group = opt->group;
            fprintf(f, "\n%s:\n", group);
        }
        help_option(f, opt, &def, bit);
    }
    if (cmd == PS_CMD_SWEEP || cmd == PS_CMD_ESTIMATE)
        fprintf(f, "\nAn option that may be an axis also takes a list v1,v2,... or a range A:B:N\n"
                   "(e.g. --d 16,24,32, --lr-scale 25:100:4): the sweep is the product of its\n"
                   "axes, gs, gw and replicas; its file has one dimension per axis.\n"
                   "A --config file takes every option above as 'key = value' without the\n"
                   "dashes (e.g. 'gs = -3:0:30', 'no-theory = true'), optionally under [sweep].\n");
    fprintf(f, "\n  %-22s this help\n\nExample:\n  %s\n", "--help", cmds[cmd].example);
    ps_options_free(&def);
}
