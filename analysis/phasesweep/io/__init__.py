"""Readers: sweep and trace files as xarray Datasets, pandas tables and numpy masked arrays
(files.py), the layout as each file describes itself (layout.py), the per-task and per-point
tables (export.py, summary.py)."""

from .files import (FileKindError, Sweep, check_file, facets, from_dataset, load,
                    open_sweep, open_trace, selection, stop_reason_labels, tasks_frame,
                    write_tasks_csv)
from .layout import LAYOUT_VERSION

__all__ = ["LAYOUT_VERSION", "FileKindError", "Sweep", "check_file", "facets", "from_dataset",
           "load", "open_sweep", "open_trace", "selection", "stop_reason_labels", "tasks_frame",
           "write_tasks_csv"]
