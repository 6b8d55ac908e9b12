"""`python3 -m phasesweep.export` (installed as phasesweep-export): see phasesweep.io.export."""

from .io.export import *  # noqa: F401,F403
from .io.export import __doc__, main  # noqa: F401

if __name__ == "__main__":
    main()
