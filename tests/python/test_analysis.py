"""analysis/: the plotted and tabulated numbers are the file's, averaged over done replicas
only; undone points stay masked; the scripts write their figures and tables."""

import csv
import math
import subprocess
import sys
import warnings

import h5py
import numpy as np
import pytest
from matplotlib.axes import Axes

import sweepfiles
from phasesweep.figures import figure1, figure2
from phasesweep.io import files as phasefile
from phasesweep.io import summary
from enginerun import ROOT
from sweepfiles import undone_pattern

PANEL_METRICS = [name for name, _ in figure2.PANELS]


def raw(path, name):
    with h5py.File(path, "r") as f:
        return f[name][...].astype(np.float64), f["done"][...] != 0


def reference(path, name):
    """numpy's own mean, std (ddof=1) and count over the done tasks with a finite value."""
    values, done = raw(path, name)
    kept = np.where(done & np.isfinite(values), values, np.nan)
    count = np.isfinite(kept).sum(axis=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices are the point
        mean = np.nanmean(kept, axis=2)
        std = np.where(count >= 2, np.nanstd(kept, axis=2, ddof=1), np.nan)
    return mean, std, count


def run_script(*args):
    p = subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p


def assert_image(path, magic):
    assert path.read_bytes().startswith(magic)
    assert path.stat().st_size > 20_000, "a rendered figure, not an empty canvas"


def test_panel_data_is_the_mean_over_done_replicas(sweep_file):
    data = figure2.panel_data(sweep_file)
    assert list(data) == PANEL_METRICS
    for name in PANEL_METRICS:
        mean, _, count = reference(sweep_file, name)
        np.testing.assert_array_equal(np.ma.getmaskarray(data[name]), count == 0, err_msg=name)
        np.testing.assert_allclose(data[name].filled(np.nan), mean, rtol=1e-13, equal_nan=True,
                                   err_msg=name)


def test_undone_tasks_are_left_out(partial_file):
    sweep = phasefile.load(partial_file)
    assert sweep.n_done == undone_pattern(sweep.done.shape).sum() < sweep.n_total
    for name in sweep.metrics:
        mean = sweep.mean(name)
        assert mean.mask[0, 0] and mean.mask[1:, -1].all(), name
        values, done = raw(partial_file, name)
        # Point (1, 1) lost replica 0 only: its mean is that of the other replicas, whose
        # values both fixtures make finite, so that the check always runs.
        assert not done[1, 1, 0] and done[1, 1, 1:].all(), name
        assert np.isfinite(values[1, 1, 1:]).all(), (name, values[1, 1, 1:])
        assert not mean.mask[1, 1], name
        assert mean[1, 1] == pytest.approx(values[1, 1, 1:].mean(), rel=1e-13), name
    assert sweep.n_done_at()[0, 0] == 0


def test_figure_draws_exactly_the_panel_data(sweep_file, monkeypatch):
    drawn = []
    for method in ("contourf", "pcolormesh"):
        original = getattr(Axes, method)

        def record(self, x, y, z, *args, _original=original, **kwargs):
            drawn.append((self, z))
            return _original(self, x, y, z, *args, **kwargs)

        monkeypatch.setattr(Axes, method, record)
    sweep = phasefile.load(sweep_file)
    panels = figure2.make_figure(sweep).axes[: len(PANEL_METRICS)]
    data = figure2.panel_data(sweep)
    drawn = [z for ax, z in drawn if ax in panels]  # not the colorbars' own meshes
    assert len(drawn) == len(PANEL_METRICS)
    for z, name in zip(drawn, PANEL_METRICS):
        np.testing.assert_array_equal(np.ma.getmaskarray(z), np.ma.getmaskarray(data[name]).T)
        np.testing.assert_array_equal(z.filled(np.nan), data[name].T.filled(np.nan))


def test_every_done_point_is_filled():
    """A done value outside contourf's levels would show the 'not done' background: a stable
    rank of 0.9999999999999931 (rank-one A, rounding) sits just below the level at 1."""
    import matplotlib.pyplot as plt
    gs, gw = np.linspace(-3, 0, 3), np.linspace(0, 2.8, 3)
    z = np.ma.masked_invalid([[0.9999999999999931, 2.0, 3.0], [4.0, 5.0, 6.0],
                              [6.904206825012945, np.nan, 1.5]])
    fig, ax = plt.subplots()
    made, contourf = [], ax.contourf
    ax.contourf = lambda *a, **kw: made.append(contourf(*a, **kw)) or made[-1]
    figure2._draw_2d(fig, ax, gs, gw, z, [])
    (cs,) = made
    values = z.compressed()
    low = cs.extend in ("min", "both") or values.min() >= cs.levels[0]
    high = cs.extend in ("max", "both") or values.max() <= cs.levels[-1]
    plt.close(fig)
    assert low and high, (values.min(), values.max(), cs.levels, cs.extend)


def test_figure2_script_writes_png(sweep_file, tmp_path):
    run_script("analysis/figure2.py", sweep_file, "-o", tmp_path / "fig.png")
    assert_image(tmp_path / "fig.png", b"\x89PNG")


def test_figure2_script_writes_pdf(synthetic_partial, tmp_path):
    run_script("analysis/figure2.py", synthetic_partial, "-o", tmp_path / "fig.pdf")
    assert_image(tmp_path / "fig.pdf", b"%PDF")


def test_coverage_in_title(partial_file):
    sweep = phasefile.load(partial_file)
    title = figure2.make_figure(sweep)._suptitle.get_text()
    assert f"done {sweep.n_done}/{sweep.n_total}" in title


@pytest.mark.parametrize("n_s, n_w", [(1, 5), (5, 1), (1, 1), (2, 2)])
def test_degenerate_grids(tmp_path, n_s, n_w):
    gs, gw = np.linspace(-2.5, -0.5, n_s), np.linspace(0.5, 2.5, n_w)
    path = sweepfiles.write_sweep(tmp_path / "g.h5", gs, gw, replicas=2)
    sweep = phasefile.load(path)
    fig = figure2.make_figure(sweep)
    if min(n_s, n_w) == 1:
        line = fig.axes[0].lines[0]
        np.testing.assert_array_equal(line.get_xdata(), gw if n_w > 1 else gs)
        np.testing.assert_allclose(line.get_ydata(), sweep.mean("min_test_error").ravel())
    fig.savefig(tmp_path / "g.png")


@pytest.mark.parametrize("pattern", ["none", "one"])
def test_files_with_almost_nothing_done(tmp_path, pattern):
    done = np.zeros((4, 3, 2), bool)
    if pattern == "one":
        done[2, 1, 0] = True
    path = sweepfiles.write_sweep(tmp_path / "p.h5", np.linspace(-2, -0.5, 4),
                                  np.linspace(0.5, 2, 3), replicas=2, done=done)
    run_script("analysis/figure2.py", path, "-o", tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 20_000
    data = figure2.panel_data(path)
    assert all(np.ma.count(z) == done.any(axis=2).sum() for z in data.values())


def test_summary_csv_equals_numpy(sweep_file, tmp_path):
    out = tmp_path / "summary.csv"
    run_script("analysis/summary.py", sweep_file, "--csv", out)
    with open(out, newline="") as f:
        table = list(csv.DictReader(f))
    sweep = phasefile.load(sweep_file)
    n_s, n_w = len(sweep.gamma_s), len(sweep.gamma_w)
    assert len(table) == n_s * n_w
    stats = {name: reference(sweep_file, name) for name in sweep.metrics}
    reasons, done = raw(sweep_file, "stop_reason")
    for row_index, row in enumerate(table):
        i, j = divmod(row_index, n_w)
        assert float(row["gamma_s"]) == sweep.gamma_s[i]
        assert float(row["gamma_w"]) == sweep.gamma_w[j]
        assert int(row["width"]) == sweep.width[j]
        assert float(row["sigma2"]) == sweep.sigma2[i]
        assert int(row["n_done"]) == done[i, j].sum()
        for code, reason in sweep.stop_reason_names.items():
            if code >= 0:
                assert int(row[f"n_{reason}"]) == (done[i, j] & (reasons[i, j] == code)).sum()
        for name, (mean, std, _) in stats.items():
            for kind, expected in (("mean", mean[i, j]), ("std", std[i, j])):
                got = float(row[f"{name}_{kind}"])
                assert (math.isnan(got) and math.isnan(expected)) or \
                    got == pytest.approx(expected, rel=1e-13), (name, kind, i, j)


def test_summary_table(sweep_file):
    lines = run_script("analysis/summary.py", sweep_file).stdout.splitlines()
    header, _ = summary.rows(phasefile.load(sweep_file))
    assert lines[1].split() == header
    sweep = phasefile.load(sweep_file)
    assert len(lines) == 2 + len(sweep.gamma_s) * len(sweep.gamma_w)
    assert f"{sweep.n_done}/{sweep.n_total} tasks done" in lines[0]


def test_figure1_plots_the_trace(trace_file, tmp_path):
    data, attrs = figure1.load_trace(trace_file)
    fig = figure1.make_figure(data, attrs)
    ax_err, ax_sv = fig.axes[:2]
    curves = {line.get_label(): line.get_ydata() for line in ax_err.lines}
    for kind in ("train", "test"):
        np.testing.assert_array_equal(curves[f"GD {kind}"], data[f"gd_{kind}_error"])
        np.testing.assert_array_equal(curves[f"theory {kind}"], data[f"theory_{kind}_error"])
    k = int(attrs["rank"])
    top = [line.get_ydata() for line in ax_sv.lines[: 2 * k]]
    for i in range(k):
        np.testing.assert_array_equal(top[2 * i], data["gd_singular_values"][:, i])
        np.testing.assert_array_equal(top[2 * i + 1], data["theory_singular_values"][:, i])
    threshold = [line for line in ax_sv.lines if line.get_label().startswith("threshold")]
    assert threshold and threshold[0].get_ydata()[0] == attrs["threshold"]
    run_script("analysis/figure1.py", trace_file, "-o", tmp_path / "f1.png")
    assert_image(tmp_path / "f1.png", b"\x89PNG")


def test_engine_file_carries_what_the_analysis_reads(engine_sweep):
    sweep = phasefile.load(engine_sweep)
    assert (sweep.d, sweep.k, sweep.n_replicas) == (12, 2, 2)
    assert sweep.attrs["lr_scale"] == 50 and sweep.attrs["max_iter"] == 60
    assert set(sweep.stop_reason_names.values()) >= {
        "converged", "overfitting", "plateau", "max_iter", "diverged"}
    assert sweep.complete


def test_thresholds_of_the_paper():
    lines = figure2.thresholds(200, 5)
    assert lines[2][3] == pytest.approx(0.304, abs=5e-4)  # w = k at d = 200, k = 5
    assert [line[1:4] for line in lines[:2]] == [(1.0, 1.0, 1.0), (2.0, 1.0, 0.0)]


@pytest.mark.parametrize("script", ["figure1.py", "figure2.py", "summary.py", "export.py"])
def test_help(script):
    assert "usage:" in run_script(f"analysis/{script}", "--help").stdout
