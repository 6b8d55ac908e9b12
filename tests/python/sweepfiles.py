"""Sweep and trace files in the engine's exact layout, written with h5py.

They stand in for engine output where a test needs a shape the engine would take long to
produce (all undone, single-row grids, scattered undone tasks) and let the analysis tests
run without bin/phasesweep. The metric fields are smooth caricatures of Figure 2 so that a
rendered figure can be checked by eye.
"""

import math

import h5py
import numpy as np

# The engine's stop_reason enum (int8); not_done is the fill of undone tasks.
STOP_REASONS = {"not_done": -1, "converged": 0, "overfitting": 1, "plateau": 2, "max_iter": 3,
                "diverged": 4}


def undone_pattern(shape):
    """Some tasks undone: all replicas of grid point (0, 0), replica 0 of point (1, 1), and
    every replica of the last gamma_w column except at the first gamma_s."""
    done = np.ones(shape, bool)
    done[0, 0, :] = False
    done[1, 1, 0] = False
    done[1:, -1, :] = False
    return done


def write_sweep(path, gamma_s, gamma_w, replicas=2, d=40, k=3, done=None, seed=1):
    """Write a sweep file; done is a bool [n_s, n_w, R] (default: all done)."""
    gs = np.asarray(gamma_s, dtype=np.float64)
    gw = np.asarray(gamma_w, dtype=np.float64)
    shape = (len(gs), len(gw), replicas)
    done = np.ones(shape, bool) if done is None else np.asarray(done, bool)
    rng = np.random.default_rng(seed)
    s, w = np.meshgrid(gs, gw, indexing="ij")
    lazy = 1 / (1 + np.exp(-6 * (s + w - 1)))  # 0 in the active region, 1 in the lazy one
    noise = lambda scale: scale * rng.standard_normal(shape)  # noqa: E731
    floats = {
        "min_test_error": (0.05 + 0.9 * lazy)[..., None] + noise(0.01),
        "stable_rank": (k + (d / 4 - k) * lazy)[..., None] + noise(0.1),
        "log_distance": (-12 + 10 * np.exp(2 * s))[..., None] + noise(0.2),
        "final_train_error": (0.8 + 0.1 * lazy)[..., None] + noise(0.01),
        "seconds": np.abs(noise(0.1)) + 0.5,
    }
    iterations = (np.rint(400 * (1 - lazy) * np.exp(-(s + 3) / 3))[..., None]
                  + rng.integers(0, 5, shape))
    with h5py.File(path, "w") as f:
        f["grid/gamma_s"] = gs
        f["grid/gamma_w"] = gw
        f["grid/sigma2"] = float(d) ** gs
        f["grid/width"] = np.floor(float(d) ** gw).astype(np.int64)
        f["grid/replica"] = np.arange(replicas, dtype=np.int64)
        res = f.create_group("results")
        for name, values in floats.items():
            res[name] = np.where(done, values, np.nan)
        res["iterations"] = np.where(done, iterations, -1).astype(np.int32)
        res["n_iter"] = np.where(done, iterations + 3, -1).astype(np.int32)
        reason = h5py.enum_dtype(STOP_REASONS, basetype="i1")
        res.create_dataset("stop_reason", data=np.where(done, 1, -1).astype(np.int8), dtype=reason)
        res["done"] = done.astype(np.uint8)
        attrs = dict(d=d, rank=k, noise=1.0, lr_scale=50.0, max_iter=750, seed=0,
                     replicas=replicas, mode="reduced", version="synthetic",
                     created="2026-01-01T00:00:00Z", command_line="tests/python/sweepfiles.py")
        for key, value in attrs.items():
            f.attrs[key] = value
    return path


def write_trace(path, d=30, k=3, n_iter=40, gs=-1.85, gw=2.25, seed=2):
    """Write a Figure 1 trace file: errors decay, the top k singular values grow."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_iter, dtype=np.float64)
    sigma2, width = d ** gs, math.floor(d ** gw)
    threshold = sigma2 * width
    targets = np.sort(rng.uniform(2, 4, k))[::-1] * math.sqrt(d)
    with h5py.File(path, "w") as f:
        for group, delay in (("gd", 0.0), ("theory", 1.5)):
            growth = 1 / (1 + np.exp(-(t[:, None] - 10 - delay - np.arange(k)) / 2))
            top = targets * growth
            bulk = np.sort(rng.uniform(0, 1e-2, (n_iter, d - k)), axis=1)[:, ::-1]
            f[f"{group}/singular_values"] = np.concatenate([top, bulk], axis=1)
            f[f"{group}/train_error"] = 1 + 2 * np.exp(-(t - delay) / 8)
            f[f"{group}/test_error"] = 0.1 + 2 * np.exp(-(t - delay) / 8)
        f["distance"] = 1e-4 * (1 + t)
        for key, value in dict(d=d, rank=k, gs=gs, gw=gw, sigma2=sigma2, width=width,
                               lr=1e-3, threshold=threshold).items():
            f.attrs[key] = value
    return path
