"""analysis/boundaries.py and finite_size.py, jobs/finite-size*.

The extraction on synthetic fields with a known boundary, the offsets and their error bars on
constructed cases, the script on real (tiny) engine sweeps at three d, its one-line refusals,
and the demo and Slurm scripts."""

import configparser
import csv
import math
import subprocess

import h5py
import numpy as np
import pytest

import sweepfiles
from phasesweep.studies import boundaries as B
from enginerun import ENV, ROOT, engine, require_engine

SCRIPT = ROOT / "analysis" / "finite_size.py"
GS = np.linspace(-3, 0, 25)
GW = np.linspace(0, 2.8, 25)
SPACING = 3 / 24


def step_field(shift, noise, replicas=3, width=0.15, seed=0):
    """A smooth step from 0 to 1 across gs + gw = 1 + shift, plus Gaussian noise:
    [n_s, n_w, R]; the 0.5 level set is exactly the shifted line."""
    rng = np.random.default_rng(seed)
    s, w = np.meshgrid(GS, GW, indexing="ij")
    clean = 1 / (1 + np.exp(-(s + w - 1 - shift) / width))
    return clean[..., None] + noise * rng.standard_normal(clean.shape + (replicas,))


# Rows where every test line below stays inside gs in [-3, 0] with grid points on both sides.
WINDOW = (1.4, 2.8)
ACTIVE_LAZY = B.Boundary("test", "(a)", "min_test_error", "active/lazy", WINDOW, 0.5)


@pytest.mark.parametrize("shift", [-0.37, 0.0, 0.21])
def test_level_set_of_a_noisy_step_is_the_line(shift):
    gs_b, level = B.crossings(GS, GW, step_field(shift, noise=0.05), ACTIVE_LAZY)
    assert level == 0.5
    rows = B.row_window(GW, *WINDOW)
    mean, stderr, n = B.curve(gs_b)
    truth = 1 + shift - GW
    assert np.all(n[rows] == 3)
    assert np.all(np.isnan(mean[~rows]))  # rows outside the window are not read
    assert np.max(np.abs(mean[rows] - truth[rows])) < SPACING
    assert np.all(stderr[rows] > 0) and np.all(stderr[rows] < SPACING)
    value, err, n_rep, n_rows = B.offset(gs_b, GW, "active/lazy")
    assert (n_rep, n_rows) == (3, rows.sum())
    assert abs(value - shift) < SPACING / 4
    assert 0 < err < SPACING / 4


def test_level_set_without_noise_is_exact_between_grid_points():
    """A field linear across the line: the piecewise-linear crossing is exact."""
    s, w = np.meshgrid(GS, GW, indexing="ij")
    field = np.repeat((s + w - 1.13)[..., None], 3, axis=2)
    boundary = B.Boundary("t", "(a)", "x", "active/lazy", WINDOW, 0.0)
    gs_b, _ = B.crossings(GS, GW, field, boundary)
    rows = B.row_window(GW, *WINDOW)
    assert np.allclose(gs_b[:, rows], 1.13 - GW[rows], atol=1e-12)
    value, err, _, _ = B.offset(gs_b, GW, "active/lazy")
    assert value == pytest.approx(0.13, abs=1e-12) and err == pytest.approx(0, abs=1e-12)


def test_steep_line_infinite_noise():
    """gamma_w = -2 gamma_s shifted by 0.3 in its own units: 2 gs + gw = 0.3."""
    s, w = np.meshgrid(GS, GW, indexing="ij")
    field = np.repeat((1 / (1 + np.exp(-(2 * s + w - 0.3) / 0.2)))[..., None], 3, axis=2)
    boundary = B.Boundary("t", "(a)", "x", "infinite noise", (1.0, 2.0), 0.5)
    gs_b, _ = B.crossings(GS, GW, field, boundary)
    value, _, _, n_rows = B.offset(gs_b, GW, "infinite noise")
    assert n_rows == B.row_window(GW, 1.0, 2.0).sum()
    assert value == pytest.approx(0.3, abs=0.02)


def test_valley_recovers_the_minimum():
    s, w = np.meshgrid(GS, GW, indexing="ij")
    rng = np.random.default_rng(3)
    field = (300 * (s - (1.05 - w)) ** 2 + 20)[..., None] + rng.normal(0, 1, (25, 25, 3))
    boundary = B.Boundary("t", "(c)", "iterations", "active/lazy", WINDOW, "valley")
    gs_b, level = B.crossings(GS, GW, field, boundary)
    assert math.isnan(level)
    rows = B.row_window(GW, *WINDOW)
    assert np.max(np.abs(gs_b[:, rows] - (1.05 - GW[rows]))) < SPACING / 2
    assert B.offset(gs_b, GW, "active/lazy")[0] == pytest.approx(0.05, abs=SPACING / 4)
    # A parabola is refined exactly; a minimum at the edge is no valley.
    x = np.array([0.0, 0.5, 1.0, 1.5])
    assert B.valley(x, (x - 0.7) ** 2) == pytest.approx(0.7)
    assert math.isnan(B.valley(x, x))


def test_crossing_censored_and_undone():
    x = np.array([0.0, 1.0, 2.0])
    assert math.isnan(B.crossing(x, [0.1, 0.2, 0.3], 0.5))  # all below: outside the cut
    assert math.isnan(B.crossing(x, [0.6, 0.7, 0.8], 0.5))  # all above
    assert math.isnan(B.crossing(x, [0.1, math.nan, 0.8], 0.5))  # an undone task
    assert B.crossing(x, [0.0, 1.0, 1.0], 0.5) == pytest.approx(0.5)
    assert math.isnan(B.crossing(x, [0.1, 0.8, 0.2], 0.5))  # a bump that comes back
    assert math.isnan(B.crossing(x, [0.8, 0.1, 0.9], 0.5))  # starts above the level
    # Noise crossing back and forth: the length below the level, not the first crossing.
    assert B.crossing([0, 1, 2, 3], [0.0, 1.0, 0.0, 1.0], 0.5) == pytest.approx(1.5)


def test_offset_and_error_bar_on_a_constructed_case():
    """Replica r sits at gs + gw = 1 + delta_r on every row: the offset is the mean of the
    deltas and its error their standard deviation over sqrt(R)."""
    gw = np.array([1.0, 1.5, 2.0, 2.5])
    deltas = np.array([0.1, 0.2, 0.45])
    gs_b = (1 + deltas[:, None]) - gw[None, :]
    value, err, n_rep, n_rows = B.offset(gs_b, gw, "active/lazy")
    assert value == pytest.approx(0.25)
    assert err == pytest.approx(np.std(deltas, ddof=1) / math.sqrt(3))
    assert (n_rep, n_rows) == (3, 4)
    # A row missing in one replica leaves that row out of every replica.
    gs_b[1, 2] = math.nan
    gs_b[0, 0] += 1.0  # moves replica 0 on row 0 only
    gs_b[2, 2] += 5.0  # would move replica 2, but row 2 is incomplete
    value, err, _, n_rows = B.offset(gs_b, gw, "active/lazy")
    assert n_rows == 3
    per = deltas + np.array([1.0 / 3, 0, 0])
    assert value == pytest.approx(per.mean())
    assert err == pytest.approx(np.std(per, ddof=1) / math.sqrt(3))
    # The per-row curve: mean and standard error over the replicas present.
    mean, stderr, n = B.curve(gs_b)
    assert list(n) == [3, 3, 2, 3]
    assert mean[3] == pytest.approx(1 + deltas.mean() - 2.5)
    assert stderr[3] == pytest.approx(np.std(deltas, ddof=1) / math.sqrt(3))


def test_midpoint_level_and_extrapolation():
    field = np.zeros((4, 3, 2))
    field[0], field[-1] = 2.0, 6.0
    field[-1, 0, :] = 100.0  # row 0 is outside the window
    assert B.plateau_midpoint(field, np.array([False, True, True])) == pytest.approx(4.0)
    x = np.array([0.1, 0.2, 0.4])
    y0, y0_err, slope, chi2, dof = B.extrapolate(x, 0.3 + 2 * x, [0.01, 0.01, 0.02])
    assert (y0, slope, dof) == (pytest.approx(0.3), pytest.approx(2.0), 1)
    assert chi2 == pytest.approx(0, abs=1e-20) and y0_err > 0


def named(name):
    return next(b for b in B.BOUNDARIES if b.name == name)


def plateau_step(lo, hi, a, b, c, width):
    """A smooth step from lo to hi across a gs + b gw = c (rising with gamma_s): [n_s, n_w]."""
    s, w = np.meshgrid(GS, GW, indexing="ij")
    return lo + (hi - lo) / (1 + np.exp(-(a * s + b * w - c) / width))


@pytest.mark.parametrize("shift", [-0.3, -0.1, 0.0])
def test_a_halfway_level_recovers_the_line(shift):
    """(a): plateaus 0.1 and 1.0, a step across gs + gw = 1 + shift: the level is measured
    halfway (0.55) and the level set is the shifted line. (The plateaus must be reached at
    the grid's ends: a line beyond gamma_s = 0 on row gamma_w = 1 would lower the lazy one.)"""
    rng = np.random.default_rng(1)
    field = plateau_step(0.1, 1.0, 1, 1, 1 + shift, 0.05)[..., None] \
        + 0.02 * rng.standard_normal((25, 25, 3))
    b = named("error-active-lazy")
    pos, level = B.crossings(GS, GW, field, b, k=5)
    assert level == pytest.approx(0.55, abs=0.02)
    rows = B.row_window(GW, *b.window)
    mean, stderr, n = B.curve(pos)
    assert np.all(n[rows] == 3) and np.all(np.isnan(mean[~rows]))
    assert np.max(np.abs(mean[rows] - (1 + shift - GW[rows]))) < SPACING
    value, err, _, n_rows = B.offset(pos, GW, b.line)
    assert n_rows == rows.sum()
    assert abs(value - shift) < SPACING / 4 and 0 < err < SPACING / 4


@pytest.mark.parametrize("shift", [-0.3, 0.25])
def test_b_rank_k_plus_half_recovers_the_line(shift):
    """(b): stable rank from 2 to 8 across 2 gs + gw = shift; k = 5, level 5.5 fixed. The
    step's 5.5 contour sits 0.017 off the centre line (width 0.05), well inside the grid."""
    rng = np.random.default_rng(2)
    field = plateau_step(2, 8, 2, 1, shift, 0.05)[..., None] + 0.05 * rng.standard_normal(
        (25, 25, 3))
    b = named("rank-noise")
    pos, level = B.crossings(GS, GW, field, b, k=5)
    assert level == 5.5
    rows = B.row_window(GW, *b.window)
    truth = (shift - GW) / 2
    assert np.max(np.abs(B.curve(pos)[0][rows] - truth[rows])) < SPACING
    value, err, _, n_rows = B.offset(pos, GW, b.line)
    assert n_rows == rows.sum() and abs(value - shift) < SPACING / 4 and err > 0
    # A lazy plateau below k + 1/2 is never crossed: no boundary, not another level.
    low = plateau_step(2, 5.2, 2, 1, shift, 0.05)[..., None] + np.zeros((1, 1, 3))
    low[12, :, :] = 5.8  # a bump above the level that comes back down is no crossing
    pos, _ = B.crossings(GS, GW, low, b, k=5)
    assert np.all(np.isnan(pos))
    assert math.isnan(B.offset(pos, GW, b.line)[0]) and B.offset(pos, GW, b.line)[3] == 0
    with pytest.raises(ValueError, match="k"):
        B.crossings(GS, GW, field, b)


@pytest.mark.parametrize("d", [25, 50, 100, 200])
def test_d_w_equals_k_edge_of_the_width_staircase(d):
    """(d): the test error of a width-w network in the active region, E + (1 - E) (k - w) / k
    for w = floor(d^gw) < k, E above: the column cuts find gamma_w = ln k / ln d within one
    gamma_w grid spacing, and the level is E + (1 - E) / (2k)."""
    k, e_act = 5, 0.2
    w = np.floor(float(d) ** GW)
    share = np.clip((k - w) / k, 0, 1)
    rng = np.random.default_rng(d)
    field = (e_act + (1 - e_act) * share)[None, :, None] + 0.005 * rng.standard_normal(
        (25, 25, 3))
    b = named("error-w-k")
    pos, level = B.crossings(GS, GW, field, b, k=k)
    assert level == pytest.approx(e_act + (1 - e_act) / (2 * k), abs=0.005)
    cols = B.row_window(GS, *b.window)
    mean, _, n = B.curve(pos)
    assert np.all(n[cols] == 3) and np.all(np.isnan(mean[~cols]))
    edge = math.log(k) / math.log(d)
    gw_spacing = GW[1] - GW[0]
    assert np.max(np.abs(mean[cols] - edge)) < gw_spacing
    value, err, _, n_rows = B.offset(pos, GS, B.resolve_line(b.line, d, k), cut="column")
    assert n_rows == cols.sum() and abs(value) < gw_spacing


def test_column_offsets_and_error_bars_on_a_constructed_case():
    """A field falling linearly along gamma_w through the level at 0.43 + delta_r in replica
    r: the crossings are exact, the offset from w = k at (d, k) = (100, 5) is 0.43 +
    mean(delta) - ln 5 / ln 100 and its error std(delta) / sqrt(3)."""
    deltas = np.array([-0.02, 0.01, 0.04])
    field = (0.5 - (GW[None, :, None] - 0.43 - deltas[None, None, :])) + np.zeros((25, 1, 1))
    b = B.Boundary("t", "(d)", "x", "w = k", (-3.0, -2.0), 0.5, cut="column", span=(0, 1.0))
    pos, _ = B.crossings(GS, GW, field, b)
    cols = B.row_window(GS, -3, -2)
    assert np.allclose(pos[:, cols], (0.43 + deltas)[:, None], atol=1e-12)
    line = B.resolve_line("w = k", 100, 5)
    assert line == (0.0, 1.0, pytest.approx(math.log(5) / math.log(100)))
    value, err, n_rep, n_rows = B.offset(pos, GS, line, cut="column")
    assert value == pytest.approx(0.43 + deltas.mean() - math.log(5) / math.log(100))
    assert err == pytest.approx(np.std(deltas, ddof=1) / math.sqrt(3))
    assert (n_rep, n_rows) == (3, cols.sum())


def test_a_d_that_never_crosses_is_reported_not_found():
    """finite_size.analyse: (b) at a d whose lazy rank plateau stays below k + 1/2 is
    reported with offset nan and n_rows 0; the others average the same rows."""
    from phasesweep.studies import finite_size

    rng = np.random.default_rng(4)
    sweeps = []
    for d, hi in ((25, 5.2), (50, 7.0), (100, 9.0)):
        fields = {f: rng.normal(0, 0.01, (25, 25, 3)) for f in B.FIELDS}
        fields["stable_rank"] = plateau_step(2, hi, 1, 1, 1, 0.05)[..., None] \
            + 0.05 * rng.standard_normal((25, 25, 3))
        sweeps.append(dict(gs=GS, gw=GW, fields=fields, d=d, k=5, replicas=3))
    sweeps[2]["fields"]["stable_rank"][:, -1, 0] = np.nan  # an undone row at d = 100
    _, table = finite_size.analyse(sweeps)
    rank = {row[0]: row for row in table if row[1] == "rank-active-lazy"}
    assert math.isnan(rank[25][2]) and rank[25][6] == 0
    rows = B.row_window(GW, 2.0, 2.8).sum() - 1  # row 2.8 is out for d = 50 as well
    for d, hi in ((50, 7.0), (100, 9.0)):
        p = (5.5 - 2) / (hi - 2)  # the step's 5.5 contour, off its centre by width logit p
        assert rank[d][6] == rows and rank[d][3] > 0
        assert rank[d][2] == pytest.approx(0.05 * math.log(p / (1 - p)), abs=0.01)


# ---- the script on real sweep files ----------------------------------------------------------

TINY = ["--rank", "2", "--gs", "-3:0:7", "--gw", "0:2.8:8", "--max-iter", "60"]


@pytest.fixture(scope="module")
def tiny_sweeps(tmp_path_factory):
    """Engine sweeps at d = 8, 12, 16 on one 7 x 8 grid, 3 replicas."""
    require_engine()
    where = tmp_path_factory.mktemp("finite")
    paths = []
    for d in (8, 12, 16):
        out = where / f"d{d}.h5"
        engine(["sweep", "--d", str(d), *TINY, "--replicas", "3", "--out", str(out)], where)
        paths.append(out)
    return paths


def run_script(*args):
    return subprocess.run(["/usr/bin/python3", str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("x", ["auto", "d"])
def test_script_on_engine_sweeps(tiny_sweeps, tmp_path, x):
    figure = tmp_path / "fs.png"
    p = run_script(*reversed(tiny_sweeps), "-o", figure, "--x", x)
    assert p.returncode == 0, p.stderr
    assert figure.stat().st_size > 10000
    with open(figure.with_suffix(".csv")) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["d", "boundary", "offset", "stderr", "n_replicas", "level",
                             "n_rows", "line", "panel"]
    assert len(rows) == 3 * len(B.BOUNDARIES)
    assert {(r["d"], r["boundary"]) for r in rows} == {
        (str(d), b.name) for d in (8, 12, 16) for b in B.BOUNDARIES}
    assert all(r["n_replicas"] == "3" for r in rows)
    assert [r["d"] for r in rows[:3]] == ["8", "12", "16"]  # sorted by d
    # The same numbers as the library on the same files, row for row, averaged over the
    # cuts complete in every replica of every sweep where the boundary is found.
    sweeps = [B.load_sweep(path) for path in tiny_sweeps]
    checked = 0
    for b in B.BOUNDARIES:
        per = [B.crossings(s["gs"], s["gw"], s["fields"][b.field], b, k=s["k"])[0]
               for s in sweeps]
        found = [B.complete_rows(pos) for pos in per if B.complete_rows(pos).any()]
        common = np.all(found, axis=0) if found else None
        for s, pos in zip(sweeps, per):
            r = next(r for r in rows if r["d"] == str(s["d"]) and r["boundary"] == b.name)
            fixed = B.cut_axes(s["gs"], s["gw"], b)[1]
            keep = common if B.complete_rows(pos).any() else np.zeros(len(fixed), bool)
            line = B.resolve_line(b.line, s["d"], s["k"])
            value, err, _, n_rows = B.offset(pos, fixed, line, keep, b.cut)
            assert int(r["n_rows"]) == n_rows
            assert float(r["offset"]) == pytest.approx(value, nan_ok=True)
            assert float(r["stderr"]) == pytest.approx(err, nan_ok=True)
            checked += n_rows > 0
    assert checked >= 3 * 4  # most boundaries are found on this grid
    # Every d's table line is printed, and the extrapolations.
    assert p.stdout.count("error-active-lazy") >= 3 + 2
    assert "x chosen" in p.stdout if x == "auto" else "x chosen" not in p.stdout


def one_line_error(p, *needles):
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("phasesweep-finite-size: "), p.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert p.stdout == ""


@pytest.fixture()
def fake(tmp_path):
    """sweepfiles' stand-ins: fake(name, d=..., gw=..., replicas=...) -> path."""
    def make(name, d=20, gw=np.linspace(1, 2.8, 4), replicas=3):
        return sweepfiles.write_sweep(tmp_path / name, np.linspace(-3, 0, 7), gw, replicas, d=d)
    return make


def test_refuses_mismatched_grids(fake, tmp_path):
    a, b = fake("a.h5", d=10), fake("b.h5", d=20, gw=np.linspace(1, 2.8, 5))
    one_line_error(run_script(a, b, "-o", tmp_path / "x.png"), "b.h5", "gamma_w", "--gw")
    assert not (tmp_path / "x.png").exists()


def test_refuses_too_few_replicas(fake, tmp_path):
    a, b = fake("a.h5", d=10), fake("b.h5", d=20, replicas=2)
    one_line_error(run_script(a, b, "-o", tmp_path / "x.png"), "b.h5", "2 replica", ">= 3")


def test_refuses_wrong_files(fake, tmp_path):
    a = fake("a.h5", d=10)
    trace = sweepfiles.write_trace(tmp_path / "trace.h5")
    text = tmp_path / "notes.txt"
    text.write_text("not hdf5\n")
    one_line_error(run_script(a, trace, "-o", tmp_path / "x.png"), "trace.h5", "not a")
    one_line_error(run_script(text, a, "-o", tmp_path / "x.png"), "notes.txt", "not a")
    one_line_error(run_script(a, tmp_path / "missing.h5", "-o", tmp_path / "x.png"),
                   "missing.h5")


def test_refuses_same_d_and_single_file(fake, tmp_path):
    a, b = fake("a.h5", d=10), fake("b.h5", d=10)
    one_line_error(run_script(a, b, "-o", tmp_path / "x.png"), "same d")
    one_line_error(run_script(a, "-o", tmp_path / "x.png"), "two or more d")


# ---- jobs/ -----------------------------------------------------------------------------------

def test_cluster_config():
    """One sweep with a d axis (issue #19), not one file per d."""
    ini = configparser.ConfigParser()
    ini.read(ROOT / "jobs" / "finite-size.ini")
    want = dict(d="100,200,400,800", rank="5", gs="-3:0:24", gw="0:2.8:24", replicas="3",
                **{"lr-scale": "50", "max-iter": "750"}, out="results/finite-size.h5")
    assert dict(ini["sweep"]) == want
    assert not list((ROOT / "jobs").glob("finite-size-d*.ini"))


def test_cluster_route_dry_run(tmp_path):
    p = subprocess.run(["sh", str(ROOT / "jobs" / "finite-size.sh")], capture_output=True,
                       text=True, env=dict(ENV, DRY_RUN="1"), timeout=30)
    assert p.returncode == 0, p.stderr
    commands = p.stderr.strip().splitlines()
    assert len(commands) == 2
    assert commands[0].startswith("sbatch ") and "jobs/sweep.sbatch jobs/finite-size.ini" \
        in commands[0]
    assert "--dependency=afterok:dry-sweep" in commands[1]
    assert "analysis/finite_size.py results/finite-size.h5 -o" in commands[1]
    # A missing config submits nothing.
    p = subprocess.run(["sh", str(ROOT / "jobs" / "finite-size.sh")], capture_output=True,
                       text=True, env=dict(ENV, DRY_RUN="1", CONFIG="jobs/none.ini"), timeout=30)
    assert p.returncode == 2 and "sbatch" not in p.stderr and "none.ini" in p.stderr


def test_engine_reads_cluster_config(tmp_path):
    out = tmp_path / "tiny.h5"
    engine(["sweep", "--config", str(ROOT / "jobs" / "finite-size.ini"), "--d", "8",
            "--gs", "-1:-1:1", "--gw", "1:1:1", "--replicas", "1", "--max-iter", "3",
            "--out", str(out)], tmp_path)
    assert out.exists()


def test_demo_script_tiny(tmp_path):
    """jobs/finite-size-demo.sh end to end on a tiny grid: one sweep with a d axis; a second
    run resumes its file."""
    require_engine()
    env = dict(ENV, DS="8 12 16", RANK="2", GS="-3:0:6", GW="1:2.8:4", MAX_ITER="40", NP="2",
               DIR=str(tmp_path / "demo"))
    script = str(ROOT / "jobs" / "finite-size-demo.sh")
    p = subprocess.run(["sh", script], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "demo" / "finite-size.png").exists()
    assert "error-active-lazy" in p.stdout and "the sweep over d = 8,12,16" in p.stdout
    with open(tmp_path / "demo" / "finite-size.csv") as f:
        assert {r["d"] for r in csv.DictReader(f)} == {"8", "12", "16"}  # each d a sweep
    d8 = tmp_path / "demo" / "finite-size.h5"
    with h5py.File(d8, "r+") as f:
        assert list(f["d"][...]) == [8, 12, 16]
        assert f["done"].shape == (3, 6, 4, 3)
        first = f["min_test_error"][...]
        f["done"][0, 1, 1, 1] = 0
    p = subprocess.run(["sh", script], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    with h5py.File(d8, "r") as f:
        assert f["done"][...].all()
        assert (f["min_test_error"][...] == first).all()


def test_script_on_partial_stand_ins(tmp_path):
    """sweepfiles' caricature has its test-error step centred on gs + gw = 1: offset ~0 from
    the active/lazy line. Undone tasks leave their rows out, with a warning."""
    gs, gw = np.linspace(-3, 0, 13), np.linspace(1, 2.8, 10)
    paths = [sweepfiles.write_sweep(tmp_path / f"d{d}.h5", gs, gw, 3, d=d, seed=d)
             for d in (10, 20)]
    done = np.ones((13, 10, 3), bool)
    done[4, 8, 1] = False  # a task on row gw = 2.6
    paths.append(sweepfiles.write_sweep(tmp_path / "d40.h5", gs, gw, 3, d=40, done=done))
    p = run_script(*paths, "-o", tmp_path / "p.png")
    assert p.returncode == 0, p.stderr
    assert "d40.h5: 389/390 tasks done" in p.stderr
    with open(tmp_path / "p.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["boundary"] == "error-active-lazy"]
    assert len(rows) == 3
    rows_in_window = int(B.row_window(gw, 2.0, 2.8).sum())
    for r in rows:
        assert int(r["n_rows"]) == rows_in_window - 1  # row 2.6 is out for every d
        assert abs(float(r["offset"])) < 0.25 / 4  # a quarter of the grid spacing
