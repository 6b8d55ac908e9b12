"""Figure 2 of Tu, Aranguri & Jacot (2024) from a phasesweep sweep file.

Four panels over gamma_s (x) and gamma_w (y), each the mean over the done replicas of a
grid point: minimal test error, stable rank at the minimum, iterations to the minimum and
ln of the largest GD-vs-theory distance, with the three phase thresholds. Undone points
are masked (grey background); grids with a single gamma_s or gamma_w become line plots.
--metric draws one of them, --std adds the spread over replicas (panels; a band on line
plots), --markers the computed points. The stable-rank panel shows the teacher's own stable
rank as a reference (the mean over Gaussian teachers at the file's d and k: a network that
learned A* shows this, not k; see phasesweep.studies.teacher).

Colour scales per metric: --vmin METRIC=V, --vmax METRIC=V, --cmap METRIC=NAME, --log METRIC
(a bare value, --vmin 0.1, applies to every panel; metric names as in the file or short:
test_error, rank, iterations, distance). The output's suffix picks the format (.png, .pdf,
.svg). Bad input -- a file that is not a sweep file, a bad option value -- is one line on
stderr and exit status 2.

    python3 -m phasesweep.figure2 fig2.h5 -o fig2.png --log test_error --cmap rank=magma
    fig = phasesweep.figure2.plot("fig2.h5", style={"min_test_error": {"log": True}})
"""

import math
import sys
from pathlib import Path

import numpy as np
from matplotlib import colormaps, patheffects
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .. import cli
from ..io import files as phasefile
from ..studies.teacher import teacher_stable_rank

PROG = "phasesweep-figure2"

PANELS = (
    ("min_test_error", "(a) min test error"),
    ("stable_rank", "(b) stable rank at the minimum"),
    ("iterations", "(c) iterations to the minimum"),
    ("log_distance", "(d) ln max GD-vs-theory distance"),
)

# Short names accepted wherever a metric is named (--vmin test_error=0.1, cut's --metric).
ALIASES = {"test_error": "min_test_error", "error": "min_test_error", "rank": "stable_rank",
           "distance": "log_distance", "iters": "iterations"}

UNDONE_COLOR = "0.85"
TEACHER_STYLE = dict(color="cyan", ls=(0, (4, 2)), lw=1.6)
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


def as_sweep(source, sel=None):
    """A phasefile.Sweep of a path, a Dataset from open_sweep, or a Sweep; sel: {axis:
    value} for a sweep with extra axes (nearest values; the notes in the Sweep's notes)."""
    if isinstance(source, phasefile.Sweep):
        return source
    if hasattr(source, "data_vars"):
        ds, notes = phasefile.selection(source, sel or {})
        sweep = phasefile.from_dataset(ds, source.encoding.get("source", ""))
        sweep.notes = notes
        return sweep
    return phasefile.load(source, sel=sel)


def metric_name(name, choices=None):
    """The file's name of a metric given by name or alias; ValueError if unknown."""
    full = ALIASES.get(name, name)
    choices = choices or [n for n, _ in PANELS]
    if full not in choices:
        raise ValueError(f"unknown metric '{name}' (one of {', '.join(choices)}; or "
                         f"{', '.join(f'{a}' for a in ALIASES)})")
    return full


def parse_style(vmin=(), vmax=(), cmap=(), log=(), metrics=None):
    """Command-line style values -> {metric: {"vmin", "vmax", "cmap", "log"}}.

    vmin, vmax, cmap: lists of "METRIC=VALUE" or "VALUE" (every metric drawn); log: a list
    of metric names ("all": every one). ValueError with one line on a bad value."""
    names = metrics or [n for n, _ in PANELS]
    style = {n: {} for n in names}

    def targets(item, option):
        if "=" in item:
            key, value = item.split("=", 1)
            name = metric_name(key.strip())
            if name not in names:
                raise ValueError(f"{option} {item}: {name} is not drawn (see --metric)")
            return [name], value.strip()
        return names, item.strip()

    for option, items in (("--vmin", vmin), ("--vmax", vmax)):
        for item in items or ():
            which, value = targets(item, option)
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"{option} {item}: '{value}' is not a number") from None
            if not math.isfinite(number):
                raise ValueError(f"{option} {item}: not a finite number")
            for n in which:
                style[n][option[2:]] = number
    for item in cmap or ():
        which, value = targets(item, "--cmap")
        if value not in colormaps:
            raise ValueError(f"--cmap {item}: no colormap '{value}' in matplotlib "
                             "(e.g. viridis, magma, cividis, RdBu_r)")
        for n in which:
            style[n]["cmap"] = value
    for item in log or ():
        which = names if item == "all" else [metric_name(item)]
        for n in which:
            if n not in names:
                raise ValueError(f"--log {item}: {n} is not drawn (see --metric)")
            style[n]["log"] = True
    for n, st in style.items():
        lo, hi = st.get("vmin"), st.get("vmax")
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"{n}: --vmin {lo:g} is not below --vmax {hi:g}")
        if st.get("log") and lo is not None and lo <= 0:
            raise ValueError(f"{n}: --log needs --vmin > 0 (got {lo:g})")
    return {n: st for n, st in style.items() if st}


def limits(z, st):
    """(lo, hi, log) of a panel: --vmin/--vmax where given, else the data's range (its
    positive part on a log scale). ValueError when nothing is left to draw."""
    log = bool(st.get("log"))
    values = np.ma.compressed(z)
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
    lo = st.get("vmin", values.min() if values.size else None)
    hi = st.get("vmax", values.max() if values.size else None)
    if lo is None or hi is None:
        if log and np.ma.count(z):
            raise ValueError("--log: no value above 0 to draw on a log scale")
        return None, None, log
    if lo > hi or (lo == hi and ("vmin" in st or "vmax" in st)):
        raise ValueError(f"--vmin {lo:g} / --vmax {hi:g}: the data lie in "
                         f"[{values.min():g}, {values.max():g}]; no range left")
    return float(lo), float(hi), log


def panel_data(source, metrics=None):
    """The arrays the panels show: metric -> masked mean over done replicas, [n_s, n_w].

    source is a file path or a phasefile.Sweep; metrics a subset of PANELS' names.
    """
    sweep = as_sweep(source)
    names = [name for name, _ in PANELS if metrics is None or name in metrics]
    return {name: sweep.mean(name) for name in names}


def _label(name, sweep):
    """Colorbar label: the variable's own long_name and units (from the file)."""
    var = sweep.variables.get(name)
    if not var or "long_name" not in var:
        return name
    units = str(var.get("units", "1"))
    return str(var["long_name"]) + ("" if units == "1" else f" [{units}]")


def _draw_2d(fig, ax, gs, gw, z, lines, label=None, points=None, style=None, ref=None):
    """z [n_s, n_w] over a grid of at least 2 x 2 points; masked points show the grey face.
    points: (done replicas per point [n_s, n_w], replicas) to mark the computed points;
    style: {"vmin", "vmax", "cmap", "log"}; ref: (value, label) drawn as the level line of
    value (the teacher's stable rank) and marked on the colorbar."""
    st = style or {}
    ax.set_facecolor(UNDONE_COLOR)
    lo, hi, log = limits(z, st)
    cmap = st.get("cmap")
    if log:
        z = np.ma.masked_where(np.ma.filled(z, 0) <= 0, z)
    if lo is not None and hi > lo:
        if log:
            levels = np.geomspace(lo, hi, 13)
            norm = LogNorm(lo, hi)
        elif "vmin" in st or "vmax" in st:  # the scale ends exactly where asked
            levels = np.linspace(lo, hi, 13)
            norm = Normalize(lo, hi)
        else:
            levels = MaxNLocator(12).tick_values(lo, hi)
            norm = Normalize(levels[0], levels[-1])
        filled = ax.contourf(gs, gw, z.T, levels=levels, extend="both", cmap=cmap, norm=norm)
        # thin unlabelled lines: labels would clash with the threshold lines
        ax.contour(gs, gw, z.T, levels=filled.levels, colors="k", linewidths=0.3,
                   linestyles="solid", alpha=0.6)
        mappable = filled
    else:
        # contourf finds no level in a constant (or empty) field; cells still show it.
        mappable = ax.pcolormesh(gs, gw, z.T, shading="nearest", cmap=cmap)
    bar = fig.colorbar(mappable, ax=ax, format="%.3g" if log else None)
    if label:
        bar.set_label(label, fontsize=8)
    x = np.array([gs.min(), gs.max()])
    for text, a, b, c, style_ in lines:
        ax.plot(x, (c - a * x) / b, label=text, lw=1.2, path_effects=OUTLINE, **style_)
    if ref is not None:
        value, text = ref
        values = np.ma.compressed(z)
        if values.size and values.min() < value < values.max():
            ax.contour(gs, gw, z.T, levels=[value], colors=TEACHER_STYLE["color"],
                       linewidths=TEACHER_STYLE["lw"], linestyles="dashed")
        if lo is not None and lo <= value <= hi:
            bar.ax.axhline(value, color=TEACHER_STYLE["color"], lw=2)
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


def _draw_1d(ax, x, y, xname, fixed, lines, along_w, label=None, spread=None, style=None,
             ref=None):
    """A grid with one gamma_s or one gamma_w: the metric along the other exponent, with a
    band of +- spread (the replicas' std) when given, and the reference level ref."""
    st = style or {}
    ax.plot(x, y, "o-", ms=3, color="C0")
    if spread is not None and np.ma.count(spread):
        lo_, hi_ = np.ma.filled(y - spread, np.nan), np.ma.filled(y + spread, np.nan)
        ax.fill_between(x, lo_, hi_, color="C0", alpha=0.25, lw=0, label="+- std over replicas")
    for text, a, b, c, style_ in lines:
        # Where the threshold crosses this line of the grid, if it does.
        slope = b if along_w else a
        if slope == 0:
            continue
        crossing = (c - (a * fixed if along_w else b * fixed)) / slope
        if x.min() <= crossing <= x.max():
            ax.axvline(crossing, label=text, lw=1.2, path_effects=OUTLINE, **style_)
    if ref is not None:
        ax.axhline(ref[0], **TEACHER_STYLE)
    lo, hi, log = limits(y, st)
    if log:
        ax.set_yscale("log")
    if "vmin" in st or "vmax" in st:
        ax.set_ylim(st.get("vmin"), st.get("vmax"))
    ax.set_xlabel(xname)
    if label:
        ax.set_ylabel(label, fontsize=8)


def make_figure(sweep, metrics=None, std=False, markers=False, style=None, teacher=True):
    """The figure of a phasefile.Sweep (not yet saved): one panel per metric (all four by
    default) of the mean over done replicas, and with std=True a second row of panels with
    the replicas' sample standard deviation. style: {metric: {"vmin", "vmax", "cmap",
    "log"}} (parse_style makes it from command-line values); teacher: draw the teacher's own
    stable rank on the rank panel. The legend sits in its own strip under the panels, where
    it covers no data."""
    n_metrics = len(panel_data(sweep, metrics))
    cols = 2 if n_metrics >= 2 and not std else (n_metrics if std else 1)
    rows = -(-n_metrics * (2 if std else 1) // cols)
    height = 4.1 * rows + 0.5
    fig = Figure(figsize=(5.5 * cols, height), layout="constrained")
    # the bottom strip (0.45 in) is the legend's: it covers no panel
    fig.get_layout_engine().set(rect=(0, 0.45 / height, 1, 1 - 0.45 / height))
    _draw(fig, sweep, metrics, std, markers, style, teacher, cols, legend_to=fig)
    return fig


def make_facets(facets, axis, metrics=None, std=False, markers=False, style=None,
                teacher=True):
    """One figure of [(value, Sweep)] along the extra axis `axis` (from --facet): a row of
    the panels (all four side by side; with std the spreads in a second row) per value,
    each row titled with its file line and `axis = value`; the legend of the first row."""
    n_metrics = len(panel_data(facets[0][1], metrics))
    cols, rows_per = n_metrics, (2 if std else 1)
    height = (4.1 * rows_per + 0.7) * len(facets) + 0.5
    fig = Figure(figsize=(5.5 * cols, height), layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0.45 / height, 1, 1 - 0.45 / height))
    subs = np.atleast_1d(fig.subfigures(len(facets), 1))
    for i, (sub, (value, sweep)) in enumerate(zip(subs, facets)):
        _draw(sub, sweep, metrics, std, markers, style, teacher, cols,
              legend_to=fig if i == 0 else None, title=f"{axis} = {value}: ")
    return fig


def _draw(fig, sweep, metrics, std, markers, style, teacher, cols, legend_to=None,
          title=""):
    """The panels of one sweep into fig (a Figure or a SubFigure), cols panels a row; the
    legend into legend_to (None: none), title before the file's line."""
    style = style or {}
    data = panel_data(sweep, metrics)
    panels = [(name, title_, "mean", data[name]) for name, title_ in PANELS if name in data]
    if std:
        panels += [(name, t.split(" ", 1)[1], "std", sweep.std(name))
                   for name, t, _, _ in list(panels)]
    lines = thresholds(sweep.d, sweep.k)
    n_metrics = len(data)
    rows = -(-len(panels) // cols)
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
    ref = None
    if teacher and "stable_rank" in data:
        value, spread = teacher_stable_rank(sweep.d, sweep.k)
        ref = (value, f"teacher's own stable rank {value:.2f} (+- {spread:.2f} between "
                      f"teachers; d={sweep.d}, k={sweep.k})")
    for p, (ax, (name, ptitle, kind, z)) in enumerate(zip(axes, panels)):
        label = _label(name, sweep)
        st = style.get(name, {}) if kind == "mean" else {
            key: v for key, v in style.get(name, {}).items() if key == "cmap"}
        r = ref if (name == "stable_rank" and kind == "mean") else None
        if kind == "std":
            label = "std of " + label
            ptitle = f"({chr(ord('a') + p)}) std over replicas: {ptitle}"
        spread = sweep.std(name) if (kind == "mean" and sweep.n_replicas > 1) else None
        if two_d:
            _draw_2d(fig, ax, gs, gw, z, lines, label,
                     (count, sweep.n_replicas) if markers else None, style=st, ref=r)
        elif len(gw) >= 2:
            _draw_1d(ax, gw, z[0, :], "$\\gamma_w$", gs[0], lines, along_w=True, label=label,
                     spread=None if spread is None else spread[0, :], style=st, ref=r)
            ptitle += f" at $\\gamma_s$={gs[0]:.3g}"
        else:
            _draw_1d(ax, gs, z[:, 0], "$\\gamma_s$", gw[0], lines, along_w=False, label=label,
                     spread=None if spread is None else spread[:, 0], style=st, ref=r)
            ptitle += f" at $\\gamma_w$={gw[0]:.3g}"
        if kind == "mean":
            ptitle += f"\nmean of {replicas} done replica{'s' if high != 1 else ''} per point"
        ax.set_title(ptitle, fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    handles = [h for h, l in zip(handles, labels) if not l.startswith("+-")]
    labels = [l for l in labels if not l.startswith("+-")]
    if ref is not None:
        handles.append(Line2D([], [], **TEACHER_STYLE))
        labels.append(ref[1])
    if handles and legend_to is not None:
        legend_to.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(len(handles), 3), fontsize=8, frameon=False)
    a = sweep.attrs
    coverage = f"done {sweep.n_done}/{sweep.n_total}"
    if not sweep.complete:
        coverage += " (grey: not done)" if two_d else " (gaps: not done)"
    at = "".join(f", {k}={v:g}" for k, v in sweep.fixed.items() if k != "d")
    fig.suptitle(f"{title}{Path(sweep.path).name}{at}: d={sweep.d}, k={sweep.k}, c={a['lr_scale']:g}, "
                 f"max_iter={a['max_iter']}, replicas={sweep.n_replicas}, {coverage}",
                 fontsize=10)


def plot(source, metrics=None, std=False, markers=False, style=None, teacher=True, sel=None,
         facet=None):
    """Figure 2 of a sweep file path, a Dataset from open_sweep or a Sweep, as a matplotlib
    Figure (not shown, not saved: fig.savefig("fig.png")). metrics: names or aliases of the
    panels to draw (default all four); style: {metric: {"vmin": V, "vmax": V, "cmap": NAME,
    "log": True}}, metrics by name or alias. A sweep with extra axes: sel={axis: value}
    fixes axes (the nearest value), facet="axis" draws a row per value of one."""
    names = None if metrics is None else [metric_name(m) for m in metrics]
    full = {metric_name(k): v for k, v in (style or {}).items()}
    options = dict(std=std, markers=markers, style=full, teacher=teacher)
    if facet is not None:
        ds = source if hasattr(source, "data_vars") else phasefile.open_sweep(source)
        ds, _ = phasefile.selection(ds, sel or {})
        path = ds.encoding.get("source", "" if hasattr(source, "data_vars") else source)
        parts = [(v, phasefile.from_dataset(p, path)) for v, p in phasefile.facets(ds, facet)]
        return make_facets(parts, facet, names, **options)
    return make_figure(as_sweep(source, sel), names, **options)


def parser():
    p = cli.ArgumentParser(PROG, __doc__)
    p.add_argument("sweep", help="sweep file written by `phasesweep sweep`")
    p.add_argument("-o", "--out", required=True,
                   help="output image; the suffix picks the format (.png, .pdf, .svg)")
    p.add_argument("--metric", default="all", metavar="NAME",
                   help="the one metric to draw (default: all four): "
                        + ", ".join(n for n, _ in PANELS) + " or a short name")
    p.add_argument("--std", action="store_true",
                   help="add panels of the standard deviation over replicas")
    p.add_argument("--markers", action="store_true",
                   help="mark the computed grid points (hollow: some replicas not done)")
    p.add_argument("--vmin", action="append", metavar="[METRIC=]V",
                   help="lower end of the colour scale (repeatable, per metric)")
    p.add_argument("--vmax", action="append", metavar="[METRIC=]V",
                   help="upper end of the colour scale (repeatable, per metric)")
    p.add_argument("--cmap", action="append", metavar="[METRIC=]NAME",
                   help="matplotlib colormap (repeatable, per metric)")
    p.add_argument("--log", action="append", metavar="METRIC",
                   help="logarithmic colour scale for METRIC ('all': every panel)")
    p.add_argument("--no-teacher", action="store_true",
                   help="leave out the teacher's stable rank on the rank panel")
    cli.add_sel(p, facet=True)
    cli.add_dpi(p)
    return p


def _main(argv):
    args = parser().parse_args(argv)
    try:
        metrics = None if args.metric == "all" else [metric_name(args.metric)]
        style = parse_style(args.vmin, args.vmax, args.cmap, args.log, metrics)
    except ValueError as e:
        raise cli.UsageError(str(e)) from None
    sel = cli.parse_sel(args.sel)
    if args.facet and args.facet in sel:
        raise cli.UsageError(f"--facet {args.facet}: also given to --sel; one or the other")
    out = cli.check_output(args.out, cli.FIGURE_FORMATS)
    drawn = metrics or [name for name, _ in PANELS]
    got = cli.read_sweep(args.sweep, sel=sel, facet=args.facet, require=drawn, prog=PROG,
                         can_facet=True)
    options = dict(std=args.std, markers=args.markers, style=style,
                   teacher=not args.no_teacher)
    try:
        if args.facet:
            fig = make_facets(got, args.facet, metrics, **options)
        else:
            fig = make_figure(got, metrics, **options)
    except ValueError as e:  # a scale the data cannot fill (limits())
        raise cli.UsageError(f"{args.sweep}: {e}") from None
    cli.write_figure(fig, out, args.dpi)
    sweeps = [s for _, s in got] if args.facet else [got]
    n_done, n_total = sum(s.n_done for s in sweeps), sum(s.n_total for s in sweeps)
    print(f"{out}: {n_done}/{n_total} tasks done", file=sys.stderr)
    return 0


def main(argv=None):
    """The command (phasesweep-figure2); returns when argv is given, else exits."""
    return cli.command(PROG, _main, argv)


if __name__ == "__main__":
    main()
