/* cli_core: helpers shared by the files of the options database (cli.c: the parser core,
 * opt_table.c: the rows, opt_types.c: the per-type operations, help.c: --help); private to
 * them, the contract is include/cli.h. */
#ifndef PS_CLI_CORE_H
#define PS_CLI_CORE_H

#include <stddef.h>
#include "cli.h"

/* err = the formatted line; returns -1 (PS_CLI_ERROR). */
int ps_cli_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *ps_cli_strdup(const char *s);
/* The row's index in the table (bit of ps_options.given). */
size_t ps_option_row(const ps_option *opt);
/* The row of name[0 .. len) taken by cmd, or NULL; any command's row of that name. */
const ps_option *ps_option_find_n(const char *name, size_t len, enum ps_command cmd);
int ps_option_known(const char *name, size_t len);
/* strtoll over the whole text, base 10; 1 ok, 0 malformed, -1 beyond long long. */
int ps_cli_parse_ll(const char *text, long long *v);

#endif
