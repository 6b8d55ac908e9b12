"""Writes tests/golden/golden.json from bin/phasesweep. Run it only on the commit whose numbers
are the reference (e01b091, before issue #18's reshaping); the test compares every later build
against that file. Also writes the --load input once (fixed NumPy seed) if it is missing."""

import json
import sys

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
import golden  # noqa: E402


def make_load_file():
    import h5py
    rng = np.random.default_rng(20261201)
    d, w, k = 10, 25, 2
    u, v = rng.normal(0, k ** -0.25, (d, k)), rng.normal(0, k ** -0.25, (d, k))
    with h5py.File(golden.LOAD, "w") as f:
        f["A_star"] = u @ v.T
        f["noise"] = rng.normal(0, 1, (d, d))
        f["W1"] = rng.normal(0, 0.2, (w, d))
        f["W2"] = rng.normal(0, 0.2, (d, w))


if __name__ == "__main__":
    if not golden.LOAD.exists():
        make_load_file()
    golden.GOLDEN.write_text(json.dumps(golden.record_all(), indent=0, sort_keys=True) + "\n")
    print(f"wrote {golden.GOLDEN}")
