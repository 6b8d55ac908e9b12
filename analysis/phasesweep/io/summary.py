"""Per grid point summary of a phasesweep sweep file.

One row per (gamma_s, gamma_w): width, sigma2, the number of done replicas, for each
metric the mean and the sample standard deviation (ddof=1) over the done replicas, and how
many done replicas stopped for each reason (n_converged, ..., n_diverged). Empty statistics
(no done replica; fewer than two for std) are written as nan. Without --csv an aligned
table goes to standard output. One row per task instead: phasesweep-export (or
`phasesweep.tasks_frame`). A file that is not a sweep file is one line on stderr and exit
status 2.
"""

import csv
import signal
import sys

from .. import cli

PROG = "phasesweep-summary"


def rows(sweep):
    """Header and rows of the summary; numbers stay Python floats / ints."""
    header = ["gamma_s", "gamma_w", "width", "sigma2", "n_done"]
    stats = []
    for name in sweep.metrics:
        header += [f"{name}_mean", f"{name}_std"]
        stats += [sweep.mean(name).filled(float("nan")), sweep.std(name).filled(float("nan"))]
    counts = []
    for code, reason in sorted(sweep.stop_reason_names.items()):
        if code >= 0:  # not code -1, the engine's not_done fill
            header.append(f"n_{reason}")
            counts.append((sweep.stop_reason == code).sum(axis=2).filled(0))
    n_done = sweep.n_done_at()
    body = []
    for i, gs in enumerate(sweep.gamma_s):
        for j, gw in enumerate(sweep.gamma_w):
            body.append([float(gs), float(gw), int(sweep.width[j]), float(sweep.sigma2[i]),
                         int(n_done[i, j])] + [float(s[i, j]) for s in stats]
                        + [int(c[i, j]) for c in counts])
    return header, body


def write_csv(out, header, body):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    # repr() of a float is the shortest string that reads back to the same double.
    writer.writerows([repr(v) if isinstance(v, float) else v for v in row] for row in body)


def print_table(out, header, body):
    cells = [header] + [[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
                        for row in body]
    widths = [max(len(row[c]) for row in cells) for c in range(len(header))]
    for row in cells:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)), file=out)


def parser():
    p = cli.ArgumentParser(PROG, __doc__)
    p.add_argument("sweep", help="sweep file written by `phasesweep sweep`")
    p.add_argument("--csv", metavar="OUT", help="write CSV to OUT ('-' for standard output)")
    cli.add_sel(p)
    return p


def _main(argv):
    args = parser().parse_args(argv)
    if args.csv and args.csv != "-":
        cli.check_output(args.csv, option="--csv")
    sweep = cli.read_sweep(args.sweep, sel=cli.parse_sel(args.sel), prog=PROG)
    header, body = rows(sweep)
    if args.csv:
        cli.write_text(args.csv, lambda out: write_csv(out, header, body))
    else:
        print(f"# {args.sweep}: {sweep.n_done}/{sweep.n_total} tasks done")
        print_table(sys.stdout, header, body)
        cli.flush_stdout()
    return 0


def main(argv=None):
    """The command (phasesweep-summary); returns when argv is given, else exits."""
    # Piping the table into head is normal use, not an error.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    return cli.command(PROG, _main, argv)


if __name__ == "__main__":
    main()
