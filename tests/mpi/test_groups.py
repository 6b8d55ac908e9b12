"""ScaLAPACK groups end to end: `--group-size P` for `run` and `sweep` under mpirun.

A group's run agrees with the one-rank run to 1e-9 relative (not bitwise: distributed sums
add in another order), with integer metrics equal; a sweep with groups (one group of 2 and a
leftover rank of its own under -n 3) matches -n 1 the same way and resumes like any other;
bad group sizes are refused with one line and exit status 2.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_sweep import (BIN, ENV, MPIRUN, first_line, read_results, start,  # noqa: E402
                        sweep, wait_for_progress)

FLOATS = ("min_test_error", "stable_rank", "log_distance", "final_train_error")
INTS = ("iterations", "n_iter", "stop_reason", "done")


def run(n, args, check=True):
    p = subprocess.run([MPIRUN, "--oversubscribe", "-n", str(n), str(BIN), "run", *args],
                       env=ENV, capture_output=True, text=True, timeout=300)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def assert_close(a, b, rel=1e-9):
    assert b == pytest.approx(a, rel=rel, abs=0), (a, b)


@pytest.mark.parametrize("d, gs, gw", [(64, -1.5, 2.0), (150, -1.2, 1.6), (150, -0.3, 2.2)])
def test_run_group_of_2_matches_one_rank(d, gs, gw):
    """d not a multiple of the block size 64; -n 3 leaves one rank outside the group."""
    args = ["--d", str(d), "--gs", str(gs), "--gw", str(gw), "--max-iter", "300"]
    one = json.loads(run(1, args).stdout)
    two = json.loads(run(3, [*args, "--group-size", "2"]).stdout)
    assert one["n_iter"] > 5
    for key in ("iterations", "n_iter", "stop_reason", "width"):
        assert one[key] == two[key], key
    for key in ("min_test_error", "stable_rank", "log_distance", "final_train_error"):
        assert_close(one[key], two[key])


def test_run_group_with_block_size_and_explicit_mode():
    args = ["--d", "40", "--gs", "-1", "--gw", "1.2", "--max-iter", "200", "--mode", "explicit"]
    one = json.loads(run(1, args).stdout)
    two = json.loads(run(2, [*args, "--group-size", "2", "--block", "16"]).stdout)
    assert one["n_iter"] == two["n_iter"]
    assert_close(one["min_test_error"], two["min_test_error"])
    assert_close(one["stable_rank"], two["stable_rank"])


GRID = ["--d", "64", "--rank", "3", "--gs", "-2:-0.5:3", "--gw", "1:2.5:3", "--replicas", "2",
        "--max-iter", "300", "--seed", "3"]


def assert_results_close(a, b):
    for name in FLOATS:
        x, y = a[name], b[name]
        assert np.array_equal(np.isnan(x), np.isnan(y)), name
        ok = ~np.isnan(x)
        assert np.allclose(y[ok], x[ok], rtol=1e-9, atol=0), name
    for name in INTS:
        assert np.array_equal(a[name], b[name]), name


@pytest.fixture(scope="module")
def grid_ref(tmp_path_factory):
    path = tmp_path_factory.mktemp("groups") / "one.h5"
    sweep(1, [*GRID, "--out", str(path)])
    return read_results(path)


def test_sweep_with_groups_matches_one_rank(grid_ref, tmp_path):
    out = tmp_path / "groups.h5"
    sweep(3, [*GRID, "--group-size", "2", "--out", str(out)])
    res = read_results(out)
    assert res["done"].all()
    assert_results_close(grid_ref, res)


def test_sweep_with_groups_resumes(grid_ref, tmp_path):
    out = tmp_path / "resumed.h5"
    proc = start(2, [*GRID, "--group-size", "2", "--out", str(out)])
    wait_for_progress(proc, out, at_least=2)
    proc.send_signal(signal.SIGUSR1)  # mpirun forwards it to both ranks of the group
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    done = read_results(out)["done"]
    assert 0 < done.sum() < done.size, stderr
    sweep(2, [*GRID, "--group-size", "2", "--out", str(out), "--resume"])
    assert_results_close(grid_ref, read_results(out))


@pytest.mark.parametrize("command, n, size, what", [
    ("run", 2, "3", "exceeds the 2 MPI ranks"),
    ("sweep", 2, "4", "exceeds the 2 MPI ranks"),
    ("run", 1, "0", "--group-size"),
    ("sweep", 1, "-2", "--group-size"),
    ("run", 1, "two", "--group-size"),
])
def test_bad_group_size_refused(tmp_path, command, n, size, what):
    args = ["--d", "8", "--rank", "2", "--max-iter", "10", "--group-size", size]
    if command == "run":
        args += ["--gs", "-1", "--gw", "1"]
    else:
        args += ["--gs", "-1:0:2", "--gw", "1:2:2", "--out", str(tmp_path / "x.h5")]
    p = subprocess.run([MPIRUN, "--oversubscribe", "-n", str(n), str(BIN), command, *args],
                       env=ENV, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    lines = first_line(p.stderr)
    assert len(lines) == 1 and "--group-size" in lines[0] and what in lines[0], p.stderr
    assert p.stdout == ""
    assert not (tmp_path / "x.h5").exists()


def test_trace_on_a_group_matches_one_rank(tmp_path):
    import h5py
    args = ["trace", "--d", "70", "--gs", "-1.5", "--gw", "2", "--max-iter", "40", "--no-stop"]
    outs = []
    for n, extra in ((1, []), (2, ["--group-size", "2", "--block", "32"])):
        out = tmp_path / f"t{n}.h5"
        p = subprocess.run([MPIRUN, "--oversubscribe", "-n", str(n), str(BIN), *args, *extra,
                            "--out", str(out)], env=ENV, capture_output=True, text=True,
                           timeout=120)
        assert p.returncode == 0, p.stderr
        outs.append(out)
    with h5py.File(outs[0], "r") as a, h5py.File(outs[1], "r") as b:
        for name in ("gd_train_error", "gd_test_error", "theory_train_error",
                     "theory_test_error", "distance", "gd_singular_values",
                     "theory_singular_values"):
            x, y = a[name][...], b[name][...]
            assert x.shape == y.shape and x.shape[0] == 40, name
            assert np.max(np.abs(x - y)) <= 1e-9 * np.max(np.abs(x)), name


def test_max_mem_is_checked_per_rank_of_a_group():
    p = run(2, ["--d", "3000", "--gs", "-1", "--gw", "2", "--max-mem", "100M", "--group-size",
                "2"], check=False)
    assert p.returncode == 2, p.stderr
    lines = first_line(p.stderr)
    assert len(lines) == 1 and "--max-mem" in lines[0] and "per rank in groups of 2" in lines[0]
    assert p.stdout == ""


@pytest.mark.parametrize("max_mem, unit", [("4G", "on 2 ranks"), ("18M", "on 1 group")])
def test_group_size_auto_groups_only_when_memory_needs_it(tmp_path, max_mem, unit):
    """4 tasks on 2 ranks at d = 384 (m = 768): auto keeps one rank per task while a run fits
    (cost.h: 21.4 MiB at P = 1), and forms a group of 2 (15.9 MiB per rank) when --max-mem is
    18 MiB. (Below d ~ 256 a group of 2 needs more per rank than one rank: the full arrays
    every rank draws, PBLAS's strips and ELPA's own workspace do not shrink with P.)"""
    out = tmp_path / "auto.h5"
    p = sweep(2, ["--d", "384", "--rank", "2", "--max-iter", "4", "--gs", "-1.2:-1.1:2",
                  "--gw", "1.5:1.6:2", "--group-size", "auto", "--max-mem", max_mem,
                  "--out", str(out)])
    assert unit in first_line(p.stderr)[-1], p.stderr
    assert read_results(out)["done"].all()


def test_sweep_with_groups_bitwise_on_2_and_4_ranks(tmp_path):
    """For a given group size the results do not depend on the rank count, bit for bit: one
    group of 2 (-n 2) and two groups of 2 (-n 4), with the groups' eigensolver (ELPA when
    built with it: --block 16 gives every rank blocks at d = 64)."""
    args = ["--d", "64", "--rank", "3", "--gs", "-2:-0.5:2", "--gw", "1.5:2.5:2",
            "--max-iter", "60", "--seed", "5", "--group-size", "2", "--block", "16"]
    a, b = tmp_path / "two.h5", tmp_path / "four.h5"
    sweep(2, [*args, "--out", str(a)])
    sweep(4, [*args, "--out", str(b)])
    ra, rb = read_results(a), read_results(b)
    assert ra["done"].all() and rb["done"].all()
    for name in (*FLOATS, *INTS):
        assert np.array_equal(ra[name], rb[name], equal_nan=True), name
