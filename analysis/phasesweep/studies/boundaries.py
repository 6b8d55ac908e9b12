"""Phase boundaries of a sweep as level sets, with replica error bars, and their offsets
from the paper's lines (issue #14).

Everything here is pure: numpy arrays in, numbers out (the one file reader, load_sweep, is
at the end, so that it can be swapped for another layout in one place).

Cuts. A boundary is read along cuts of the grid: along the rows (at each gamma_w of a
window the field is a function of gamma_s) for the lines that every row crosses once
(gamma_s + gamma_w = 1, gamma_w = -2 gamma_s, gamma_s = 0), or along the columns (at each
gamma_s of a window, a function of gamma_w) for the horizontal line w = k. The crossing is
found on the piecewise-linear interpolant between grid points (see crossing()). A cut
counts as crossing the level only when its two ends lie on the two sides (the two
plateaus straddle the level); otherwise the cut has no crossing (nan) and is left out.

The boundaries (BOUNDARIES below), as issue #14 lists them (the letters are the issue's,
not Figure 2's panels, where the distance is (d) and the iterations (c)):
  (a) min test error halfway between its active and lazy plateaus, measured per sweep: the
      mean of the replica-mean error at the first gamma_s of the grid (-3, the active
      plateau) and at the last (0, the lazy/noisy plateau), each averaged over the rows
      gamma_w in [1, 2.8]. Both plateaus are measured because the active one moves with d
      (0.33, 0.20, 0.10 at d = 25, 50, 100; the lazy one stays near 1), so halfway is
      0.66, 0.59, 0.54 there. Two pieces, as the paper's picture has them: against the
      active/lazy line on the rows gamma_w in [2, 2.8] (where it bounds the active region:
      gamma_s <= -1), against the infinite-noise line on the rows gamma_w in [1, 2].
  (b) stable rank = k + 1/2 (fixed, as the issue says): the active region has stable rank
      at most about k, the lazy/noisy one an inflated rank. Same two pieces as (a). Where
      the lazy plateau stays below k + 1/2 (small d: 4.0 at d = 25, 5.3 at d = 50, 6.0 at
      d = 100 for k = 5) no row is crossed: the boundary is reported as not found (offset
      nan, n_rows 0) for that d rather than moved to another level.
  (c) ln max GD-vs-theory distance = ln 0.1: GD and the theory differ by a tenth of the
      teacher's squared norm. The distance grows about as d^(2 gamma_s), so its level
      sets are near-vertical and approach gamma_s = 0, the paper's "except near
      gamma_s -> 0"; the reference line is gamma_s = 0. Rows gamma_w in [1, 2.8].
  (d) the underparameterized edge w = k (gamma_w = ln k / ln d), along the columns
      gamma_s in [-3, -2] (deep in the active region at the bottom of the grid: both other
      lines are at gamma_w >= 3 there), cut along gamma_w in [0, 1]. Observable: the min
      test error, which falls along gamma_w from the w = 1 value to the active plateau
      E_act once w reaches k (a width-w < k network misses k - w of the teacher's k
      directions, each about (1 - E_act) / k of the error). Level: E_act + (1 - E_act) /
      (2k), half of one direction's share above the plateau, i.e. between w = k - 1 and
      w = k; E_act is measured per sweep as the replica-mean error on the top row of the
      cut (gamma_w = 1) over the columns. The offset is gamma_w - ln k / ln d, in units of
      gamma_w; w = floor(d^gamma_w) moves in steps, so this edge is resolved no better
      than the gamma_w grid spacing.
  extra, beyond the issue: iterations to the minimum, not a level set but the valley of
      the field along each row (iterations are fewest at the transition and grow into
      both sides): the minimum refined by the parabola through it and its neighbours. Two
      pieces as in (a).

Offsets are in the line's own units: a gs + b gw - c for the line a gs + b gw = c, averaged
over the cuts used (the region where the paper's theory applies: the windows above). For
the active/lazy line an offset delta means the boundary sits at gamma_s + gamma_w =
1 + delta, i.e. w sigma2 = d^(1 + delta): a constant factor C in w sigma2 = C d gives
delta = ln C / ln d. Each replica gives one offset (mean over the cuts where every replica
has a crossing); the offset is their mean and its standard error is their sample standard
deviation (ddof = 1) over sqrt(replicas).
"""

import math
from dataclasses import dataclass

import numpy as np

# The reference lines a*gs + b*gw = c. "w = k" depends on d and k: see resolve_line().
LINES = {
    "active/lazy": (1.0, 1.0, 1.0),
    "infinite noise": (2.0, 1.0, 0.0),
    "gamma_s = 0": (1.0, 0.0, 0.0),
}


def w_equals_k(d, k):
    """The underparameterized line gamma_w = ln k / ln d as (a, b, c)."""
    return (0.0, 1.0, math.log(k) / math.log(d))


def resolve_line(line, d=None, k=None):
    """(a, b, c) of a line given by key ("w = k" needs d and k) or as a tuple."""
    if line == "w = k":
        return w_equals_k(d, k)
    return LINES[line] if isinstance(line, str) else tuple(line)


def paper_lines(d, k):
    """The three lines of the paper's Figure 2, (label, a, b, c) with a*gs + b*gw = c."""
    return (("active/lazy", *LINES["active/lazy"]),
            ("infinite noise", *LINES["infinite noise"]),
            ("w = k", *w_equals_k(d, k)))


@dataclass(frozen=True)
class Boundary:
    name: str  # short key, used in the CSV table
    panel: str  # "(a)" .. "(d)", or "extra"
    field: str  # the per-task variable it is read from
    line: str  # key of LINES, or "w = k"
    window: tuple  # (lo, hi): the cuts used, inclusive (gamma_w rows, or gamma_s columns)
    level: object  # a number, "halfway", "k+1/2", "k-1/2 share" or "valley"
    cut: str = "row"  # "row": along gamma_s at fixed gamma_w; "column": along gamma_w
    span: tuple = None  # (lo, hi) along the cut (default: the whole axis)
    level_window: tuple = (1.0, 2.8)  # rows whose plateaus set a "halfway" level


BOUNDARIES = (
    Boundary("error-active-lazy", "(a)", "min_test_error", "active/lazy", (2.0, 2.8),
             "halfway"),
    Boundary("error-noise", "(a)", "min_test_error", "infinite noise", (1.0, 2.0), "halfway"),
    Boundary("rank-active-lazy", "(b)", "stable_rank", "active/lazy", (2.0, 2.8), "k+1/2"),
    Boundary("rank-noise", "(b)", "stable_rank", "infinite noise", (1.0, 2.0), "k+1/2"),
    Boundary("distance-gs0", "(c)", "log_distance", "gamma_s = 0", (1.0, 2.8),
             math.log(0.1)),
    Boundary("error-w-k", "(d)", "min_test_error", "w = k", (-3.0, -2.0), "k-1/2 share",
             cut="column", span=(0.0, 1.0)),
    Boundary("iterations-active-lazy", "extra", "iterations", "active/lazy", (2.0, 2.8),
             "valley"),
    Boundary("iterations-noise", "extra", "iterations", "infinite noise", (1.0, 2.0),
             "valley"),
)

# Grid points closer than this to a window's end count as inside it (linspace rounding).
_EDGE = 1e-9


def row_window(gw, lo, hi):
    """Bool [n]: the grid values (rows gamma_w, or columns gamma_s) inside [lo, hi]."""
    gw = np.asarray(gw, float)
    return (gw >= lo - _EDGE) & (gw <= hi + _EDGE)


def crossing(x, f, level):
    """Where a rising f (values at the increasing positions x) crosses level.

    The cut crosses only when f[0] < level <= f[-1] (its ends on the two sides); then the
    result is the length of the piecewise-linear interpolant's stretch below level, counted
    from x[0]: for one crossing this is the linear interpolation between the two grid
    points around it; noise that crosses back and forth near the transition is averaged
    instead of picking one of its crossings. nan when the ends do not straddle the level
    (all of f on one side, or a bump that comes back) or f holds a nan. For a falling f
    use crossing(x, -f, -level).
    """
    x, f = np.asarray(x, float), np.asarray(f, float)
    if len(x) < 2 or not np.all(np.isfinite(f)):
        return math.nan
    g = f - level
    if not (g[0] < 0 <= g[-1]):
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


def share_level(field, gs, gw, boundary, k):
    """The (d) level E_act + (1 - E_act) / (2k): E_act the replica-mean of field on the
    top row of the cut's span (its largest gamma_w), averaged over the window's columns."""
    cols = row_window(gs, *boundary.window)
    span = row_window(gw, *(boundary.span or (-math.inf, math.inf)))
    top = np.flatnonzero(span)[-1]
    e_act = float(np.nanmean(field[cols, top, :]))
    return e_act + (1 - e_act) / (2 * k)


def level_of(boundary, field, gs, gw, k=None):
    """The level the boundary uses on this field (nan for a valley); k is the teacher's
    rank, needed by "k+1/2" and "k-1/2 share"."""
    if boundary.level == "valley":
        return math.nan
    if boundary.level == "halfway":
        return plateau_midpoint(field, row_window(gw, *boundary.level_window))
    if boundary.level in ("k+1/2", "k-1/2 share") and k is None:
        raise ValueError(f"{boundary.name}: level {boundary.level} needs the teacher rank k")
    if boundary.level == "k+1/2":
        return k + 0.5
    if boundary.level == "k-1/2 share":
        return share_level(field, gs, gw, boundary, k)
    return float(boundary.level)


def cut_axes(gs, gw, boundary):
    """(along, across) for the boundary's cuts: the axis a cut runs along and the axis
    that indexes the cuts."""
    return (gs, gw) if boundary.cut == "row" else (gw, gs)


def crossings(gs, gw, field, boundary, k=None):
    """Per replica boundary positions and the level used: pos [R, n_cuts], the gamma_s of
    the crossing on each row (cut "row", n_cuts = n_w) or the gamma_w on each column (cut
    "column", n_cuts = n_s); nan outside the window, where a cut has no crossing, or where
    a task of the cut is not done.

    field is [n_s, n_w, R] with nan for undone tasks. A row field is read as rising along
    gamma_s, a column field as falling along gamma_w (the test error above w = k).
    """
    gs, gw, field = np.asarray(gs, float), np.asarray(gw, float), np.asarray(field, float)
    along, across = cut_axes(gs, gw, boundary)
    cuts = row_window(across, *boundary.window)
    span = row_window(along, *(boundary.span or (-math.inf, math.inf)))
    level = level_of(boundary, field, gs, gw, k)
    out = np.full((field.shape[2], len(across)), math.nan)
    for j in np.flatnonzero(cuts):
        for r in range(field.shape[2]):
            f = field[:, j, r] if boundary.cut == "row" else field[j, :, r]
            x, f = along[span], f[span]
            if boundary.level == "valley":
                out[r, j] = valley(x, f)
            elif boundary.cut == "row":
                out[r, j] = crossing(x, f, level)
            else:
                out[r, j] = crossing(x, -f, -level)
    return out, level


def line_offset(pos, fixed, line, cut="row"):
    """a gs + b gw - c for the line (a, b, c) (or a key of LINES) at the points of a cut:
    (gs, gw) = (pos, fixed) for rows, (fixed, pos) for columns (same shape)."""
    a, b, c = resolve_line(line)
    gs, gw = (pos, fixed) if cut == "row" else (fixed, pos)
    return a * np.asarray(gs, float) + b * np.asarray(gw, float) - c


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


def offset(pos, fixed, line, rows=None, cut="row"):
    """The scalar offset of a boundary from a line, with its replica-to-replica error.

    pos [R, n_cuts] per replica crossings (crossings()), fixed [n_cuts] the coordinate of
    each cut (gamma_w of a row, gamma_s of a column), line (a, b, c) or a key of LINES;
    rows (bool [n_cuts]) the cuts to average over, by default complete_rows(pos) (a cut
    missing in one replica is left out of every replica, so that all replicas average the
    same cuts). Returns (offset, stderr, n_replicas, n_rows); offset nan when no cut is
    left, stderr nan below two replicas.
    """
    pos = np.asarray(pos, float)
    rows = complete_rows(pos) if rows is None else np.asarray(rows, bool)
    n_rep, n_rows = pos.shape[0], int(rows.sum())
    if n_rows == 0 or n_rep == 0:
        return math.nan, math.nan, n_rep, n_rows
    per_replica = line_offset(pos[:, rows], np.asarray(fixed, float)[rows], line,
                              cut).mean(axis=1)
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

    The one place that knows the file: it reads through the package's open_sweep (layout 2,
    not-done tasks already NaN); a file of another kind raises FileKindError (a ValueError).
    A file with extra axes: see load_sweeps.
    """
    sweeps = load_sweeps(path)
    if len(sweeps) != 1:
        raise ValueError(f"{path}: a sweep over d ({len(sweeps)} values); read it with "
                         f"load_sweeps")
    return sweeps[0]


def load_sweeps(path):
    """The sweeps of one file, as load_sweep's dicts: one per value of its d axis (a sweep
    with d as an extra axis), or the one sweep of a plain file. Any other extra axis
    raises ValueError naming it."""
    from ..io import files as phasefile

    ds = phasefile.open_sweep(path)
    axes = phasefile.axes_of(ds)
    other = [a for a in axes if a != "d"]
    if other:
        raise ValueError(f"a sweep over {', '.join(other)}: the finite-size study reads "
                         f"sweeps over d only")
    parts = [ds.isel(d=i) for i in range(ds.sizes["d"])] if "d" in axes else [ds]
    return [_arrays(part) for part in parts]


def _arrays(ds):
    """load_sweep's dict of a Dataset without extra axes left (d a root attribute or a
    scalar coordinate)."""
    fields = {name: ds[name].values.astype(float) for name in FIELDS}
    d = ds["d"].values.item() if "d" in ds.coords else ds.attrs["d"]
    return dict(gs=ds["gamma_s"].values, gw=ds["gamma_w"].values, fields=fields,
                done=ds["done"].values != 0, d=int(d), k=int(ds.attrs["rank"]),
                replicas=int(ds.sizes["replica"]))
