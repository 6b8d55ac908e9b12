"""Sweeps with extra axes (issue #19): a 3-axis sweep (d in {16, 24, 32} x 5 gamma_s x 5
gamma_w, 2 replicas) is bitwise the same file on 1, 2 and 3 ranks; its tasks equal `run` with
their values; a SIGKILL of the whole job and --resume give the same numbers; 3 parts merged
are the whole sweep; trace --from (by --task and by --at) reproduces a stored task; both
xarray engines open it as one Dataset with the documented dims and coordinates; --resume
with another axis, a repeated value, a non-integer rank, too many tasks and an index out of
range are refused with one line and exit status 2.
"""

import json
import os
import random
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
sys.path.insert(0, str(ROOT / "tests"))
from sessions import kill_session, session_pids  # noqa: E402

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

SWEEP = ["sweep", "--d", "16,24,32", "--rank", "2", "--gs", "-2:0:5", "--gw", "0.5:2:5",
         "--replicas", "2", "--max-iter", "150", "--seed", "3"]
STORED = ["min_test_error", "stable_rank", "iterations", "log_distance", "final_train_error",
          "n_iter"]
VOLATILE = {"seconds"}


def cmd(args, ranks=1):
    c = [str(BIN), *map(str, args)]
    return [MPIRUN, "--oversubscribe", "-n", str(ranks), *c] if ranks > 1 else c


def phasesweep(*args, ranks=1, timeout=300):
    return subprocess.run(cmd(args, ranks), capture_output=True, text=True, env=ENV,
                          timeout=timeout)


def ok(res):
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    return res


def refused(res, *words):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("phasesweep: "), res.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def datasets(path):
    """Every dataset's bytes, dtype and shape (seconds aside: a wall time)."""
    with h5py.File(path, "r") as f:
        return {k: (f[k].dtype.str, f[k].shape, f[k][()].tobytes()) for k in f
                if k not in VOLATILE}


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    out = tmp_path_factory.mktemp("axes") / "ref.h5"
    ok(phasesweep(*SWEEP, "--out", out))
    return out


def test_layout(ref):
    with h5py.File(ref, "r") as f:
        assert f.attrs["axes"] in ("d", b"d")
        assert "d" not in f.attrs  # an axis is its coordinate, not an attribute
        assert f["d"].dtype == np.int64 and list(f["d"][()]) == [16, 24, 32]
        for name in STORED + ["done", "stop_reason"]:
            assert f[name].shape == (3, 5, 5, 2), name
        assert f["sigma2"].shape == (3, 5) and f["width"].shape == (3, 5)
        gs, gw = f["gamma_s"][()], f["gamma_w"][()]
        assert f["sigma2"][2, 1] == 32.0 ** gs[1]
        assert f["width"][1, 3] == int(np.floor(24.0 ** gw[3] + 1e-9)) or f["width"][1, 3] > 0
        assert f["done"][()].all()
        assert f["d"].attrs["CLASS"] == b"DIMENSION_SCALE"
    info = ok(phasesweep("info", ref)).stdout
    assert "d = 16,24,32" in info
    assert "grid: 3 d x 5 gamma_s x 5 gamma_w x 2 replicas" in info


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_engines(ref, engine):
    xr = pytest.importorskip("xarray")
    pytest.importorskip({"netcdf4": "netCDF4"}.get(engine, engine))
    with xr.open_dataset(ref, engine=engine) as ds:
        assert ds["min_test_error"].dims == ("d", "gamma_s", "gamma_w", "replica")
        assert dict(ds.sizes) == {"d": 3, "gamma_s": 5, "gamma_w": 5, "replica": 2}
        assert ds["sigma2"].dims == ("d", "gamma_s") and ds["width"].dims == ("d", "gamma_w")
        assert {"d", "gamma_s", "gamma_w", "replica", "sigma2", "width"} <= set(ds.coords)
        assert list(ds["d"].values) == [16, 24, 32]
        assert ds["d"].attrs["long_name"] == "d"
        sel = ds["min_test_error"].sel(d=24).isel(gamma_s=1, gamma_w=2, replica=1)
        with h5py.File(ref, "r") as f:
            assert float(sel) == f["min_test_error"][1, 1, 2, 1]


@pytest.mark.parametrize("ranks", [2, 3])
def test_rank_counts_bitwise(ref, tmp_path, ranks):
    out = tmp_path / f"r{ranks}.h5"
    ok(phasesweep(*SWEEP, "--out", out, ranks=ranks))
    assert datasets(out) == datasets(ref)


def test_tasks_equal_run(ref):
    with h5py.File(ref, "r") as f:
        d, gs, gw = f["d"][()], f["gamma_s"][()], f["gamma_w"][()]
        for (a, i, j, r) in [(0, 0, 4, 1), (1, 2, 1, 0), (2, 4, 3, 1)]:
            res = ok(phasesweep("run", "--d", int(d[a]), "--rank", 2, "--gs", repr(gs[i]),
                                "--gw", repr(gw[j]), "--replica", r, "--max-iter", 150,
                                "--seed", 3))
            got = json.loads(res.stdout)
            for name in STORED:
                want = f[name][a, i, j, r]
                assert np.asarray(got[name], dtype=f[name].dtype).tobytes() == \
                    np.asarray(want).tobytes(), (name, a, i, j, r)


def test_a_teacher_axis_and_a_student_axis_equal_run(tmp_path):
    """noise defines the teacher, lr-scale does not: the farm's teacher cache must redraw
    A* and E when noise changes between tasks of one replica."""
    out = tmp_path / "nl.h5"
    args = ["--d", "8", "--rank", "2", "--noise", "0.5,1", "--lr-scale", "25,50",
            "--gs", "-1:0:2", "--gw", "1:1.5:2", "--replicas", "2", "--max-iter", "60"]
    ok(phasesweep("sweep", *args, "--out", out, ranks=2))
    with h5py.File(out, "r") as f:
        assert f.attrs["axes"] in ("noise lr_scale", b"noise lr_scale")
        assert f["min_test_error"].shape == (2, 2, 2, 2, 2)
        for (a, b, i, j, r) in [(0, 1, 0, 1, 1), (1, 0, 1, 0, 0), (1, 1, 1, 1, 1)]:
            res = ok(phasesweep("run", "--d", 8, "--rank", 2, "--noise", repr(f["noise"][a]),
                                "--lr-scale", repr(f["lr_scale"][b]),
                                "--gs", repr(f["gamma_s"][i]), "--gw", repr(f["gamma_w"][j]),
                                "--replica", r, "--max-iter", 60))
            got = json.loads(res.stdout)
            assert got["min_test_error"] == f["min_test_error"][a, b, i, j, r]
            assert got["n_iter"] == f["n_iter"][a, b, i, j, r]


def done_count(path):
    try:
        with h5py.File(path, "r") as f:
            return int(f["done"][()].sum())
    except (OSError, KeyError):
        return -1


def test_sigkill_then_resume(tmp_path):
    args = [*SWEEP, "--no-stop", "--max-iter", "400"]
    ref = tmp_path / "ref.h5"
    t0 = time.monotonic()
    ok(phasesweep(*args, "--out", ref, ranks=2))
    wall = time.monotonic() - t0
    out = tmp_path / "killed.h5"
    seed = random.randrange(1 << 30)
    proc = subprocess.Popen(cmd([*args, "--out", out], 2), env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while done_count(out) < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(random.Random(seed).uniform(0, 0.3) * wall)
    kill_session(proc, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, f"seed {seed}: finished before the kill"
    time.sleep(0.2)
    assert not session_pids(proc.pid)
    before = done_count(out)
    assert 0 <= before < 150, (seed, before)
    res = ok(phasesweep(*args, "--out", out, "--resume", ranks=2))
    assert f"({before} done before)" in res.stderr
    assert datasets(out) == datasets(ref)


def test_parts_merge(ref, tmp_path):
    parts = []
    for i in range(3):
        p = tmp_path / f"p{i}.h5"
        ok(phasesweep(*SWEEP, "--part", f"{i}/3", "--out", p))
        with h5py.File(p, "r") as f:
            assert f["done"].shape == (3, 5, 5, 2)
            assert 49 <= int(f["done"][()].sum()) <= 51  # 150 tasks dealt over 3 parts
        parts.append(p)
    out = tmp_path / "merged.h5"
    ok(phasesweep("merge", "--out", out, *parts))
    assert datasets(out) == datasets(ref)
    # a part of another d axis is another sweep
    other = tmp_path / "other.h5"
    ok(phasesweep(*[a if a != "16,24,32" else "16,24,40" for a in SWEEP], "--part", "0/3",
                  "--out", other))
    refused(phasesweep("merge", "--out", tmp_path / "bad.h5", parts[1], other),
            "different sweeps", "d=16,24,32")


def test_trace_from(ref, tmp_path):
    with h5py.File(ref, "r") as f:
        want = {k: f[k][2, 3, 1, 1] for k in STORED}
        gs, gw = f["gamma_s"][3], f["gamma_w"][1]
    t = tmp_path / "t.h5"
    ok(phasesweep("trace", "--from", ref, "--task", "2,3,1,1", "--out", t))
    with h5py.File(t, "r") as f:
        for k in STORED:
            got = np.asarray(f.attrs[k], dtype=want[k].dtype)
            assert got.tobytes() == np.asarray(want[k]).tobytes(), k
        assert int(f.attrs["d"]) == 32
    got = json.loads(ok(phasesweep("run", "--from", ref, "--at",
                                   f"d=32,gamma_s={gs!r},gamma_w={gw!r},replica=1")).stdout)
    assert got["min_test_error"] == want["min_test_error"]
    refused(phasesweep("run", "--from", ref, "--task", "3,0,0,0"), "--task",
            "index 3 of d is out of range [0, 2]")
    refused(phasesweep("run", "--from", ref, "--task", "0,0,0"), "--task", "4 dimensions",
            "d, gamma_s, gamma_w, replica")
    refused(phasesweep("run", "--from", ref, "--at", "d=20,gamma_s=0,gamma_w=1"), "--at",
            "d=20 is not stored")


def test_resume_refuses_another_axis(ref, tmp_path):
    ok(phasesweep(*SWEEP, "--out", ref, "--resume"))
    other = [a if a != "16,24,32" else "16,24" for a in SWEEP]
    refused(phasesweep(*other, "--out", ref, "--resume"), "--resume",
            "d=16,24,32 (file) vs 16,24 (now)")
    scalar = [a if a != "16,24,32" else "16" for a in SWEEP]
    refused(phasesweep(*scalar, "--out", ref, "--resume"), "d=16,24,32 (file) vs 16 (now)")


@pytest.mark.parametrize("line,words", [
    (["--d", "16,24,16"], ["--d", "16 twice"]),
    (["--rank", "2.5"], ["--rank", "'2.5' is not an integer in [1, 65536]"]),
    (["--rank", "1", "--d", "2:1001:1000", "--seed", "0:999:1000", "--max-iter", "1:1000:1000"],
     ["1000000000 tasks", "1000 d x 1000 seed x 1000 max_iter x", "limit 100000000"]),
])
def test_bad_axes(tmp_path, line, words):
    res = phasesweep("sweep", "--gs", "0:1:1", "--gw", "1:1:1", *line, "--out",
                     tmp_path / "x.h5")
    refused(res, *words)
    assert not (tmp_path / "x.h5").exists()


def test_run_takes_one_value():
    refused(phasesweep("run", "--gs", 0, "--gw", 1, "--d", "8,12"), "--d",
            "axis of sweep and estimate")


def test_replica_ranges_merge_over_axes(tmp_path):
    """--replicas 0:2 and 2:3 of a sweep with a d axis merge into --replicas 3, bit for bit."""
    args = ["sweep", "--d", "8,12", "--rank", "2", "--gs", "-2:0:3", "--gw", "0.5:1.5:2",
            "--max-iter", "100"]
    whole, a, b = tmp_path / "all.h5", tmp_path / "a.h5", tmp_path / "b.h5"
    ok(phasesweep(*args, "--replicas", "3", "--out", whole))
    ok(phasesweep(*args, "--replicas", "0:2", "--out", a))
    ok(phasesweep(*args, "--replicas", "2:3", "--out", b, ranks=2))
    out = tmp_path / "merged.h5"
    ok(phasesweep("merge", "--out", out, a, b))
    assert datasets(out) == datasets(whole)
    with h5py.File(out, "r") as f:
        assert f["done"].shape == (2, 3, 2, 3) and list(f["replica"][()]) == [0, 1, 2]
