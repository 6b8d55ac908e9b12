"""Matrix completion (--problem completion --observed P) end to end, against references that
share no code with the engine: an exact NumPy re-implementation of the masked dynamics on loaded
weights and mask (per iteration), explicit == reduced on the same data, a group of 2 == one
rank, P = 1 == denoise bit for bit, replica statistics against an independent full-width NumPy
GD, the theory distance shrinking with the width at P = 0.5, the knobs in the files, and bad
input as one line with exit status 2. Definitions: docs/science.md, "Beyond the paper".
"""

import json
import math
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PHASESWEEP_BIN", os.path.join(ROOT, "bin", "phasesweep"))
MPIRUN = os.environ.get("MPIRUN", "mpirun")
if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", HDF5_USE_FILE_LOCKING="FALSE")
SERIES = ("gd_train_error", "gd_test_error", "theory_train_error", "theory_test_error",
          "distance")


def phasesweep(*args, ranks=0):
    cmd = [BIN, *args] if not ranks else [MPIRUN, "--oversubscribe", "-n", str(ranks), BIN, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=ENV)


def ok(*args, ranks=0):
    res = phasesweep(*args, ranks=ranks)
    assert res.returncode == 0, res.stderr
    return res


def result(*args, ranks=0):
    out = json.loads(ok(*args, ranks=ranks).stdout)
    out.pop("seconds")
    return out


def refusal(res):
    """The one 'phasesweep: ' line of a refused command."""
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert res.stdout == ""
    lines = [l for l in res.stderr.splitlines() if l.startswith("phasesweep: ")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def trace(path, *args, ranks=0):
    ok("trace", "--out", str(path), *args, ranks=ranks)
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in SERIES}, dict(f.attrs)


# ---- loaded data ----

D, K, W, GS = 8, 2, 40, -1.0


def data(seed=3, d=D, w=W, p=0.5):
    rng = np.random.default_rng(seed)
    u, v = rng.normal(0, K ** -0.25, (d, K)), rng.normal(0, K ** -0.25, (d, K))
    s = math.sqrt(d ** GS)
    mask = (rng.uniform(size=(d, d)) < p).astype(float)
    return {"A_star": u @ v.T, "noise": rng.normal(0, 0.3, (d, d)),
            "W1": rng.normal(0, s, (w, d)), "W2": rng.normal(0, s, (d, w)), "mask": mask}


def save(path, arrays):
    with h5py.File(path, "w") as f:
        for k, a in arrays.items():
            f[k] = a
    return str(path)


def sqrt_psd(S):
    ev, Q = np.linalg.eigh(S)
    return (Q * np.sqrt(np.maximum(ev, 0.0))) @ Q.T


def reference(a, p, iters, lr_scale=50.0):
    """Full-width GD (sequential update) and the theory of equation (1) with the masked
    residual G = M o (X - Y) / P; L_train = ||M o (X - Y)||^2 / (P d^2)."""
    d, w = a["W1"].shape[1], a["W1"].shape[0]
    Astar, Y, M = a["A_star"], a["A_star"] + a["noise"], a["mask"]
    W1, W2 = a["W1"].copy(), a["W2"].copy()
    sigma2 = d ** GS
    gw = math.log(w) / math.log(d)
    eta = (1 / (lr_scale * w * sigma2) if GS + gw > 1
           else 1 / (lr_scale * np.linalg.norm(Astar, 2)))
    c = sigma2 * w
    B = W2 @ W1
    out = {k: [] for k in SERIES}
    for _ in range(iters):
        A = W2 @ W1
        out["gd_train_error"].append(np.sum((M * (A - Y)) ** 2) / (p * d * d))
        out["gd_test_error"].append(np.sum((A - Astar) ** 2) / (d * d))
        out["theory_train_error"].append(np.sum((M * (B - Y)) ** 2) / (p * d * d))
        out["theory_test_error"].append(np.sum((B - Astar) ** 2) / (d * d))
        out["distance"].append(np.sum((A - B) ** 2) / (d * d))
        R = M * (A - Y) / p
        W1 = W1 - eta * W2.T @ R
        W2 = W2 - eta * R @ W1.T
        G = M * (B - Y) / p
        I = np.eye(d)
        B = B - eta * (sqrt_psd(B @ B.T + c * c * I) @ G + G @ sqrt_psd(B.T @ B + c * c * I))
    return {k: np.array(v) for k, v in out.items()}


def close(a, b, rel):
    for k in SERIES:
        assert len(a[k]) == len(b[k]), k
        # relative per iteration (the distance starts at exactly 0 in both: B(0) = A(0))
        err = np.max(np.abs(a[k] - b[k]) / np.maximum(np.abs(b[k]), 1e-300))
        assert err < rel, (k, err)


COMMON = ["--rank", str(K), "--gs", str(GS), "--no-stop", "--max-iter", "60",
          "--problem", "completion"]


def test_the_masked_dynamics_equal_an_exact_numpy_reference(tmp_path):
    a = data()
    p = a["mask"].mean()
    f = save(tmp_path / "in.h5", a)
    got, attrs = trace(tmp_path / "t.h5", "--load", f, "--mode", "explicit", *COMMON)
    assert attrs["problem"] == "completion"
    assert attrs["observed"] == pytest.approx(p, rel=1e-15)  # the loaded mask's share
    close(got, reference(a, p, 60), 1e-9)
    # --observed overrides the share: 1/P scales the gradient and L_train's normalization
    got, attrs = trace(tmp_path / "t2.h5", "--load", f, "--mode", "explicit", *COMMON,
                       "--observed", "0.25")
    assert attrs["observed"] == 0.25
    close(got, reference(a, 0.25, 60), 1e-9)


def test_reduced_equals_explicit_on_the_same_weights_and_mask(tmp_path):
    f = save(tmp_path / "in.h5", data(seed=5))
    ex, _ = trace(tmp_path / "e.h5", "--load", f, "--mode", "explicit", *COMMON)
    re, _ = trace(tmp_path / "r.h5", "--load", f, "--mode", "reduced", *COMMON)
    close(re, ex, 1e-9)


@pytest.mark.skipif(shutil.which(MPIRUN) is None, reason="no mpirun")
def test_a_group_of_two_equals_one_rank(tmp_path):
    args = ["--d", "12", "--rank", "2", "--noise", "0.3", "--gs", "-1.8", "--gw", "2",
            "--problem", "completion", "--observed", "0.5", "--max-iter", "80", "--block", "4"]
    one, _ = trace(tmp_path / "1.h5", *args)
    two, _ = trace(tmp_path / "2.h5", *args, "--group-size", "2", ranks=2)
    close(two, one, 1e-12)


def test_observed_one_is_denoise_bit_for_bit(tmp_path):
    args = ["--d", "16", "--rank", "2", "--noise", "0.3", "--gs", "-1.8", "--gw", "1.7"]
    assert result("run", *args, "--problem", "completion") == result("run", *args)
    den, _ = trace(tmp_path / "d.h5", *args)
    com, _ = trace(tmp_path / "c.h5", *args, "--problem", "completion", "--observed", "1")
    for k in SERIES:
        assert np.array_equal(den[k], com[k]), k
    # and a mask of ones, loaded, too
    a = data(seed=9, d=8, w=20)
    a["mask"][:] = 1.0
    f = save(tmp_path / "in.h5", a)
    g = save(tmp_path / "nomask.h5", {k: v for k, v in a.items() if k != "mask"})
    load = ["run", "--rank", "2", "--gs", "-1"]
    assert (result(*load, "--load", f, "--problem", "completion")
            == result(*load, "--load", g))


def test_the_mask_depends_on_the_replica_and_the_observed_share(tmp_path):
    args = ["run", "--d", "16", "--rank", "2", "--gs", "-1.8", "--gw", "1.7", "--problem",
            "completion"]
    half = result(*args, "--observed", "0.5")
    assert half != result(*args, "--observed", "0.6")
    assert half != result(*args, "--observed", "0.5", "--replica", "1")
    assert half == result(*args, "--observed", "0.5")


# ---- statistics against an independent full-width NumPy GD ----

def numpy_min_test(rng, d, k, noise, gs, gw, p, c=50.0, max_iter=750):
    """One replica of the protocol at full width, with NumPy's own draws."""
    u, v = rng.normal(0, k ** -0.25, (d, k)), rng.normal(0, k ** -0.25, (d, k))
    Astar = u @ v.T
    Y = Astar + rng.normal(0, noise, (d, d))
    M = (rng.uniform(size=(d, d)) < p).astype(float)
    w = int(math.floor(d ** gw + 1e-9))
    s2 = d ** gs
    W1, W2 = rng.normal(0, math.sqrt(s2), (w, d)), rng.normal(0, math.sqrt(s2), (d, w))
    eta = 1 / (c * w * s2) if gs + gw > 1 else 1 / (c * np.linalg.norm(Astar, 2))
    train, test = [], []
    for i in range(max_iter):
        A = W2 @ W1
        train.append(np.sum((M * (A - Y)) ** 2) / (p * d * d))
        test.append(np.sum((A - Astar) ** 2) / (d * d))
        R = M * (A - Y) / p
        W1 = W1 - eta * W2.T @ R
        W2 = W2 - eta * R @ W1.T
        if train[i] < 1e-3:
            break
        if i > 3 and test[i - 2] < test[i - 1] < test[i]:
            break
        if i > 3 and abs(train[i] - train[i - 1]) < 2e-4 and train[0] - train[i] > 1e-2:
            break
    return min(test)


def test_replica_statistics_match_full_width_numpy(tmp_path):
    d, k, noise, gs, gw, p, n = 12, 2, 0.5, -1.5, 1.5, 0.5, 24
    out = tmp_path / "s.h5"
    ok("sweep", "--d", str(d), "--rank", str(k), "--noise", str(noise), "--gs",
       f"{gs}:{gs}:1", "--gw", f"{gw}:{gw}:1", "--replicas", str(n), "--no-theory",
       "--problem", "completion", "--observed", str(p), "--out", str(out))
    with h5py.File(out, "r") as f:
        ours = f["min_test_error"][...].ravel()
    rng = np.random.default_rng(2024)
    ref = np.array([numpy_min_test(rng, d, k, noise, gs, gw, p) for _ in range(n)])
    se = math.sqrt(ours.var(ddof=1) / n + ref.var(ddof=1) / n)
    assert abs(ours.mean() - ref.mean()) < 3 * se, (ours.mean(), ref.mean(), se)


def test_theory_distance_decreases_with_width_at_half_observed():
    # the prototype's point: d 20, k 2, noise 0.3, gs -2.2; w = 400 -> 2413
    dist = {}
    for gw in ("2.0", "2.6"):
        vals = [result("run", "--d", "20", "--rank", "2", "--noise", "0.3", "--gs", "-2.2",
                       "--gw", gw, "--problem", "completion", "--observed", "0.5",
                       "--replica", str(r))["log_distance"] for r in range(4)]
        dist[gw] = sum(vals) / len(vals)
    assert dist["2.6"] < dist["2.0"] - 0.5, dist


# ---- the knobs in the files ----

def test_sweep_records_and_checks_the_knobs(tmp_path):
    out = tmp_path / "s.h5"
    sweep = ["sweep", "--d", "8", "--rank", "2", "--gs", "-2:0:2", "--gw", "1:2:2",
             "--max-iter", "10", "--out", str(out), "--problem", "completion"]
    ok(*sweep, "--observed", "0.5")
    with h5py.File(out, "r") as f:
        assert f.attrs["problem"] == "completion"
        assert f.attrs["observed"] == 0.5
    info = ok("info", str(out)).stdout
    assert "completion" in info and "0.5" in info
    ok(*sweep, "--observed", "0.5", "--resume")
    line = refusal(phasesweep(*sweep, "--observed", "0.75", "--resume"))
    assert "observed=0.5 (file) vs 0.75 (now)" in line, line
    # a file written before the knobs existed was a denoise sweep
    den = tmp_path / "d.h5"
    base = sweep[:-2]
    base[base.index(str(out))] = str(den)
    ok(*base)
    with h5py.File(den, "r+") as f:
        del f.attrs["problem"], f.attrs["observed"]
    ok(*base, "--resume")
    line = refusal(phasesweep(*base, "--resume", "--problem", "completion"))  # absent = the default
    assert "problem=denoise (file) vs completion (now)" in line, line


# ---- bad input: one line, exit status 2 ----

RUN = ["run", "--d", "8", "--rank", "2", "--gs", "-1", "--gw", "1.5"]


@pytest.mark.parametrize("args, words", [
    (["--problem", "completion", "--observed", "0"], ["--observed", "(0, 1]"]),
    (["--problem", "completion", "--observed", "1.5"], ["--observed", "(0, 1]"]),
    (["--problem", "completion", "--observed", "-0.2"], ["--observed", "(0, 1]"]),
    (["--problem", "completion", "--observed", "nan"], ["--observed"]),
    (["--observed", "0.5"], ["--observed", "--problem completion"]),
    (["--problem", "denoise", "--observed", "0.5"], ["--observed", "--problem completion"]),
    (["--problem", "foo"], ["--problem", "'foo'", "denoise, completion"]),
])
def test_bad_knobs_are_one_line(args, words):
    for cmd in (RUN, ["sweep", "--d", "8", "--gs", "-1:0:2", "--gw", "1:2:2", "--out", "x.h5"]):
        line = refusal(phasesweep(*cmd, *args))
        for w in words:
            assert w in line, line


@pytest.mark.parametrize("change, words", [
    (lambda a: dict(a, mask=a["mask"][:, :5]), ["mask is 8 x 5", "8 x 8"]),
    (lambda a: dict(a, mask=a["mask"] * 0.5), ["mask has the entry 0.5", "0 (unobserved)"]),
    (lambda a: dict(a, mask=0 * a["mask"]), ["mask observes no entry"]),
    (lambda a: dict(a, mask=np.where(a["mask"] > 0, np.nan, 0.0)), ["mask", "non-finite"]),
])
def test_bad_masks_are_one_line(tmp_path, change, words):
    f = save(tmp_path / "in.h5", change(data()))
    line = refusal(phasesweep("run", "--rank", "2", "--gs", "-1", "--load", f, "--problem",
                              "completion"))
    for w in ["--load", *words]:
        assert w in line, line


def test_a_mask_needs_completion(tmp_path):
    f = save(tmp_path / "in.h5", data())
    line = refusal(phasesweep("run", "--rank", "2", "--gs", "-1", "--load", f))
    assert "mask" in line and "--problem completion" in line, line


@pytest.mark.skipif(shutil.which(MPIRUN) is None, reason="no mpirun")
def test_sweeps_are_rank_count_independent_and_tasks_reproduce(tmp_path):
    sweep = ["sweep", "--d", "10", "--rank", "2", "--gs", "-2:-0.5:3", "--gw", "1:2:2",
             "--replicas", "2", "--max-iter", "60", "--problem", "completion",
             "--observed", "0.4"]
    one, two = tmp_path / "1.h5", tmp_path / "2.h5"
    ok(*sweep, "--out", str(one))
    ok(*sweep, "--out", str(two), ranks=2)
    with h5py.File(one, "r") as f, h5py.File(two, "r") as g:
        for k in ("min_test_error", "stable_rank", "log_distance", "iterations"):
            assert np.array_equal(f[k][...], g[k][...], equal_nan=True), k
        want = f["min_test_error"][2, 1, 1]
    got = result("run", "--from", str(one), "--task", "2,1,1")
    assert got["min_test_error"] == want


def test_merge_joins_completion_parts_and_refuses_mixed_shares(tmp_path):
    sweep = ["sweep", "--d", "8", "--rank", "2", "--gs", "-2:0:3", "--gw", "1:2:2",
             "--max-iter", "20", "--problem", "completion"]
    whole, p0, p1, q1 = (tmp_path / n for n in ("w.h5", "p0.h5", "p1.h5", "q1.h5"))
    ok(*sweep, "--observed", "0.5", "--out", str(whole))
    ok(*sweep, "--observed", "0.5", "--part", "0/2", "--out", str(p0))
    ok(*sweep, "--observed", "0.5", "--part", "1/2", "--out", str(p1))
    ok(*sweep, "--observed", "0.25", "--part", "1/2", "--out", str(q1))
    merged = tmp_path / "m.h5"
    ok("merge", "--out", str(merged), str(p0), str(p1))
    with h5py.File(whole, "r") as f, h5py.File(merged, "r") as g:
        assert g.attrs["observed"] == 0.5 and g.attrs["problem"] == "completion"
        assert np.array_equal(f["min_test_error"][...], g["min_test_error"][...])
    line = refusal(phasesweep("merge", "--out", str(tmp_path / "x.h5"), str(p0), str(q1)))
    assert "observed" in line, line
