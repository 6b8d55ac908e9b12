"""Fixtures of the analysis tests: sweep and trace files written by the engine (the real
thing; skipped only when bin/phasesweep is not built) and by sweepfiles.py (edge cases)."""

import shutil
import sys

import h5py
import numpy as np
import pytest

from enginerun import ROOT, engine

sys.path.insert(0, str(ROOT / "analysis"))

import sweepfiles  # noqa: E402
from sweepfiles import undone_pattern  # noqa: E402


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
        done = f["results/done"]
        done[...] = done[...] & undone_pattern(done.shape)
    return out


@pytest.fixture(scope="session")
def engine_trace(tmp_path_factory):
    out = tmp_path_factory.mktemp("trace") / "trace.h5"
    engine(["trace", "--d", "20", "--rank", "2", "--gs", "-1.85", "--gw", "2.25",
            "--lr-scale", "5", "--max-iter", "40", "--out", str(out)], out.parent)
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
