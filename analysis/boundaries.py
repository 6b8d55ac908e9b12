"""Phase boundaries of a sweep as level sets, with replica error bars, and their offsets
from the paper's lines.

Everything here is pure: numpy arrays in, numbers out (the one file reader, load_sweep, is
at the end, so that it can be swapped for another layout in one place).

Cuts. Every boundary is read along the rows of the grid: at each gamma_w of a window the
field is a function of gamma_s, and its crossing gs_b(gamma_w) is found on the piecewise-
linear interpolant between grid points. All three reference lines used (gamma_s + gamma_w = 1,
gamma_w = -2 gamma_s, gamma_s = 0) cross every row once, at slopes no flatter than -1, so a
row is never parallel to them.

The boundaries (BOUNDARIES below), one per (Figure 2 panel, reference line):
  (a) min test error = 0.5: half the error of the zero predictor (||A*||_F^2 / d^2 = 1 on
      average), fixed for every d. The active region learns the teacher (error 0.2-0.3 at
      d = 25-50, lower at larger d), the lazy and infinite-noise regions do not (error ~1).
      Two pieces, as the paper's picture has them: against the active/lazy line on the rows
      gamma_w in [2, 2.8] (where it bounds the active region: gamma_s <= -1), against the
      infinite-noise line on the rows gamma_w in [1, 2] (where it does).
  (b) stable rank = the midpoint of its two plateaus, measured on each sweep: the mean,
      over the window's rows, of the replica-mean field at the first and at the last
      gamma_s of the grid (the active and the lazy/noisy plateau). Both plateaus move with
      d (about 1.8 and 4.0 at d = 25, 2.5 and 5.3 at d = 50, k = 5), so no fixed level
      would stay between them. Against the active/lazy line on gamma_w in [1, 2.8].
  (c) iterations to the minimum: not a level set but the valley of the field along each row
      (iterations are fewest at the transition and grow into both sides): the minimum,
      refined by the parabola through it and its two neighbours. Two pieces as in (a).
  (d) ln max GD-vs-theory distance = ln 0.1: GD and the theory differ by a tenth of the
      teacher's squared norm. The distance grows about as d^(2 gamma_s), so its level sets
      are near-vertical and approach gamma_s = 0, the paper's "except near gamma_s -> 0";
      the reference line is gamma_s = 0 (not one of the three drawn lines). Rows
      gamma_w in [1, 2.8].
The underparameterized line (w = k, gamma_w = ln k / ln d) is horizontal: no boundary is
measured against it (it would need column cuts; the rows below gamma_w = 1 are left out).

Offsets are in the line's own units: a gs + b gw - c for the line a gs + b gw = c, averaged
over the rows used. For the active/lazy line an offset delta means the boundary sits at
gamma_s + gamma_w = 1 + delta, i.e. w sigma2 = d^(1 + delta): a constant factor C in
w sigma2 = C d gives delta = ln C / ln d. Each replica gives one offset (mean over the rows
where every replica has a crossing); the offset is their mean and its standard error is
their sample standard deviation (ddof = 1) over sqrt(replicas).
"""

import math
from dataclasses import dataclass

import numpy as np

# The reference lines a*gs + b*gw = c. The w = k line depends on d and k.
LINES = {
    "active/lazy": (1.0, 1.0, 1.0),
    "infinite noise": (2.0, 1.0, 0.0),
    "gamma_s = 0": (1.0, 0.0, 0.0),
}


def paper_lines(d, k):
    """The three lines of the paper's Figure 2, (label, a, b, c) with a*gs + b*gw = c."""
    return (("active/lazy", *LINES["active/lazy"]),
            ("infinite noise", *LINES["infinite noise"]),
            ("w = k", 0.0, 1.0, math.log(k) / math.log(d)))


@dataclass(frozen=True)
class Boundary:
    name: str  # short key, used in the CSV table
    panel: str  # "(a)" .. "(d)"
    field: str  # the per-task variable it is read from
    line: str  # key of LINES
    rows: tuple  # (lo, hi): the gamma_w rows used, inclusive
    level: object  # a number, "midpoint" (of the two plateaus) or "valley"


BOUNDARIES = (
    Boundary("error-active-lazy", "(a)", "min_test_error", "active/lazy", (2.0, 2.8), 0.5),
    Boundary("error-noise", "(a)", "min_test_error", "infinite noise", (1.0, 2.0), 0.5),
    Boundary("rank-active-lazy", "(b)", "stable_rank", "active/lazy", (1.0, 2.8), "midpoint"),
    Boundary("iterations-active-lazy", "(c)", "iterations", "active/lazy", (2.0, 2.8),
             "valley"),
    Boundary("iterations-noise", "(c)", "iterations", "infinite noise", (1.0, 2.0), "valley"),
    Boundary("distance-gs0", "(d)", "log_distance", "gamma_s = 0", (1.0, 2.8),
             math.log(0.1)),
)

# Grid points closer than this to a window's end count as inside it (linspace rounding).
_EDGE = 1e-9


def row_window(gw, lo, hi):
    """Bool [n_w]: the gamma_w rows inside [lo, hi]."""
    gw = np.asarray(gw, float)
    return (gw >= lo - _EDGE) & (gw <= hi + _EDGE)


def crossing(x, f, level):
    """Where a rising f (values at the increasing positions x) crosses level.

    The length of the piecewise-linear interpolant's stretch below level, counted from
    x[0]: for one crossing this is the linear interpolation between the two grid points
    around it; noise that crosses back and forth near the transition is averaged instead
    of picking one of its crossings. nan when f does not cross level inside [x[0], x[-1]]
    (all of f on one side) or holds a nan.
    """
    x, f = np.asarray(x, float), np.asarray(f, float)
    if len(x) < 2 or not np.all(np.isfinite(f)):
        return math.nan
    g = f - level
    if np.all(g < 0) or np.all(g >= 0):
        return math.nan
    below = 0.0
    for x0, x1, g0, g1 in zip(x[:-1], x[1:], g[:-1], g[1:]):
        if g0 < 0 and g1 < 0:
            below += x1 - x0
        elif g0 < 0 or g1 < 0:  # one end below: the part of the segment below zero
            t = g0 / (g0 - g1)  # where the segment is zero, in [0, 1]
            below += (x1 - x0) * (t if g0 < 0 else 1 - t)
    return float(x[0] + below)


def valley(x, f):
    """The minimum of f along x, refined by the parabola through it and its neighbours.

    nan when the minimum is at either end (the valley is not inside the cut) or f holds a
    nan. On ties the first minimum counts.
    """
    x, f = np.asarray(x, float), np.asarray(f, float)
    if len(x) < 3 or not np.all(np.isfinite(f)):
        return math.nan
    i = int(np.argmin(f))
    if i == 0 or i == len(x) - 1:
        return math.nan
    (x0, x1, x2), (f0, f1, f2) = x[i - 1:i + 2], f[i - 1:i + 2]
    # Vertex of the parabola through the three points (non-uniform spacing allowed).
    num = (x1 - x0) ** 2 * (f1 - f2) - (x1 - x2) ** 2 * (f1 - f0)
    den = (x1 - x0) * (f1 - f2) - (x1 - x2) * (f1 - f0)
    if den == 0:
        return float(x1)
    return float(np.clip(x1 - 0.5 * num / den, x0, x2))


def plateau_midpoint(field, rows):
    """Midpoint of the two plateaus of field [n_s, n_w, R] over the rows (bool [n_w]): the
    mean over those rows of the replica-mean at the first and at the last gamma_s."""
    mean = np.nanmean(field[:, rows, :], axis=2)
    return float(0.5 * (np.nanmean(mean[0]) + np.nanmean(mean[-1])))


def level_of(boundary, field, gw):
    """The level the boundary uses on this field (nan for a valley)."""
    rows = row_window(gw, *boundary.rows)
    if boundary.level == "valley":
        return math.nan
    if boundary.level == "midpoint":
        return plateau_midpoint(field, rows)
    return float(boundary.level)


def crossings(gs, gw, field, boundary):
    """Per replica boundary positions: gs_b [R, n_w] (nan outside the row window, where a
    row has no crossing, or where a task of the row is not done) and the level used.

    field is [n_s, n_w, R] with nan for undone tasks.
    """
    gs, gw, field = np.asarray(gs, float), np.asarray(gw, float), np.asarray(field, float)
    rows = row_window(gw, *boundary.rows)
    level = level_of(boundary, field, gw)
    out = np.full((field.shape[2], len(gw)), math.nan)
    for j in np.flatnonzero(rows):
        for r in range(field.shape[2]):
            f = field[:, j, r]
            out[r, j] = valley(gs, f) if boundary.level == "valley" else crossing(gs, f, level)
    return out, level


def line_offset(gs_b, gw, line):
    """a gs + b gw - c of the points (gs_b, gw) for the line a gs + b gw = c (same shape)."""
    a, b, c = LINES[line] if isinstance(line, str) else line
    return a * np.asarray(gs_b, float) + b * np.asarray(gw, float) - c


def complete_rows(gs_b):
    """Bool [n_w]: rows where every replica has a crossing."""
    return np.all(np.isfinite(gs_b), axis=0)


def curve(gs_b):
    """The boundary as mean and standard error over replicas per row: (mean [n_w],
    stderr [n_w], n [n_w]); nan where fewer than one (mean) or two (stderr) replicas."""
    gs_b = np.asarray(gs_b, float)
    n = np.isfinite(gs_b).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(np.isfinite(gs_b), gs_b, 0.0).sum(axis=0)
        mean = np.where(n > 0, total / np.maximum(n, 1), math.nan)
        dev = np.where(np.isfinite(gs_b), gs_b - mean, 0.0)
        std = np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1))
        stderr = np.where(n > 1, std / np.sqrt(np.maximum(n, 1)), math.nan)
    return mean, stderr, n


def offset(gs_b, gw, line, rows=None):
    """The scalar offset of a boundary from a line, with its replica-to-replica error.

    gs_b [R, n_w] per replica crossings; rows (bool [n_w]) the rows to average over, by
    default complete_rows(gs_b) (a row missing in one replica is left out of every
    replica, so that all replicas average the same rows). Returns (offset, stderr,
    n_replicas, n_rows); offset nan when no row is left, stderr nan below two replicas.
    """
    gs_b = np.asarray(gs_b, float)
    rows = complete_rows(gs_b) if rows is None else np.asarray(rows, bool)
    n_rep, n_rows = gs_b.shape[0], int(rows.sum())
    if n_rows == 0 or n_rep == 0:
        return math.nan, math.nan, n_rep, n_rows
    per_replica = line_offset(gs_b[:, rows], np.asarray(gw, float)[rows], line).mean(axis=1)
    value = float(per_replica.mean())
    err = float(per_replica.std(ddof=1) / math.sqrt(n_rep)) if n_rep > 1 else math.nan
    return value, err, n_rep, n_rows


def extrapolate(x, y, err):
    """Weighted least-squares line y = y0 + slope * x with weights 1/err^2 (equal weights
    when an error is missing or zero). Returns (y0, y0_stderr, slope, chi2, dof); y0's
    error from the weights alone (not rescaled by chi2)."""
    x, y, err = (np.asarray(v, float) for v in (x, y, err))
    keep = np.isfinite(x) & np.isfinite(y)
    x, y, err = x[keep], y[keep], err[keep]
    if len(x) < 2:
        return math.nan, math.nan, math.nan, math.nan, 0
    good = np.isfinite(err) & (err > 0)
    w = 1 / err ** 2 if good.all() else np.ones_like(x)
    design = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(design.T @ (design * w[:, None]))
    y0, slope = cov @ (design.T @ (w * y))
    chi2 = float(np.sum(w * (y - y0 - slope * x) ** 2))
    return float(y0), float(math.sqrt(cov[0, 0])), float(slope), chi2, len(x) - 2


# ---- the one reader of sweep files ----------------------------------------------------------

FIELDS = tuple(sorted({b.field for b in BOUNDARIES}))


def load_sweep(path):
    """A sweep file as plain numpy arrays: dict(gs [n_s], gw [n_w], fields {name: float
    [n_s, n_w, R], nan where not done}, done bool [n_s, n_w, R], d, k, replicas).

    The one place that knows the file layout: at the merge with the root-group layout
    this becomes open_sweep(path) and .values of its variables.
    """
    import phasefile

    sweep = phasefile.load(path)
    fields = {name: sweep.results[name].filled(math.nan) for name in FIELDS}
    return dict(gs=sweep.gamma_s, gw=sweep.gamma_w, fields=fields, done=sweep.done,
                d=sweep.d, k=sweep.k, replicas=sweep.n_replicas)
