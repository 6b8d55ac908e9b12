"""The layout of a phasesweep file, read from the file itself (no copy of the engine's table).

The engine's table (src/io/layout.c; `phasesweep info --layout json` prints it) is written into
every file: each variable carries its type, dimension scales, units, long_name, description,
_FillValue and, for flags, flag_values / flag_meanings; the variables are created in the
table's order (tracked link creation order); the root carries layout_version and file_kind.
describe(f) reads that description back in the JSON's shape, so the reader knows the metrics
of a file from the file: adding a metric to the engine touches no Python file.

What the reader itself fixes -- the structure it relies on, not a list of variables -- is
below: the layout version it reads, the names of the task grid's dimensions and of the two
flag variables it interprets.
"""

import json
import subprocess

import h5py
import numpy as np

# The layout this reader understands (the engine's PS_LAYOUT_VERSION).
LAYOUT_VERSION = 2

# The last dimensions of every per-task variable (issue #19: extra axes come first), and the
# dimensions of a trace. Their scales are checked by name before any dimension list is
# followed: HDF5 crashes on a reference to a deleted scale.
TASK_DIMS = ("gamma_s", "gamma_w", "replica")
TRACE_DIMS = ("iteration", "sv_index")
# The per-task flag variables the reader interprets: a task is read only when done != 0;
# stop_reason's codes are labelled from its own flag_meanings.
DONE = "done"
STOP_REASON = "stop_reason"


def _plain(value):
    """HDF5 attribute -> Python str / int / float (h5py hands out bytes and numpy scalars)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def names_in_order(f):
    """The root datasets of an open h5py file in their creation order (the engine's table
    order), or by name where the file does not track creation order."""
    names = []
    try:
        f.id.links.iterate(lambda n: names.append(n.decode()) and None,
                           idx_type=h5py.h5.INDEX_CRT_ORDER)
    except (ValueError, RuntimeError, KeyError):
        names = list(f)
    return [n for n in names if isinstance(f.get(n), h5py.Dataset)]


def is_scale_dataset(ds):
    """An HDF5 dimension scale (CLASS = DIMENSION_SCALE)."""
    return bool(h5py.h5ds.is_scale(ds.id))


def _dims(ds):
    """The dimension names of a dataset: its attached scales' names, its own name for a
    dimension scale, "" for a dimension without a scale."""
    if is_scale_dataset(ds) and ds.ndim == 1:
        return [ds.name.lstrip("/")]
    out = []
    for dim in ds.dims:
        out.append(dim[0].name.lstrip("/") if len(dim) else "")
    return out


def _fill(ds):
    if "_FillValue" not in ds.attrs:
        return None
    value = _plain(ds.attrs["_FillValue"])
    if isinstance(value, float) and np.isnan(value):
        return "nan"
    return int(value) if float(value).is_integer() else value


def describe_variable(ds):
    """One entry of the layout, as `info --layout json` spells it, from the dataset's own
    type, dimension scales and attributes."""
    attrs = {key: _plain(value) for key, value in ds.attrs.items()}
    return {"name": ds.name.lstrip("/"), "type": ds.dtype.name, "fill": _fill(ds),
            "dims": _dims(ds), "units": attrs.get("units"),
            "long_name": attrs.get("long_name"), "description": attrs.get("description"),
            "flag_meanings": attrs.get("flag_meanings")}


def describe(f):
    """The file's variables in its order: a list of describe_variable entries."""
    return [describe_variable(f[name]) for name in names_in_order(f)]


def coordinates(f):
    """The auxiliary coordinates the file's variables name (CF `coordinates`), in order."""
    seen = []
    for name in names_in_order(f):
        for c in str(_plain(f[name].attrs.get("coordinates", ""))).split():
            if c not in seen:
                seen.append(c)
    return " ".join(seen)


def is_scale(var):
    """A dimension scale (coordinate variable): 1-D, named as its dimension."""
    return var["dims"] == [var["name"]]


def is_per_task(var):
    """A variable with one value per task: its dims end with TASK_DIMS."""
    return tuple(var["dims"][-len(TASK_DIMS):]) == TASK_DIMS


def metrics(table):
    """The per-task numbers of a sweep's table in the file's order: every per-task variable
    that holds no flags (done and stop_reason carry flag_meanings)."""
    return tuple(v["name"] for v in table if is_per_task(v) and v["flag_meanings"] is None)


def from_binary(binary):
    """The engine's own layout object (`BINARY info --layout json`), for the tests and for
    writing stand-in files; the reader never needs it."""
    p = subprocess.run([str(binary), "info", "--layout", "json"], capture_output=True,
                       text=True, check=True)
    return json.loads(p.stdout)
