"""phasesweep's Python side: read its sweep and trace files, draw Figures 1 and 2 and line
cuts, study the phase boundaries.

    import phasesweep as ps
    ds = ps.open_sweep("fig2.h5")          # xarray.Dataset (gamma_s, gamma_w, replica)
    ps.tasks_frame(ds)                      # pandas.DataFrame, one row per task
    fig = ps.figure2.plot("fig2.h5")        # matplotlib Figure (not shown, not saved)
    fig = ps.cut.plot("fig2.h5", "min_test_error", along="gamma_s")
    fig = ps.figure1.plot("fig1.h5", linear=True)

Subpackages: phasesweep.io (readers, layout, tables), phasesweep.figures (figure1, figure2,
cut), phasesweep.studies (boundaries, finite_size, teacher). Every command is also a module:
`python3 -m phasesweep.figure2 FILE -o fig.png` (installed as phasesweep-figure2).
"""

__version__ = "0.2.0"

from .io import (LAYOUT_VERSION, FileKindError, Sweep, check_file, facets, from_dataset,
                 load, open_sweep, open_trace, selection, stop_reason_labels, tasks_frame,
                 write_tasks_csv)

_COMMANDS = ("cut", "export", "figure1", "figure2", "finite_size", "summary")


def __getattr__(name):
    """The command modules on first use (ps.figure2.plot): imported lazily, so that
    `python3 -m phasesweep.figure2` does not find itself imported already."""
    if name in _COMMANDS:
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'phasesweep' has no attribute '{name}'")


__all__ = ["LAYOUT_VERSION", "FileKindError", "Sweep", "check_file", "facets", "from_dataset",
           "load", "open_sweep", "open_trace", "selection", "stop_reason_labels", "tasks_frame",
           "write_tasks_csv", "__version__", *_COMMANDS]
