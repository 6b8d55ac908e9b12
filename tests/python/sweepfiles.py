"""Sweep and trace files in the engine's layout (its own table, `phasesweep info --layout json`),
written with h5py.

They stand in for engine output where a test needs a shape the engine would take long to
produce (all undone, single-row grids, scattered undone tasks) and let the analysis tests
run without bin/phasesweep. The metric fields are smooth caricatures of Figure 2 so that a
rendered figure can be checked by eye.
"""

import functools
import math
import sys
from pathlib import Path

import h5py
import numpy as np

from enginerun import BIN, require_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analysis"))
from phasesweep.io import layout  # noqa: E402


@functools.lru_cache(maxsize=None)
def engine_layout():
    """The engine's layout table (skips the test when bin/phasesweep is not built)."""
    require_engine()
    return layout.from_binary(BIN)

# The engine's stop_reason codes (CF flags); not_done (-1) is the fill of undone tasks.
STOP_REASONS = {"not_done": -1, "converged": 0, "overfitting": 1, "plateau": 2, "max_iter": 3,
                "diverged": 4}


def _write_layout(f, kind, values, attrs):
    """Every variable of the engine's `kind` table at the root of f, as the engine makes them:
    dimension scales, coordinates attached, CF attributes, _FillValue."""
    table = engine_layout()
    f.attrs["layout_version"] = table["layout_version"]
    f.attrs["file_kind"] = kind
    coordinates = table[f"{kind}_coordinates"]
    # a file made without `sweep --curves`: no variable flagged only="curves"
    table = [dict(v, dims=tuple(v["dims"])) for v in table[kind] if v.get("only") is None]
    for v in table:
        dtype = np.dtype(v["type"])
        fill = None if v["fill"] is None else dtype.type(np.nan if v["fill"] == "nan" else -1)
        data = np.asarray(values[v["name"]])
        ds = f.create_dataset(v["name"], data=np.where(np.isnan(data), fill, data)
                              if data.dtype.kind == "f" and fill is not None and dtype.kind != "f"
                              else data.astype(dtype), dtype=dtype, fillvalue=fill)
        if v["dims"] == (v["name"],):
            ds.make_scale(v["name"])
        for key in ("long_name", "units", "description"):
            ds.attrs[key] = v[key]
        if fill is not None:
            ds.attrs["_FillValue"] = fill
        if v["flag_meanings"]:
            ds.attrs["flag_values"] = np.arange(len(v["flag_meanings"].split()), dtype=dtype)
            ds.attrs["flag_meanings"] = v["flag_meanings"]
        if coordinates and len(v["dims"]) >= 2:
            ds.attrs["coordinates"] = coordinates
    for v in table:
        if v["dims"] != (v["name"],):
            for i, dim in enumerate(v["dims"]):
                f[v["name"]].dims[i].attach_scale(f[dim])
    for key, value in attrs.items():
        f.attrs[key] = value


def undone_pattern(shape):
    """Some tasks undone: all replicas of grid point (0, 0), replica 0 of point (1, 1), and
    every replica of the last gamma_w column except at the first gamma_s."""
    done = np.ones(shape, bool)
    done[0, 0, :] = False
    done[1, 1, 0] = False
    done[1:, -1, :] = False
    return done


def write_sweep(path, gamma_s, gamma_w, replicas=2, d=40, k=3, done=None, seed=1):
    """Write a sweep file; done is a bool [n_s, n_w, R] (default: all done)."""
    gs = np.asarray(gamma_s, dtype=np.float64)
    gw = np.asarray(gamma_w, dtype=np.float64)
    shape = (len(gs), len(gw), replicas)
    done = np.ones(shape, bool) if done is None else np.asarray(done, bool)
    rng = np.random.default_rng(seed)
    s, w = np.meshgrid(gs, gw, indexing="ij")
    lazy = 1 / (1 + np.exp(-6 * (s + w - 1)))  # 0 in the active region, 1 in the lazy one
    noise = lambda scale: scale * rng.standard_normal(shape)  # noqa: E731
    floats = {
        "min_test_error": (0.05 + 0.9 * lazy)[..., None] + noise(0.01),
        "stable_rank": (k + (d / 4 - k) * lazy)[..., None] + noise(0.1),
        "log_distance": (-12 + 10 * np.exp(2 * s))[..., None] + noise(0.2),
        "final_train_error": (0.8 + 0.1 * lazy)[..., None] + noise(0.01),
        "seconds": np.abs(noise(0.1)) + 0.5,
    }
    iterations = (np.rint(400 * (1 - lazy) * np.exp(-(s + 3) / 3))[..., None]
                  + rng.integers(0, 5, shape))
    values = dict(gamma_s=gs, gamma_w=gw, replica=np.arange(replicas, dtype=np.int64),
                  sigma2=float(d) ** gs, width=np.floor(float(d) ** gw).astype(np.int64))
    for name, x in floats.items():
        values[name] = np.where(done, x, np.nan)
    values["iterations"] = np.where(done, iterations, -1).astype(np.int32)
    values["n_iter"] = np.where(done, iterations + 3, -1).astype(np.int32)
    values["stop_reason"] = np.where(done, 1, -1).astype(np.int8)
    values["done"] = done.astype(np.uint8)
    attrs = dict(d=d, rank=k, noise=1.0, lr_scale=50.0, max_iter=750, seed=0,
                 replicas=replicas, mode="reduced", provenance_version="synthetic",
                 provenance_start_utc="2026-01-01T00:00:00Z",
                 provenance_command_line="tests/python/sweepfiles.py")
    with h5py.File(path, "w", track_order=True) as f:
        _write_layout(f, "sweep", values, attrs)
    return path


def write_trace(path, d=30, k=3, n_iter=40, gs=-1.85, gw=2.25, seed=2):
    """Write a Figure 1 trace file: errors decay, the top k singular values grow."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_iter, dtype=np.float64)
    sigma2, width = d ** gs, math.floor(d ** gw)
    threshold = sigma2 * width
    targets = np.sort(rng.uniform(2, 4, k))[::-1] * math.sqrt(d)
    values = dict(iteration=np.arange(n_iter, dtype=np.int64),
                  sv_index=np.arange(d, dtype=np.int64))
    for group, delay in (("gd", 0.0), ("theory", 1.5)):
        growth = 1 / (1 + np.exp(-(t[:, None] - 10 - delay - np.arange(k)) / 2))
        top = targets * growth
        bulk = np.sort(rng.uniform(0, 1e-2, (n_iter, d - k)), axis=1)[:, ::-1]
        values[f"{group}_singular_values"] = np.concatenate([top, bulk], axis=1)
        values[f"{group}_train_error"] = 1 + 2 * np.exp(-(t - delay) / 8)
        values[f"{group}_test_error"] = 0.1 + 2 * np.exp(-(t - delay) / 8)
    values["distance"] = 1e-4 * (1 + t)
    attrs = dict(d=d, rank=k, gs=gs, gw=gw, sigma2=sigma2, width=width, lr=1e-3,
                 threshold=threshold)
    with h5py.File(path, "w", track_order=True) as f:
        _write_layout(f, "trace", values, attrs)
    return path


def stack(files, axes, out, engine="h5netcdf"):
    """One N-dimensional sweep file in issue #19's layout from plain sweep files (one per
    point of the extra axes), written with an xarray netCDF writer (h5netcdf or netcdf4).

    files: {(v_1, ..., v_k): path}, axes: [(name, numpy type, long_name)] in the options
    table's order. Per-task variables get dims (axes..., gamma_s, gamma_w, replica);
    sigma2 and width get d in front when d is an axis (they differ with d, so xarray
    concatenates them; equal across the other axes, they stay as they are); each axis is a
    1-D coordinate of its name with a long_name; an axis is no root attribute; the root
    attribute axes names them."""
    import xarray as xr

    names = [name for name, _, _ in axes]

    def nest(level, prefix):
        if level == len(axes):
            with xr.open_dataset(files[prefix], engine="h5netcdf") as ds:
                return ds.load()
        name, dtype, long_name = axes[level]
        values = sorted({key[level] for key in files if key[:level] == prefix})
        parts = [nest(level + 1, prefix + (v,)) for v in values]
        coord = xr.DataArray(np.array(values, dtype=dtype), dims=name,
                             attrs={"long_name": long_name})
        return xr.concat(parts, dim=coord, data_vars="all", coords="different",
                         compat="equals", combine_attrs="override")

    ds = nest(0, ())
    # per-task variables: the extra axes first, as the spec orders them
    task = (*names, "gamma_s", "gamma_w", "replica")
    for name in list(ds.data_vars):
        ds[name] = ds[name].transpose(*task)
    for name in names:
        ds.attrs.pop(name, None)
    ds.attrs["axes"] = " ".join(names)
    for name, var in ds.variables.items():
        keep = {key: var.encoding[key] for key in ("dtype", "_FillValue") if key in var.encoding}
        keep.setdefault("_FillValue", None)
        var.encoding = keep
    ds.to_netcdf(out, engine=engine)
    return out
