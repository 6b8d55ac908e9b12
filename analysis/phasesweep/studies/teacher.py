"""The teacher's own stable rank: the reference level of the stable-rank panel.

The teacher is A* = U V^T with U, V in R^{d x k} of i.i.d. N(0, 1/sqrt(k)) entries
(docs/science.md). Its stable rank ||A*||_F^2 / ||A*||_op^2 is at most k, and for a Gaussian
teacher well below it at moderate d (the k singular values are unequal): a network that
learned A* exactly shows this value, not k.

phasesweep does not store a sweep's teachers (they are drawn from its Philox streams, which
numpy does not reproduce), so the reference is the expectation over the teacher's law at the
file's d and k, estimated by Monte Carlo: `draws` teachers from numpy's default_rng(seed)
(deterministic), mean and standard deviation of their stable ranks. The variance 1/sqrt(k)
does not matter (the stable rank is scale-free). With U^T U and V^T V (k x k) the squared
singular values of U V^T are the eigenvalues of (U^T U)(V^T V), so a draw costs O(d k^2).

At k = 5: mean 2.78 at d = 40, 3.04 at d = 60, 3.35 at d = 100, 3.72 at d = 200, 4.13 at
d = 500 (4000 draws each, std 0.33 .. 0.18 between teachers).
"""

import numpy as np


def teacher_stable_rank(d, k, draws=2000, seed=0):
    """(mean, std) of the stable rank of A* = U V^T over `draws` Gaussian teachers."""
    d, k = int(d), int(k)
    if d < 1 or k < 1:
        raise ValueError(f"teacher_stable_rank: d = {d}, k = {k} must be positive")
    rng = np.random.default_rng(seed)
    out = np.empty(draws)
    chunk = max(1, min(draws, 2_000_000 // max(1, d * k)))
    for start in range(0, draws, chunk):
        n = min(chunk, draws - start)
        u = rng.standard_normal((n, d, k))
        v = rng.standard_normal((n, d, k))
        m = np.einsum("nij,nil->njl", u, u) @ np.einsum("nij,nil->njl", v, v)
        ev = np.linalg.eigvals(m).real  # s_i^2 >= 0 (a product of two SPD matrices)
        out[start:start + n] = ev.sum(axis=1) / ev.max(axis=1)
    return float(out.mean()), float(out.std(ddof=1) if draws > 1 else 0.0)
