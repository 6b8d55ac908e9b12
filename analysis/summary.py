#!/usr/bin/python3
"""`python3 analysis/summary.py ...` from a checkout, as jobs/ and older command lines call it:
the same command as `python3 -m phasesweep.summary` (installed: phasesweep-summary), from any
working directory (the package next to this file is imported, not an installed one)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from phasesweep.summary import main  # noqa: E402

if __name__ == "__main__":
    main()
