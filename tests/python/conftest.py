"""Fixtures of the analysis tests: sweep and trace files written by the engine (the real
thing; skipped only when bin/phasesweep is not built) and by sweepfiles.py (edge cases)."""

import shutil
import sys

import h5py
import numpy as np
import pytest

from enginerun import ENV, ROOT, engine, require_engine

sys.path.insert(0, str(ROOT / "analysis"))
sys.path.append(str(ROOT / "tests"))

import sweepfiles  # noqa: E402
from sweepfiles import undone_pattern  # noqa: E402
from enginecli import stopped_sweep  # noqa: E402


@pytest.fixture(scope="session")
def engine_sweep(tmp_path_factory):
    """A complete 4 x 3 x 2 sweep across gs + gw = 1, written by the engine."""
    out = tmp_path_factory.mktemp("engine") / "sweep.h5"
    engine(["sweep", "--d", "12", "--rank", "2", "--gs", "-2:-0.5:4", "--gw", "0.5:2:3",
            "--replicas", "2", "--max-iter", "60", "--out", str(out)], out.parent)
    return out


@pytest.fixture(scope="session")
def engine_partial(engine_sweep, tmp_path_factory):
    """engine_sweep with some tasks marked undone. Their numbers stay in the file, so any
    use of an undone task's value shows up as a wrong mean."""
    out = tmp_path_factory.mktemp("partial") / "partial.h5"
    shutil.copy(engine_sweep, out)
    with h5py.File(out, "r+") as f:
        done = f["done"]
        done[...] = done[...] & undone_pattern(done.shape)
    return out


@pytest.fixture(scope="session")
def engine_stopped(tmp_path_factory):
    """A sweep stopped by SIGUSR1 to mpirun after a few tasks: partially done, as the engine
    leaves it (undone tasks hold the fill values). (path, number of done tasks)."""
    require_engine()
    out = tmp_path_factory.mktemp("stopped") / "stopped.h5"
    args = ["--d", "40", "--rank", "3", "--gs", "-2.2:-0.2:5", "--gw", "0.6:2.2:4",
            "--replicas", "2", "--max-iter", "300", "--no-stop", "--seed", "3"]
    status, err = stopped_sweep(["sweep", *args], out, ENV, out.parent)
    assert status == 0, err
    with h5py.File(out, "r") as f:
        n_done = int(np.count_nonzero(f["done"][...]))
    assert 0 < n_done < 40, f"{n_done} of 40 tasks done: not a partial file"
    return out, n_done


@pytest.fixture(scope="session")
def engine_trace(tmp_path_factory):
    out = tmp_path_factory.mktemp("trace") / "trace.h5"
    engine(["trace", "--d", "20", "--rank", "2", "--gs", "-1.85", "--gw", "2.25",
            "--lr-scale", "5", "--max-iter", "40", "--out", str(out)], out.parent)
    return out


# issue #19's N-dimensional sweeps, written by the engine itself (one sweep with extra axes);
# the plain one-point sweeps they are compared with, and the same files stacked from them in
# Python (sweepfiles.stack, the layout's reference), beside them.
ND_D = (8, 12, 16)
ND_NOISE = (0.5, 1.0)
ND_GRID = ["--rank", "2", "--gs", "-2:-0.5:4", "--gw", "0.3:2:3", "--replicas", "3",
           "--max-iter", "40"]


@pytest.fixture(scope="session")
def engine_points(tmp_path_factory):
    """Plain engine sweeps on one grid at every (d, noise) of ND_D x ND_NOISE."""
    out = tmp_path_factory.mktemp("points")
    files = {}
    for d in ND_D:
        for noise in ND_NOISE:
            path = out / f"d{d}_noise{noise}.h5"
            engine(["sweep", "--d", str(d), "--noise", str(noise), *ND_GRID, "--out",
                    str(path)], out)
            files[(d, noise)] = path
    return files


def _axis_list(values):
    return ",".join(repr(v) for v in values)


@pytest.fixture(scope="session")
def nd_sweep_d(engine_points, tmp_path_factory):
    """A sweep with the extra axis d (noise 1), run by the engine: dims (d, gamma_s,
    gamma_w, replica). (path, {d: the plain file of that point})."""
    out = tmp_path_factory.mktemp("nd") / "sweep_d.h5"
    engine(["sweep", "--d", _axis_list(ND_D), "--noise", "1", *ND_GRID, "--out", str(out)],
           out.parent)
    return out, {d: path for (d, noise), path in engine_points.items() if noise == 1.0}


@pytest.fixture(scope="session")
def nd_sweep(engine_points, tmp_path_factory):
    """A sweep with the extra axes d and noise (the options table's order), run by the
    engine: dims (d, noise, gamma_s, gamma_w, replica). (path, {(d, noise): plain file})."""
    out = tmp_path_factory.mktemp("nd") / "sweep_d_noise.h5"
    engine(["sweep", "--d", _axis_list(ND_D), "--noise", _axis_list(ND_NOISE), *ND_GRID,
            "--out", str(out)], out.parent)
    return out, engine_points


@pytest.fixture(scope="session")
def nd_sweep_stacked(engine_points, tmp_path_factory):
    """nd_sweep's file stacked in Python from the plain sweeps (the layout's reference)."""
    out = tmp_path_factory.mktemp("nd") / "stacked_d_noise.h5"
    sweepfiles.stack(engine_points, [("d", np.int64, "d"), ("noise", np.float64, "noise")],
                     out)
    return out


@pytest.fixture(scope="session")
def synthetic_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic") / "sweep.h5"
    return sweepfiles.write_sweep(out, np.linspace(-3, 0, 7), np.linspace(0, 2.8, 6), replicas=3)


@pytest.fixture(scope="session")
def synthetic_partial(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic") / "partial.h5"
    gs, gw, replicas = np.linspace(-3, 0, 7), np.linspace(0, 2.8, 6), 3
    return sweepfiles.write_sweep(out, gs, gw, replicas,
                                  done=undone_pattern((len(gs), len(gw), replicas)))


@pytest.fixture(scope="session")
def synthetic_trace(tmp_path_factory):
    return sweepfiles.write_trace(tmp_path_factory.mktemp("synthetic") / "trace.h5")


# Every check on sweep files runs on the engine's output and on the synthetic stand-in,
# complete and partial.
@pytest.fixture(params=["engine_sweep", "engine_partial", "synthetic_sweep", "synthetic_partial"])
def sweep_file(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(params=["engine", "synthetic"])
def partial_file(request):
    return request.getfixturevalue(f"{request.param}_partial")


@pytest.fixture(params=["engine", "synthetic"])
def trace_file(request):
    return request.getfixturevalue(f"{request.param}_trace")
