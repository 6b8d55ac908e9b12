"""End to end: `mpirun -n N bin/phasesweep sweep`, the file read back with h5py.

The sweep's results do not depend on the number of ranks, equal `phasesweep run` task by task,
survive SIGKILL and signals (--resume then completes the file to the same numbers), and the
refusals leave existing files untouched.
"""

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

# This process reads files that a sweep is writing (polling progress): no HDF5 file locks
# here. The sweeps themselves run with the caller's environment.
_CALLER_ENV = dict(os.environ)
os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(
    _CALLER_ENV,
    OMPI_ALLOW_RUN_AS_ROOT="1",
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
    OMPI_MCA_rmaps_base_oversubscribe="1",
)

# Small and fast: 4 x 4 grid x 2 replicas = 32 tasks of d = 12, crossing gs + gw = 1.
SMALL = ["--d", "12", "--rank", "2", "--gs", "-2:0:4", "--gw", "0.5:2:4", "--replicas", "2",
         "--max-iter", "100", "--seed", "7"]
# Long enough (a few seconds) to be interrupted in the middle: 5 x 5 x 2 = 50 tasks.
LONG = ["--d", "48", "--rank", "3", "--gs", "-2.2:-0.2:5", "--gw", "0.6:2.2:5", "--replicas",
        "2", "--max-iter", "500", "--seed", "11"]

TIMEOUT = 120


def mpirun_cmd(n, args):
    return [MPIRUN, "--oversubscribe", "-n", str(n), str(BIN), "sweep", *args]


def sweep(n, args, check=True):
    p = subprocess.run(mpirun_cmd(n, args), env=ENV, capture_output=True, text=True,
                       timeout=TIMEOUT)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def first_line(stderr):
    """The phasesweep line of stderr (mpirun adds its own banner after it)."""
    lines = [line for line in stderr.splitlines() if line.startswith("phasesweep:")]
    return lines


def read_results(path):
    """Every per-task variable [gamma_s, gamma_w, replica] of the root group."""
    with h5py.File(path, "r") as f:
        return {name: ds[...] for name, ds in f.items() if ds.ndim == 3}


def stop_reason_names(ds):
    """code -> name from the CF flag attributes of stop_reason."""
    meanings = ds.attrs["flag_meanings"]
    meanings = meanings.decode() if isinstance(meanings, bytes) else meanings
    return dict(zip((int(v) for v in ds.attrs["flag_values"]), meanings.split()))


def assert_same_results(a, b, skip=("seconds",)):
    assert set(a) == set(b)
    for name in a:
        if name in skip:
            continue
        assert a[name].dtype == b[name].dtype, name
        assert a[name].shape == b[name].shape, name
        if a[name].dtype.kind == "f":
            assert np.array_equal(a[name], b[name], equal_nan=True), name
            # bit for bit, signs of zeros and NaN payloads included
            assert a[name].tobytes() == b[name].tobytes(), name
        else:
            assert np.array_equal(a[name], b[name]), name


def done_count(path):
    try:
        with h5py.File(path, "r") as f:
            return int(np.count_nonzero(f["done"][...]))
    except (OSError, KeyError):
        return -1  # not created yet


def _procs():
    """(pid, ppid, session) of every live process (zombies are dead, only unreaped)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            yield int(entry.name), int(fields[1]), int(fields[3])


def rank_pids(mpirun_pid):
    """The direct children of mpirun: the ranks (Open MPI forks local ranks itself)."""
    return [pid for pid, ppid, _ in _procs() if ppid == mpirun_pid]


def session_pids(sid):
    """mpirun and its ranks. Open MPI puts every rank in a process group of its own, so
    os.killpg on mpirun's group would reach mpirun alone; the session holds them all."""
    return [pid for pid, _, session in _procs() if session == sid]


def world_rank(pid):
    env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    for item in env:
        if item.startswith(b"OMPI_COMM_WORLD_RANK="):
            return int(item.split(b"=")[1])
    return None


def kill_session(proc, sig):
    for pid in session_pids(proc.pid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def start(n, args):
    return subprocess.Popen(mpirun_cmd(n, args), env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_progress(proc, path, at_least=1, timeout=60):
    """Blocks until the file holds at_least done tasks (and the sweep still runs)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        assert proc.poll() is None, "sweep ended before it could be interrupted"
        if done_count(path) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError("no progress")


@pytest.fixture(scope="module")
def small_ref(tmp_path_factory):
    """The small sweep on 2 ranks, uninterrupted."""
    assert BIN.exists(), f"{BIN} not built (make all)"
    path = tmp_path_factory.mktemp("small") / "ref.h5"
    p = sweep(2, [*SMALL, "--out", str(path)])
    return path, p


@pytest.fixture(scope="module")
def long_ref(tmp_path_factory):
    """The long sweep on 2 ranks, uninterrupted, and its wall time."""
    assert BIN.exists(), f"{BIN} not built (make all)"
    path = tmp_path_factory.mktemp("long") / "ref.h5"
    t0 = time.monotonic()
    sweep(2, [*LONG, "--out", str(path)])
    return path, time.monotonic() - t0


# ---- determinism and equality with `run` ----

def test_same_results_on_1_2_3_ranks(small_ref, tmp_path):
    ref = read_results(small_ref[0])
    assert ref["done"].all()
    for n in (1, 3):
        out = tmp_path / f"n{n}.h5"
        sweep(n, [*SMALL, "--out", str(out)])
        assert_same_results(ref, read_results(out))


def test_summary_and_efficiency_line(small_ref):
    lines = first_line(small_ref[1].stderr)
    summary = [line for line in lines if "parallel efficiency" in line]
    assert len(summary) == 1, small_ref[1].stderr
    assert summary[0].startswith("phasesweep: 32 of 32 tasks done; 32 run in ")
    assert "on 2 ranks" in summary[0]
    assert "stopped by signal" not in small_ref[1].stderr


def test_task_equals_run(small_ref):
    path = small_ref[0]
    with h5py.File(path, "r") as f:
        gs, gw = f["gamma_s"][...], f["gamma_w"][...]
        code_to_name = stop_reason_names(f["stop_reason"])
    res = read_results(path)
    rng = random.Random(5)
    picks = [(0, 0, 0), (len(gs) - 1, len(gw) - 1, 1)]
    picks += [(rng.randrange(len(gs)), rng.randrange(len(gw)), rng.randrange(2)) for _ in range(4)]
    opts = SMALL[:SMALL.index("--gs")] + ["--max-iter", "100", "--seed", "7"]
    for i, j, r in picks:
        cmd = [str(BIN), "run", *opts, "--gs", repr(float(gs[i])), "--gw", repr(float(gw[j])),
               "--replica", str(r), "--json"]
        p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
        assert p.returncode == 0, p.stderr
        want = json.loads(p.stdout)
        compared = 0
        for key, value in want.items():
            if key in ("seconds",) or key not in res:
                continue
            got = res[key][i, j, r]
            if key == "stop_reason":
                assert code_to_name[int(got)] == value, (i, j, r)
            elif value is None:
                assert np.isnan(got), (key, i, j, r)
            else:
                assert got == value, (key, i, j, r, got, value)
            compared += 1
        assert compared >= 6, sorted(res)


# ---- the layout ----

def test_layout(small_ref, tmp_path):
    n_s, n_w, R = 4, 4, 2
    with h5py.File(small_ref[0], "r") as f:
        grid = res = f
        assert grid["gamma_s"].shape == (n_s,) and grid["gamma_s"].dtype == np.float64
        assert grid["gamma_w"].shape == (n_w,) and grid["gamma_w"].dtype == np.float64
        assert np.array_equal(grid["gamma_s"][...], [-2 + 2 * i / 3 for i in range(n_s)])
        assert np.array_equal(grid["gamma_w"][...], [0.5 + 1.5 * i / 3 for i in range(n_w)])
        assert np.allclose(grid["sigma2"][...], 12.0 ** grid["gamma_s"][...], rtol=1e-14)
        assert np.array_equal(grid["width"][...],
                              np.floor(12.0 ** grid["gamma_w"][...] * (1 + 1e-12)))
        assert np.array_equal(grid["replica"][...], np.arange(R))
        for name in ("done", "min_test_error", "stable_rank", "iterations", "log_distance",
                     "final_train_error", "n_iter", "seconds", "stop_reason"):
            ds = res[name]
            assert ds.shape == (n_s, n_w, R), name
            assert ds.dims[0][0].name == "/gamma_s", name
            assert ds.dims[1][0].name == "/gamma_w", name
            assert ds.dims[2][0].name == "/replica", name
        for name in ("min_test_error", "stable_rank", "log_distance", "final_train_error",
                     "seconds"):
            assert res[name].dtype == np.float64, name
        for name in ("iterations", "n_iter"):
            assert res[name].dtype.kind == "i", name
        assert res["done"].dtype.kind in "ui"
        assert res["stop_reason"].dtype == np.int8
        assert stop_reason_names(res["stop_reason"]) == {
            0: "converged", 1: "overfitting", 2: "plateau", 3: "max_iter", 4: "diverged"}
        assert res["stop_reason"].fillvalue == -1  # not done
        assert np.all(res["done"][...] == 1)
        assert np.all(np.isfinite(res["min_test_error"][...]))
        assert np.all(res["seconds"][...] >= 0)


def test_undone_tasks_hold_fill_values(tmp_path):
    """A SIGKILL right after creation: everything undone reads as the fill values."""
    out = tmp_path / "fresh.h5"
    proc = start(1, [*LONG, "--out", str(out)])
    try:
        t0 = time.monotonic()
        while done_count(out) < 0 and time.monotonic() - t0 < 60:
            time.sleep(0.01)
    finally:
        kill_session(proc, signal.SIGKILL)
        proc.communicate()
    with h5py.File(out, "r") as f:
        res = f
        undone = res["done"][...] == 0
        assert undone.any()
        for name in ("min_test_error", "stable_rank", "log_distance", "final_train_error",
                     "seconds"):
            assert res[name].fillvalue != res[name].fillvalue, name  # NaN
            assert np.all(np.isnan(res[name][...][undone])), name
        for name in ("iterations", "n_iter", "stop_reason"):
            assert res[name].fillvalue == -1, name
            assert np.all(res[name][...][undone] == -1), name
        assert res["done"].fillvalue == 0


# ---- interruptions ----

def test_sigkill_then_resume(long_ref, tmp_path):
    ref_path, wall = long_ref
    out = tmp_path / "killed.h5"
    seed = random.randrange(1 << 30)
    delay = random.Random(seed).uniform(0, 0.5) * wall
    proc = start(2, [*LONG, "--out", str(out)])
    wait_for_progress(proc, out, at_least=0)  # the file is created (a kill before is h5io's)
    time.sleep(delay)
    kill_session(proc, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, f"seed {seed}: finished before the kill"
    time.sleep(0.2)
    assert not session_pids(proc.pid)
    assert subprocess.run(["h5dump", "-H", str(out)], capture_output=True).returncode == 0
    before = done_count(out)
    assert before >= 0, f"seed {seed}: the killed file does not open in h5py"
    p = sweep(2, [*LONG, "--out", str(out), "--resume"])
    assert f"({before} done before)" in p.stderr
    assert_same_results(read_results(ref_path), read_results(out))


def interrupted(tmp_path, name, send):
    """Starts the long sweep on 2 ranks, lets some tasks finish, calls send(proc); returns
    the process, its stderr, the seconds from the signal to its exit and the file."""
    out = tmp_path / name
    proc = start(2, [*LONG, "--out", str(out)])
    wait_for_progress(proc, out)
    send(proc)
    t0 = time.monotonic()
    _, stderr = proc.communicate(timeout=60)
    return proc, stderr, time.monotonic() - t0, out


def check_stopped(long_ref, out, stderr):
    results = read_results(out)
    n = int(results["done"].sum())
    total = results["done"].size
    assert 0 < n < total, stderr
    assert f"phasesweep: stopped by signal: {n} of {total} tasks done; resume with --resume" \
        in stderr
    p = sweep(2, [*LONG, "--out", str(out), "--resume"])
    assert "stopped by signal" not in p.stderr
    assert_same_results(read_results(long_ref[0]), read_results(out))


def test_sigterm_to_ranks_stops_cleanly(long_ref, tmp_path):
    """What Slurm does to every process of a step: SIGTERM the ranks (srun, scancel)."""
    def send(proc):
        for pid in rank_pids(proc.pid):
            os.kill(pid, signal.SIGTERM)
    proc, stderr, secs, out = interrupted(tmp_path, "term.h5", send)
    assert proc.returncode == 0, stderr
    assert secs < 30
    check_stopped(long_ref, out, stderr)


def test_sigterm_to_worker_only_stops_all(long_ref, tmp_path):
    """A worker alone got the signal: it leaves and rank 0 stops the others."""
    def send(proc):
        ranks = {world_rank(pid): pid for pid in rank_pids(proc.pid)}
        assert sorted(ranks) == [0, 1]
        os.kill(ranks[1], signal.SIGTERM)
    proc, stderr, secs, out = interrupted(tmp_path, "term1.h5", send)
    assert proc.returncode == 0, stderr
    assert secs < 30
    check_stopped(long_ref, out, stderr)


def test_sigterm_to_rank0_only_stops_all(long_ref, tmp_path):
    """Rank 0 alone got the signal: it must tell the busy workers."""
    def send(proc):
        ranks = {world_rank(pid): pid for pid in rank_pids(proc.pid)}
        assert sorted(ranks) == [0, 1]
        os.kill(ranks[0], signal.SIGTERM)
    proc, stderr, secs, out = interrupted(tmp_path, "term0.h5", send)
    assert proc.returncode == 0, stderr
    assert secs < 30
    check_stopped(long_ref, out, stderr)


def test_sigusr1_to_mpirun_stops_cleanly(long_ref, tmp_path):
    """Slurm's --signal=B:USR1@T reaches mpirun, which forwards SIGUSR1 to the ranks."""
    proc, stderr, secs, out = interrupted(tmp_path, "usr1.h5",
                                          lambda p: p.send_signal(signal.SIGUSR1))
    assert proc.returncode == 0, stderr
    assert secs < 30
    check_stopped(long_ref, out, stderr)


def test_sigterm_to_mpirun_too_leaves_resumable_file(long_ref, tmp_path):
    """SIGTERM to mpirun and the ranks (what Slurm sends every process at the time limit):
    Open MPI's mpirun then exits with status 1 and SIGKILLs the ranks 1 s later (its
    odls_base_sigkill_timeout) whatever they do; the file must still be readable and resumable
    to the same results."""
    proc, stderr, secs, out = interrupted(tmp_path, "termall.h5",
                                          lambda p: kill_session(p, signal.SIGTERM))
    assert proc.returncode != 0
    assert secs < 30
    time.sleep(0.2)
    assert not session_pids(proc.pid)
    assert subprocess.run(["h5dump", "-H", str(out)], capture_output=True).returncode == 0
    n = done_count(out)
    assert n > 0
    sweep(2, [*LONG, "--out", str(out), "--resume"])
    assert_same_results(read_results(long_ref[0]), read_results(out))


# ---- refusals ----

def snapshot(path):
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns


def test_existing_output_refused(small_ref, tmp_path):
    out = tmp_path / "exists.h5"
    out.write_bytes(small_ref[0].read_bytes())
    before = snapshot(out)
    for n in (1, 2):
        p = sweep(n, [*SMALL, "--out", str(out)], check=False)
        assert p.returncode == 2, p.stderr
        lines = first_line(p.stderr)
        assert len(lines) == 1 and ("--out" in lines[0] or "--force" in lines[0]), p.stderr
        assert snapshot(out) == before


def test_force_overwrites(small_ref, tmp_path):
    out = tmp_path / "forced.h5"
    out.write_bytes(b"not an HDF5 file, to be replaced\n")
    sweep(2, [*SMALL, "--out", str(out), "--force"])
    assert_same_results(read_results(small_ref[0]), read_results(out))


@pytest.mark.parametrize("change", [["--seed", "8"], ["--max-iter", "99"], ["--d", "13"],
                                    ["--gs", "-2:0:5"], ["--replicas", "3"]])
def test_resume_with_other_parameters_refused(small_ref, tmp_path, change):
    out = tmp_path / "mismatch.h5"
    out.write_bytes(small_ref[0].read_bytes())
    before = snapshot(out)
    args = list(SMALL)
    at = args.index(change[0])
    args[at + 1] = change[1]
    p = sweep(2, [*args, "--out", str(out), "--resume"], check=False)
    assert p.returncode == 2, p.stderr
    lines = first_line(p.stderr)
    assert len(lines) == 1, p.stderr
    assert change[0].lstrip("-") in lines[0], lines[0]
    assert snapshot(out) == before


def test_resume_of_complete_file_changes_nothing(small_ref, tmp_path):
    out = tmp_path / "complete.h5"
    out.write_bytes(small_ref[0].read_bytes())
    p = sweep(2, [*SMALL, "--out", str(out), "--resume"])
    assert "32 of 32 tasks done" in p.stderr
    assert_same_results(read_results(small_ref[0]), read_results(out), skip=())


@pytest.mark.parametrize("bad", [["--gs", "-2:0"], ["--gw", "a:b:3"], ["--gw", "0.5:2:0"],
                                 ["--d", "0"], ["--max-mem", "1M", "--d", "2000"]])
def test_bad_input_exits_2_on_all_ranks(tmp_path, bad):
    out = tmp_path / "bad.h5"
    args = list(SMALL)
    for k in range(0, len(bad), 2):
        if bad[k] in args:
            args[args.index(bad[k]) + 1] = bad[k + 1]
        else:
            args += bad[k:k + 2]
    p = sweep(3, [*args, "--out", str(out)], check=False)
    assert p.returncode == 2, p.stderr
    lines = first_line(p.stderr)
    assert len(lines) == 1, p.stderr
    assert bad[0] in lines[0], lines[0]
    assert not out.exists()


def test_unwritable_output_refused(tmp_path):
    out = tmp_path / "no" / "such" / "dir.h5"
    p = sweep(2, [*SMALL, "--out", str(out)], check=False)
    assert p.returncode == 2, p.stderr
    lines = first_line(p.stderr)
    assert len(lines) == 1 and "--out" in lines[0], p.stderr


# ---- a diverged task is a result ----

def test_diverged_task_is_stored(tmp_path):
    out = tmp_path / "diverged.h5"
    sweep(2, ["--d", "12", "--rank", "2", "--gs", "-1:0:2", "--gw", "1:1.5:2", "--replicas",
              "1", "--max-iter", "100", "--lr-scale", "1e-3", "--out", str(out)])
    with h5py.File(out, "r") as f:
        res = f
        names = {name: code for code, name in stop_reason_names(res["stop_reason"]).items()}
        assert np.all(res["done"][...] == 1)
        assert np.any(res["stop_reason"][...] == names["diverged"])
