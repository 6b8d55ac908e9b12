#!/usr/bin/python3
"""Figure 2 of Tu, Aranguri & Jacot (2024) from a phasesweep sweep file.

Four panels over gamma_s (x) and gamma_w (y), each the mean over the done replicas of a
grid point: minimal test error, stable rank at the minimum, iterations to the minimum and
ln of the largest GD-vs-theory distance, with the three phase thresholds. Undone points
are masked (grey background); grids with a single gamma_s or gamma_w become line plots.
--metric draws one of them, --std adds the spread over replicas, --markers the computed
points. A file that is not a sweep file is refused with one line (exit status 2).
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

import layout
import phasefile

PANELS = (
    ("min_test_error", "(a) min test error"),
    ("stable_rank", "(b) stable rank at the minimum"),
    ("iterations", "(c) iterations to the minimum"),
    ("log_distance", "(d) ln max GD-vs-theory distance"),
)

UNDONE_COLOR = "0.85"
# A dark outline keeps the threshold lines visible on any colour of the map.
OUTLINE = [patheffects.withStroke(linewidth=2.6, foreground="black")]


def thresholds(d, k):
    """The paper's phase boundaries as (label, a, b, c, style) meaning a*gs + b*gw = c."""
    return (
        ("active / lazy: $\\gamma_s+\\gamma_w=1$", 1.0, 1.0, 1.0, dict(color="red", ls="-")),
        ("infinite noise: $\\gamma_w=-2\\gamma_s$", 2.0, 1.0, 0.0, dict(color="white", ls="--")),
        ("$w=k$: $\\gamma_w=\\ln k/\\ln d$", 0.0, 1.0, math.log(k) / math.log(d),
         dict(color="magenta", ls="-.")),
    )


def panel_data(source, metrics=None):
    """The arrays the panels show: metric -> masked mean over done replicas, [n_s, n_w].

    source is a file path or a phasefile.Sweep; metrics a subset of PANELS' names.
    """
    sweep = source if isinstance(source, phasefile.Sweep) else phasefile.load(source)
    names = [name for name, _ in PANELS if metrics is None or name in metrics]
    return {name: sweep.mean(name) for name in names}


def _label(name, attrs):
    """Colorbar label: the layout's long_name and units."""
    var = next((v for v in layout.SWEEP if v["name"] == name), None)
    if var is None:
        return name
    units = var["units"]
    return var["long_name"] + ("" if units == "1" else f" [{units}]")


def _draw_2d(fig, ax, gs, gw, z, lines, label=None, points=None):
    """z [n_s, n_w] over a grid of at least 2 x 2 points; masked points show the grey face.
    points: (done replicas per point [n_s, n_w], replicas) to mark the computed points."""
    ax.set_facecolor(UNDONE_COLOR)
    values = z.compressed()
    if values.size and np.ptp(values) > 0:
        levels = MaxNLocator(12).tick_values(values.min(), values.max())
        filled = ax.contourf(gs, gw, z.T, levels=levels, extend="both")
        # thin unlabelled lines: labels would clash with the threshold lines
        ax.contour(gs, gw, z.T, levels=filled.levels, colors="k", linewidths=0.3,
                   linestyles="solid", alpha=0.6)
        mappable = filled
    else:
        # contourf finds no level in a constant (or empty) field; cells still show it.
        mappable = ax.pcolormesh(gs, gw, z.T, shading="nearest")
    bar = fig.colorbar(mappable, ax=ax)
    if label:
        bar.set_label(label, fontsize=8)
    x = np.array([gs.min(), gs.max()])
    for text, a, b, c, style in lines:
        ax.plot(x, (c - a * x) / b, label=text, lw=1.2, path_effects=OUTLINE, **style)
    if points is not None:
        count, replicas = points
        s, w = np.meshgrid(gs, gw, indexing="ij")
        full, part = count == replicas, (count > 0) & (count < replicas)
        ax.plot(s[full], w[full], "o", ms=3.5, mfc="k", mec="w", mew=0.5, ls="none",
                label="computed point (all replicas done)")
        if part.any():
            ax.plot(s[part], w[part], "o", ms=3, mfc="none", mec="k", mew=0.7, ls="none",
                    label="computed point (some replicas done)")
    ax.set_xlim(gs.min(), gs.max())
    ax.set_ylim(gw.min(), gw.max())
    ax.set_xlabel("$\\gamma_s$")
    ax.set_ylabel("$\\gamma_w$")


def _draw_1d(ax, x, y, xname, fixed, lines, along_w, label=None):
    """A grid with one gamma_s or one gamma_w: the metric along the other exponent."""
    ax.plot(x, y, "o-", ms=3)
    for text, a, b, c, style in lines:
        # Where the threshold crosses this line of the grid, if it does.
        slope = b if along_w else a
        if slope == 0:
            continue
        crossing = (c - (a * fixed if along_w else b * fixed)) / slope
        if x.min() <= crossing <= x.max():
            ax.axvline(crossing, label=text, lw=1.2, path_effects=OUTLINE, **style)
    ax.set_xlabel(xname)
    if label:
        ax.set_ylabel(label, fontsize=8)


def make_figure(sweep, metrics=None, std=False, markers=False):
    """The figure of a phasefile.Sweep (not yet saved): one panel per metric (all four by
    default) of the mean over done replicas, and with std=True a second row of panels with
    the replicas' sample standard deviation. The threshold legend sits in its own strip
    under the panels, where it covers no data."""
    data = panel_data(sweep, metrics)
    panels = [(name, title, "mean", data[name]) for name, title in PANELS if name in data]
    if std:
        panels += [(name, title.split(" ", 1)[1], "std", sweep.std(name))
                   for name, title, _, _ in list(panels)]
    lines = thresholds(sweep.d, sweep.k)
    n_metrics = len(data)
    cols = 2 if n_metrics >= 2 and not std else (n_metrics if std else 1)
    rows = -(-len(panels) // cols)
    height = 4.1 * rows + 0.5
    fig = Figure(figsize=(5.5 * cols, height), layout="constrained")
    # the bottom strip (0.45 in) is the legend's: it covers no panel
    fig.get_layout_engine().set(rect=(0, 0.45 / height, 1, 1 - 0.45 / height))
    grid = fig.add_gridspec(rows, cols)
    gs, gw = sweep.gamma_s, sweep.gamma_w
    two_d = len(gs) >= 2 and len(gw) >= 2
    count = sweep.n_done_at()
    low, high = int(count.min()), int(count.max())
    replicas = f"{low}" if low == high else f"{low}-{high}"
    # every panel first (fig.axes[:n] are the panels), then their colorbars
    axes = [fig.add_subplot(grid[p // cols if not std else (0 if kind == "mean" else 1),
                                 p % cols if not std else p % n_metrics])
            for p, (_, _, kind, _) in enumerate(panels)]
    for p, (ax, (name, title, kind, z)) in enumerate(zip(axes, panels)):
        label = _label(name, sweep.attrs)
        if kind == "std":
            label = "std of " + label
            title = f"({chr(ord('a') + p)}) std over replicas: {title}"
        if two_d:
            _draw_2d(fig, ax, gs, gw, z, lines, label,
                     (count, sweep.n_replicas) if markers else None)
        elif len(gw) >= 2:
            _draw_1d(ax, gw, z[0, :], "$\\gamma_w$", gs[0], lines, along_w=True, label=label)
            title += f" at $\\gamma_s$={gs[0]:.3g}"
        else:
            _draw_1d(ax, gs, z[:, 0], "$\\gamma_s$", gw[0], lines, along_w=False, label=label)
            title += f" at $\\gamma_w$={gw[0]:.3g}"
        if kind == "mean":
            title += f"\nmean of {replicas} done replica{'s' if high != 1 else ''} per point"
        ax.set_title(title, fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(len(handles), 3), fontsize=8, frameon=False)
    a = sweep.attrs
    coverage = f"done {sweep.n_done}/{sweep.n_total}"
    if not sweep.complete:
        coverage += " (grey: not done)" if two_d else " (gaps: not done)"
    fig.suptitle(f"{Path(sweep.path).name}: d={sweep.d}, k={sweep.k}, c={a['lr_scale']:g}, "
                 f"max_iter={a['max_iter']}, replicas={sweep.n_replicas}, {coverage}",
                 fontsize=10)
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep", help="sweep file written by `phasesweep sweep`")
    parser.add_argument("-o", "--out", required=True,
                        help="output image; the suffix picks the format (.png, .pdf, .svg)")
    parser.add_argument("--metric", default="all",
                        choices=["all"] + [name for name, _ in PANELS],
                        help="the one metric to draw (default: all four)")
    parser.add_argument("--std", action="store_true",
                        help="add panels of the standard deviation over replicas")
    parser.add_argument("--markers", action="store_true",
                        help="mark the computed grid points (hollow: some replicas not done)")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args(argv)
    sweep = phasefile.load_or_exit(phasefile.load, args.sweep, "figure2.py")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    metrics = None if args.metric == "all" else [args.metric]
    make_figure(sweep, metrics, std=args.std, markers=args.markers).savefig(args.out,
                                                                          dpi=args.dpi)
    print(f"{args.out}: {sweep.n_done}/{sweep.n_total} tasks done", file=sys.stderr)


if __name__ == "__main__":
    main()
