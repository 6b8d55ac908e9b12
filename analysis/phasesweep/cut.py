"""`python3 -m phasesweep.cut` (installed as phasesweep-cut): see phasesweep.figures.cut."""

from .figures.cut import *  # noqa: F401,F403
from .figures.cut import __doc__, main  # noqa: F401

if __name__ == "__main__":
    main()
