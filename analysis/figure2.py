#!/usr/bin/python3
"""Figure 2 of Tu, Aranguri & Jacot (2024) from a phasesweep sweep file.

Four panels over gamma_s (x) and gamma_w (y), each the mean over the done replicas of a
grid point: minimal test error, stable rank at the minimum, iterations to the minimum and
ln of the largest GD-vs-theory distance, with the three phase thresholds. Undone points
are masked (grey background); grids with a single gamma_s or gamma_w become line plots.
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

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


def panel_data(source):
    """The arrays the panels show: metric -> masked mean over done replicas, [n_s, n_w].

    source is a file path or a phasefile.Sweep.
    """
    sweep = source if isinstance(source, phasefile.Sweep) else phasefile.load(source)
    return {name: sweep.mean(name) for name, _ in PANELS}


def _draw_2d(fig, ax, gs, gw, z, lines):
    """z [n_s, n_w] over a grid of at least 2 x 2 points; masked points show the grey face."""
    ax.set_facecolor(UNDONE_COLOR)
    values = z.compressed()
    if values.size and np.ptp(values) > 0:
        levels = MaxNLocator(12).tick_values(values.min(), values.max())
        filled = ax.contourf(gs, gw, z.T, levels=levels, extend="both")
        contours = ax.contour(gs, gw, z.T, levels=filled.levels, colors="k", linewidths=0.4,
                              linestyles="solid")
        ax.clabel(contours, contours.levels[::2], fmt="%.3g", fontsize=6)
        mappable = filled
    else:
        # contourf finds no level in a constant (or empty) field; cells still show it.
        mappable = ax.pcolormesh(gs, gw, z.T, shading="nearest")
    fig.colorbar(mappable, ax=ax)
    x = np.array([gs.min(), gs.max()])
    for label, a, b, c, style in lines:
        ax.plot(x, (c - a * x) / b, label=label, lw=1.2, path_effects=OUTLINE, **style)
    ax.set_xlim(gs.min(), gs.max())
    ax.set_ylim(gw.min(), gw.max())
    ax.set_xlabel("$\\gamma_s$")
    ax.set_ylabel("$\\gamma_w$")


def _draw_1d(ax, x, y, xname, fixed, lines, along_w):
    """A grid with one gamma_s or one gamma_w: the metric along the other exponent."""
    ax.plot(x, y, "o-", ms=3)
    for label, a, b, c, style in lines:
        # Where the threshold crosses this line of the grid, if it does.
        slope = b if along_w else a
        if slope == 0:
            continue
        crossing = (c - (a * fixed if along_w else b * fixed)) / slope
        if x.min() <= crossing <= x.max():
            ax.axvline(crossing, label=label, lw=1.2, path_effects=OUTLINE, **style)
    ax.set_xlabel(xname)


def make_figure(sweep):
    """The figure of a phasefile.Sweep (not yet saved)."""
    data = panel_data(sweep)
    lines = thresholds(sweep.d, sweep.k)
    fig = Figure(figsize=(11, 8.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    gs, gw = sweep.gamma_s, sweep.gamma_w
    two_d = len(gs) >= 2 and len(gw) >= 2
    for ax, (name, title) in zip(axes, PANELS):
        z = data[name]
        if two_d:
            _draw_2d(fig, ax, gs, gw, z, lines)
        elif len(gw) >= 2:
            _draw_1d(ax, gw, z[0, :], "$\\gamma_w$", gs[0], lines, along_w=True)
            title += f" at $\\gamma_s$={gs[0]:.3g}"
        else:
            _draw_1d(ax, gs, z[:, 0], "$\\gamma_s$", gw[0], lines, along_w=False)
            title += f" at $\\gamma_w$={gw[0]:.3g}"
        ax.set_title(title, fontsize=10)
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=7, framealpha=0.8)
    a = sweep.attrs
    coverage = f"done {sweep.n_done}/{sweep.n_total}"
    if not sweep.complete:
        coverage += " (grey: not done)" if two_d else " (gaps: not done)"
    fig.suptitle(f"{Path(sweep.path).name}: d={sweep.d}, k={sweep.k}, c={a['lr_scale']:g}, "
                 f"max_iter={a['max_iter']}, replicas={sweep.n_replicas}, {coverage}")
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep", help="sweep file written by `phasesweep sweep`")
    parser.add_argument("-o", "--out", required=True,
                        help="output image; the suffix picks the format (.png, .pdf, .svg)")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args(argv)
    sweep = phasefile.load(args.sweep)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    make_figure(sweep).savefig(args.out, dpi=args.dpi)
    print(f"{args.out}: {sweep.n_done}/{sweep.n_total} tasks done", file=sys.stderr)


if __name__ == "__main__":
    main()
