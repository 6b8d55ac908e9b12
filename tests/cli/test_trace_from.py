"""`phasesweep trace --from SWEEP.h5 --task I,J,R | --at NAME=X,...` (and `run --from`).

A task of a sweep recomputed from the sweep file alone must reproduce the values the sweep
stored for it bit for bit (min test error, stable rank, iterations, distance, final train
error, steps, stop reason, width, sigma2), whichever rank count made the sweep; --at takes
the nearest stored point with a note; a task not done yet (a SIGUSR1-stopped sweep) is
computed with a note, and equals what --resume later stores; every bad line or file is
refused with one line and exit status 2.
"""

import json
import os
import shutil
import sys
from pathlib import Path

os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"  # this process polls a file a sweep writes

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from enginecli import (assert_usage_error, done_flags, engine_env, ok,  # noqa: E402
                       run_engine, skip_unless_built, stopped_sweep)

ENV = engine_env()
skip_unless_built()

# d 8, a 3 x 3 grid across gs + gw = 1, 2 replicas: 18 tasks, well under a second
SWEEP = ["sweep", "--d", "8", "--rank", "2", "--gs", "-2:0:3", "--gw", "0.5:2:3",
         "--replicas", "2", "--max-iter", "80", "--seed", "5"]
# the values a trace file stores as root attributes and the sweep file per task
STORED = ["min_test_error", "stable_rank", "iterations", "log_distance", "final_train_error",
          "n_iter"]
TASKS = [(0, 0, 0), (1, 2, 1), (2, 1, 0)]


def phasesweep(*args, ranks=1, cwd=None, timeout=120):
    return run_engine(args, ENV, ranks=ranks, cwd=cwd, timeout=timeout)


def bits(x):
    """A value as text that tells every bit: float.hex for floats, the integer otherwise."""
    x = np.asarray(x).item()
    return float(x).hex() if isinstance(x, float) else int(x)


def stored(sweep, task):
    """The sweep file's values of one task, keyed as the trace file's attributes."""
    is_, iw, r = task
    with h5py.File(sweep, "r") as f:
        vals = {k: bits(f[k][is_, iw, r]) for k in STORED}
        names = f["stop_reason"].attrs["flag_meanings"]
        names = (names.decode() if isinstance(names, bytes) else names).split()
        vals["stop_reason"] = names[int(f["stop_reason"][is_, iw, r])]
        vals["width"] = bits(f["width"][iw])
        vals["sigma2"] = bits(f["sigma2"][is_])
        vals["done"] = int(f["done"][is_, iw, r])
    return vals


def traced(path):
    with h5py.File(path, "r") as f:
        vals = {k: bits(f.attrs[k]) for k in STORED + ["width", "sigma2"]}
        s = f.attrs["stop_reason"]
        vals["stop_reason"] = s.decode() if isinstance(s, bytes) else str(s)
        test = f["gd_test_error"][...]
        vals["n_series"] = len(test)
        vals["min_series"] = bits(np.min(test))
        vals["argmin_series"] = int(np.argmin(test))
        vals["last_train_series"] = bits(f["gd_train_error"][-1])
    return vals


def trace_task(sweep, task, out):
    """trace --from SWEEP --task I,J,R --out OUT, which has to succeed."""
    return ok(phasesweep("trace", "--from", sweep, "--task", ",".join(map(str, task)),
                         "--out", out))


def assert_reproduces(sweep, task, trace_file):
    want, got = stored(sweep, task), traced(trace_file)
    assert want["done"] == 1
    for k in STORED + ["stop_reason", "width", "sigma2"]:
        assert got[k] == want[k], (task, k, got[k], want[k])
    # the series themselves: one point per step taken, their minimum and last value the
    # stored ones
    assert got["n_series"] == want["n_iter"]
    assert got["min_series"] == want["min_test_error"]
    assert got["argmin_series"] == want["iterations"]
    assert got["last_train_series"] == want["final_train_error"]


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """The small sweep on 1 and on 2 ranks: {ranks: path}."""
    d = tmp_path_factory.mktemp("from")
    out = {}
    for n in (1, 2):
        out[n] = d / f"sweep{n}.h5"
        ok(phasesweep(*SWEEP, "--out", out[n], ranks=n, cwd=d))
    return out


@pytest.mark.parametrize("ranks", [1, 2])
@pytest.mark.parametrize("task", TASKS)
def test_trace_task_reproduces_the_stored_values(sweeps, tmp_path, ranks, task):
    out = tmp_path / "t.h5"
    res = trace_task(sweeps[ranks], task, out)
    assert res.stderr == ""  # a done task, given by indices: no note
    assert_reproduces(sweeps[ranks], task, out)
    with h5py.File(out, "r") as f:  # the record says where the task came from
        assert f.attrs["run_from"] == str(sweeps[ranks])
        assert f.attrs["run_task"] == ",".join(map(str, task))


def test_trace_in_a_scalapack_group_reproduces(tmp_path):
    """A sweep run in ScaLAPACK groups of 2 is reproduced by a trace in a group of 2; traced
    with another group size (or other BLAS threads) the last bits may differ: a note says so."""
    sweep = tmp_path / "g.h5"
    ok(phasesweep(*SWEEP, "--group-size", "2", "--out", sweep, ranks=2, cwd=tmp_path))
    out = tmp_path / "t.h5"
    res = ok(phasesweep("trace", "--from", sweep, "--task", "1,2,1", "--group-size", "2",
                        "--out", out, ranks=2))
    assert "note" not in res.stderr
    assert_reproduces(sweep, (1, 2, 1), out)
    res = ok(phasesweep("run", "--from", sweep, "--task", "1,2,1"))
    assert res.stderr.splitlines() == [
        f"phasesweep: note: {sweep} was swept with a group size of 2, this run's is 1: its last "
        "bits may differ (--group-size 2 on 2 or more ranks repeats the sweep's)"]


def test_other_threads_get_a_note(sweeps):
    res = ok(phasesweep("run", "--from", sweeps[1], "--task", "1,2,1", "--threads", "2"))
    assert res.stderr.splitlines() == [
        f"phasesweep: note: {sweeps[1]} was swept with --threads 1, this run uses 2: its last "
        "bits may differ"]


def test_run_from_prints_the_stored_values(sweeps):
    res = ok(phasesweep("run", "--from", sweeps[2], "--task", "2,1,1"))
    got = json.loads(res.stdout)
    want = stored(sweeps[2], (2, 1, 1))
    for k in STORED + ["width", "sigma2"]:
        assert bits(float(got[k]) if isinstance(want[k], str) else got[k]) == want[k], k
    assert got["stop_reason"] == want["stop_reason"]


def test_at_exact_point_without_note(sweeps, tmp_path):
    out = tmp_path / "a.h5"
    res = ok(phasesweep("trace", "--from", sweeps[1], "--at", "gamma_s=-1,gamma_w=1.25",
                        "--out", out))
    assert res.stderr == ""
    assert_reproduces(sweeps[1], (1, 1, 0), out)  # replica left out: 0


def test_at_takes_the_nearest_point_with_a_note(sweeps, tmp_path):
    out = tmp_path / "n.h5"
    res = ok(phasesweep("trace", "--from", sweeps[2], "--at",
                        "gamma_s=-1.85,gamma_w=2.1,replica=1", "--out", out))
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("phasesweep: note: ")
    for w in ("nearest", "gamma_s=-2", "gamma_w=2", "replica=1", "--task 0,2,1"):
        assert w in lines[0], (w, lines[0])
    assert_reproduces(sweeps[2], (0, 2, 1), out)


REFUSALS = [
    (["--task", "1,2"], ["--task", "2 indices", "gamma_s, gamma_w, replica"]),
    (["--task", "1,2,0,3"], ["--task", "4 indices", "gamma_s, gamma_w, replica"]),
    (["--task", "1,3,0"], ["--task", "gamma_w", "[0, 2]", "3 points"]),
    (["--task", "0,0,2"], ["--task", "replica", "[0, 1]", "2 points"]),
    (["--task", "-1,0,0"], ["--task", "gamma_s", "[0, 2]"]),
    (["--task", "x,0,0"], ["--task", "'x'", "not an index"]),
    (["--task", "1,1,0", "--at", "gamma_s=0,gamma_w=2"], ["--task and --at"]),
    ([], ["--from needs --task", "--at"]),
    (["--at", "gs=0,gamma_w=2"], ["--at", "'gs'", "gamma_s, gamma_w, replica"]),
    (["--at", "gamma_s=0"], ["--at", "gamma_w", "not given"]),
    (["--at", "gamma_s=0,gamma_s=-1,gamma_w=2"], ["--at", "gamma_s", "twice"]),
    (["--at", "gamma_s=3,gamma_w=2"], ["--at", "gamma_s=3", "[-2, 0]"]),
    (["--at", "gamma_s=0,gamma_w=2,replica=5"], ["--at", "replica=5", "[0, 1]"]),
    (["--at", "gamma_s=zero,gamma_w=2"], ["--at", "gamma_s=zero", "not a finite number"]),
    (["--task", "1,1,0", "--d", "9"], ["--d", "--from", "run-steering"]),
    (["--task", "1,1,0", "--gs", "-1"], ["--gs", "--from"]),
    (["--task", "1,1,0", "--seed", "3"], ["--seed", "--from"]),
    (["--task", "1,1,0", "--noise", "0"], ["--noise", "--from"]),
    (["--task", "1,1,0", "--load", "x.h5"], ["--load", "--from"]),
    (["--task", "1,1,0", "--no-theory"], ["--no-theory"]),
]


@pytest.mark.parametrize("extra,words", REFUSALS,
                         ids=[" ".join(a) or "neither" for a, _ in REFUSALS])
def test_refusals(sweeps, tmp_path, extra, words):
    out = tmp_path / "r.h5"
    assert_usage_error(phasesweep("trace", "--from", sweeps[1], *extra, "--out", out), *words)
    assert not out.exists()


def test_refusals_on_two_ranks_say_it_once(sweeps, tmp_path):
    res = phasesweep("trace", "--from", sweeps[1], "--task", "1,9,0", "--out",
                     tmp_path / "r.h5", ranks=2)
    assert res.returncode == 2 and res.stdout == ""
    # mpirun adds its own banner after the one line of phasesweep
    lines = [line for line in res.stderr.splitlines() if line.startswith("phasesweep")]
    assert lines == ["phasesweep: --task: index 9 of gamma_w is out of range [0, 2] (gamma_w "
                     "has 3 points)"]


def test_task_or_at_without_from(tmp_path):
    assert_usage_error(phasesweep("trace", "--task", "1,1,0", "--out", tmp_path / "r.h5"),
                       "--task needs --from")
    assert_usage_error(phasesweep("run", "--at", "gamma_s=0,gamma_w=1"), "--at needs --from")


def test_steering_options_are_taken(sweeps, tmp_path):
    out = tmp_path / "s.h5"
    res = ok(phasesweep("trace", "--from", sweeps[1], "--task", "2,2,1", "--max-mem", "1G",
                        "--block", "16", "--text", "--out", out))
    assert res.stderr == "" and res.stdout.startswith("min_test_error ")
    assert_reproduces(sweeps[1], (2, 2, 1), out)
    with h5py.File(out, "r") as f:
        assert int(f.attrs["run_max_mem"]) == 1 << 30 and int(f.attrs["run_block"]) == 16


def test_out_is_not_the_sweep_file(sweeps):
    before = sweeps[1].read_bytes()
    assert_usage_error(phasesweep("trace", "--from", sweeps[1], "--task", "0,0,0", "--out",
                                  sweeps[1]), "--out", "--from file")
    assert sweeps[1].read_bytes() == before


def damaged(src, dst, how):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        how(f)
    return dst


def test_files_that_are_not_sweeps(sweeps, tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5\n")
    assert_usage_error(phasesweep("run", "--from", junk, "--task", "0,0,0"), "--from",
                       "not an HDF5 file")
    assert_usage_error(phasesweep("run", "--from", tmp_path / "absent.h5", "--task", "0,0,0"),
                       "--from", "absent.h5")
    trace = tmp_path / "t.h5"
    ok(phasesweep("trace", "--from", sweeps[1], "--task", "0,0,0", "--out", trace))
    assert_usage_error(phasesweep("run", "--from", trace, "--task", "0,0,0"),
                       "trace file, not a sweep file")


def _drop_variable(f):
    del f["stable_rank"]


def _alter_grid(f):
    f["gamma_s"][1] = -0.9


def _drop_attribute(f):
    del f.attrs["max_iter"]


@pytest.mark.parametrize("how,word", [(_drop_variable, "stable_rank"),
                                      (_alter_grid, "gamma_s"),
                                      (_drop_attribute, "max_iter")])
def test_damaged_files(sweeps, tmp_path, how, word):
    bad = damaged(sweeps[1], tmp_path / "bad.h5", how)
    assert_usage_error(phasesweep("trace", "--from", bad, "--task", "0,0,0", "--out",
                                  tmp_path / "t.h5"), "--from", word)


def test_what_info_refuses_is_refused(sweeps, tmp_path):
    bad = damaged(sweeps[1], tmp_path / "bad.h5", _drop_variable)
    assert phasesweep("info", bad).returncode == 2
    assert_usage_error(phasesweep("run", "--from", bad, "--task", "0,0,0"), "stable_rank")


def test_no_theory_sweep_runs_but_does_not_trace(tmp_path):
    s = tmp_path / "nt.h5"
    ok(phasesweep(*SWEEP, "--no-theory", "--out", s))
    assert_usage_error(phasesweep("trace", "--from", s, "--task", "1,1,0", "--out",
                                  tmp_path / "t.h5"), "--no-theory", "run --from")
    got = json.loads(ok(phasesweep("run", "--from", s, "--task", "1,1,0")).stdout)
    assert bits(got["min_test_error"]) == stored(s, (1, 1, 0))["min_test_error"]
    assert got["log_distance"] is None


# ---- a sweep stopped by a signal ----

STOPPED = ["sweep", "--d", "40", "--rank", "3", "--gs", "-2.2:-0.2:5", "--gw", "0.6:2.2:4",
           "--replicas", "2", "--max-iter", "300", "--no-stop", "--seed", "3"]


def test_sigusr1_stopped_sweep(tmp_path):
    """Not-done tasks are computed with a note; what they give is what --resume stores."""
    out = tmp_path / "stopped.h5"
    status, err = stopped_sweep(STOPPED, out, ENV, tmp_path)
    assert status == 0, err
    done = done_flags(out)
    assert 0 < done.sum() < done.size, "not a partial file"
    is_done = tuple(int(i) for i in np.argwhere(done == 1)[0])
    not_done = tuple(int(i) for i in np.argwhere(done == 0)[-1])

    t_done = tmp_path / "done.h5"
    res = trace_task(out, is_done, t_done)
    assert res.stderr == ""
    assert_reproduces(out, is_done, t_done)

    t_new = tmp_path / "new.h5"
    res = trace_task(out, not_done, t_new)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("phasesweep: note: "), res.stderr
    assert "not done" in lines[0] and ",".join(map(str, not_done)) in lines[0]

    ok(phasesweep(*STOPPED, "--out", out, "--resume", ranks=2, cwd=tmp_path))
    assert_reproduces(out, not_done, t_new)


def test_part_file(tmp_path):
    """A part (sweep --part I/N) holds the whole grid: its own tasks reproduce, the others
    are computed with a note, and equal the whole sweep's."""
    part, whole = tmp_path / "p0.h5", tmp_path / "whole.h5"
    ok(phasesweep(*SWEEP, "--part", "0/2", "--out", part))
    ok(phasesweep(*SWEEP, "--out", whole))
    with h5py.File(part, "r") as f:
        done = f["done"][...]
    mine = tuple(int(i) for i in np.argwhere(done == 1)[0])
    other = tuple(int(i) for i in np.argwhere(done == 0)[0])
    out = tmp_path / "mine.h5"
    res = trace_task(part, mine, out)
    assert res.stderr == ""
    assert_reproduces(part, mine, out)
    out = tmp_path / "other.h5"
    res = trace_task(part, other, out)
    assert "not done" in res.stderr
    assert_reproduces(whole, other, out)
