"""`python3 -m phasesweep.finite_size` (installed as phasesweep-finite-size): see
phasesweep.studies.finite_size."""

from .studies.finite_size import *  # noqa: F401,F403
from .studies.finite_size import __doc__, main  # noqa: F401

if __name__ == "__main__":
    main()
