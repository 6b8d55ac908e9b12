"""Readers: sweep and trace files as xarray Datasets, pandas tables and numpy masked arrays
(files.py), the file layout mirrored from the engine (layout.py), the per-task and per-point
tables (export.py, summary.py)."""

from .files import (METRICS, FileKindError, Sweep, check_file, from_dataset, load,
                    open_sweep, open_trace, stop_reason_labels, tasks_frame, write_tasks_csv)
from .layout import LAYOUT_VERSION

__all__ = ["LAYOUT_VERSION", "METRICS", "FileKindError", "Sweep", "check_file", "from_dataset",
           "load", "open_sweep", "open_trace", "stop_reason_labels", "tasks_frame",
           "write_tasks_csv"]
