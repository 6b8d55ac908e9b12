"""phasesweep's analysis package: sweep and trace files as xarray Datasets and pandas tables.

From the repository root (or with $PREFIX/share/phasesweep on sys.path after `make install`):

    from analysis import open_sweep, open_trace, tasks_frame, write_tasks_csv

The scripts next to this file (figure1.py, figure2.py, summary.py, export.py) also run as
plain programs: `python3 analysis/figure2.py FILE -o fig.png`.
"""

from .layout import LAYOUT_VERSION
from .phasefile import (METRICS, FileKindError, Sweep, check_file, from_dataset, load,
                        open_sweep, open_trace, stop_reason_labels, tasks_frame,
                        write_tasks_csv)

__all__ = ["LAYOUT_VERSION", "METRICS", "FileKindError", "Sweep", "check_file", "from_dataset",
           "load", "open_sweep", "open_trace", "stop_reason_labels", "tasks_frame",
           "write_tasks_csv"]
