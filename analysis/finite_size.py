#!/usr/bin/python3
"""`python3 analysis/finite_size.py ...` from a checkout, as jobs/ and older command lines call it:
the same command as `python3 -m phasesweep.finite_size` (installed: phasesweep-finite-size), from any
working directory (the package next to this file is imported, not an installed one)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from phasesweep.finite_size import main  # noqa: E402

if __name__ == "__main__":
    main()
