"""--gr (layer imbalance) and --update sequential|simultaneous end to end (issue #20 items 1-2).

- The defaults (--gr 0, --update sequential) are today's run bit for bit.
- On the same loaded weights (--load with W1, W2), reduced and explicit mode agree per
  iteration to 1e-9 relative, and both agree with an independent NumPy transcription of the
  definitions (full-width GD in either order, the two-constant theory with c1 = w sigma1^2,
  c2 = w sigma2^2, the lazy-side rate 1/(c w (sigma1^2 + sigma2^2)/2)).
- Groups of 2 equal one rank to ~1e-12 for both knobs.
- In law: the reduced engine's min test errors (24 replicas) match a full-width NumPy GD with
  its own random numbers, replica means within 3 standard errors.
- The theory distance shrinks with the width at gr = 0.3 (d 20, gs -1.8, gw 2.0 -> 2.6).
- Both knobs are recorded (trace and sweep root attributes, info), compared by --resume and
  merge, and a sweep file written before they existed reads as their defaults.
- Bad input is one line and exit status 2.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", HDF5_USE_FILE_LOCKING="FALSE")

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

RUN = ["run", "--d", "20", "--rank", "3", "--seed", "4", "--gs", "-1.8", "--gw", "1.6"]
TRACE_SETS = ("gd_train_error", "gd_test_error", "theory_train_error", "theory_test_error",
              "distance")


def phasesweep(*args, ranks=1, timeout=300):
    cmd = [str(BIN), *map(str, args)]
    if ranks > 1:
        cmd = [MPIRUN, "--oversubscribe", "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=timeout)


def ok(res):
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    return res


def result(*args, ranks=1):
    out = json.loads(ok(phasesweep(*args, ranks=ranks)).stdout)
    out.pop("seconds")
    return out


def refusal(res, *words):
    """Exit 2, nothing on stdout, one 'phasesweep: ' line holding every word."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    lines = [l for l in res.stderr.splitlines() if l.startswith("phasesweep: ")]
    assert len(lines) == 1, res.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


# ---- the NumPy reference: the definitions of docs/science.md, full width, written apart ----

def layer_vars(d, gs, gr):
    return float(d) ** (gs + gr), float(d) ** (gs - gr)


def learning_rate(d, w, gs, gw, gr, astar, lr_scale=50.0):
    v1, v2 = layer_vars(d, gs, gr)
    if gs + gw > 1.0:
        return 1.0 / (lr_scale * w * (v1 + v2) / 2.0)
    return 1.0 / (lr_scale * np.linalg.norm(astar, 2))


def sqrtm_psd_plus(M, c):
    """(M + c^2 I)^{1/2} of a symmetric positive semidefinite M."""
    s, Q = np.linalg.eigh(M)
    return (Q * np.sqrt(np.maximum(s, 0.0) + c * c)) @ Q.T


def reference(W1, W2, astar, E, gs, gw, gr, update, iters, theory=True, stop=False):
    """Per-iteration records (as a trace stores them) and the min test error; stop applies the
    protocol's three rules and its divergence bound (docs/PROTOCOL.md)."""
    d, w = astar.shape[0], W1.shape[0]
    Y = astar + E
    eta = learning_rate(d, w, gs, gw, gr, astar)
    v1, v2 = layer_vars(d, gs, gr)
    c1, c2 = w * v1, w * v2
    W1, W2 = W1.copy(), W2.copy()
    B = W2 @ W1
    rec = {k: [] for k in TRACE_SETS}
    dd = float(d * d)
    limit = None
    for i in range(iters):
        A = W2 @ W1
        R = A - Y
        train, test = np.sum(R * R) / dd, np.sum((A - astar) ** 2) / dd
        if limit is None:
            limit = 1e6 * max(1.0, train)
        if stop and not (train <= limit and np.isfinite(test)):
            break
        rec["gd_train_error"].append(train)
        rec["gd_test_error"].append(test)
        if theory:
            G = B - Y
            rec["theory_train_error"].append(np.sum(G * G) / dd)
            rec["theory_test_error"].append(np.sum((B - astar) ** 2) / dd)
            rec["distance"].append(np.sum((A - B) ** 2) / dd)
        if update == "simultaneous":
            W1, W2 = W1 - eta * W2.T @ R, W2 - eta * R @ W1.T
        else:
            W1 = W1 - eta * W2.T @ R
            W2 = W2 - eta * R @ W1.T
        if theory:
            B = B - eta * (sqrtm_psd_plus(B @ B.T, c2) @ G + G @ sqrtm_psd_plus(B.T @ B, c1))
        tr, te = rec["gd_train_error"], rec["gd_test_error"]
        if stop and (tr[i] < 1e-3
                     or (i > 3 and te[i - 2] < te[i - 1] < te[i])
                     or (i > 3 and abs(tr[i] - tr[i - 1]) < 2e-4 and tr[0] - tr[i] > 1e-2)):
            break
    return {k: np.array(v) for k, v in rec.items()}, min(rec["gd_test_error"])


def draw(rng, d, k, w, gs, gr, noise=1.0):
    std = k ** -0.25
    astar = rng.normal(0, std, (d, k)) @ rng.normal(0, std, (d, k)).T
    E = rng.normal(0, noise, (d, d))
    v1, v2 = layer_vars(d, gs, gr)
    return rng.normal(0, np.sqrt(v1), (w, d)), rng.normal(0, np.sqrt(v2), (d, w)), astar, E


# ---- the defaults ----

def test_defaults_are_todays_run_bit_for_bit():
    base = result(*RUN)
    assert result(*RUN, "--gr", "0", "--update", "sequential") == base
    assert result(*RUN, "--gr", "-0") == base


def test_each_knob_changes_the_run():
    base = result(*RUN)
    for extra in (["--gr", "0.3"], ["--update", "simultaneous"]):
        other = result(*RUN, *extra)
        assert other["min_test_error"] != base["min_test_error"], extra
        assert other["log_distance"] != base["log_distance"], extra


# ---- the same loaded weights: reduced == explicit == NumPy, per iteration ----

LOADED = [  # (gs, gr, update): the lazy side (gs + gw > 1, the mean-variance rate) and active
    (-0.4, 0.3, "sequential"),
    (-0.4, 0.0, "simultaneous"),
    (-0.4, -0.25, "simultaneous"),
    (-1.2, 0.3, "sequential"),
]


def write_load(path, d=10, k=2, w=60, gs=-0.4, gr=0.3, seed=11):
    W1, W2, astar, E = draw(np.random.default_rng(seed), d, k, w, gs, gr)
    with h5py.File(path, "w") as f:
        f["A_star"], f["noise"], f["W1"], f["W2"] = astar, E, W1, W2
    return W1, W2, astar, E


def read_trace(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][()] for k in TRACE_SETS}, dict(f.attrs)


@pytest.mark.parametrize("gs, gr, update", LOADED)
def test_reduced_equals_explicit_equals_numpy_on_loaded_weights(tmp_path, gs, gr, update):
    W1, W2, astar, E = write_load(tmp_path / "w.h5", gs=gs, gr=gr)
    d, w = astar.shape[0], W1.shape[0]
    gw = np.log(w) / np.log(d)
    iters = 40
    traces = {}
    for mode in ("reduced", "explicit"):
        out = tmp_path / f"{mode}.h5"
        ok(phasesweep("trace", "--load", tmp_path / "w.h5", "--rank", "2", "--gs", gs, "--gr",
                      gr, "--update", update, "--mode", mode, "--no-stop", "--max-iter", iters,
                      "--out", out))
        traces[mode], attrs = read_trace(out)
        assert attrs["gr"] == gr and attrs["update"] == update and attrs["mode"] == mode
    ref, _ = reference(W1, W2, astar, E, gs, gw, gr, update, iters)
    for k in TRACE_SETS:
        red, exp = traces["reduced"][k], traces["explicit"][k]
        assert len(red) == len(exp) == iters, k
        np.testing.assert_allclose(red, exp, rtol=1e-9, atol=0, err_msg=k)
        np.testing.assert_allclose(exp, ref[k], rtol=1e-8, atol=0, err_msg=k)


def test_the_knobs_change_the_numpy_reference_too(tmp_path):
    """The comparisons above can fail: the reference tells the cases apart far above 1e-8.
    On given weights gr enters GD through the rate only, which is symmetric in gr (the mean
    variance), and the theory through c1 and c2, which swap with the sign of gr."""
    W1, W2, astar, E = write_load(tmp_path / "w.h5")
    gw = np.log(W1.shape[0]) / np.log(astar.shape[0])
    seq, flip, simul, bal = [reference(W1, W2, astar, E, -0.4, gw, gr, up, 30)[0]
                             for gr, up in ((0.3, "sequential"), (-0.3, "sequential"),
                                            (0.3, "simultaneous"), (0.0, "sequential"))]

    def apart(a, b, k):
        return np.max(np.abs(a[k][1:] / b[k][1:] - 1)) > 1e-6  # distance[0] = 0

    assert np.array_equal(flip["gd_test_error"], seq["gd_test_error"])
    assert apart(flip, seq, "distance") and apart(flip, seq, "theory_test_error")
    assert apart(simul, seq, "gd_test_error") and apart(simul, seq, "distance")
    assert apart(bal, seq, "gd_test_error") and apart(bal, seq, "theory_test_error")


# ---- groups of 2 == one rank ----

@pytest.mark.skipif(shutil.which(MPIRUN) is None, reason="no mpirun")
@pytest.mark.parametrize("extra", [["--gr", "0.3"], ["--update", "simultaneous"],
                                   ["--gr", "-0.4", "--update", "simultaneous", "--gs", "-0.5",
                                    "--gw", "2"]])
def test_group_of_two_equals_one_rank(extra):
    args = ["run", "--d", "40", "--rank", "3", "--seed", "3", "--gs", "-1.5", "--gw", "1.5",
            *extra]
    one = result(*args)
    two = result(*args, "--group-size", "2", ranks=2)
    for k, v in one.items():
        if isinstance(v, float):
            assert two[k] == pytest.approx(v, rel=1e-12, abs=1e-300), k
        else:
            assert two[k] == v, k


# ---- statistics against a full-width NumPy GD ----

REPLICAS = 24
STAT = dict(d=12, k=2, gs=-1.5, gw=1.5)


def engine_min_tests(tmp_path, extra):
    out = tmp_path / "s.h5"
    p = STAT
    ok(phasesweep("sweep", "--d", p["d"], "--rank", p["k"], "--gs", f"{p['gs']}:{p['gs']}:1",
                  "--gw", f"{p['gw']}:{p['gw']}:1", "--replicas", REPLICAS, "--seed", 9,
                  "--no-theory", *extra, "--out", out))
    with h5py.File(out, "r") as f:
        return np.asarray(f["min_test_error"][()]).ravel()


def numpy_min_tests(gr, update):
    p = STAT
    rng = np.random.default_rng(2024)
    w = int(np.floor(p["d"] ** p["gw"]))
    vals = []
    for _ in range(REPLICAS):
        W1, W2, astar, E = draw(rng, p["d"], p["k"], w, p["gs"], gr)
        vals.append(reference(W1, W2, astar, E, p["gs"], p["gw"], gr, update, 750,
                              theory=False, stop=True)[1])
    return np.array(vals)


@pytest.mark.parametrize("gr, update", [(0.3, "sequential"), (0.0, "simultaneous")])
def test_min_test_error_in_law_against_full_width_numpy(tmp_path, gr, update):
    eng = engine_min_tests(tmp_path, ["--gr", gr, "--update", update])
    ref = numpy_min_tests(gr, update)
    assert len(eng) == len(ref) == REPLICAS
    se = np.sqrt(eng.var(ddof=1) / REPLICAS + ref.var(ddof=1) / REPLICAS)
    assert abs(eng.mean() - ref.mean()) < 3 * se, (eng.mean(), ref.mean(), se)


# ---- the theory distance against the width ----

def test_theory_distance_shrinks_with_width_at_gr_03(tmp_path):
    out = tmp_path / "w.h5"
    ok(phasesweep("sweep", "--d", 20, "--rank", 3, "--gs", "-1.8:-1.8:1", "--gw", "2.0:2.6:2",
                  "--gr", 0.3, "--replicas", 4, "--seed", 1, "--out", out))
    with h5py.File(out, "r") as f:
        ld = np.asarray(f["log_distance"][()]).reshape(2, 4)  # gw x replica at one gs
        assert f.attrs["gr"] == 0.3
    narrow, wide = ld[0].mean(), ld[1].mean()
    assert wide < narrow - 0.5, (narrow, wide)


# ---- records, --resume, merge, info, older files ----

SWEEP = ["sweep", "--d", "8", "--rank", "2", "--gs", "-2:0:2", "--gw", "1:2:2", "--replicas",
         "2", "--max-iter", "60"]


def test_sweep_records_and_resume_compares_the_knobs(tmp_path):
    out = tmp_path / "s.h5"
    ok(phasesweep(*SWEEP, "--gr", "0.2", "--update", "simultaneous", "--out", out))
    with h5py.File(out, "r") as f:
        assert f.attrs["gr"] == 0.2 and f.attrs["update"] == "simultaneous"
    info = ok(phasesweep("info", out)).stdout
    assert "gr = 0.2" in info and "update = simultaneous" in info
    ok(phasesweep(*SWEEP, "--gr", "0.2", "--update", "simultaneous", "--out", out, "--resume"))
    refusal(phasesweep(*SWEEP, "--gr", "0.3", "--update", "simultaneous", "--out", out,
                       "--resume"), "gr=0.2", "(file)")
    refusal(phasesweep(*SWEEP, "--gr", "0.2", "--out", out, "--resume"),
            "update=simultaneous (file) vs sequential (now)")


def test_run_from_a_sweep_file_takes_its_knobs(tmp_path):
    """run --from recomputes a task with the file's --gr and --update, bit for bit."""
    out = tmp_path / "s.h5"
    ok(phasesweep(*SWEEP, "--gr", "0.2", "--update", "simultaneous", "--out", out))
    with h5py.File(out, "r") as f:
        stored = f["min_test_error"][1, 1, 1]
    res = result("run", "--from", out, "--task", "1,1,1")
    assert res["min_test_error"] == stored
    plain = result("run", "--d", 8, "--rank", 2, "--gs", 0, "--gw", 2, "--replica", 1,
                   "--max-iter", 60)
    assert plain["min_test_error"] != stored


def test_merge_refuses_parts_of_other_knobs(tmp_path):
    a, b, m = tmp_path / "a.h5", tmp_path / "b.h5", tmp_path / "m.h5"
    ok(phasesweep(*SWEEP, "--gr", "0.2", "--part", "0/2", "--out", a))
    ok(phasesweep(*SWEEP, "--gr", "0.1", "--part", "1/2", "--out", b))
    line = refusal(phasesweep("merge", "--out", m, a, b))
    assert "gr" in line or "sweep" in line, line
    ok(phasesweep(*SWEEP, "--gr", "0.2", "--part", "1/2", "--out", b, "--force"))
    ok(phasesweep("merge", "--out", m, a, b))
    with h5py.File(m, "r") as f:
        assert f.attrs["gr"] == 0.2


def test_a_file_from_before_the_knobs_reads_as_their_defaults(tmp_path):
    out = tmp_path / "s.h5"
    ok(phasesweep(*SWEEP, "--out", out))
    with h5py.File(out, "r") as f:
        sid = f.attrs["sweep_id"]
    with h5py.File(out, "a") as f:
        del f.attrs["gr"], f.attrs["update"]
    ok(phasesweep(*SWEEP, "--out", out, "--resume"))  # the defaults: the same sweep
    ok(phasesweep("info", out))
    refusal(phasesweep(*SWEEP, "--gr", "0.1", "--out", out, "--resume"),
            "gr=0 (file) vs 0.10000000000000001 (now)")
    with h5py.File(out, "r") as f:
        assert f.attrs["sweep_id"] == sid  # at the defaults, not part of the identity


# ---- bad input ----

@pytest.mark.parametrize("args, words", [
    (["--gr", "500"], ["--gr", "500", "variances", "[1e-290, 1e290]"]),
    (["--gr", "-300"], ["--gr", "-300", "variances"]),
    (["--gr", "2e6"], ["--gr", "out of range"]),
    (["--gr", "nan"], ["--gr", "not a finite number"]),
    (["--update", "foo"], ["--update", "'foo' is not one of sequential, simultaneous"]),
    (["--update", ""], ["--update"]),
])
def test_bad_input_is_one_line_exit_2(args, words):
    refusal(phasesweep(*RUN, *args), *words)


def test_bad_gr_in_a_sweep_checks_the_grid_ends(tmp_path):
    # gs = 0 alone is fine at gr = 90 and d = 8 (8^90 ~ 2e81); the grid's end -200 is not
    ok(phasesweep("run", "--d", "8", "--rank", "2", "--gs", "0", "--gw", "1", "--gr", "90",
                  "--max-iter", "3", "--no-theory"))
    refusal(phasesweep("sweep", "--d", "8", "--rank", "2", "--gs", "-20:0:2", "--gw", "1:1:1",
                       "--gr", "320", "--out", tmp_path / "x.h5"), "--gr", "--gs -20")


# ---- the demo's configs ----

@pytest.mark.parametrize("name", ["beyond-gr.ini", "beyond-gr-width.ini"])
def test_demo_configs_are_read_by_the_engine(tmp_path, name):
    """A tiny sweep with the config underneath (the command line wins) keeps its rank and
    seed and records the --gr the script passes."""
    out = tmp_path / "tiny.h5"
    ok(phasesweep("sweep", "--config", ROOT / "jobs" / name, "--d", 8, "--gs", "-1:-1:1",
                  "--gw", "1:1:1", "--replicas", 1, "--max-iter", 3, "--gr", "0.3",
                  "--out", out))
    with h5py.File(out, "r") as f:
        assert f.attrs["gr"] == 0.3 and f.attrs["seed"] in (20, 21)


def test_demo_script_parses():
    subprocess.run(["sh", "-n", str(ROOT / "jobs" / "beyond-gr.sh")], check=True)
