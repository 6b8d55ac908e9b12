"""Read phasesweep's sweep and trace files (layout 2, see layout.py) with xarray and pandas.

    open_sweep(path)   -> xarray.Dataset, dims (gamma_s, gamma_w, replica); a task not yet
                          done reads as NaN in every per-task variable (its _FillValue)
    open_trace(path)   -> xarray.Dataset, dims (iteration, sv_index)
    tasks_frame(path)  -> pandas.DataFrame, one row per task, stop_reason as labels
    write_tasks_csv(path, out) -> the same table as CSV
    load(path)         -> Sweep: numpy masked arrays, undone tasks masked (for the figures)

A file of another kind (a trace where a sweep is expected), of the older layout 1 (/grid and
/results groups), not from phasesweep, or whose variables or root attributes are not those of
the layout (a missing variable or attribute, a dataset of another shape or type) raises
FileKindError with a one-line message, before anything is read into memory.
"""

from dataclasses import dataclass

import h5py
import numpy as np

from . import layout

# Numeric per-task results in the layout's order: every per-task variable but the flags
# (stop_reason, done). min_test_error, stable_rank, iterations, log_distance,
# final_train_error, n_iter, seconds.
METRICS = tuple(v["name"] for v in layout.SWEEP
                if len(v["dims"]) == 3 and v["flag_meanings"] is None)
_INTEGER_METRICS = tuple(v["name"] for v in layout.SWEEP
                         if v["name"] in METRICS and v["type"].startswith("int"))


class FileKindError(ValueError):
    """The file is not a phasesweep file of the expected kind and layout."""


def _plain(value):
    """HDF5 attribute -> Python str / int / float (h5py hands out bytes and numpy scalars)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


# Root attributes the analysis reads, per kind: they must be numbers.
REQUIRED_ATTRS = {
    "sweep": ("d", "rank", "lr_scale", "max_iter"),
    "trace": ("d", "rank", "gs", "gw", "width", "lr", "threshold"),
}


def check_file(path, kind):
    """Raise FileKindError unless path is a phasesweep `kind` ("sweep", "trace") file of
    this layout version whose variables have the layout's names, dims, shapes and types and
    whose root carries REQUIRED_ATTRS[kind] as numbers."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise FileKindError(f"{path}: not a readable HDF5 file ({e})") from None
    with f:
        version = _plain(f.attrs.get("layout_version", 0))
        found = _plain(f.attrs.get("file_kind", ""))
        old = "results" in f or "gd" in f
        if version == 0 and old:
            raise FileKindError(f"{path}: a phasesweep file of the older layout 1 (/grid, "
                                f"/results); this version reads layout "
                                f"{layout.LAYOUT_VERSION}: rerun it, or read it with h5py")
        if version == 0:
            raise FileKindError(f"{path}: not a phasesweep file (no layout_version attribute)")
        if version != layout.LAYOUT_VERSION:
            raise FileKindError(f"{path}: a phasesweep file of layout {version}; this version "
                                f"reads layout {layout.LAYOUT_VERSION}")
        if found != kind:
            raise FileKindError(f"{path}: a phasesweep {found or '(unknown)'} file, not a "
                                f"{kind} file")
        problem = layout_problem(f, kind)
        if problem:
            raise FileKindError(f"{path}: not a complete phasesweep {kind} file: {problem}")


def layout_problem(f, kind):
    """What is wrong with an open h5py file against the layout of kind, or None."""
    curves = kind == "sweep" and bool(_plain(f.attrs.get("curves", 0)))
    table = layout.variables(kind, curves=curves)
    sizes = {}
    for v in table:  # the dimension scales first: their lengths are the dims' sizes
        if v["dims"] == (v["name"],):
            if v["name"] not in f or not isinstance(f[v["name"]], h5py.Dataset):
                return f"no variable {v['name']}"
            if f[v["name"]].ndim != 1:
                return f"{v['name']} has {f[v['name']].ndim} dimensions, not 1"
            sizes[v["name"]] = f[v["name"]].shape[0]
    for v in table:
        name = v["name"]
        if name not in f or not isinstance(f[name], h5py.Dataset):
            return f"no variable {name}"
        ds = f[name]
        want = tuple(sizes.get(dim, -1) for dim in v["dims"])
        if ds.shape != want:
            dims = ", ".join(f"{d}={sizes.get(d, '?')}" for d in v["dims"])
            return f"{name} has shape {ds.shape}, not ({dims})"
        if ds.dtype != np.dtype(v["type"]):
            return f"{name} is {ds.dtype}, not {v['type']}"
    for key in REQUIRED_ATTRS[kind]:
        if key not in f.attrs:
            return f"no root attribute {key}"
        value = _plain(f.attrs[key])
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"root attribute {key} is not a number ({value!r})"
        if not np.isfinite(value):
            return f"root attribute {key} is not finite ({value!r})"
    if kind == "sweep" and (_plain(f.attrs["d"]) < 1 or _plain(f.attrs["rank"]) < 1):
        return "root attributes d and rank must be positive"
    return None


def _open(path, kind, engine):
    import xarray as xr

    check_file(path, kind)
    # loaded and closed: no handle stays open on a file a sweep may still be writing
    with xr.open_dataset(path, engine=engine) as ds:
        return ds.load()


def open_sweep(path, engine="h5netcdf"):
    """The sweep file as an xarray.Dataset (in memory; the file is closed again).

    Coordinates gamma_s, gamma_w, replica, sigma2(gamma_s), width(gamma_w); one variable per
    per-task quantity, float with NaN for tasks not done (iterations, n_iter and stop_reason
    too: xarray turns integers with a _FillValue into floats), done as 0/1. A task whose
    done flag is 0 reads as NaN even if some of its values reached the file (a kill between
    a task's writes). The root attributes: parameters by name, run_* the run-steering
    options, provenance_* where the file came from."""
    ds = _open(path, "sweep", engine)
    done = ds["done"] != 0
    for name, var in ds.data_vars.items():
        # the per-task variables and (sweep --curves) the curves, (..., replica, iteration)
        if name != "done" and var.dims[:len(done.dims)] == done.dims:
            ds[name] = var.where(done).assign_attrs(var.attrs)
            ds[name].encoding = var.encoding
    return ds


def open_trace(path, engine="h5netcdf"):
    """The trace file as an xarray.Dataset: coordinates iteration and sv_index; the errors,
    the distance and the singular values of GD (gd_*) and of the theory (theory_*)."""
    return _open(path, "trace", engine)


def stop_reason_labels(var):
    """code -> label of a stop_reason variable, from its CF flag attributes."""
    meanings = _plain(var.attrs["flag_meanings"]).split()
    return {int(v): m for v, m in zip(np.atleast_1d(var.attrs["flag_values"]), meanings)}


def tasks_frame(source):
    """One row per task (every task, done or not): gamma_s, gamma_w, replica, sigma2, width,
    done (bool), the METRICS (NaN, or <NA> for the integer ones, when not done) and
    stop_reason as a categorical label ("not_done" for tasks not done).

    source: a sweep file path or a Dataset from open_sweep."""
    import pandas as pd

    ds = source if hasattr(source, "data_vars") else open_sweep(source)
    frame = ds[["done", *METRICS]].to_dataframe().reset_index()
    frame = frame[["gamma_s", "gamma_w", "replica", "sigma2", "width", "done", *METRICS]]
    frame["done"] = frame["done"] != 0
    for name in _INTEGER_METRICS:
        frame[name] = frame[name].astype("Int64")
    labels = stop_reason_labels(ds["stop_reason"])
    codes = ds["stop_reason"].values.ravel()  # the same C order as to_dataframe's rows
    names = ["not_done" if np.isnan(c) else labels[int(c)] for c in codes]
    frame["stop_reason"] = pd.Categorical(names, categories=[*labels.values(), "not_done"])
    return frame


def write_tasks_csv(source, out):
    """tasks_frame(source) as CSV to out (a path or a text stream): a header line, then one
    line per task; floats in the shortest form that reads back to the same double, not-done
    values as empty fields."""
    tasks_frame(source).to_csv(out, index=False, lineterminator="\n")


@dataclass
class Sweep:
    path: str
    gamma_s: np.ndarray  # [n_s]
    gamma_w: np.ndarray  # [n_w]
    sigma2: np.ndarray  # [n_s]
    width: np.ndarray  # [n_w]
    n_replicas: int
    done: np.ndarray  # bool [n_s, n_w, R]
    results: dict  # metric name -> masked float64 [n_s, n_w, R]
    stop_reason: np.ndarray  # masked int [n_s, n_w, R], codes as in stop_reason_names
    stop_reason_names: dict  # code -> name, from the CF flag attributes
    attrs: dict  # root attributes: the run parameters (d, rank, lr_scale, ...)

    @property
    def d(self):
        return int(self.attrs["d"])

    @property
    def k(self):
        return int(self.attrs["rank"])

    @property
    def n_done(self):
        return int(self.done.sum())

    @property
    def n_total(self):
        return int(self.done.size)

    @property
    def complete(self):
        return self.n_done == self.n_total

    def mean(self, name):
        """Mean over done replicas, [n_s, n_w]; masked where no replica is done."""
        return self.results[name].mean(axis=2)

    def std(self, name):
        """Sample standard deviation (ddof=1) over done replicas; masked below two."""
        values = self.results[name]
        return np.ma.masked_where(values.count(axis=2) < 2, values.std(axis=2, ddof=1))

    def count(self, name):
        """Done replicas with a finite value, [n_s, n_w]."""
        return self.results[name].count(axis=2)

    def n_done_at(self):
        """Done replicas per grid point, [n_s, n_w]."""
        return self.done.sum(axis=2)


def from_dataset(ds, path=""):
    """A Sweep of a Dataset from open_sweep: every task not done masked, whatever the file
    holds there, and non-finite values of done tasks (log_distance under --no-theory) too."""
    done = ds["done"].values != 0
    results = {}
    for name in METRICS:
        values = ds[name].values.astype(np.float64)
        results[name] = np.ma.masked_array(values, mask=~done | ~np.isfinite(values))
    codes = np.nan_to_num(ds["stop_reason"].values.astype(np.float64), nan=-1).astype(np.int64)
    return Sweep(
        path=str(path),
        gamma_s=ds["gamma_s"].values.astype(np.float64),
        gamma_w=ds["gamma_w"].values.astype(np.float64),
        sigma2=ds["sigma2"].values.astype(np.float64),
        width=ds["width"].values.astype(np.int64),
        n_replicas=int(ds.sizes["replica"]),
        done=done,
        results=results,
        stop_reason=np.ma.masked_array(codes, mask=~done),
        stop_reason_names=stop_reason_labels(ds["stop_reason"]),
        attrs={key: _plain(value) for key, value in ds.attrs.items()},
    )


def load(path):
    return from_dataset(open_sweep(path), path)
