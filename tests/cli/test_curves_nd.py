"""`sweep --curves` with extra axes (issue #19 + --curves): the curve variables have dims
(axis_1, .., axis_k, gamma_s, gamma_w, replica, iteration); with a --max-iter axis the
iteration dimension spans the largest value. Each task's curves equal `trace --from`'s series
bit for bit (NaN after its stop); 1 and 2 ranks, and 2 parts + merge, give the same bytes;
info shows the N-D grid and the curves.
"""

import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

# two extra axes (d, max_iter) x 2 x 2 grid x 2 replicas: 32 tasks, curves every 3 iterations
SWEEP = ["sweep", "--d", "6,8", "--max-iter", "40,60", "--rank", "2", "--gs=-2:0:2",
         "--gw", "0.5:2:2", "--replicas", "2", "--seed", "5", "--curves", "--curves-every", "3"]
CURVES = ["gd_train_error", "gd_test_error", "theory_train_error", "theory_test_error",
          "distance"]
DIMS = ["d", "max_iter", "gamma_s", "gamma_w", "replica", "iteration"]
SHAPE = (2, 2, 2, 2, 2, 20)  # (60 - 1) // 3 + 1 points
TASKS = [(0, 0, 0, 0, 0), (1, 0, 1, 1, 1), (0, 1, 1, 0, 1), (1, 1, 0, 1, 0)]


def phasesweep(*args, ranks=1, cwd=None):
    cmd = [str(BIN), *map(str, args)]
    if ranks > 1:
        cmd = [MPIRUN, "--oversubscribe", "-n", str(ranks), *cmd]
    res = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=cwd, timeout=300)
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    return res


def datasets(path, skip=("seconds",)):
    with h5py.File(path, "r") as f:
        return {k: (f[k].dtype.str, f[k].shape, f[k][...].tobytes()) for k in f
                if k not in skip}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    d = tmp_path_factory.mktemp("curves_nd")
    phasesweep(*SWEEP, "--out", d / "one.h5", cwd=d)
    return d


def test_curve_variables_have_the_axes_in_front(made):
    with h5py.File(made / "one.h5", "r") as f:
        assert f.attrs["axes"] == "d max_iter"
        np.testing.assert_array_equal(f["iteration"][...], np.arange(0, 60, 3))
        for name in CURVES:
            v = f[name]
            assert v.shape == SHAPE, (name, v.shape)
            assert [dim[0].name.lstrip("/") for dim in v.dims] == DIMS, name


def test_curves_equal_trace_from_and_nan_after_the_stop(made):
    with h5py.File(made / "one.h5", "r") as f:
        it = f["iteration"][...]
        n_iter = f["n_iter"][...]
        max_iter = f["max_iter"][...]
        assert (n_iter < max_iter[None, :, None, None, None]).sum() >= 3  # stopped early
    for task in TASKS:
        out = made / f"trace_{'_'.join(map(str, task))}.h5"
        phasesweep("trace", "--from", made / "one.h5", "--task", ",".join(map(str, task)),
                   "--out", out, cwd=made)
        with h5py.File(made / "one.h5", "r") as f, h5py.File(out, "r") as t:
            n = t["gd_train_error"].shape[0]
            assert n == f["n_iter"][task] + 1 or n == f["n_iter"][task], (task, n)
            kept = it < n
            assert kept.sum() >= 1
            for name in CURVES:
                curve, series = f[name][task], t[name][...]
                assert curve[kept].tobytes() == series[it[kept]].tobytes(), (task, name)
                assert np.isnan(curve[~kept]).all(), (task, name)


def test_two_ranks_and_parts_plus_merge_are_bitwise_the_same(made):
    one = datasets(made / "one.h5")
    phasesweep(*SWEEP, "--out", made / "two.h5", ranks=2, cwd=made)
    assert datasets(made / "two.h5") == one
    for i in (0, 1):
        phasesweep(*SWEEP, "--part", f"{i}/2", "--out", made / f"p{i}.h5", cwd=made)
    phasesweep("merge", made / "p0.h5", made / "p1.h5", "--out", made / "merged.h5", cwd=made)
    assert datasets(made / "merged.h5") == one


def test_info_shows_the_axes_and_the_curves(made):
    out = phasesweep("info", made / "one.h5").stdout
    assert "grid: 2 d x 2 max_iter x 2 gamma_s x 2 gamma_w x 2 replicas" in out, out
    assert "curves: stored" in out and "at 20 iterations 0, 3, 6" in out, out


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_the_analysis_reader_opens_it(made, engine):
    import sys
    sys.path.insert(0, str(ROOT / "analysis"))
    from phasesweep.io import files as phasefile
    ds = phasefile.open_sweep(made / "one.h5", engine=engine)
    assert ds["distance"].dims == tuple(DIMS)
    assert dict(ds.sizes) == dict(zip(DIMS, SHAPE))
    np.testing.assert_array_equal(ds["max_iter"].values, [40, 60])
