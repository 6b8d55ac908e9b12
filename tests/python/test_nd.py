"""N-dimensional sweeps (issue #19): a sweep with extra axes (here d and noise) opens as one
Dataset with the axes as dims and coordinates in both xarray engines; tasks_frame and export
have a column per axis; figure2 --sel / --facet, cut --sel and summary --sel draw one value
of an axis or one row per value; the finite-size study reads one file with a d axis as it
reads the separate files. The files are the engine's own sweeps with extra axes (conftest's
nd_sweep fixtures, the one place that makes them), compared with the plain one-point sweeps
and with the same file stacked from them in Python."""

import csv
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

import phasesweep
from conftest import ND_D, ND_NOISE
from phasesweep import cut, export, figure2, finite_size, summary
from phasesweep.io import files as phasefile
from phasesweep.studies import finite_size as fs

ENGINES = ["h5netcdf", "netcdf4"]
DIMS = ("d", "noise", "gamma_s", "gamma_w", "replica")


@pytest.mark.parametrize("engine", ENGINES)
def test_open_sweep_has_the_axes_as_dims(nd_sweep, engine):
    path, parts = nd_sweep
    ds = phasesweep.open_sweep(path, engine=engine)
    assert ds["done"].dims == DIMS and phasefile.axes_of(ds) == ("d", "noise")
    assert ds["d"].dtype == np.int64 and list(ds["d"].values) == list(ND_D)
    assert ds["noise"].dtype == np.float64 and list(ds["noise"].values) == list(ND_NOISE)
    assert ds["d"].attrs["long_name"] == "d"
    assert ds["sigma2"].dims == ("d", "gamma_s") and ds["width"].dims == ("d", "gamma_w")
    np.testing.assert_allclose(ds["sigma2"].values,
                               np.array(ND_D, float)[:, None] ** ds["gamma_s"].values[None],
                               rtol=1e-12)
    assert "d" not in ds.attrs and "noise" not in ds.attrs and ds.attrs["rank"] == 2
    metrics = phasefile.metrics_of(ds)
    assert len(metrics) >= 7 and "min_test_error" in metrics
    for (d, noise), plain in parts.items():
        one = phasesweep.open_sweep(plain, engine=engine)
        at = ds.sel(d=d, noise=noise)
        for name in (*metrics, "stop_reason", "done"):
            if name == "seconds":
                continue  # a wall time: the one sweep's own
            np.testing.assert_array_equal(at[name].values, one[name].values,
                                          err_msg=f"{name} at d={d}, noise={noise}")
        np.testing.assert_array_equal(at["width"].values, one["width"].values)


@pytest.mark.parametrize("engine", ENGINES)
def test_native_file_is_the_stacked_one(nd_sweep, nd_sweep_stacked, engine):
    """The engine's N-D file and the plain sweeps stacked into the spec's layout: the same
    dims, coordinates, root attribute axes and per-task values (seconds aside)."""
    import xarray as xr

    with xr.open_dataset(nd_sweep[0], engine=engine) as a, \
            xr.open_dataset(nd_sweep_stacked, engine=engine) as b:
        assert a.attrs["axes"] == b.attrs["axes"] == "d noise"
        assert dict(a.sizes) == dict(b.sizes)
        assert set(a.coords) == set(b.coords)
        for name in a.coords:
            assert a[name].dims == b[name].dims, name
            np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
        assert set(a.data_vars) == set(b.data_vars)
        for name in a.data_vars:
            assert a[name].dims == b[name].dims, name
            if name != "seconds":
                np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_stored_types_are_the_engines(nd_sweep):
    """The N-D file keeps every per-task variable's type and fill (the spec's file)."""
    path, parts = nd_sweep
    with h5py.File(path, "r") as f, h5py.File(parts[(8, 1.0)], "r") as one:
        assert f.attrs["axes"] == "d noise"
        for name in one:
            assert f[name].dtype == one[name].dtype, name
            if "_FillValue" in one[name].attrs:
                np.testing.assert_array_equal(f[name].attrs["_FillValue"],
                                              one[name].attrs["_FillValue"])


@pytest.fixture
def nd_partial(nd_sweep, tmp_path):
    """nd_sweep with the tasks of d=12, replica 0 marked not done (values left in)."""
    path = tmp_path / "partial.h5"
    shutil.copy(nd_sweep[0], path)
    with h5py.File(path, "r+") as f:
        done = f["done"][...]
        done[1, :, :, :, 0] = 0
        f["done"][...] = done
    return path


def test_not_done_tasks_read_nan(nd_partial):
    ds = phasesweep.open_sweep(nd_partial)
    err = ds["min_test_error"].values
    assert np.isnan(err[1, :, :, :, 0]).all()
    assert np.isfinite(err[1, :, :, :, 1:]).all() and np.isfinite(err[0]).all()


def test_tasks_frame_has_a_column_per_axis(nd_sweep):
    path, parts = nd_sweep
    frame = phasesweep.tasks_frame(path)
    ds = phasesweep.open_sweep(path)
    assert len(frame) == ds["done"].size == len(ND_D) * len(ND_NOISE) * 4 * 3 * 3
    assert list(frame.columns[:8]) == [*DIMS, "sigma2", "width", "done"]
    # task numbering: row-major over the dims, extra axes outermost, replica fastest
    shape = ds["done"].shape
    for t in (0, 1, 5, 37, len(frame) - 1):
        index = np.unravel_index(t, shape)
        row = frame.iloc[t]
        for dim, i in zip(DIMS, index):
            assert row[dim] == ds[dim].values[i], (t, dim)
    for (d, noise), plain in parts.items():
        mine = frame[(frame["d"] == d) & (frame["noise"] == noise)]
        mine = mine.drop(columns=["d", "noise", "seconds"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, phasesweep.tasks_frame(plain).drop(
            columns=["seconds"]))  # seconds: a wall time, each sweep's own


def test_export_has_a_column_per_axis(nd_sweep, tmp_path):
    out = tmp_path / "tasks.csv"
    assert export.main([str(nd_sweep[0]), "-o", str(out)]) == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:5] == list(DIMS)
    assert len(rows) == len(ND_D) * len(ND_NOISE) * 36
    assert {int(r["d"]) for r in rows} == set(ND_D)


def panels(fig):
    """The figure's data panels (their colorbars have no gamma_s x label; fig.axes holds
    the subfigures' too)."""
    return [ax for ax in fig.axes if ax.get_xlabel() == "$\\gamma_s$"]


def test_figure2_sel(nd_sweep, tmp_path, capsys):
    path = str(nd_sweep[0])
    out = tmp_path / "f.png"
    assert figure2.main([path, "-o", str(out), "--sel", "d=12", "--sel", "noise=0.5"]) == 0
    assert imread(out).shape[0] > 100
    err = capsys.readouterr().err
    assert "nearest" not in err
    sweeps = phasefile.selection(phasesweep.open_sweep(path), {"d": "12", "noise": "0.5"})
    sweep = phasefile.from_dataset(sweeps[0], path)
    assert sweep.d == 12 and sweep.attrs["noise"] == 0.5
    assert len(panels(figure2.make_figure(sweep))) == 4
    assert "d=12" in figure2.make_figure(sweep)._suptitle.get_text()


def test_figure2_sel_nearest_value_has_a_note(nd_sweep, tmp_path, capsys):
    out = tmp_path / "f.png"
    assert figure2.main([str(nd_sweep[0]), "-o", str(out), "--sel", "d=13", "--sel",
                         "noise=0.9"]) == 0
    err = capsys.readouterr().err
    assert "d=13: no such value; using the nearest, d=12" in err
    assert "noise=0.9: no such value; using the nearest, noise=1.0" in err
    assert out.exists()


def test_figure2_facet(nd_sweep, tmp_path):
    path = str(nd_sweep[0])
    out = tmp_path / "facets.png"
    assert figure2.main([path, "-o", str(out), "--facet", "d", "--sel", "noise=1"]) == 0
    image = imread(out)
    ds, _ = phasefile.selection(phasesweep.open_sweep(path), {"noise": "1"})
    parts = [(v, phasefile.from_dataset(p, path)) for v, p in phasefile.facets(ds, "d")]
    assert [v for v, _ in parts] == list(ND_D)
    fig = figure2.make_facets(parts, "d")
    assert len(panels(fig)) == 4 * len(ND_D)
    assert [sub._suptitle.get_text().split(":")[0] for sub in fig.subfigs] == [
        f"d = {d}" for d in ND_D]
    # one row of four panels per value: wider than tall per row
    assert image.shape[1] > image.shape[0] / len(ND_D)
    assert len(panels(figure2.make_facets(parts, "d", std=True))) == 8 * len(ND_D)


@pytest.mark.parametrize("argv,words", [
    ([], ["extra axes d, noise", "--sel NAME=VALUE or --facet NAME"]),
    (["--sel", "d=8"], ["extra axes noise"]),
    (["--sel", "gamma=1", "--sel", "noise=1"], ["--sel gamma", "its axes: d, noise"]),
    (["--facet", "rank", "--sel", "noise=1"], ["--facet rank", "its axes: d, noise"]),
    (["--sel", "d=eight", "--sel", "noise=1"], ["d=eight: not a number"]),
    (["--sel", "d"], ["--sel d: not NAME=VALUE"]),
    (["--facet", "d", "--sel", "d=8"], ["--facet d: also given to --sel"]),
])
def test_figure2_axes_errors(nd_sweep, tmp_path, capsys, argv, words):
    out = tmp_path / "f.png"
    assert figure2.main([str(nd_sweep[0]), "-o", str(out), *argv]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("phasesweep-figure2: "), lines
    for w in words:
        assert w in lines[0], lines[0]
    assert not out.exists()


def test_sel_on_a_plain_sweep_is_an_error(engine_sweep, tmp_path, capsys):
    assert figure2.main([str(engine_sweep), "-o", str(tmp_path / "f.png"), "--sel",
                         "d=12"]) == 2
    line = capsys.readouterr().err.strip()
    assert "--sel d: not an axis of this sweep (its axes: none)" in line


def test_cut_and_summary_sel(nd_sweep, tmp_path, capsys):
    path = str(nd_sweep[0])
    out = tmp_path / "cut.png"
    assert cut.main([path, "-o", str(out), "--sel", "d=16", "--sel", "noise=0.5"]) == 0
    assert out.exists()
    assert cut.main([path, "-o", str(tmp_path / "no.png")]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "give --sel NAME=VALUE for each of d, noise" in line and "facet" not in line
    table = tmp_path / "summary.csv"
    assert summary.main([path, "--csv", str(table), "--sel", "d=8", "--sel", "noise=1"]) == 0
    plain = tmp_path / "plain.csv"
    assert summary.main([str(nd_sweep[1][(8, 1.0)]), "--csv", str(plain)]) == 0
    # every column but the wall times (each sweep's own)
    no_seconds = [c for c in pd.read_csv(plain).columns if not c.startswith("seconds")]
    pd.testing.assert_frame_equal(pd.read_csv(table)[no_seconds], pd.read_csv(plain)[no_seconds])


def test_finite_size_from_one_file_equals_separate_files(nd_sweep_d, tmp_path):
    path, parts = nd_sweep_d
    one = fs.load_all([str(path)])
    many = fs.load_all([str(parts[d]) for d in ND_D])
    assert [s["d"] for s in one] == [s["d"] for s in many] == list(ND_D)
    for a, b in zip(one, many):
        for name in a["fields"]:
            np.testing.assert_array_equal(a["fields"][name], b["fields"][name])
        assert a["k"] == b["k"] and a["replicas"] == b["replicas"]
    _, table_one = fs.analyse(one)
    _, table_many = fs.analyse(many)
    assert len(table_one) == len(table_many) > 0
    assert [[repr(v) for v in r] for r in table_one] == [[repr(v) for v in r]
                                                          for r in table_many]
    a, b = tmp_path / "one.png", tmp_path / "many.png"
    assert finite_size.main([str(path), "-o", str(a)]) == 0
    assert finite_size.main([str(parts[d]) for d in ND_D] + ["-o", str(b)]) == 0
    assert a.with_suffix(".csv").read_text() == b.with_suffix(".csv").read_text()


def test_finite_size_refuses_other_axes(nd_sweep, tmp_path, capsys):
    assert finite_size.main([str(nd_sweep[0]), "-o", str(tmp_path / "f.png")]) == 2
    line = capsys.readouterr().err.strip()
    assert "a sweep over noise" in line and line.count("\n") == 0


@pytest.mark.parametrize("case", ["axis without its variable", "axes in another order"])
def test_damaged_nd_file_is_refused(nd_sweep, tmp_path, case):
    path = tmp_path / "bad.h5"
    shutil.copy(nd_sweep[0], path)
    with h5py.File(path, "r+") as f:
        f.attrs["axes"] = "d noise rank" if case == "axis without its variable" else "noise d"
    with pytest.raises(phasefile.FileKindError) as e:
        phasesweep.open_sweep(path)
    assert "rank" in str(e.value) if case.startswith("axis") else "not (noise, d" in str(e.value)


def test_plot_functions_take_sel_and_facet(nd_sweep):
    path = nd_sweep[0]
    fig = figure2.plot(path, sel={"d": 16, "noise": 1.0})
    assert len(panels(fig)) == 4 and "d=16" in fig._suptitle.get_text()
    fig = figure2.plot(phasesweep.open_sweep(path), facet="noise", sel={"d": 8},
                       metrics=["rank"])
    assert len(panels(fig)) == len(ND_NOISE)
    assert len(cut.plot(path, "rank", sel={"d": 8, "noise": 0.5}).axes) >= 1
    with pytest.raises(ValueError, match="extra axes"):
        figure2.plot(path)
