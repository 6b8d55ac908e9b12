"""CSV of a phasesweep file, one row per task (sweep) or per iteration (trace).

Sweep: gamma_s, gamma_w, replica, sigma2, width, done, every per-task metric and stop_reason
as a label (not_done for tasks not done; their values are empty fields). Trace: iteration and
the GD and theory errors and distance (the singular values stay in the file). Floats are
written in the shortest form that reads back to the same double. A file that is neither
is one line on stderr and exit status 2.
"""


import h5py

from .. import cli
from . import files as phasefile

PROG = "phasesweep-export"


def trace_frame(path):
    ds = phasefile.open_trace(path)
    return ds[[name for name, var in ds.data_vars.items() if var.dims == ("iteration",)]] \
        .to_dataframe().reset_index()


def file_kind(path):
    """"trace" or "sweep" (the loader then checks the rest), from the file's root."""
    cli.check_input(path)
    try:
        with h5py.File(path, "r") as f:
            kind = phasefile._plain(f.attrs.get("file_kind", ""))
    except OSError as e:
        raise cli.UsageError(f"{path}: not a readable HDF5 file ({e})") from None
    return "trace" if kind == "trace" else "sweep"


def frame(path):
    """The CSV's table of a sweep (tasks_frame) or a trace file (trace_frame)."""
    loader = trace_frame if file_kind(path) == "trace" else phasefile.tasks_frame
    return cli.read(loader, path, "phasesweep sweep or trace")


def parser():
    p = cli.ArgumentParser(PROG, __doc__)
    p.add_argument("file", help="sweep or trace file written by phasesweep")
    p.add_argument("-o", "--out", default="-", help="CSV file ('-', the default: stdout)")
    return p


def _main(argv):
    args = parser().parse_args(argv)
    if args.out != "-":
        cli.check_output(args.out)
    table = frame(args.file)
    cli.write_text(args.out, lambda out: table.to_csv(out, index=False, lineterminator="\n"))
    return 0


main = cli.entry(PROG, _main, sigpipe=True)


if __name__ == "__main__":
    main()
