"""The later knobs as axes (issue #20: each result-defining number may be an axis): --gr (the
layer imbalance; does not define the teacher) and --observed (matrix completion's share of
observed entries; defines the teacher: its mask is drawn per replica with A* and E, so the
farm's teacher cache must redraw it when observed changes). Every task of a sweep with both
axes equals `phasesweep run` with that task's values, bit for bit, on 1 and 2 ranks; an
observed axis without --problem completion is one line, exit 2.
"""

import json
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

COMMON = ["--d", "8", "--rank", "2", "--problem", "completion", "--max-iter", "80",
          "--seed", "3"]
SWEEP = ["sweep", *COMMON, "--observed", "0.5,1", "--gr=-0.3,0,0.3", "--gs=-1:0:2",
         "--gw", "0.5:1.5:2", "--replicas", "2"]
STORED = ["min_test_error", "stable_rank", "iterations", "log_distance", "final_train_error",
          "n_iter", "stop_reason"]


def phasesweep(*args, ranks=1):
    cmd = [str(BIN), *map(str, args)]
    if ranks > 1:
        cmd = [MPIRUN, "--oversubscribe", "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=300)


def ok(res):
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    return res


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    d = tmp_path_factory.mktemp("knobs")
    ok(phasesweep(*SWEEP, "--out", d / "one.h5"))
    ok(phasesweep(*SWEEP, "--out", d / "two.h5", ranks=2))
    return d


def test_layout(made):
    with h5py.File(made / "one.h5", "r") as f:
        assert f.attrs["axes"] == "observed gr"
        assert f["done"].shape == (2, 3, 2, 2, 2) and f["done"][...].all()
        np.testing.assert_array_equal(f["observed"][...], [0.5, 1.0])
        np.testing.assert_array_equal(f["gr"][...], [-0.3, 0.0, 0.3])
        assert f["gr"].dtype == np.float64 and f["observed"].dtype == np.float64
        assert "gr" not in f.attrs and "observed" not in f.attrs


def test_every_task_equals_run_on_one_and_two_ranks(made):
    with h5py.File(made / "one.h5", "r") as f, h5py.File(made / "two.h5", "r") as g:
        for name in STORED:
            assert f[name][...].tobytes() == g[name][...].tobytes(), name
        obs, gr, gs, gw = (f[k][...] for k in ("observed", "gr", "gamma_s", "gamma_w"))
        for idx in np.ndindex(f["done"].shape):
            a, b, i, j, r = idx
            got = json.loads(ok(phasesweep(
                "run", *COMMON, "--observed", repr(obs[a]), f"--gr={gr[b]!r}",
                f"--gs={gs[i]!r}", "--gw", repr(gw[j]), "--replica", r)).stdout)
            for name in ("min_test_error", "stable_rank", "final_train_error", "n_iter"):
                want = f[name][idx]
                assert np.asarray(got[name], dtype=f[name].dtype).tobytes() == \
                    np.asarray(want).tobytes(), (name, idx)


def test_the_knobs_change_the_results(made):
    """Not a constant: the observed share and gamma_r each change the numbers."""
    with h5py.File(made / "one.h5", "r") as f:
        m = f["min_test_error"][...]
        assert not np.array_equal(m[0], m[1])
        assert not np.array_equal(m[:, 0], m[:, 2])


def test_an_observed_axis_needs_completion():
    res = phasesweep("sweep", "--d", "8", "--observed", "0.5,1", "--gs", "0:0:1", "--gw",
                     "1:1:1", "--out", "/nonexistent/x.h5")
    assert res.returncode == 2 and res.stdout == "", res
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("phasesweep: --observed"), res.stderr


def test_resume_and_parts_merge(made, tmp_path):
    """--resume compares the knobs' axes (an added option absent as a root attribute is an
    axis here, not a file from before); 2 parts + merge equal the whole sweep."""
    ok(phasesweep(*SWEEP, "--out", made / "one.h5", "--resume"))
    other = [a.replace("0.3,0,0.3", "0.3,0,0.4") for a in SWEEP]
    res = phasesweep(*other, "--out", made / "one.h5", "--resume")
    assert res.returncode == 2 and "gr=-0.3,0,0.3 (file) vs -0.3,0,0.4 (now)" in res.stderr, res
    for i in (0, 1):
        ok(phasesweep(*SWEEP, "--part", f"{i}/2", "--out", tmp_path / f"p{i}.h5"))
    ok(phasesweep("merge", tmp_path / "p0.h5", tmp_path / "p1.h5", "--out", tmp_path / "m.h5"))
    with h5py.File(made / "one.h5", "r") as f, h5py.File(tmp_path / "m.h5", "r") as g:
        for name in STORED + ["done"]:
            assert f[name][...].tobytes() == g[name][...].tobytes(), name
