"""The tunable figures on the engine's own files: figure2's --vmin/--vmax/--cmap/--log per
metric and the teacher's stable rank on the rank panel, the cut figure (any axis, bands,
several curves), figure1's --linear and --xmax, the format from the suffix; each as a
command (the image exists, its size is sane) and as the importable plot() function; a bad
value is one line and exit status 2."""

import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import LogNorm

from enginerun import ROOT
from phasesweep import cut, figure1, figure2
from phasesweep.io import files as phasefile
from phasesweep.studies.teacher import teacher_stable_rank

MAGIC = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}


def command(module, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "analysis"))
    return subprocess.run([sys.executable, "-m", f"phasesweep.{module}", *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=180)


def assert_image(path, fmt="png", low=15_000, high=5_000_000):
    data = path.read_bytes()
    assert data.startswith(MAGIC[fmt]), path
    assert low < len(data) < high, len(data)


@pytest.mark.parametrize("options", [
    ["--vmin", "test_error=0.2", "--vmax", "test_error=0.9"],
    ["--log", "test_error", "--cmap", "rank=magma"],
    ["--log", "min_test_error", "--vmin", "min_test_error=0.05", "--cmap", "cividis"],
    ["--metric", "rank", "--vmin", "1", "--vmax", "12", "--std"],
    ["--log", "iterations", "--no-teacher", "--markers"],
], ids=lambda o: " ".join(o))
def test_figure2_scales(engine_sweep, tmp_path, options):
    out = tmp_path / "f.png"
    p = command("figure2", engine_sweep, "-o", out, *options)
    assert p.returncode == 0, p.stderr
    assert_image(out)


def test_figure2_style_reaches_the_panels(engine_sweep, monkeypatch):
    from matplotlib.axes import Axes
    made, original = [], Axes.contourf
    monkeypatch.setattr(Axes, "contourf", lambda self, *a, **kw: made.append(
        original(self, *a, **kw)) or made[-1])
    figure2.plot(engine_sweep, style={"test_error": {"log": True, "vmin": 0.05},
                                      "rank": {"vmin": 1.0, "vmax": 10.0, "cmap": "magma"}})
    err, rank = made[0], made[1]
    assert isinstance(err.norm, LogNorm) and err.norm.vmin == pytest.approx(0.05)
    assert rank.get_cmap().name == "magma"
    assert rank.levels[0] == pytest.approx(1.0) and rank.levels[-1] == pytest.approx(10.0)


def test_teacher_reference_on_the_rank_panel(engine_sweep):
    sweep = phasefile.load(engine_sweep)
    value, spread = teacher_stable_rank(sweep.d, sweep.k)
    assert 1.0 <= value <= sweep.k and spread > 0
    fig = figure2.plot(engine_sweep)
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert any(f"teacher's own stable rank {value:.2f}" in t for t in labels), labels
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    marks = [line.get_ydata()[0] for line in bars[1].lines]
    assert any(m == pytest.approx(value) for m in marks) or not (
        np.nanmin(sweep.mean("stable_rank")) <= value <= np.nanmax(sweep.mean("stable_rank")))
    assert not any("teacher" in t for legend in figure2.plot(engine_sweep, teacher=False).legends
                   for t in [x.get_text() for x in legend.get_texts()])


def test_teacher_stable_rank_matches_the_issue():
    """A rank-5 Gaussian teacher: ~3.0 at d = 60, ~3.7-3.8 at d = 200 (issue 21)."""
    assert teacher_stable_rank(60, 5)[0] == pytest.approx(3.04, abs=0.05)
    assert teacher_stable_rank(200, 5)[0] == pytest.approx(3.72, abs=0.05)
    assert teacher_stable_rank(200, 5) == teacher_stable_rank(200, 5)  # deterministic
    assert teacher_stable_rank(50, 1)[0] == pytest.approx(1.0)


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_format_from_the_suffix(engine_sweep, engine_trace, tmp_path, fmt):
    for module, source in (("figure2", engine_sweep), ("cut", engine_sweep),
                           ("figure1", engine_trace)):
        out = tmp_path / f"{module}.{fmt}"
        p = command(module, source, "-o", out)
        assert p.returncode == 0, p.stderr
        assert_image(out, fmt, low=5_000)


@pytest.mark.parametrize("options", [
    [], ["--metric", "rank", "--along", "gw", "--band", "std"],
    ["--along", "sigma2", "--at", "0.5,2", "--log"],
    ["--metric", "iterations", "--along", "width", "--band", "none"],
    ["--metric", "test_error", "--ymin", "0", "--ymax", "1.2", "--at", "2"],
], ids=lambda o: " ".join(o) or "defaults")
def test_cut_command(engine_sweep, tmp_path, options):
    out = tmp_path / "cut.png"
    p = command("cut", engine_sweep, "-o", out, *options)
    assert p.returncode == 0, p.stderr
    assert_image(out, low=10_000)


def test_cut_data_is_the_replica_statistics(engine_sweep):
    sweep = phasefile.load(engine_sweep)
    curves = cut.cut_data(engine_sweep, "min_test_error", along="gamma_s")
    assert [c["at"] for c in curves] == list(sweep.gamma_w)  # 3 values: all of them
    values = sweep.results["min_test_error"]
    for j, c in enumerate(curves):
        np.testing.assert_allclose(c["mean"], values[:, j, :].mean(axis=1))
        np.testing.assert_allclose(c["std"], values[:, j, :].std(axis=1, ddof=1))
        np.testing.assert_allclose(c["sem"], c["std"] / np.sqrt(2))
    two = cut.cut_data(engine_sweep, "rank", along="gw", at=[-0.4, -2.0])
    assert [c["at"] for c in two] == [sweep.gamma_s[-1], sweep.gamma_s[0]]
    fig = cut.plot(engine_sweep, "stable_rank", along="gamma_w", band="sem")
    ax = fig.axes[0]
    assert len(ax.collections) == len(sweep.gamma_s)  # one band per curve
    value = teacher_stable_rank(sweep.d, sweep.k)[0]
    assert any(np.allclose(line.get_ydata(), value) for line in ax.lines)


def test_figure1_linear_and_xmax(engine_trace, tmp_path):
    fig = figure1.plot(engine_trace, linear=True, xmax=15)
    ax_err, ax_sv = fig.axes[:2]
    assert ax_sv.get_yscale() == "linear" and ax_sv.get_xlim() == (0, 15)
    assert ax_err.get_xlim() == (0, 15) and ax_err.get_yscale() == "log"
    assert figure1.plot(engine_trace).axes[1].get_yscale() == "log"
    out = tmp_path / "f1.png"
    p = command("figure1", engine_trace, "-o", out, "--linear", "--xmax", "20")
    assert p.returncode == 0, p.stderr
    assert_image(out)


@pytest.mark.parametrize("module, options", [
    ("figure2", ["--vmin", "test_error=x"]), ("figure2", ["--cmap", "nope"]),
    ("figure2", ["--log", "distance"]), ("cut", ["--along", "d"]),
    ("cut", ["--band", "ci"]), ("figure1", ["--xmax", "-3"]),
], ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_bad_values_on_engine_files(engine_sweep, engine_trace, tmp_path, module, options):
    source = engine_trace if module == "figure1" else engine_sweep
    p = command(module, source, "-o", tmp_path / "x.png", *options)
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1, p.stderr
    assert p.stderr.startswith(f"phasesweep-{module}: ") and "Traceback" not in p.stderr
    assert not (tmp_path / "x.png").exists()
