"""Every Python command (export, summary, figure1, figure2, cut, finite-size) against a matrix
of bad input -- missing, unreadable, wrong, damaged files, outputs that cannot be files, bad
option values: exit status 2, exactly one line `phasesweep-NAME: ...` on stderr, no traceback,
no output written (issue 22, class 8). The matrix runs in-process through each module's
main(argv) (an escaping exception fails the test as a traceback would); a few cases run as
real processes (`python3 -m`, the analysis/*.py shims, standard output on /dev/full)."""

import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

import sweepfiles
from enginerun import ROOT
from phasesweep import cut, export, figure1, figure2, finite_size, summary

MODULES = {"export": export, "summary": summary, "figure1": figure1, "figure2": figure2,
           "cut": cut, "finite-size": finite_size}
# what each command reads
WANTS = {"export": "sweep", "summary": "sweep", "figure1": "trace", "figure2": "sweep",
         "cut": "sweep", "finite-size": "sweep"}


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    d = tmp_path_factory.mktemp("good")
    gs, gw = np.linspace(-3, 0, 5), np.linspace(0, 2.8, 4)
    return dict(sweep=sweepfiles.write_sweep(d / "s40.h5", gs, gw, replicas=3, d=40),
                other=sweepfiles.write_sweep(d / "s60.h5", gs, gw, replicas=3, d=60),
                trace=sweepfiles.write_trace(d / "t.h5"))


def damaged(good, tmp_path, kind, case):
    """A bad input file for a command that reads `kind`."""
    path = tmp_path / "bad.h5"
    src = good[kind]
    if case == "missing file":
        return tmp_path / "nowhere.h5"
    if case == "directory":
        (tmp_path / "dir.h5").mkdir()
        return tmp_path / "dir.h5"
    if case == "not HDF5":
        path.write_text("gamma_s,gamma_w\n1,2\n")
        return path
    if case == "empty file":
        path.write_bytes(b"")
        return path
    if case == "truncated file":
        data = src.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path
    if case == "wrong kind":
        shutil.copy(good["trace" if kind == "sweep" else "sweep"], path)
        return path
    if case == "older layout":
        with h5py.File(path, "w") as f:
            f["grid/gamma_s"] = np.zeros(2)
            f["results/done"] = np.zeros((2, 1, 1), np.uint8)
        return path
    shutil.copy(src, path)
    with h5py.File(path, "r+") as f:
        # a metric the command draws (the reader takes the metrics a file describes)
        main = "min_test_error" if kind == "sweep" else "gd_test_error"
        if case == "missing attribute":
            del f.attrs["rank"]
        elif case == "attribute not a number":
            f.attrs["d"] = "forty"
        elif case == "missing variable":  # one the reader itself needs
            del f["stop_reason" if kind == "sweep" else main]
        elif case == "missing metric":
            del f[main]
        elif case == "reshaped dataset":
            shape = f[main].shape
            del f[main]
            f[main] = np.zeros(tuple(reversed(shape)) + (2,))
        elif case == "dataset of another type":
            data = f[main][...]
            del f[main]
            f[main] = data.astype(np.float32)
        elif case == "dimension scale missing":
            del f["gamma_w" if kind == "sweep" else "sv_index"]
        else:
            raise AssertionError(case)
    return path


FILE_CASES = ["missing file", "directory", "not HDF5", "empty file", "truncated file",
              "wrong kind", "older layout", "missing attribute", "attribute not a number",
              "missing variable", "missing metric", "reshaped dataset",
              "dataset of another type", "dimension scale missing"]
OPTION_CASES = ["-o /dev/full", "-o a directory", "-o without suffix", "-o .jpg",
                "--dpi 0", "--dpi abc", "unknown option", "no file"]
TABLES = ("export", "summary")
# Only the combinations that apply: export reads both kinds of file; the tables have no
# figure format to pick and no --dpi.
# A sweep without one metric is a complete file to the tables (they show what the file
# holds) and bad input to a figure drawing that metric.
FILE_PAIRS = [(n, c) for n in MODULES for c in FILE_CASES
              if not (n == "export" and c == "wrong kind")
              and not (n in TABLES and c == "missing metric")]
OPTION_PAIRS = [(n, c) for n in MODULES for c in OPTION_CASES
                if not (n in TABLES and (c.startswith("--dpi") or c in ("-o without suffix",
                                                                        "-o .jpg")))]


def argv_for(name, infile, out, good, extra=()):
    """A command line of `name` reading infile and writing out."""
    if name == "finite-size":
        return [str(infile), str(good["other"]), "-o", str(out), *extra]
    if name == "summary":
        return [str(infile), "--csv", str(out), *extra]
    return [str(infile), "-o", str(out), *extra]


def expect_one_line(capsys, name, status):
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert status == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith(f"phasesweep-{name}: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("name,case", FILE_PAIRS)
def test_bad_file(name, case, good, tmp_path, capsys):
    infile = damaged(good, tmp_path, WANTS[name], case)
    suffix = ".csv" if name in ("export", "summary") else ".png"
    out = tmp_path / f"out{suffix}"
    status = MODULES[name].main(argv_for(name, infile, out, good))
    line = expect_one_line(capsys, name, status)
    assert str(infile) in line or case == "no file", line
    assert not out.exists() and not (tmp_path / "out.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if ".tmp." in p.name] == []


@pytest.mark.parametrize("name,case", OPTION_PAIRS)
def test_bad_option(name, case, good, tmp_path, capsys):
    table = name in TABLES
    infile = good["trace" if name == "figure1" else "sweep"]
    out, extra = tmp_path / ("out.csv" if table else "out.png"), []
    if case == "-o /dev/full":
        out = "/dev/full"
    elif case == "-o a directory":
        out = tmp_path
    elif case == "-o without suffix":
        out = tmp_path / "figure"
    elif case == "-o .jpg":
        out = tmp_path / "figure.jpg"
    elif case.startswith("--dpi"):
        extra = ["--dpi", case.split()[1]]
    elif case == "unknown option":
        extra = ["--colour", "red"]
    argv = argv_for(name, infile, out, good, extra)
    if case == "no file":
        argv = [] if name != "finite-size" else ["-o", str(out)]
    status = MODULES[name].main(argv)
    expect_one_line(capsys, name, status)
    assert not os.path.exists("/dev/full.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == [], list(tmp_path.iterdir())


STYLE_CASES = [
    ("figure2", ["--vmin", "test_error=abc"]), ("figure2", ["--vmin", "bogus=1"]),
    ("figure2", ["--cmap", "rank=no_such_map"]), ("figure2", ["--log", "nothing"]),
    ("figure2", ["--vmin", "rank=5", "--vmax", "rank=4"]),
    ("figure2", ["--log", "test_error", "--vmin", "test_error=0"]),
    ("figure2", ["--log", "distance"]),  # ln distance < 0 everywhere: nothing on a log scale
    ("figure2", ["--metric", "rank", "--vmin", "test_error=0.1"]),
    ("figure2", ["--vmin", "test_error=50"]),  # above every value: no range left
    ("figure2", ["--metric", "nonsense"]), ("figure2", ["--vmin", "nan"]),
    ("cut", ["--metric", "nonsense"]), ("cut", ["--along", "replica"]),
    ("cut", ["--band", "iqr"]), ("cut", ["--at", "1,x"]), ("cut", ["--ymin", "2", "--ymax", "1"]),
    ("cut", ["--log", "--ymin", "-1"]), ("cut", ["--metric", "distance", "--log"]),
    ("figure1", ["--xmax", "0"]), ("figure1", ["--xmax", "ten"]),
]


@pytest.mark.parametrize("name, extra", STYLE_CASES, ids=[" ".join(e) for _, e in STYLE_CASES])
def test_bad_style_value(name, extra, good, tmp_path, capsys):
    infile = good["trace" if name == "figure1" else "sweep"]
    status = MODULES[name].main([str(infile), "-o", str(tmp_path / "f.png"), *extra])
    expect_one_line(capsys, name, status)
    assert not (tmp_path / "f.png").exists()


def run(args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "analysis"))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=120, **kw)


@pytest.mark.parametrize("how", ["module", "shim"])
def test_processes_exit_2_with_one_line(how, good, tmp_path):
    for name, args in (("figure2", [str(good["trace"]), "-o", str(tmp_path / "f.png")]),
                       ("figure2", [str(good["sweep"]), "-o", "/dev/full"]),
                       ("figure1", [str(good["trace"]), "-o", str(tmp_path / "f.png"),
                                    "--dpi", "0"]),
                       ("summary", [str(tmp_path / "none.h5")])):
        module = name.replace("-", "_")
        cmd = ["-m", f"phasesweep.{module}"] if how == "module" else \
            [str(ROOT / "analysis" / f"{module}.py")]
        p = run([*cmd, *args], cwd=tmp_path)
        assert p.returncode == 2, (name, args, p.stderr)
        assert len(p.stderr.splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr
        assert p.stderr.startswith(f"phasesweep-{name}: "), p.stderr
    assert not os.path.exists("/dev/full.png")
    assert list(tmp_path.iterdir()) == []


def test_stdout_on_a_full_disk_is_exit_1(good, tmp_path):
    """An I/O fault, not bad input: one line, exit status 1 (as the engine)."""
    for module in ("export", "summary"):
        with open("/dev/full", "w") as full:
            p = subprocess.run([sys.executable, "-m", f"phasesweep.{module}", str(good["sweep"])],
                               env=dict(os.environ, PYTHONPATH=str(ROOT / "analysis")),
                               stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        assert p.returncode == 1, p.stderr
        assert len(p.stderr.splitlines()) == 1 and "No space left" in p.stderr, p.stderr


def test_good_input_still_works(good, tmp_path, capsys):
    """The same commands on the good files: exit 0 and their outputs."""
    assert export.main([str(good["trace"]), "-o", str(tmp_path / "t.csv")]) == 0
    assert summary.main([str(good["sweep"]), "--csv", str(tmp_path / "s.csv")]) == 0
    assert figure1.main([str(good["trace"]), "-o", str(tmp_path / "f1.svg")]) == 0
    assert figure2.main([str(good["sweep"]), "-o", str(tmp_path / "f2.pdf")]) == 0
    assert cut.main([str(good["sweep"]), "-o", str(tmp_path / "c.png")]) == 0
    assert finite_size.main([str(good["sweep"]), str(good["other"]), "-o",
                             str(tmp_path / "fs.png")]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["c.png", "f1.svg", "f2.pdf", "fs.csv", "fs.png", "s.csv", "t.csv"]
