"""`python3 -m phasesweep.summary` (installed as phasesweep-summary): see phasesweep.io.summary."""

from .io.summary import *  # noqa: F401,F403
from .io.summary import __doc__, main  # noqa: F401

if __name__ == "__main__":
    main()
