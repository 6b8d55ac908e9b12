"""`python3 -m phasesweep.figure2` (installed as phasesweep-figure2): see phasesweep.figures.figure2."""

from .figures.figure2 import *  # noqa: F401,F403
from .figures.figure2 import __doc__, main  # noqa: F401

if __name__ == "__main__":
    main()
