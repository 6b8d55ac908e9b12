"""`python3 -m phasesweep.figure1` (installed as phasesweep-figure1): see phasesweep.figures.figure1."""

from .figures.figure1 import *  # noqa: F401,F403
from .figures.figure1 import __doc__, main  # noqa: F401

if __name__ == "__main__":
    main()
