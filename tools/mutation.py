#!/usr/bin/python3
"""make mutation: do the tests catch small changes of the core?

Each line of tests/mutation/mutations.txt (NAME, FILE, ORIGINAL, REPLACEMENT, TAB-separated)
is applied, one at a time, to a COPY of the tree in a temporary directory (the tree itself is
never touched; the copy is removed on exit, also on Ctrl-C or SIGTERM). The copy starts from
the tree's build/ and bin/, so a mutation rebuilds one object and relinks. Then the cmocka
unit tests run (MPI ones under mpirun -n 2 and 3), then the CLI pytest suite (tests/cli), each
under a time limit, stopping at the first that fails: the mutation is "caught" by it (a test
that times out catches too). A mutation no test catches "SURVIVED"; one that does not build, or
whose ORIGINAL is not found exactly once, is an ERROR of the list. Prints a table; exit status
1 unless every mutation is caught.

  tools/mutation.py [--list FILE] [--only NAME[,NAME...]] [--timeout SECONDS] [--all]
                    [--tests-from COMMIT]

--all runs every test on each mutation and names all that catch it (slower); --tests-from
runs an older commit's tests/ against the same mutations (what those tests missed).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3"
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
ENV.pop("CI", None)  # a mutation run is not CI: skips stay skips

# Fast and specific first: a mutation is usually caught in the first second.
UNIT = ["test_run", "test_init", "test_dynamics", "test_cli", "test_blascheck", "test_rng",
        "test_tasks", "test_merge_ranges", "test_lock", "test_farm",
        "test_axes_cli"]
MPI_UNIT = [("test_h5io", 2), ("test_dist", 2), ("test_dist", 3)]


def unescape(text):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(n, "\\" + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def read_list(path):
    rows = []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            sys.exit(f"{path}:{lineno}: want 4 TAB-separated fields, got {len(fields)}")
        name, file, orig, repl = fields
        rows.append((name, file, unescape(orig), unescape(repl)))
    names = [r[0] for r in rows]
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9._^/+-]+", n)]
    if bad:
        sys.exit(f"{path}: names must be shell-safe ([A-Za-z0-9._^/+-]): {bad}")
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit(f"{path}: duplicate names {sorted(dup)}")
    return rows


def run(cmd, cwd, timeout):
    """(ok, how): ok False when the command fails or exceeds timeout."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired as e:
        return False, f"timeout {timeout} s", (e.stdout or b"").decode(errors="replace")
    return p.returncode == 0, f"exit {p.returncode}", p.stdout.decode(errors="replace")


def failed_tests(out):
    """The failing cmocka tests or the first failing pytest test named in a run's output."""
    names = re.findall(r"^\[  FAILED  \] (test_\w+)\s*$", out, re.M)
    names += re.findall(r"^FAILED tests/\S*::(\S+)", out, re.M)
    return ",".join(dict.fromkeys(names))


def tests(tree, timeout):
    """The test commands, in order: (label, command)."""
    out = [(t, [str(tree / "build" / "tests" / t)]) for t in UNIT]
    for t, n in MPI_UNIT:
        out.append((f"{t} -n {n}", ["mpirun", "--oversubscribe", "-n", str(n),
                                    str(tree / "build" / "tests" / t)]))
    out.append(("pytest tests/cli", [PYTHON, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                     "tests/cli"]))
    return out


def build(tree):
    targets = ["all"] + [f"build/tests/{t}" for t in UNIT + sorted({t for t, _ in MPI_UNIT})]
    return run(["make", "-s", "-j2", *targets], tree, 900)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", default=str(ROOT / "tests" / "mutation" / "mutations.txt"))
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=180.0, help="per test (seconds)")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--tests-from", metavar="COMMIT",
                    help="run the tests/ of an older commit (to see what they missed)")
    args = ap.parse_args()
    rows = read_list(args.list)
    if args.only:
        keep = set(args.only.split(","))
        rows = [r for r in rows if r[0] in keep]
        if not rows:
            sys.exit(f"no mutation named {args.only}")

    tmp = Path(tempfile.mkdtemp(prefix="phasesweep-mutation."))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t_start = time.time()
    results = []
    try:
        tree = tmp / "tree"
        shutil.copytree(ROOT, tree, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", "results", "logs", "__pycache__", "*.h5", "*.png", "*.pdf"))
        if args.tests_from:
            shutil.rmtree(tree / "tests")
            arch = subprocess.run(["git", "-C", str(ROOT), "archive", args.tests_from, "tests"],
                                  capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=arch, check=True)
        ok, how, out = build(tree)
        if not ok:
            sys.exit(f"mutation: the unmutated copy does not build ({how}):\n{out[-3000:]}")
        for label, cmd in tests(tree, args.timeout):
            ok, how, out = run(cmd, tree, args.timeout)
            if not ok:
                sys.exit(f"mutation: {label} fails on the unmutated tree ({how}):\n{out[-3000:]}")
        print(f"mutation: baseline builds and passes ({time.time() - t_start:.0f} s); "
              f"{len(rows)} mutations", flush=True)

        for name, file, orig, repl in rows:
            t0 = time.time()
            path = tree / file
            text = path.read_text()
            count = text.count(orig)
            if count != 1:
                results.append((name, "ERROR", f"original found {count} times in {file}", 0.0))
                print(f"  {name}: ERROR (original found {count} times in {file})", flush=True)
                continue
            try:
                path.write_text(text.replace(orig, repl, 1))
                ok, how, out = build(tree)
                if not ok:
                    results.append((name, "ERROR", "does not build", time.time() - t0))
                else:
                    caught = []
                    for label, cmd in tests(tree, args.timeout):
                        ok, how, out = run(cmd, tree, args.timeout)
                        if not ok:
                            which = failed_tests(out)
                            what = f"{label}: {which}" if which else label
                            caught.append(what if how.startswith("exit") else f"{what} ({how})")
                            if not args.all:
                                break
                    results.append((name, "caught" if caught else "SURVIVED",
                                    ", ".join(caught) or "-", time.time() - t0))
            finally:
                path.write_text(text)  # newer than its object: the next build recompiles it
            r = results[-1]
            print(f"  {r[0]}: {r[1]} by {r[2]} ({r[3]:.0f} s)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    w = max(len("mutation"), *(len(r[0]) for r in results)) if results else 8
    print()
    print(f"| {'mutation'.ljust(w)} | result   | caught by")
    print(f"|-{'-' * w}-|----------|----------")
    for name, res, by, _ in results:
        print(f"| {name.ljust(w)} | {res.ljust(8)} | {by}")
    bad = [r for r in results if r[1] != "caught"]
    caught = len(results) - len(bad)
    print(f"\nmutation: {caught} of {len(results)} caught, "
          f"{sum(r[1] == 'SURVIVED' for r in results)} survived, "
          f"{sum(r[1] == 'ERROR' for r in results)} errors ({time.time() - t_start:.0f} s)")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
