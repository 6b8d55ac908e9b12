"""Load a phasesweep sweep file into masked arrays.

Every task (grid point, replica) that is not done (/results/done == 0) is masked, whatever
placeholder the file holds there, so means, tables and plots only ever see finished runs.
Non-finite values of done tasks (e.g. log_distance under --no-theory) are masked too: they
carry no number to average.
"""

from dataclasses import dataclass

import h5py
import numpy as np

# Numeric per-task results, in the order tables list them.
METRICS = (
    "min_test_error",
    "stable_rank",
    "iterations",
    "log_distance",
    "final_train_error",
    "n_iter",
    "seconds",
)


def _plain(value):
    """HDF5 attribute -> Python str / int / float (h5py hands out bytes and numpy scalars)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


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
    stop_reason_names: dict  # code -> name, from the HDF5 enum type
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

    def n_done_at(self):
        """Done replicas per grid point, [n_s, n_w]."""
        return self.done.sum(axis=2)


def load(path):
    with h5py.File(path, "r") as f:
        grid, res = f["grid"], f["results"]
        done = res["done"][...] != 0
        results = {}
        for name in METRICS:
            values = res[name][...].astype(np.float64)
            results[name] = np.ma.masked_array(values, mask=~done | ~np.isfinite(values))
        reason_type = h5py.check_enum_dtype(res["stop_reason"].dtype) or {}
        return Sweep(
            path=str(path),
            gamma_s=grid["gamma_s"][...].astype(np.float64),
            gamma_w=grid["gamma_w"][...].astype(np.float64),
            sigma2=grid["sigma2"][...].astype(np.float64),
            width=grid["width"][...].astype(np.int64),
            n_replicas=len(grid["replica"]),
            done=done,
            results=results,
            stop_reason=np.ma.masked_array(res["stop_reason"][...].astype(np.int64), mask=~done),
            stop_reason_names={int(code): name for name, code in reason_type.items()},
            attrs={key: _plain(value) for key, value in f.attrs.items()},
        )
