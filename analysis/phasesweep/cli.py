"""The one error path of phasesweep's Python commands (phasesweep-figure1, -figure2, -cut,
-summary, -export, -finite-size), as the engine's: bad input -- a missing, unreadable or
wrong file, a bad option value, an output that cannot be a file -- is one line
`phasesweep-NAME: what: why` on stderr and exit status 2, before anything is computed; an
I/O fault while writing (a full disk) is one line and exit status 1, with nothing
half-written (outputs are written to a temporary file next to the target and renamed).

    parser = ArgumentParser("phasesweep-figure2", __doc__)   # usage errors: one line, exit 2
    ...
    def main(argv=None):
        return run("phasesweep-figure2", _main, argv)
    sweep = read(files.load, path)                           # any file problem: UsageError
    write_figure(fig, out, dpi)                              # validated output, atomic write
"""

import argparse
import os
import stat
import sys
from pathlib import Path

from .io.files import FileKindError

FIGURE_FORMATS = ("png", "pdf", "svg")
DPI_RANGE = (10, 600)


class UsageError(Exception):
    """Bad input: one line, exit status 2."""


class IOFault(Exception):
    """A write that failed (full disk, quota): one line, exit status 1."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: `prog: message` (argparse's own is a usage block)."""

    def __init__(self, prog, doc, **kwargs):
        super().__init__(prog=prog, description=doc,
                         formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    def error(self, message):
        raise UsageError(message)


def _first_line(text):
    text = str(text).strip()
    return text.splitlines()[0] if text else ""


def run(prog, main, argv=None):
    """main(argv) under the one error path; returns the exit status (0, 1 or 2)."""
    try:
        return main(argv) or 0
    except (UsageError, FileKindError) as e:
        print(f"{prog}: {_first_line(e)}", file=sys.stderr)
        return 2
    except IOFault as e:
        _drop_stdout()
        print(f"{prog}: {_first_line(e)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (`| head`): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except OSError as e:  # a write that failed past the checks: stdout on a full disk
        _drop_stdout()
        where = f" {e.filename}" if getattr(e, "filename", None) else " standard output"
        print(f"{prog}: cannot write{where}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def _drop_stdout():
    """Standard output to /dev/null: the interpreter's flush at exit would fail again."""
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


def command(prog, main, argv=None):
    """A command's main(argv): the exit status when argv is given (tests, notebooks), else
    exits with it (the installed commands, python3 -m)."""
    status = run(prog, main, argv)
    if argv is None:
        sys.exit(status)
    return status


# ---- inputs --------------------------------------------------------------------------------

def check_input(path):
    """A path that names a readable regular file, or UsageError."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot open ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{path}: a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{path}: not a regular file")
    if not os.access(p, os.R_OK):
        raise UsageError(f"{path}: cannot open (permission denied)")


def read(loader, path, what="phasesweep"):
    """loader(path), with every problem of the file as a UsageError naming it: a missing or
    unreadable file, not HDF5, another kind or layout (FileKindError's own line), a file whose
    variables or attributes are not those of the layout, a truncated or corrupted one."""
    check_input(path)
    try:
        return loader(path)
    except (FileKindError, UsageError):
        raise
    except MemoryError:
        raise UsageError(f"{path}: too large to read into memory") from None
    except Exception as e:  # h5py/xarray raise OSError, KeyError, ValueError, TypeError, ...
        why = _first_line(e) or type(e).__name__
        raise UsageError(f"{path}: not a readable {what} file ({type(e).__name__}: {why})") \
            from None


# ---- outputs -------------------------------------------------------------------------------

def check_output(path, formats=None, option="-o"):
    """Validate an output path before any computation: its suffix one of formats (when
    given), not an existing non-regular file (/dev/full, a directory, a FIFO), in a
    directory that exists or can be made and that we can write. Returns the Path."""
    text = str(path)
    if not text:
        raise UsageError(f"{option}: an empty file name")
    p = Path(text)
    if formats is not None:
        suffix = p.suffix.lower().lstrip(".")
        if suffix not in formats:
            names = ", ".join("." + f for f in formats)
            got = f"'{p.suffix}'" if p.suffix else "no suffix"
            raise UsageError(f"{option} {text}: {got}; the suffix picks the format: {names}")
    if p.exists() or p.is_symlink():
        try:
            st = p.stat()
        except OSError as e:
            raise UsageError(f"{option} {text}: cannot use it ({e.strerror or e})") from None
        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"{option} {text}: a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{option} {text}: not a regular file (an output is written to "
                             "a temporary file and renamed over it)")
    parent = p.parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"{option} {text}: cannot make its directory {parent} "
                             f"({e.strerror or e})") from None
    if not parent.is_dir():
        raise UsageError(f"{option} {text}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {text}: cannot write in {parent} (permission denied)")
    if len(os.fsencode(p.name)) + 24 > 255:
        raise UsageError(f"{option} {text}: the file name is too long")
    return p


def write_atomic(path, write, binary=True):
    """write(stream) into PATH.tmp.PID next to path, then rename it over path; a failure is
    IOFault with the temporary removed (an existing path stays as it was)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp.{os.getpid()}")
    try:
        with open(tmp, "wb" if binary else "w", **({} if binary else {"newline": ""})) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as e:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise IOFault(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        if tmp.exists():
            try:
                tmp.unlink()
            except OSError:
                pass


def write_figure(fig, path, dpi):
    """fig.savefig into a validated path (check_output first), atomically, in the format
    of its suffix."""
    fmt = Path(path).suffix.lower().lstrip(".")
    write_atomic(path, lambda f: fig.savefig(f, format=fmt, dpi=dpi))


def write_text(path, write):
    """write(text stream) to path ('-': standard output), atomically for a file."""
    if str(path) == "-":
        try:
            write(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise IOFault(f"cannot write standard output: {e.strerror or e}") from None
        return
    write_atomic(path, write, binary=False)


def flush_stdout():
    """Flush standard output, a failure (stdout on a full disk) as IOFault."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        raise IOFault(f"cannot write standard output: {e.strerror or e}") from None


# ---- option values -------------------------------------------------------------------------

def dpi(text):
    """argparse type of --dpi: an integer in DPI_RANGE."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    lo, hi = DPI_RANGE
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"{value} is outside [{lo}, {hi}]")
    return value


def add_dpi(parser):
    """The figures' --dpi option (a .png's resolution, default 150, DPI_RANGE)."""
    parser.add_argument("--dpi", type=dpi, default=150,
                        help=f"resolution of a .png (default 150, {DPI_RANGE[0]} .. "
                             f"{DPI_RANGE[1]})")


# ---- a sweep's extra axes (issue #19) ------------------------------------------------------

def add_sel(parser, facet=False):
    """--sel NAME=VALUE (repeatable) and, for a figure that can draw one row per value,
    --facet NAME."""
    parser.add_argument("--sel", action="append", metavar="NAME=VALUE",
                        help="draw the sweep at one value of its extra axis NAME (nearest "
                             "coordinate value; repeatable, one per axis)")
    if facet:
        parser.add_argument("--facet", metavar="NAME",
                            help="one row of panels per value of the extra axis NAME")


def parse_sel(items):
    """--sel's NAME=VALUE items -> {NAME: VALUE text}; UsageError on a malformed one."""
    out = {}
    for item in items or ():
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise UsageError(f"--sel {item}: not NAME=VALUE")
        if name in out:
            raise UsageError(f"--sel {name}: given twice")
        out[name] = value
    return out


def read_sweep(path, sel=None, facet=None, require=(), prog=None, can_facet=False):
    """The Sweep(s) a figure draws of a sweep file: cli.read's file errors; require: the
    metrics drawn; sel ({axis: value text}) fixes extra axes, the nearest value with a note
    on stderr when not exact; facet (an axis name): a list [(value, Sweep)], one per value.
    Every extra axis neither selected nor faceted, an unknown axis: UsageError naming the
    axes."""
    from .io import files

    ds = read(files.open_sweep, path, "phasesweep sweep")
    for name in require:
        if name not in files.metrics_of(ds):
            raise UsageError(f"{path}: not a complete phasesweep sweep file: no variable "
                             f"{name}")
    try:
        if facet:
            files.facets(ds, facet)  # its name checked against every axis of the file
        ds, notes = files.selection(ds, sel or {})
        parts = files.facets(ds, facet) if facet else [(None, ds)]
    except ValueError as e:
        raise UsageError(f"{path}: {e}") from None
    left = files.axes_of(parts[0][1])
    if left:
        how = "--sel NAME=VALUE" + (" or --facet NAME" if can_facet else "")
        raise UsageError(f"{path}: a sweep over extra axes {', '.join(left)}: give {how} "
                         f"for each of {', '.join(left)}")
    for note in notes:
        print(f"{prog or 'phasesweep'}: {path}: {note}", file=sys.stderr)
    sweeps = [(value, files.from_dataset(part, path)) for value, part in parts]
    for _, sweep in sweeps:
        sweep.notes = notes
    return sweeps if facet else sweeps[0][1]


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive")
    return value


def finite_float(text):
    import math
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value
