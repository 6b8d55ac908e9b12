#!/usr/bin/python3
"""CSV of a phasesweep file, one row per task (sweep) or per iteration (trace).

Sweep: gamma_s, gamma_w, replica, sigma2, width, done, every per-task metric and stop_reason
as a label (not_done for tasks not done; their values are empty fields). Trace: iteration and
the GD and theory errors and distance (the singular values stay in the file). Floats are
written in the shortest form that reads back to the same double.
"""

import argparse
import signal
import sys

import h5py

import phasefile


def trace_frame(path):
    ds = phasefile.open_trace(path)
    return ds[[name for name, var in ds.data_vars.items() if var.dims == ("iteration",)]] \
        .to_dataframe().reset_index()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="sweep or trace file written by phasesweep")
    parser.add_argument("-o", "--out", default="-", help="CSV file ('-', the default: stdout)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    prog = "export.py"
    try:
        with h5py.File(args.file, "r") as f:
            kind = f.attrs.get("file_kind", b"")
        kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    except (OSError, FileNotFoundError) as e:
        print(f"{prog}: {args.file}: not a readable HDF5 file ({e})", file=sys.stderr)
        sys.exit(2)
    if kind == "trace":
        frame = phasefile.load_or_exit(trace_frame, args.file, prog)
    else:
        frame = phasefile.load_or_exit(phasefile.tasks_frame, args.file, prog)
    frame.to_csv(sys.stdout if args.out == "-" else args.out, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
