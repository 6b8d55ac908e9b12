"""`phasesweep sweep --curves [--curves-every K]`: every task's learning curves in the sweep file.

The curves (train and test error of GD and of the theory, their distance) at iterations 0, K,
2K, ... are variables (gamma_s, gamma_w, replica, iteration) with an `iteration` coordinate;
they equal `trace --from`'s per-iteration values bit for bit, are NaN after a task's stop, are
the same on 1 and 2 ranks, after a SIGUSR1 + --resume and after --part + merge; --curves
changes no other value; --resume refuses another choice; --max-file refuses a file too large
up front; estimate prints the curves' bytes; info says they are stored; xarray opens the file
with both engines through the analysis reader.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"  # this process polls a file a sweep writes

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

# d 8, a 3 x 3 grid across gs + gw = 1, 2 replicas: 18 tasks, most stop before max-iter
SWEEP = ["sweep", "--d", "8", "--rank", "2", "--gs", "-2:0:3", "--gw", "0.5:2:3",
         "--replicas", "2", "--max-iter", "120", "--seed", "5"]
MAX_ITER = 120
CURVES = ["gd_train_error", "gd_test_error", "theory_train_error", "theory_test_error",
          "distance"]
TASKS = [(0, 0, 0), (1, 2, 1), (2, 1, 0), (2, 2, 1)]


def phasesweep(*args, ranks=1, cwd=None, timeout=180):
    cmd = [str(BIN), *map(str, args)]
    if ranks > 1:
        cmd = [MPIRUN, "--oversubscribe", "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=cwd,
                          timeout=timeout)


def ok(res):
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    return res


def assert_usage_error(res, *words):
    """Exit 2, nothing on stdout, one stderr line 'phasesweep: ...' with every word."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("phasesweep: "), lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])


def datasets(path, skip=("seconds",)):
    """Every dataset's raw bytes (NaN payloads included), wall times aside."""
    with h5py.File(path, "r") as f:
        return {k: (f[k].dtype.str, f[k].shape, f[k][...].tobytes()) for k in f
                if k not in skip}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The sweep with --curves-every 1 and 5 on 1 rank, 5 on 2 ranks, and without curves."""
    d = tmp_path_factory.mktemp("curves")
    files = {"k1": d / "k1.h5", "k5": d / "k5.h5", "k5_2": d / "k5_2.h5", "plain": d / "p.h5"}
    ok(phasesweep(*SWEEP, "--curves", "--out", files["k1"], cwd=d))
    ok(phasesweep(*SWEEP, "--curves", "--curves-every", "5", "--out", files["k5"], cwd=d))
    ok(phasesweep(*SWEEP, "--curves", "--curves-every", "5", "--out", files["k5_2"], ranks=2,
                  cwd=d))
    ok(phasesweep(*SWEEP, "--out", files["plain"], cwd=d))
    return d, files


def test_layout_of_a_curves_file(made):
    _, files = made
    with h5py.File(files["k5"], "r") as f:
        np.testing.assert_array_equal(f["iteration"][...], np.arange(0, MAX_ITER, 5))
        assert f["iteration"].dtype == np.int64
        for name in CURVES:
            v = f[name]
            assert v.shape == (3, 3, 2, 24) and v.dtype == np.float64
            assert [dim[0].name.lstrip("/") for dim in v.dims] == ["gamma_s", "gamma_w", "replica",
                                                    "iteration"]
            assert np.isnan(v.attrs["_FillValue"])
            for key in ("units", "long_name", "description"):
                assert key in v.attrs, (name, key)
        assert int(f.attrs["curves"]) == 1 and int(f.attrs["curves_every"]) == 5
    with h5py.File(files["k1"], "r") as f:
        np.testing.assert_array_equal(f["iteration"][...], np.arange(MAX_ITER))
    with h5py.File(files["plain"], "r") as f:
        assert "iteration" not in f and not any(name in f for name in CURVES)
        assert int(f.attrs["curves"]) == 0


def test_curves_change_no_other_value_and_not_with_the_rank_count(made):
    _, files = made
    plain = datasets(files["plain"])
    for key in ("k1", "k5", "k5_2"):
        got = datasets(files[key])
        assert {k: got[k] for k in plain} == plain, key
    assert datasets(files["k5"]) == datasets(files["k5_2"])


def test_nan_exactly_after_each_tasks_stop(made):
    _, files = made
    for key, k in (("k1", 1), ("k5", 5)):
        with h5py.File(files[key], "r") as f:
            n_iter = f["n_iter"][...]
            assert (n_iter < MAX_ITER).sum() >= 3, n_iter  # tasks that stopped early
            recorded = (n_iter - 1) // k + 1
            for name in CURVES:
                finite = np.isfinite(f[name][...])
                # a prefix of finite values, as long as the task's recorded points, NaN after
                want = np.arange(f[name].shape[-1]) < recorded[..., None]
                np.testing.assert_array_equal(finite, want, err_msg=f"{key} {name}")


@pytest.mark.parametrize("key,every", [("k1", 1), ("k5", 5)])
def test_curves_equal_trace_from_bit_for_bit(made, key, every):
    d, files = made
    for task in TASKS:
        out = d / f"trace_{key}_{'_'.join(map(str, task))}.h5"
        ok(phasesweep("trace", "--from", files[key], "--task", ",".join(map(str, task)),
                      "--out", out, cwd=d))
        with h5py.File(files[key], "r") as f, h5py.File(out, "r") as t:
            it = f["iteration"][...]
            n = t["gd_train_error"].shape[0]
            for name in CURVES:
                curve, series = f[name][task], t[name][...]
                kept = it < n
                assert curve[kept].tobytes() == series[it[kept]].tobytes(), (task, name)
                assert np.isnan(curve[~kept]).all(), (task, name)


def test_info_says_curves_are_stored(made):
    _, files = made
    out = ok(phasesweep("info", files["k5"])).stdout
    line = next(x for x in out.splitlines() if x.startswith("curves:"))
    assert line.startswith("curves: stored") and "24 iterations 0, 5, 10" in line, line
    out = ok(phasesweep("info", files["plain"])).stdout
    assert "curves: not stored" in out


def test_xarray_opens_the_curves_with_both_engines(made):
    sys.path.insert(0, str(ROOT / "analysis"))
    from phasesweep.io import files as phasefile

    _, files = made
    with h5py.File(files["k5"], "r") as f:
        raw = f["gd_test_error"][...]
    for engine in ("h5netcdf", "netcdf4"):
        ds = phasefile.open_sweep(files["k5"], engine=engine)
        assert ds["gd_test_error"].dims == ("gamma_s", "gamma_w", "replica", "iteration")
        np.testing.assert_array_equal(ds["iteration"].values, np.arange(0, MAX_ITER, 5))
        np.testing.assert_array_equal(ds["gd_test_error"].values, raw)
        assert ds["distance"].attrs["long_name"] == "GD-vs-theory distance"
        one = ds["gd_test_error"].isel(gamma_s=1, gamma_w=2, replica=1)
        assert one.dims == ("iteration",)


def test_resume_refuses_another_curves_choice(made):
    d, files = made
    res = phasesweep(*SWEEP, "--curves", "--curves-every", "4", "--out", files["k5"],
                     "--resume", cwd=d)
    assert_usage_error(res, "--resume", "curves-every=5 (file) vs 4 (now)")
    res = phasesweep(*SWEEP, "--out", files["k5"], "--resume", cwd=d)
    assert_usage_error(res, "curves=true (file) vs false (now)")
    res = phasesweep(*SWEEP, "--curves", "--out", files["plain"], "--resume", cwd=d)
    assert_usage_error(res, "curves=false (file) vs true (now)")


def test_resume_refuses_an_altered_iteration_coordinate(made, tmp_path):
    _, files = made
    altered = tmp_path / "altered.h5"
    altered.write_bytes(files["k5"].read_bytes())
    with h5py.File(altered, "r+") as f:
        f["iteration"][3] = 16
    res = phasesweep(*SWEEP, "--curves", "--curves-every", "5", "--out", altered, "--resume",
                     cwd=tmp_path)
    assert_usage_error(res, "iteration[3] is 16, but the options give 15")


def test_merge_of_parts_keeps_the_curves(made, tmp_path):
    _, files = made
    parts = [tmp_path / f"part{i}.h5" for i in range(3)]
    for i, p in enumerate(parts):
        ok(phasesweep(*SWEEP, "--curves", "--curves-every", "5", "--part", f"{i}/3",
                      "--out", p, cwd=tmp_path))
    merged = tmp_path / "merged.h5"
    ok(phasesweep("merge", *parts, "--out", merged, cwd=tmp_path))
    assert datasets(merged) == datasets(files["k5"])


# slower: d 40, 40 tasks of 300 steps, long enough to stop it midway
STOPPED = ["sweep", "--d", "40", "--rank", "3", "--gs", "-2.2:-0.2:5", "--gw", "0.6:2.2:4",
           "--replicas", "2", "--max-iter", "300", "--no-stop", "--seed", "3", "--curves",
           "--curves-every", "7"]


def done_flags(path):
    try:
        with h5py.File(path, "r") as f:
            return f["done"][...]
    except (OSError, KeyError):
        return None


def test_sigusr1_and_resume_keep_the_curves_bitwise(tmp_path):
    whole = tmp_path / "whole.h5"
    ok(phasesweep(*STOPPED, "--out", whole, cwd=tmp_path))
    out = tmp_path / "stopped.h5"
    proc = subprocess.Popen([MPIRUN, "--oversubscribe", "-n", "2", str(BIN), *STOPPED,
                             "--out", str(out)], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120 and proc.poll() is None:
            done = done_flags(out)
            if done is not None and done.sum() >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep ended before it could be stopped"
        proc.send_signal(signal.SIGUSR1)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, err
    done = done_flags(out)
    assert 0 < done.sum() < done.size, "not a partial file"
    with h5py.File(out, "r") as f:  # the tasks not done have no curves yet
        assert np.isnan(f["gd_test_error"][...][done == 0]).all()
    ok(phasesweep(*STOPPED, "--out", out, "--resume", ranks=2, cwd=tmp_path))
    assert datasets(out) == datasets(whole)


def test_max_file_refuses_up_front(tmp_path):
    out = tmp_path / "big.h5"
    # 9000 tasks x 5 curves x 10^5 iterations x 8 bytes = 36 GB > the default 8 GiB
    big = ["sweep", "--d", "8", "--gs", "-2:0:30", "--gw", "0.5:2:30", "--replicas", "10",
           "--max-iter", "100000", "--curves", "--out", out]
    assert_usage_error(phasesweep(*big, cwd=tmp_path), "--max-file", "curves",
                       "above the limit of 8 GiB")
    assert not out.exists()
    # fewer recorded iterations fit
    res = phasesweep(*big, "--curves-every", "100000", "--max-iter", "2", cwd=tmp_path)
    ok(res)
    # without curves too: 40000 tasks of ~50 bytes against 1 MiB
    small = ["sweep", "--d", "8", "--gs", "-2:0:200", "--gw", "0.5:2:200", "--max-iter", "1",
             "--max-file", "1M", "--out", tmp_path / "many.h5"]
    assert_usage_error(phasesweep(*small, cwd=tmp_path), "--max-file", "40000 tasks")
    assert not (tmp_path / "many.h5").exists()


def test_estimate_prints_the_curve_bytes(made):
    _, files = made
    out = ok(phasesweep("estimate", *SWEEP[1:], "--curves", "--curves-every", "5",
                        "--pilot", "0")).stdout
    line = next(x for x in out.splitlines() if x.startswith("file:"))
    curves = 5 * 8 * 24 * 18 / 1048576
    assert f"curves {curves:.4g} MiB" in line, line
    assert "5 variables x 24 iterations x 18 tasks" in line and "within --max-file" in line
    # the data bytes it prints are the file's, HDF5's metadata aside
    data = float(line.split()[1]) * 1048576
    size = files["k5"].stat().st_size
    assert data <= size <= data + 256 * 1024, (data, size)
    out = ok(phasesweep("estimate", *SWEEP[1:], "--pilot", "0")).stdout
    line = next(x for x in out.splitlines() if x.startswith("file:"))
    assert "no curves; --curves would add" in line, line


def test_a_scalapack_group_records_the_same_way(made, tmp_path):
    """In groups of 2 the curves change no value of the group's own sweep and equal the
    group's trace --from (the group engine's rounding is its own, not the local one's)."""
    group = ["--group-size", "2"]
    plain, curves = tmp_path / "g_plain.h5", tmp_path / "g_curves.h5"
    ok(phasesweep(*SWEEP, *group, "--out", plain, ranks=2, cwd=tmp_path))
    ok(phasesweep(*SWEEP, *group, "--curves", "--curves-every", "5", "--out", curves, ranks=2,
                  cwd=tmp_path))
    base, got = datasets(plain), datasets(curves)
    assert {k: got[k] for k in base} == base
    task = (2, 1, 1)
    out = tmp_path / "g_trace.h5"
    ok(phasesweep("trace", "--from", curves, "--task", "2,1,1", *group, "--out", out, ranks=2,
                  cwd=tmp_path))
    with h5py.File(curves, "r") as f, h5py.File(out, "r") as t:
        it = f["iteration"][...]
        kept = it < t["gd_train_error"].shape[0]
        for name in CURVES:
            assert f[name][task][kept].tobytes() == t[name][...][it[kept]].tobytes(), name
            assert np.isnan(f[name][task][~kept]).all(), name
