"""Running bin/phasesweep from the analysis tests (skipped when it is not built)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


def require_engine():
    if not BIN.exists():
        pytest.skip(f"{BIN} is not built (make); the engine-based tests need it")


def engine(args, cwd):
    """mpirun -n 2 bin/phasesweep ARGS, which has to succeed."""
    require_engine()
    cmd = [MPIRUN, "-n", "2", "--oversubscribe", str(BIN), *args]
    p = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{' '.join(cmd)} failed:\n{p.stderr}"
