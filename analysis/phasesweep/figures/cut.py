"""A line cut of a phasesweep sweep: one metric along gamma_s or gamma_w, one curve per
value of the other exponent, each the mean over the done replicas with a band of their
standard error (--band sem, the default) or standard deviation (--band std).

--along names the x axis: gamma_s (gs), gamma_w (gw), or sigma2 / width (the same cuts
drawn against d^gamma_s or floor(d^gamma_w), on a log axis). --at picks the curves: values
of the other exponent, each snapped to the nearest grid value (default: up to five spread
over the grid). On the stable-rank cut the teacher's own stable rank is drawn as a
reference. The output's suffix picks the format (.png, .pdf, .svg). Bad input is one line
on stderr and exit status 2.

    python3 -m phasesweep.cut fig2.h5 -o cut.png --metric test_error --along gs --at 1,2,2.8
    fig = phasesweep.cut.plot("fig2.h5", "min_test_error", along="gamma_s", at=[1.0, 2.0])
    curves = phasesweep.cut.cut_data("fig2.h5", "stable_rank", along="gamma_w")
"""

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import cli
from ..studies.teacher import teacher_stable_rank
from .figure2 import ALIASES, TEACHER_STYLE, _label, as_sweep

PROG = "phasesweep-cut"
AXES = {"gamma_s": ("gamma_s", "$\\gamma_s$"), "gs": ("gamma_s", "$\\gamma_s$"),
        "gamma_w": ("gamma_w", "$\\gamma_w$"), "gw": ("gamma_w", "$\\gamma_w$"),
        "sigma2": ("gamma_s", "$\\sigma^2 = d^{\\gamma_s}$"),
        "width": ("gamma_w", "width $w = \\lfloor d^{\\gamma_w} \\rfloor$")}
BANDS = ("sem", "std", "none")
MAX_DEFAULT_CURVES = 5


def metric_of(name, metrics=None):
    """The file's name of a metric given by name or alias; with metrics (the file's, in its
    order) ValueError unless it is one of them."""
    full = ALIASES.get(name, name)
    if metrics is not None and full not in metrics:
        raise ValueError(f"unknown metric '{name}' (one of {', '.join(metrics)}; "
                         f"or {', '.join(ALIASES)})")
    return full


def pick(values, at):
    """Indices into values of the curves: the nearest grid value of each of at (in the
    order given, duplicates dropped), or up to MAX_DEFAULT_CURVES spread over the grid."""
    values = np.asarray(values, float)
    if at is None:
        n = len(values)
        if n <= MAX_DEFAULT_CURVES:
            return list(range(n))
        return sorted({int(round(i)) for i in np.linspace(0, n - 1, MAX_DEFAULT_CURVES)})
    out = []
    for a in at:
        i = int(np.argmin(np.abs(values - a)))
        if i not in out:
            out.append(i)
    return out


def cut_data(source, metric="min_test_error", along="gamma_s", at=None):
    """The curves of a cut: a list of dicts, one per value of the other exponent, with
    at (its grid value), x (the along axis: gamma values, or sigma2 / width), mean, std
    (ddof=1), sem (std / sqrt(n)) and n (done replicas with a finite value), arrays along x;
    mean is nan where no replica is done, std and sem where fewer than two."""
    sweep = as_sweep(source)
    name = metric_of(metric, sweep.metrics)
    if along not in AXES:
        raise ValueError(f"--along {along}: one of {', '.join(AXES)}")
    dim = AXES[along][0]
    values = sweep.results[name]  # masked [n_s, n_w, R]
    if dim == "gamma_w":
        values = values.transpose(1, 0, 2)
    x_all = {"gamma_s": sweep.gamma_s, "gamma_w": sweep.gamma_w, "sigma2": sweep.sigma2,
             "width": sweep.width.astype(float)}[along if along in ("sigma2", "width")
                                                  else dim]
    other = sweep.gamma_w if dim == "gamma_s" else sweep.gamma_s
    curves = []
    for j in pick(other, at):
        v = values[:, j, :]
        n = v.count(axis=1)
        mean = v.mean(axis=1).filled(np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            std = np.where(n >= 2, v.std(axis=1, ddof=1).filled(np.nan), np.nan)
            sem = std / np.sqrt(np.maximum(n, 1))
        curves.append(dict(at=float(other[j]), x=np.asarray(x_all, float), mean=mean,
                           std=std, sem=sem, n=n))
    return curves


def make_figure(sweep, metric="min_test_error", along="gamma_s", at=None, band="sem",
                log=False, ymin=None, ymax=None, teacher=True):
    name = metric_of(metric)
    if band not in BANDS:
        raise ValueError(f"--band {band}: one of {', '.join(BANDS)}")
    curves = cut_data(sweep, name, along, at)
    dim, xlabel = AXES[along]
    other = "$\\gamma_w$" if dim == "gamma_s" else "$\\gamma_s$"
    fig = Figure(figsize=(7, 4.6), layout="constrained")
    ax = fig.add_subplot()
    for i, c in enumerate(curves):
        colour = f"C{i % 10}"
        ok = np.isfinite(c["mean"])
        ax.plot(c["x"][ok], c["mean"][ok], "o-", ms=3, color=colour,
                label=f"{other} = {c['at']:.3g}")
        if band != "none":
            spread = c[band]
            good = ok & np.isfinite(spread)
            if good.any():
                ax.fill_between(c["x"], np.where(good, c["mean"] - spread, np.nan),
                                np.where(good, c["mean"] + spread, np.nan), color=colour,
                                alpha=0.2, lw=0)
    handles, labels = ax.get_legend_handles_labels()
    if teacher and name == "stable_rank":
        value, spread = teacher_stable_rank(sweep.d, sweep.k)
        ax.axhline(value, **TEACHER_STYLE)
        handles.append(Line2D([], [], **TEACHER_STYLE))
        labels.append(f"teacher's own stable rank {value:.2f}")
    if along in ("sigma2", "width"):
        ax.set_xscale("log")
    if log:
        values = np.concatenate([c["mean"][np.isfinite(c["mean"])] for c in curves])
        if not (values > 0).any():
            raise ValueError(f"--log: {name} has no value above 0")
        ax.set_yscale("log")
    if ymin is not None or ymax is not None:
        ax.set_ylim(ymin, ymax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_label(name, sweep), fontsize=9)
    what = {"sem": "band: +- standard error over replicas",
            "std": "band: +- standard deviation over replicas", "none": "no band"}[band]
    ax.set_title(f"{Path(sweep.path).name}: d={sweep.d}, k={sweep.k}, replicas="
                 f"{sweep.n_replicas}; mean over done replicas, {what}", fontsize=9)
    ax.legend(handles, labels, fontsize=8)
    return fig


def plot(source, metric="min_test_error", along="gamma_s", at=None, band="sem", log=False,
         ymin=None, ymax=None, teacher=True, sel=None):
    """The cut of a sweep file path, a Dataset from open_sweep or a Sweep, as a matplotlib
    Figure (not shown, not saved); sel: {axis: value} for a sweep with extra axes."""
    return make_figure(as_sweep(source, sel), metric, along, at, band, log, ymin, ymax,
                       teacher)


def _values(text):
    try:
        out = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise cli.UsageError(f"--at {text}: not a comma-separated list of numbers") from None
    if not out or not all(math.isfinite(v) for v in out):
        raise cli.UsageError(f"--at {text}: not a comma-separated list of finite numbers")
    return out


def parser():
    p = cli.ArgumentParser(PROG, __doc__)
    p.add_argument("sweep", help="sweep file written by `phasesweep sweep`")
    p.add_argument("-o", "--out", required=True,
                   help="output image; the suffix picks the format (.png, .pdf, .svg)")
    p.add_argument("--metric", default="min_test_error", metavar="NAME",
                   help="the metric (default min_test_error): "
                        "a per-task variable of the file or a short name ("
                        + ", ".join(ALIASES) + ")")
    p.add_argument("--along", default="gamma_s", metavar="AXIS",
                   help="the x axis: " + ", ".join(AXES) + " (default gamma_s)")
    p.add_argument("--at", metavar="V,V,...",
                   help="values of the other exponent, one curve each (nearest grid value)")
    p.add_argument("--band", default="sem", metavar="KIND",
                   help="sem (standard error, default), std or none")
    p.add_argument("--log", action="store_true", help="logarithmic y axis")
    p.add_argument("--ymin", type=cli.finite_float, help="lower end of the y axis")
    p.add_argument("--ymax", type=cli.finite_float, help="upper end of the y axis")
    p.add_argument("--no-teacher", action="store_true",
                   help="leave out the teacher's stable rank on a stable-rank cut")
    cli.add_sel(p)
    cli.add_dpi(p)
    return p


def _main(argv):
    args = parser().parse_args(argv)
    metric = metric_of(args.metric)
    sel = cli.parse_sel(args.sel)
    if args.along not in AXES:
        raise cli.UsageError(f"--along {args.along}: one of {', '.join(AXES)}")
    if args.band not in BANDS:
        raise cli.UsageError(f"--band {args.band}: one of {', '.join(BANDS)}")
    if args.ymin is not None and args.ymax is not None and args.ymin >= args.ymax:
        raise cli.UsageError(f"--ymin {args.ymin:g} is not below --ymax {args.ymax:g}")
    if args.log and args.ymin is not None and args.ymin <= 0:
        raise cli.UsageError(f"--log needs --ymin > 0 (got {args.ymin:g})")
    at = _values(args.at) if args.at is not None else None
    out = cli.check_output(args.out, cli.FIGURE_FORMATS)
    sweep = cli.read_sweep(args.sweep, sel=sel, prog=PROG)
    try:
        metric_of(metric, sweep.metrics)
    except ValueError as e:
        raise cli.UsageError(f"{args.sweep}: --metric: {e}") from None
    try:
        fig = make_figure(sweep, metric, args.along, at, args.band, args.log, args.ymin,
                          args.ymax, teacher=not args.no_teacher)
    except ValueError as e:
        raise cli.UsageError(f"{args.sweep}: {e}") from None
    cli.write_figure(fig, out, args.dpi)
    return 0


def main(argv=None):
    """The command (phasesweep-cut); returns when argv is given, else exits."""
    return cli.command(PROG, _main, argv)


if __name__ == "__main__":
    main()
