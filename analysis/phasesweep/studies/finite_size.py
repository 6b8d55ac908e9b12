"""Finite-size drift of the phase boundaries: sweeps at several d on one grid -> one figure
and one table.

For every boundary of boundaries.BOUNDARIES (issue #14's (a) test error halfway between
its plateaus, (b) stable rank k + 1/2, (c) GD-vs-theory distance ln 0.1, (d) the w = k edge
along gamma_w, and the iteration valley as an extra; see boundaries.py for the levels and
why) and every sweep: the boundary per replica along the grid's rows (or columns, for
(d)), drawn as the replica mean with its standard error, one colour per d, over the
paper's lines; and its offset from the paper's line (a gs + b gw - c, averaged over the
cuts where every replica of every sweep that has the boundary at all has a crossing, so
that every d averages the same cuts), with the replica-to-replica standard error. A d
where the level is never crossed (stable rank k + 1/2 at small d) gets offset nan, n_rows 0.

The last panel plots the offsets against 1/ln d or 1/d (--x; auto picks the variable whose
weighted straight-line fits, summed over the boundaries, leave the smaller chi^2) and
extrapolates each to d -> infinity. The prior is 1/ln d: the lines are statements about
exponents, and a constant factor C in a scaling (w sigma2 = C d at the active/lazy line,
w sigma2^2 = C at the infinite-noise line) moves the boundary by exactly ln C / ln d in the
line's units; a 1/d drift would need the boundary to sit on the line already at moderate d.
The data decide only over a wide enough range of d: on the demo (d = 25, 50, 100, a factor
4) the fits leave summed chi^2 3.9 (1/ln d) and 6.9 (1/d) over 6 degrees of freedom (one
per boundary found at all three d), a weak preference, while their d -> infinity
intercepts differ by up to 0.35; both fits are printed so the choice can be checked, and
the cluster study (d = 100 .. 800) is the test.

Table columns: d, boundary, offset, stderr, n_replicas, level, n_rows, line, panel. It is
printed and written as CSV (--csv, default: the figure's name with .csv).

The sweeps are files at one d each, or one file (or several) with d as an extra axis
(issue #19), each of its d values a sweep.

Errors (one line, exit 2): a file that is not a sweep file, sweeps on different grids or
teacher ranks, two sweeps at the same d, fewer than two sweeps, fewer than 3 replicas, a
file with an extra axis other than d.
"""

import csv
import math
import sys
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .. import cli
from . import boundaries as B

PROG = "phasesweep-finite-size"

MIN_REPLICAS = 3
XVARS = {"lnd": ("1 / ln d", lambda d: 1 / np.log(d)), "d": ("1 / d", lambda d: 1 / d)}
PANELS = (("(a)", "min test error"), ("(b)", "stable rank at the minimum"),
          ("(c)", "ln max GD-vs-theory distance"), ("(d)", "min test error, w = k edge"),
          ("extra", "iterations to the minimum (beyond the issue)"))
STYLES = {"active/lazy": "o", "infinite noise": "s", "gamma_s = 0": "^", "w = k": "v"}
HEADER = ["d", "boundary", "offset", "stderr", "n_replicas", "level", "n_rows", "line", "panel"]


UsageError = cli.UsageError


def _read(path):
    """The sweeps of one file (one per d of a d axis); other extra axes: UsageError."""
    from ..io import files as phasefile

    ds = cli.read(phasefile.open_sweep, path, "phasesweep sweep")
    other = [a for a in phasefile.axes_of(ds) if a != "d"]
    if other:
        raise UsageError(f"{path}: a sweep over {', '.join(other)}; the finite-size study "
                         f"reads sweeps whose only extra axis is d")
    return cli.read(B.load_sweeps, path, "phasesweep sweep")


def load_all(paths):
    """The sweeps, checked to be comparable; sorted by d. paths: one file per d, or files
    with a d axis (each of its values a sweep)."""
    sweeps = []
    for path in paths:
        for s in _read(path):
            s["path"] = str(path)
            sweeps.append(s)
    if len(sweeps) < 2:
        raise UsageError(f"needs sweeps at two or more d (got {len(sweeps)}: give a file "
                         f"per d or one file with a d axis)")
    for s in sweeps:
        if s["replicas"] < MIN_REPLICAS:
            raise UsageError(f"{s['path']}: {s['replicas']} replica(s); the error bars "
                             f"need --replicas >= {MIN_REPLICAS}")
    first = sweeps[0]
    for s in sweeps[1:]:
        for axis in ("gs", "gw"):
            if s[axis].shape != first[axis].shape or not np.allclose(s[axis], first[axis],
                                                                   rtol=0, atol=1e-12):
                name = "gamma_s" if axis == "gs" else "gamma_w"
                raise UsageError(f"{s['path']}: its {name} grid differs from {first['path']}'s; "
                                 f"the sweeps must share --gs and --gw")
        if s["k"] != first["k"]:
            raise UsageError(f"{s['path']}: teacher rank {s['k']} differs from "
                             f"{first['path']}'s {first['k']}")
    ds = [s["d"] for s in sweeps]
    if len(set(ds)) != len(ds):
        raise UsageError(f"two sweeps at the same d ({sorted(ds)}); give one sweep per d")
    return sorted(sweeps, key=lambda s: s["d"])


def analyse(sweeps):
    """Per boundary: the crossings of every sweep, the cuts common to all, the offsets.

    The offsets of one boundary average the same cuts at every d: those complete in every
    replica of every sweep where the boundary is found at all. A sweep where no cut
    crosses the level (e.g. stable rank k + 1/2 at small d, whose lazy plateau stays below
    it) is reported as not found: offset nan, n_rows 0.

    Returns (results, table): results[boundary.name] = list of dict per sweep (pos, level,
    mean, stderr, offset, offset_stderr), table = rows in HEADER's order.
    """
    results, table = {}, []
    gs, gw = sweeps[0]["gs"], sweeps[0]["gw"]
    for b in B.BOUNDARIES:
        per = []
        for s in sweeps:
            pos, level = B.crossings(gs, gw, s["fields"][b.field], b, k=s["k"])
            mean, err, _ = B.curve(pos)
            per.append(dict(pos=pos, level=level, mean=mean, stderr=err))
        found = [B.complete_rows(p["pos"]) for p in per if B.complete_rows(p["pos"]).any()]
        common = np.all(found, axis=0) if found else np.zeros(len(per[0]["mean"]), bool)
        fixed = B.cut_axes(gs, gw, b)[1]
        for s, p in zip(sweeps, per):
            rows = common if B.complete_rows(p["pos"]).any() else np.zeros_like(common)
            line = B.resolve_line(b.line, s["d"], s["k"])
            value, err, n_rep, n_rows = B.offset(p["pos"], fixed, line, rows, b.cut)
            p.update(offset=value, offset_stderr=err)
            table.append([s["d"], b.name, value, err, n_rep, p["level"], n_rows, b.line,
                          b.panel])
        results[b.name] = per
    return results, table


def fits(sweeps, results):
    """{xvar: {boundary: (y0, y0_err, slope, chi2, dof)}} for both scaling variables."""
    d = np.array([s["d"] for s in sweeps], float)
    out = {}
    for key, (_, fn) in XVARS.items():
        out[key] = {}
        for b in B.BOUNDARIES:
            per = results[b.name]
            out[key][b.name] = B.extrapolate(fn(d), [p["offset"] for p in per],
                                             [p["offset_stderr"] for p in per])
    return out


def choose_x(fit_table):
    """The variable whose fits leave the smaller summed chi^2 (1/ln d on ties or no dof)."""
    total = {key: sum(f[3] for f in per.values() if f[4] > 0 and math.isfinite(f[3]))
             for key, per in fit_table.items()}
    if total["d"] < total["lnd"]:
        return "d", total
    return "lnd", total


def make_figure(sweeps, results, fit_table, xkey):
    colours = [f"C{i}" for i in range(len(sweeps))]
    gs, gw = sweeps[0]["gs"], sweeps[0]["gw"]
    k = sweeps[0]["k"]
    fig = Figure(figsize=(20, 9), layout="constrained")
    axes = fig.subplots(2, 4).ravel()
    axes[7].axis("off")
    x = np.array([gs.min(), gs.max()])
    for ax, (panel, title) in zip(axes, PANELS):
        for label, a, b, c in B.paper_lines(sweeps[0]["d"], k):
            if label == "w = k":
                for s, col in zip(sweeps, colours):
                    ax.axhline(math.log(k) / math.log(s["d"]), color=col, ls="-.", lw=0.8)
                continue
            ax.plot(x, (c - a * x) / b, color="k", lw=1, ls="-" if label == "active/lazy"
                    else "--", label=label)
        ax.axvline(0, color="0.5", lw=0.8, ls=":")
        for bnd in B.BOUNDARIES:
            if bnd.panel != panel:
                continue
            for s, col, p in zip(sweeps, colours, results[bnd.name]):
                ok = np.isfinite(p["mean"])
                err = np.nan_to_num(p["stderr"][ok])
                if bnd.cut == "row":
                    ax.errorbar(p["mean"][ok], gw[ok], xerr=err, color=col,
                                marker=STYLES[bnd.line], ms=4, lw=1.2, capsize=2)
                else:
                    ax.errorbar(gs[ok], p["mean"][ok], yerr=err, color=col,
                                marker=STYLES[bnd.line], ms=4, lw=1.2, capsize=2)
        ax.set_xlim(gs.min(), gs.max())
        ax.set_ylim(gw.min(), gw.max())
        ax.set_xlabel("$\\gamma_s$")
        ax.set_ylabel("$\\gamma_w$")
        levels = sorted({f"{p['level']:.3g}" for bnd in B.BOUNDARIES if bnd.panel == panel
                         for p in results[bnd.name] if math.isfinite(p["level"])})
        what = "valley" if panel == "extra" else "level " + (", ".join(levels) or "not crossed")
        missing = [str(s["d"]) for i, s in enumerate(sweeps)
                   if all(not np.isfinite(results[bnd.name][i]["mean"]).any()
                          for bnd in B.BOUNDARIES if bnd.panel == panel)]
        if missing:
            what += f"; not crossed at d = {', '.join(missing)}"
        ax.set_title(f"{panel} {title}: {what}", fontsize=9)
    for s, col in zip(sweeps, colours):
        axes[0].plot([], [], color=col, lw=2, label=f"d = {s['d']}")
    axes[0].plot([], [], color="0.4", lw=0.8, ls="-.", label="w = k (colour of d)")
    axes[0].legend(fontsize=7, loc="lower left")

    ax = axes[5]
    xlabel, fn = XVARS[xkey]
    d = np.array([s["d"] for s in sweeps], float)
    xs = fn(d)
    grid = np.linspace(0, xs.max() * 1.05, 50)
    for i, bnd in enumerate(B.BOUNDARIES):
        per = results[bnd.name]
        y = np.array([p["offset"] for p in per])
        e = np.array([p["offset_stderr"] for p in per])
        col = matplotlib.colormaps["Dark2"](i % 8)  # C0.. are the d colours elsewhere
        if not np.isfinite(y).any():
            continue
        ax.errorbar(xs, y, yerr=np.nan_to_num(e), color=col, marker=STYLES[bnd.line], ls="none",
                    capsize=3, label=f"{bnd.panel} {bnd.name}")
        y0, y0_err, slope, _, _ = fit_table[xkey][bnd.name]
        if math.isfinite(y0):
            ax.plot(grid, y0 + slope * grid, color=col, lw=0.8, ls="--")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlim(0, None)
    ax.set_xlabel(xlabel + "   (d = " + ", ".join(str(s["d"]) for s in sweeps) + ")")
    ax.set_ylabel("offset from the line ($a\\gamma_s + b\\gamma_w - c$)")
    ax.set_title("offsets, replica standard errors, straight-line fits to d -> inf",
                 fontsize=9)
    ax.legend(fontsize=7)

    ax = axes[6]
    ax.axis("off")
    lines = ["offset at d -> inf (chi2), fits against",
             f"{'':<24}{'1 / ln d':>23}{'1 / d':>23}"]
    for bnd in B.BOUNDARIES:
        cells = []
        for key in XVARS:
            y0, y0_err, _, chi2, _ = fit_table[key][bnd.name]
            cells.append(f"{y0:+.3f}+-{y0_err:.3f} ({chi2:.2g})")
        lines.append(f"{bnd.name:<24}" + "".join(f"{c:>23}" for c in cells))
    lines.append(f"the offsets panel uses {xlabel}")
    ax.text(0, 1, "\n".join(lines), family="monospace", fontsize=8, va="top")
    fig.suptitle(f"Boundaries at d = {', '.join(str(s['d']) for s in sweeps)}, k = {k}, "
                 f"{len(gs)} x {len(gw)} grid, replicas "
                 f"{', '.join(str(s['replicas']) for s in sweeps)}")
    return fig


def _cell(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _main(argv):
    parser = cli.ArgumentParser(PROG, __doc__)
    parser.add_argument("sweeps", nargs="+",
                        help="sweep files at different d, same grid (or one with a d axis)")
    parser.add_argument("-o", "--out", required=True, help="figure (.png, .pdf, .svg)")
    parser.add_argument("--csv", help="table as CSV (default: OUT with the suffix .csv)")
    parser.add_argument("--x", choices=["auto", "lnd", "d"], default="auto",
                        help="offsets against 1/ln d, 1/d, or the better fit (default)")
    parser.add_argument("--dpi", type=cli.dpi, default=130)
    args = parser.parse_args(argv)
    out = cli.check_output(args.out, cli.FIGURE_FORMATS)
    csv_path = Path(args.csv) if args.csv else out.with_suffix(".csv")
    cli.check_output(csv_path, option="--csv")
    sweeps = load_all(args.sweeps)
    for s in sweeps:
        if not s["done"].all():
            print(f"{PROG}: {s['path']}: {int(s['done'].sum())}/{s['done'].size} tasks "
                  f"done; rows with undone tasks are left out", file=sys.stderr)
    results, table = analyse(sweeps)
    fit_table = fits(sweeps, results)
    xkey, chi2 = (args.x, None) if args.x != "auto" else choose_x(fit_table)

    cells = [HEADER] + [[_cell(v) for v in row] for row in table]
    widths = [max(len(r[c]) for r in cells) for c in range(len(HEADER))]
    for r in cells:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    print("# straight-line fits offset = y0 + slope * x, weights 1/stderr^2; y0 is d -> inf")
    for key, (label, _) in XVARS.items():
        for name, (y0, y0_err, slope, c2, dof) in fit_table[key].items():
            print(f"# x = {label:<8} {name:<24} y0 = {y0:+.3f} +- {y0_err:.3f}  "
                  f"slope = {slope:+.3f}  chi2 = {c2:.3g} ({dof} dof)")
    if chi2 is not None:
        print(f"# x chosen: {XVARS[xkey][0]} (summed chi2: 1/ln d {chi2['lnd']:.3g}, "
              f"1/d {chi2['d']:.3g})")

    cli.flush_stdout()
    cli.write_figure(make_figure(sweeps, results, fit_table, xkey), out, args.dpi)

    def write(f):
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows([repr(v) if isinstance(v, float) else v for v in row] for row in table)

    cli.write_text(csv_path, write)
    print(f"{PROG}: wrote {out} and {csv_path}", file=sys.stderr)
    return 0


def main(argv=None):
    """The command (phasesweep-finite-size); returns when argv is given, else exits."""
    return cli.command(PROG, _main, argv)


if __name__ == "__main__":
    main()
