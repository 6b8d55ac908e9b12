"""Read phasesweep's sweep and trace files (layout 2) with xarray and pandas; what a file
holds is read from the file's own description (layout.py), not from a copy of the engine's.

    open_sweep(path)   -> xarray.Dataset, dims (axes..., gamma_s, gamma_w, replica); a task
                          not yet done reads as NaN in every per-task variable (its _FillValue)
    open_trace(path)   -> xarray.Dataset, dims (iteration, sv_index)
    tasks_frame(path)  -> pandas.DataFrame, one row per task, a column per axis,
                          stop_reason as labels
    write_tasks_csv(path, out) -> the same table as CSV
    selection(ds, {axis: value}), facets(ds, axis) -> a sweep's extra axes fixed
    load(path)         -> Sweep: numpy masked arrays, undone tasks masked (for the figures)

A file of another kind (a trace where a sweep is expected), of the older layout 1 (/grid and
/results groups), not from phasesweep, or whose variables or root attributes are not as its
own description says (a missing scale or attribute, a dataset of another shape) raises
FileKindError with a one-line message, before anything is read into memory.
"""

from dataclasses import dataclass, field

import h5py
import numpy as np

from . import layout
from .layout import _plain


class FileKindError(ValueError):
    """The file is not a phasesweep file of the expected kind and layout."""


# Root attributes the analysis reads, per kind: they must be numbers (a sweep's may instead
# be an extra axis, a coordinate variable of that name).
REQUIRED_ATTRS = {
    "sweep": ("d", "rank", "lr_scale", "max_iter"),
    "trace": ("d", "rank", "gs", "gw", "width", "lr", "threshold"),
}
# The attributes every variable carries (the engine writes them from its layout table).
VARIABLE_ATTRS = ("units", "long_name", "description")


def file_axes(f):
    """The extra axes of an open sweep file: its root attribute axes (absent: none)."""
    return tuple(str(_plain(f.attrs.get("axes", ""))).split())


def check_file(path, kind):
    """Raise FileKindError unless path is a phasesweep `kind` ("sweep", "trace") file of
    this layout version whose variables are described as the layout wants (see
    layout_problem) and whose root carries REQUIRED_ATTRS[kind] as numbers."""
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


def _number_problem(key, value):
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"root attribute {key} is not a number ({value!r})"
    if not np.isfinite(value):
        return f"root attribute {key} is not finite ({value!r})"
    return None


def layout_problem(f, kind):
    """What is wrong with an open h5py file against its own description, or None: the
    dimension scales a file of this kind is built on (and a sweep's extra axes) present and
    1-D; every variable with units, long_name and description (an axis: long_name), a
    numeric type, every dimension on an existing scale and the scales' lengths as its
    shape, a _FillValue of its own type; a sweep's per-task
    variables (done and stop_reason among them) all on (axes..., gamma_s, gamma_w,
    replica); the root attributes the analysis reads, numbers (or that axis)."""
    axes = file_axes(f) if kind == "sweep" else ()
    base = layout.TASK_DIMS if kind == "sweep" else layout.TRACE_DIMS
    sizes = {}
    if len(set(axes)) != len(axes) or set(axes) & set(base):
        return f"root attribute axes ({' '.join(axes)}) names an axis twice"
    for name in (*axes, *base):  # by name first: a deleted scale must not be followed
        if name not in f or not isinstance(f[name], h5py.Dataset):
            return f"no variable {name}"
        if f[name].ndim != 1 or not layout.is_scale_dataset(f[name]):
            return f"{name} is not a 1-D dimension scale"
        sizes[name] = f[name].shape[0]
    table = []
    for name in layout.names_in_order(f):
        ds = f[name]
        if layout.is_scale_dataset(ds) and ds.ndim == 1:
            sizes.setdefault(name, ds.shape[0])
            continue
        if any(len(dim) == 0 for dim in ds.dims):
            return f"{name} has a dimension without a dimension scale"
    for name in layout.names_in_order(f):
        ds = f[name]
        need = ("long_name",) if name in axes else VARIABLE_ATTRS  # an axis: its long_name
        missing = [key for key in need if key not in ds.attrs]
        if missing:
            return f"{name} has no {missing[0]} attribute"
        if ds.dtype.kind not in "biuf":
            return f"{name} is {ds.dtype}, not a number"
        var = layout.describe_variable(ds)
        want = tuple(sizes.get(dim, -1) for dim in var["dims"])
        if ds.shape != want:
            dims = ", ".join(f"{d}={sizes.get(d, '?')}" for d in var["dims"])
            return f"{name} has shape {ds.shape}, not ({dims})"
        if "_FillValue" in ds.attrs and np.asarray(ds.attrs["_FillValue"]).dtype != ds.dtype:
            return f"{name} is {ds.dtype}, its _FillValue {ds.attrs['_FillValue'].dtype}"
        table.append(var)
    if kind == "sweep":
        task_dims = [*axes, *layout.TASK_DIMS]
        for name in (layout.DONE, layout.STOP_REASON):
            if name not in f:
                return f"no variable {name}"
        for var in table:
            if layout.is_per_task(var) and var["dims"] != task_dims:
                return (f"{var['name']} has dims ({', '.join(var['dims'])}), not "
                        f"({', '.join(task_dims)})")
        for name in (layout.DONE, layout.STOP_REASON):
            if f[name].dtype.kind not in "iu":
                return f"{name} is {f[name].dtype}, not an integer type"
    for key in REQUIRED_ATTRS[kind]:
        if key in axes:
            continue
        if key not in f.attrs:
            return f"no root attribute {key}"
        problem = _number_problem(key, _plain(f.attrs[key]))
        if problem:
            return problem
    if kind == "sweep":
        for key in ("d", "rank"):
            values = f[key][...] if key in axes else [_plain(f.attrs[key])]
            if np.min(values) < 1:
                return "root attributes d and rank must be positive"
    return None


def metrics_of(ds):
    """The numeric per-task results of a Dataset from open_sweep, in the file's order:
    every per-task variable but the flags (those with flag_meanings: stop_reason, done)."""
    done = ds[layout.DONE].dims
    return tuple(name for name, var in ds.data_vars.items()
                 if var.dims == done and "flag_meanings" not in var.attrs)


def axes_of(ds):
    """The extra axes of a Dataset from open_sweep (or a selection of one): the dims of the
    per-task variables before gamma_s, gamma_w, replica."""
    return tuple(dim for dim in ds[layout.DONE].dims if dim not in layout.TASK_DIMS)


def _open(path, kind, engine):
    import xarray as xr

    check_file(path, kind)
    # loaded and closed: no handle stays open on a file a sweep may still be writing
    with xr.open_dataset(path, engine=engine) as ds:
        return ds.load()


def open_sweep(path, engine="h5netcdf"):
    """The sweep file as an xarray.Dataset (in memory; the file is closed again).

    Dims (axes..., gamma_s, gamma_w, replica): a sweep's extra axes (root attribute axes,
    e.g. "d noise"; none in a plain sweep) first, each with its coordinate; coordinates
    sigma2 and width (on (d, gamma_s) and (d, gamma_w) when d is an axis); one variable
    per per-task quantity, float with NaN for tasks not done (iterations, n_iter and
    stop_reason too: xarray turns integers with a _FillValue into floats), done as 0/1. A
    task whose done flag is 0 reads as NaN even if some of its values reached the file (a
    kill between a task's writes). The root attributes: parameters by name (those that are
    an axis are its coordinate instead), run_* the run-steering options, provenance_* where
    the file came from."""
    ds = _open(path, "sweep", engine)
    done = ds[layout.DONE] != 0
    for name, var in ds.data_vars.items():
        # the per-task variables and (sweep --curves) the curves, (..., replica, iteration)
        if name != layout.DONE and var.dims[:len(done.dims)] == done.dims:
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
    """One row per task (every task, done or not), in the file's task order: a column per
    extra axis, gamma_s, gamma_w, replica, sigma2, width, done (bool), the metrics (NaN, or
    <NA> for the integer ones, when not done) and stop_reason as a categorical label
    ("not_done" for tasks not done).

    source: a sweep file path or a Dataset from open_sweep."""
    import pandas as pd

    ds = source if hasattr(source, "data_vars") else open_sweep(source)
    metrics = metrics_of(ds)
    frame = ds[[layout.DONE, *metrics]].to_dataframe().reset_index()
    dims = ds[layout.DONE].dims
    coords = [c for c in ds.coords if c not in ds.dims and ds[c].ndim > 0]
    frame = frame[[*dims, *coords, layout.DONE, *metrics]]
    frame[layout.DONE] = frame[layout.DONE] != 0
    for name in metrics:
        if ds[name].encoding.get("dtype", np.dtype(float)).kind in "iu":
            frame[name] = frame[name].astype("Int64")
    labels = stop_reason_labels(ds[layout.STOP_REASON])
    codes = ds[layout.STOP_REASON].values.ravel()  # the same C order as to_dataframe's rows
    names = ["not_done" if np.isnan(c) else labels[int(c)] for c in codes]
    frame[layout.STOP_REASON] = pd.Categorical(names,
                                               categories=[*labels.values(), "not_done"])
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
    notes: list = field(default_factory=list)  # what a selection did (nearest values)
    variables: dict = field(default_factory=dict)  # metric -> its attributes (long_name, units)
    fixed: dict = field(default_factory=dict)  # extra axis -> the value a selection fixed

    @property
    def metrics(self):
        """The file's per-task metrics, in its order."""
        return tuple(self.results)

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


def selection(ds, sel):
    """ds at one value of some extra axes: sel maps an axis name to a value (a number or
    its text); each picks the nearest coordinate value. Returns (Dataset, notes): a note
    per value that was not exact. An unknown name, a non-number or a NaN raises ValueError
    naming the file's axes."""
    axes = axes_of(ds)
    notes, picks = [], {}
    for name, value in sel.items():
        if name not in axes:
            have = ", ".join(axes) if axes else "none"
            raise ValueError(f"--sel {name}: not an axis of this sweep (its axes: {have})")
        coord = ds[name].values
        try:
            x = int(value) if coord.dtype.kind in "iu" and str(value).lstrip("-").isdigit() \
                else float(value)
        except ValueError:
            raise ValueError(f"--sel {name}={value}: not a number") from None
        if x != x:
            raise ValueError(f"--sel {name}={value}: not a number")
        exact = np.flatnonzero(coord == x)  # exact first: a uint64 seed is no double
        i = int(exact[0]) if exact.size else int(np.argmin(np.abs(coord.astype(np.float64)
                                                                  - float(x))))
        if coord[i] != x:
            notes.append(f"--sel {name}={value}: no such value; using the nearest, "
                         f"{name}={coord[i]}")
        picks[name] = i
    return ds.isel(picks), notes


def facets(ds, name):
    """[(value, Dataset at that value)] along the extra axis name; ValueError naming the
    axes when it is not one."""
    axes = axes_of(ds)
    if name not in axes:
        have = ", ".join(axes) if axes else "none"
        raise ValueError(f"--facet {name}: not an axis of this sweep (its axes: {have})")
    return [(ds[name].values[i].item(), ds.isel({name: i})) for i in range(ds.sizes[name])]


def from_dataset(ds, path=""):
    """A Sweep of a Dataset from open_sweep with no extra axis left (select or facet them
    first): every task not done masked, whatever the file holds there, and non-finite values
    of done tasks (log_distance under --no-theory) too. An axis fixed by a selection is in
    the attrs under its name, as the parameter of a plain sweep is."""
    left = axes_of(ds)
    if left:
        raise ValueError(f"a sweep with extra axes ({', '.join(left)}): pick one value of "
                         f"each (selection) or draw one per value (facets)")
    done = ds[layout.DONE].values != 0
    results = {}
    for name in metrics_of(ds):
        values = ds[name].values.astype(np.float64)
        results[name] = np.ma.masked_array(values, mask=~done | ~np.isfinite(values))
    codes = np.nan_to_num(ds[layout.STOP_REASON].values.astype(np.float64),
                          nan=-1).astype(np.int64)
    attrs = {key: _plain(value) for key, value in ds.attrs.items()}
    axes = str(ds.attrs.get("axes", "")).split()
    fixed = {name: ds[name].values.item() for name in axes if ds[name].ndim == 0}
    attrs.update(fixed)  # an axis fixed by a selection reads as the plain sweep's attribute
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
        stop_reason_names=stop_reason_labels(ds[layout.STOP_REASON]),
        attrs=attrs,
        variables={name: {k: _plain(v) for k, v in ds[name].attrs.items()} for name in results},
        fixed=fixed,
    )


def load(path, require=(), sel=None):
    """The Sweep of a sweep file. require: metrics the caller draws (FileKindError when the
    file has one not); sel: {axis: value} for a file with extra axes (see selection; its
    notes go to the Sweep's notes)."""
    ds = open_sweep(path)
    for name in require:
        if name not in metrics_of(ds):
            raise FileKindError(f"{path}: not a complete phasesweep sweep file: no variable "
                                f"{name}")
    ds, notes = selection(ds, sel or {})
    sweep = from_dataset(ds, path)
    sweep.notes = notes
    return sweep
