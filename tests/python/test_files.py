"""Analysis-ready files (layout 2): the engine's sweep and trace files open in xarray with
both engines (h5netcdf, netcdf4) with named dims, coordinates, CF attributes and NaN for tasks
not done; provenance keys; the layout the reader derives from a file is the engine's table; the tidy table and
its CSV round trip; the scripts refuse wrong files with one line and exit status 2; the
README's xarray example runs."""

import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import phasesweep
from phasesweep.io import files as phasefile
from phasesweep.io import layout
from enginerun import BIN, ENV, ROOT, require_engine

ENGINES = ["h5netcdf", "netcdf4"]
SWEEP_DIMS = ("gamma_s", "gamma_w", "replica")
TASK_VARS = ["min_test_error", "stable_rank", "iterations", "log_distance",
             "final_train_error", "n_iter", "seconds", "stop_reason", "done"]


def raw(path):
    """Every per-task variable and done as stored, with h5py."""
    with h5py.File(path, "r") as f:
        return {name: f[name][...] for name in TASK_VARS}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


@pytest.mark.parametrize("engine", ENGINES)
def test_sweep_opens_as_one_dataset(engine_sweep, engine):
    with xr.open_dataset(engine_sweep, engine=engine) as ds:
        assert dict(ds.sizes) == {"gamma_s": 4, "gamma_w": 3, "replica": 2}
        assert set(ds.coords) == {"gamma_s", "gamma_w", "replica", "sigma2", "width"}
        assert ds["sigma2"].dims == ("gamma_s",) and ds["width"].dims == ("gamma_w",)
        assert sorted(ds.data_vars) == sorted(TASK_VARS)
        stored = raw(engine_sweep)
        with h5py.File(engine_sweep, "r") as f:
            np.testing.assert_array_equal(ds["gamma_s"], f["gamma_s"][...])
            np.testing.assert_array_equal(ds["width"], f["width"][...])
        for name in TASK_VARS:
            var = ds[name]
            assert var.dims == SWEEP_DIMS, name
            for key in ("long_name", "units", "description"):
                assert text(var.attrs[key]), (name, key)
            assert var.attrs["units"] == ("s" if name == "seconds" else "1"), name
            np.testing.assert_array_equal(var.values, stored[name], err_msg=name)
        for name in ("gamma_s", "gamma_w", "replica", "sigma2", "width"):
            assert text(ds[name].attrs["long_name"]) and ds[name].attrs["units"] == "1", name
        reason = ds["stop_reason"]
        assert text(reason.attrs["flag_meanings"]).split() == [
            "converged", "overfitting", "plateau", "max_iter", "diverged"]
        assert list(reason.attrs["flag_values"]) == [0, 1, 2, 3, 4]
        assert ds.attrs["layout_version"] == 2 and text(ds.attrs["file_kind"]) == "sweep"
        assert ds.attrs["d"] == 12 and ds.attrs["rank"] == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_tasks_not_done_read_as_nan(engine_stopped, engine):
    """A sweep stopped by SIGUSR1: xarray alone (no look at done) shows NaN exactly there."""
    path, n_done = engine_stopped
    stored = raw(path)
    undone = stored["done"] == 0
    assert undone.sum() == undone.size - n_done
    with xr.open_dataset(path, engine=engine) as ds:
        for name in TASK_VARS[:-1]:
            values = ds[name].values
            assert np.isnan(values[undone]).all(), name
            finite = np.isfinite(values[~undone])
            assert finite.all() or name == "log_distance", name
        np.testing.assert_array_equal(ds["done"].values, stored["done"])


@pytest.mark.parametrize("engine", ENGINES)
def test_trace_opens_as_one_dataset(engine_trace, engine):
    with xr.open_dataset(engine_trace, engine=engine) as ds:
        n = ds.sizes["iteration"]
        assert ds.sizes["sv_index"] == 20 and n >= 2
        assert set(ds.coords) == {"iteration", "sv_index"}
        np.testing.assert_array_equal(ds["iteration"], np.arange(n))
        for name in ("gd_train_error", "gd_test_error", "theory_train_error",
                     "theory_test_error", "distance"):
            assert ds[name].dims == ("iteration",), name
            assert ds[name].attrs["units"] == "1" and text(ds[name].attrs["long_name"]), name
        for name in ("gd_singular_values", "theory_singular_values"):
            assert ds[name].dims == ("iteration", "sv_index"), name
            assert (np.diff(ds[name].values, axis=1) <= 0).all(), "descending"
        assert text(ds.attrs["file_kind"]) == "trace"


PROVENANCE = ["version", "git_commit", "command_line", "mpi_library", "hdf5_version", "blas",
              "blas_core", "lapack_version", "compiler", "host", "start_utc", "end_utc"]


@pytest.mark.parametrize("kind", ["sweep", "trace"])
def test_provenance(engine_sweep, engine_trace, kind):
    path = engine_sweep if kind == "sweep" else engine_trace
    with h5py.File(path, "r") as f:
        a = {key: (text(v) if isinstance(v, (bytes, str)) else v) for key, v in f.attrs.items()}
    for key in PROVENANCE:
        assert a[f"provenance_{key}"].strip(), key
    assert "MPI" in a["provenance_mpi_library"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", a["provenance_hdf5_version"])
    assert a["provenance_start_utc"] <= a["provenance_end_utc"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["provenance_end_utc"])
    assert a["provenance_ranks"] == 2 and a["provenance_group_size"] >= 1
    assert a["provenance_wall_seconds"] > 0 and a["provenance_sessions"] == 1
    # parameters by name, run-steering options apart (run_*), never both
    assert a["d"] in (12, 20) and "max_iter" in a and "seed" in a
    for steering in ("out", "threads", "max_mem", "group_size", "block"):
        assert f"run_{steering}" in a and steering not in a, steering
    assert a["run_out"].endswith(path.name)


def engine_layout():
    require_engine()
    p = subprocess.run([str(BIN), "info", "--layout", "json"], env=ENV, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def engine_layout_without_curves():
    """The table as a file made without `sweep --curves` holds it: the variables flagged
    only="curves" left out, the flag itself not an attribute of the file."""
    table = engine_layout()
    for kind in ("sweep", "trace"):
        table[kind] = [{k: v for k, v in var.items() if k != "only"} for var in table[kind]
                       if var.get("only") is None]
    return table


@pytest.mark.parametrize("kind", ["sweep", "trace"])
def test_layout_read_from_the_file_agrees_with_the_engine(kind, engine_sweep, engine_trace):
    """What the reader derives from an engine file's own attributes (no copy of the table)
    is the engine's table, entry for entry and in its order, and the file's coordinates."""
    table = engine_layout_without_curves()
    path = engine_sweep if kind == "sweep" else engine_trace
    with h5py.File(path, "r") as f:
        assert layout.describe(f) == table[kind]
        assert layout.coordinates(f) == table[f"{kind}_coordinates"]
        assert f.attrs["layout_version"] == table["layout_version"] == layout.LAYOUT_VERSION
    if kind == "sweep":
        ds = phasesweep.open_sweep(path)
        want = [v["name"] for v in table["sweep"]
                if v["dims"][-3:] == list(layout.TASK_DIMS) and v["flag_meanings"] is None]
        assert list(phasesweep.io.files.metrics_of(ds)) == want and len(want) >= 7


def test_the_reader_names_no_metric():
    """Adding a metric touches no Python file of the reader: no metric's name appears in
    phasesweep/io (the figures' defaults may name theirs)."""
    names = [v["name"] for v in engine_layout()["sweep"]
             if v["dims"][-3:] == list(layout.TASK_DIMS) and v["flag_meanings"] is None]
    io = Path(phasesweep.__file__).parent / "io"
    for src in io.glob("*.py"):
        text = src.read_text()
        for name in names:
            assert f'"{name}"' not in text and f"'{name}'" not in text, (src.name, name)


def test_tasks_frame(engine_stopped):
    path, n_done = engine_stopped
    frame = phasefile.tasks_frame(path)
    stored = raw(path)
    assert len(frame) == stored["done"].size == 40
    assert list(frame.columns) == ["gamma_s", "gamma_w", "replica", "sigma2", "width", "done",
                                   *phasefile.metrics_of(phasefile.open_sweep(path)),
                                   "stop_reason"]
    assert frame["done"].sum() == n_done
    assert (frame["stop_reason"] == "not_done").sum() == 40 - n_done
    assert set(frame["stop_reason"].cat.categories) == {
        "converged", "overfitting", "plateau", "max_iter", "diverged", "not_done"}
    assert str(frame["iterations"].dtype) == "Int64"
    # row order: gamma_s slowest, replica fastest, as the arrays' C order
    flat = stored["min_test_error"].ravel()
    np.testing.assert_array_equal(frame["min_test_error"], np.where(
        stored["done"].ravel() != 0, flat, np.nan))
    names = {0: "converged", 1: "overfitting", 2: "plateau", 3: "max_iter", 4: "diverged"}
    want = [names.get(int(c), "not_done") if d else "not_done"
            for c, d in zip(stored["stop_reason"].ravel(), stored["done"].ravel())]
    assert list(frame["stop_reason"]) == want
    with h5py.File(path, "r") as f:
        assert frame["gamma_s"].iloc[-1] == f["gamma_s"][-1]
        assert frame["width"].iloc[2] == f["width"][1]  # replicas 0, 1 then the next gamma_w


def test_csv_round_trip(engine_stopped, tmp_path):
    path, _ = engine_stopped
    out = tmp_path / "tasks.csv"
    p = subprocess.run([sys.executable, "analysis/export.py", str(path), "-o", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    back = pd.read_csv(out, float_precision="round_trip")  # pandas' default parser rounds
    frame = phasefile.tasks_frame(path)
    assert list(back.columns) == list(frame.columns) and len(back) == len(frame)
    for name in frame.columns:
        if name == "stop_reason":
            assert list(back[name]) == list(frame[name].astype(str)), name
        elif name in ("iterations", "n_iter"):
            np.testing.assert_array_equal(back[name].to_numpy(float),
                                          frame[name].astype(float).to_numpy(), err_msg=name)
        else:
            # exact doubles: the CSV keeps every bit
            np.testing.assert_array_equal(back[name].to_numpy(), frame[name].to_numpy(),
                                          err_msg=name)
    buf = io.StringIO()
    phasefile.write_tasks_csv(path, buf)
    assert buf.getvalue() == out.read_text()


def test_trace_csv(engine_trace, tmp_path):
    p = subprocess.run([sys.executable, "analysis/export.py", str(engine_trace)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    back = pd.read_csv(io.StringIO(p.stdout), float_precision="round_trip")
    ds = phasefile.open_trace(engine_trace)
    assert list(back.columns)[:2] == ["iteration", "gd_train_error"]
    assert len(back) == ds.sizes["iteration"]
    np.testing.assert_array_equal(back["distance"], ds["distance"].values)


def old_layout(path):
    with h5py.File(path, "w") as f:
        f["grid/gamma_s"] = np.zeros(2)
        f["results/done"] = np.zeros((2, 1, 1), np.uint8)
        f.attrs["d"] = 10
    return path


@pytest.mark.parametrize("script, which, why", [
    ("figure2.py", "trace", "trace file, not a sweep file"),
    ("figure1.py", "sweep", "sweep file, not a trace file"),
    ("summary.py", "trace", "trace file, not a sweep file"),
    ("figure2.py", "old", "older layout 1"),
    ("export.py", "old", "older layout 1"),
    ("figure1.py", "text", "not a readable HDF5 file"),
    ("export.py", "text", "not a readable HDF5 file"),
    ("summary.py", "missing", "missing.h5"),
])
def test_scripts_refuse_wrong_files(engine_sweep, engine_trace, tmp_path, script, which, why):
    files = {"sweep": engine_sweep, "trace": engine_trace, "missing": tmp_path / "missing.h5"}
    if which == "old":
        files["old"] = old_layout(tmp_path / "old.h5")
    if which == "text":
        files["text"] = tmp_path / "notes.h5"
        files["text"].write_text("not hdf5\n")
    args = [sys.executable, f"analysis/{script}", str(files[which])]
    if script.startswith("figure"):
        args += ["-o", str(tmp_path / "x.png")]
    p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.splitlines()
    prog = "phasesweep-" + script[:-3].replace("_", "-")
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: ") and why in lines[0], p.stderr
    assert not (tmp_path / "x.png").exists()


def test_engine_refuses_old_layout(tmp_path):
    require_engine()
    old = old_layout(tmp_path / "old.h5")
    p = subprocess.run([str(BIN), "info", str(old)], env=ENV, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2 and "older layout 1" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    p = subprocess.run([str(BIN), "sweep", "--d", "10", "--gs", "-1:0:2", "--gw", "1:1:1",
                        "--replicas", "1", "--resume", "--out", str(old)], env=ENV,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "older layout 1" in p.stderr, p.stderr


@pytest.mark.parametrize("options, panels", [([], 4), (["--metric", "stable_rank"], 1),
                                             (["--std"], 8),
                                             (["--metric", "iterations", "--std", "--markers"],
                                              2)])
def test_figure2_options(engine_partial, tmp_path, options, panels):
    from phasesweep.figures import figure2
    out = tmp_path / "f.png"
    p = subprocess.run([sys.executable, "analysis/figure2.py", str(engine_partial), "-o",
                        str(out), *options], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert out.stat().st_size > 20_000
    sweep = phasefile.load(engine_partial)
    metrics = None
    if "--metric" in options:
        metrics = [options[options.index("--metric") + 1]]
    fig = figure2.make_figure(sweep, metrics, std="--std" in options,
                              markers="--markers" in options)
    drawn = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(drawn) == panels
    for ax in drawn:  # every colorbar labelled
        assert ax.get_title()
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == panels and all(bar.get_ylabel() for bar in bars)
    assert fig.legends and not any(ax.get_legend() for ax in drawn), "legend over no panel"
    if "--std" not in options:
        count = sweep.n_done_at()
        assert "done replica" in drawn[0].get_title()
        assert f"{count.min()}-{count.max()}" in drawn[0].get_title()
    if "--markers" in options:
        assert any(line.get_label().startswith("computed point") for line in drawn[0].lines)


def readme_block(marker):
    """The fenced block right after the HTML comment `marker` in docs/file-format.md."""
    readme = (ROOT / "docs" / "file-format.md").read_text()
    at = readme.index(marker)
    block = re.search(r"```(\w+)\n(.*?)```", readme[at:], re.S)
    return block.group(1), block.group(2)


def test_readme_xarray_example(engine_sweep, tmp_path):
    lang, code = readme_block("<!-- readme-test: xarray example -->")
    assert lang == "python" and len(code.strip().splitlines()) <= 6
    (tmp_path / "fig2.h5").write_bytes(engine_sweep.read_bytes())
    env = dict(os.environ, PYTHONPATH=str(ROOT / "analysis"))
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip()


def test_package_import_from_another_directory(tmp_path):
    """With analysis/ on the path (what conftest.py does for these tests, and the README's
    PYTHONPATH line for a checkout), phasesweep imports from any directory."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "analysis"))
    p = subprocess.run([sys.executable, "-c", "from phasesweep import open_sweep, open_trace, "
                        "tasks_frame, write_tasks_csv; print(open_sweep.__module__)"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "phasesweep.io.files", p.stderr


def test_stopped_file_resumes_to_the_same_tasks(engine_stopped, tmp_path):
    """open_sweep during and after: a resumed copy completes and keeps the done values."""
    path, n_done = engine_stopped
    before = phasefile.open_sweep(path)
    copy = tmp_path / "copy.h5"
    copy.write_bytes(path.read_bytes())
    args = ["--d", "40", "--rank", "3", "--gs", "-2.2:-0.2:5", "--gw", "0.6:2.2:4",
            "--replicas", "2", "--max-iter", "300", "--no-stop", "--seed", "3"]
    p = subprocess.run([str(BIN), "sweep", *args, "--resume", "--out", str(copy)], env=ENV,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    after = phasefile.open_sweep(copy)
    assert int(after["done"].sum()) == 40
    kept = before["done"].values != 0
    np.testing.assert_array_equal(after["min_test_error"].values[kept],
                                  before["min_test_error"].values[kept])
    assert after.attrs["provenance_sessions"] == 2
    assert not math.isnan(after.attrs["provenance_wall_seconds"])


def test_figure1_colours(synthetic_trace):
    """The k top singular values in k distinct colours, none the threshold's."""
    from phasesweep.figures import figure1
    from matplotlib.colors import to_rgba
    data, attrs = figure1.load_trace(synthetic_trace)
    fig = figure1.make_figure(data, attrs)
    ax_sv = fig.axes[1]
    k = int(attrs["rank"])
    gd = [line for line in ax_sv.lines if line.get_label().endswith(" GD")]
    assert len(gd) == k
    colours = {to_rgba(line.get_color()) for line in gd}
    threshold = [line for line in ax_sv.lines if line.get_label().startswith("threshold")]
    assert len(colours) == k and to_rgba(threshold[0].get_color()) not in colours
    assert len(ax_sv.get_legend().get_texts()) >= 2 * k + 1  # one entry per value


def test_netcdf_c_library_reads_the_sweep(engine_stopped):
    """netCDF-C itself (through netCDF4-python): dims, variables, fill values, flags."""
    netCDF4 = pytest.importorskip("netCDF4")
    path, n_done = engine_stopped
    with netCDF4.Dataset(path) as nc:
        assert {name: len(dim) for name, dim in nc.dimensions.items()} == {
            "gamma_s": 5, "gamma_w": 4, "replica": 2}
        table = engine_layout_without_curves()["sweep"]
        assert set(nc.variables) == {v["name"] for v in table}
        for v in table:
            var = nc.variables[v["name"]]
            assert var.dimensions == tuple(v["dims"]), v["name"]
            assert var.dtype == np.dtype(v["type"]), v["name"]
            assert var.long_name == v["long_name"] and var.units == v["units"], v["name"]
            if v["fill"] is not None:
                fill = var.getncattr("_FillValue")
                assert math.isnan(fill) if v["fill"] == "nan" else fill == -1, v["name"]
        err = nc.variables["min_test_error"][...]  # a masked array: the fill is masked
        assert np.ma.count_masked(err) == err.size - n_done
        assert nc.variables["stop_reason"].flag_meanings.split()[0] == "converged"
        assert nc.getncattr("layout_version") == 2
