/* The commands table for unit tests of the parser (main.c's rows without their mains, which
 * live in the program): the names in enum ps_command order, a usage and an example each. */
#ifndef PS_TESTS_COMMANDS_STUB_H
#define PS_TESTS_COMMANDS_STUB_H

#include "cli.h"

static const ps_command_def test_commands[PS_N_COMMANDS] = {
    [PS_CMD_RUN] = {"run", "phasesweep run [options]", "", "phasesweep run", NULL},
    [PS_CMD_TRACE] = {"trace", "phasesweep trace [options]", "", "phasesweep trace", NULL},
    [PS_CMD_SWEEP] = {"sweep", "phasesweep sweep [options]", "", "phasesweep sweep", NULL},
    [PS_CMD_INFO] = {"info", "phasesweep info FILE.h5", "", "phasesweep info", NULL},
    [PS_CMD_MERGE] = {"merge", "phasesweep merge [options]", "", "phasesweep merge", NULL},
    [PS_CMD_ESTIMATE] = {"estimate", "phasesweep estimate [options]", "", "phasesweep estimate",
                         NULL},
};

#endif
