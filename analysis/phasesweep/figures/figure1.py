"""Figure 1 of Tu, Aranguri & Jacot (2024) from a `phasesweep trace` file.

(a) train and test error of gradient descent (solid) and of the self-consistent theory
dynamics (dashed) over the iterations, with the GD-vs-theory distance; (b) the top-k
singular values of A under GD (solid) and theory (dashed), the bulk of the others and the
threshold sigma2 * w above which singular values move as in a balanced network.

--linear draws the singular values on a linear axis (the log axis hides how the top ones
speed up once they cross the threshold, within the first iterations); --xmax N shows the
iterations 0 .. N only. The output's suffix picks the format (.png, .pdf, .svg). A file
that is not a trace file, or a bad option value, is one line on stderr and exit status 2.

    python3 -m phasesweep.figure1 fig1.h5 -o fig1.png --linear --xmax 30
    fig = phasesweep.figure1.plot("fig1.h5", linear=True, xmax=30)
"""

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from .. import cli
from ..io import files as phasefile

PROG = "phasesweep-figure1"

# The threshold in black, dashed: no top-k colour is near it (the k colours come from
# viridis, which has neither black nor red).
THRESHOLD_STYLE = dict(color="black", ls=(0, (6, 3)), lw=1.4)


# What the figure draws (the reader takes whatever variables the file describes).
DRAWN = ("gd_train_error", "gd_test_error", "theory_train_error", "theory_test_error",
         "distance", "gd_singular_values", "theory_singular_values")


def load_trace(path):
    """(data, attrs): data maps each variable of the trace file to its array; a file
    without one of DRAWN raises FileKindError."""
    ds = phasefile.open_trace(path)
    for name in DRAWN:
        if name not in ds.data_vars:
            raise phasefile.FileKindError(f"{path}: not a complete phasesweep trace file: "
                                          f"no variable {name}")
    data = {name: var.values for name, var in ds.data_vars.items()}
    attrs = {key: phasefile._plain(value) for key, value in ds.attrs.items()}
    return data, attrs


def top_colors(k):
    """k distinct colours, dark to light, legible on white (viridis without its yellow end)."""
    cmap = colormaps["viridis"]
    return [cmap(x) for x in (np.linspace(0.0, 0.8, k) if k > 1 else [0.3])]


def make_figure(data, attrs, title="", linear=False, xmax=None):
    """The figure of load_trace's (data, attrs); linear: a linear singular-value axis;
    xmax: the last iteration shown."""
    k = int(attrs["rank"])
    iters = np.arange(len(data["gd_train_error"]))
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax_err, ax_sv = fig.subplots(1, 2)

    for kind, color in (("train", "C0"), ("test", "C1")):
        ax_err.plot(iters, data[f"gd_{kind}_error"], color=color, label=f"GD {kind}")
        ax_err.plot(iters, data[f"theory_{kind}_error"], color=color, ls="--",
                    label=f"theory {kind}")
    ax_err.plot(iters, data["distance"], color="0.4", ls=":", label="$\\|A-B\\|_F^2/d^2$")
    ax_err.set_yscale("log")
    ax_err.set_xlabel("iteration")
    ax_err.set_ylabel("error")
    ax_err.set_title("(a) train and test error")
    ax_err.legend(fontsize=8)

    gd, theory = data["gd_singular_values"], data["theory_singular_values"]
    colors = top_colors(k)
    for i in range(k):
        ax_sv.plot(iters, gd[:, i], color=colors[i], label=f"$s_{{{i + 1}}}$ GD")
        ax_sv.plot(iters, theory[:, i], color=colors[i], ls="--", label=f"$s_{{{i + 1}}}$ theory")
    if gd.shape[1] > k:
        # The (k+1)-th largest is the edge of the bulk; the median of the rest is its middle.
        median = np.median(gd[:, k:], axis=1)
        ax_sv.fill_between(iters, median, gd[:, k], color="0.8", alpha=0.7,
                           label=f"GD bulk (median to {k + 1}-th)")
        ax_sv.plot(iters, theory[:, k], color="0.45", ls="--", lw=0.8,
                   label=f"theory {k + 1}-th")
    ax_sv.axhline(attrs["threshold"], **THRESHOLD_STYLE,
                  label=f"threshold $\\sigma^2 w$ = {attrs['threshold']:.3g}")
    ax_sv.set_yscale("linear" if linear else "log")
    if xmax is not None:
        for ax in (ax_err, ax_sv):
            ax.set_xlim(0, xmax)
        if linear:  # the y range of what is shown, not of the whole run
            shown = iters <= xmax
            top = max(float(np.nanmax(gd[shown, :k])), float(np.nanmax(theory[shown, :k])),
                      float(attrs["threshold"]))
            ax_sv.set_ylim(0, 1.05 * top)
    elif linear:
        ax_sv.set_ylim(0, None)
    ax_sv.set_xlabel("iteration")
    ax_sv.set_ylabel("singular value of $A$")
    ax_sv.set_title("(b) singular values (solid GD, dashed theory)")
    # outside the axes: the curves fill the whole panel
    ax_sv.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)

    fig.suptitle(f"{title}d={attrs['d']}, k={k}, $\\gamma_s$={attrs['gs']:.3g}, "
                 f"$\\gamma_w$={attrs['gw']:.3g}, w={attrs['width']}, lr={attrs['lr']:.3g}")
    return fig


def plot(source, linear=False, xmax=None):
    """Figure 1 of a trace file path (or a Dataset from open_trace) as a matplotlib Figure."""
    if hasattr(source, "data_vars"):
        data = {name: var.values for name, var in source.data_vars.items()}
        attrs = {key: phasefile._plain(value) for key, value in source.attrs.items()}
        title = ""
    else:
        data, attrs = load_trace(source)
        title = f"{Path(source).name}: "
    return make_figure(data, attrs, title=title, linear=linear, xmax=xmax)


def parser():
    p = cli.ArgumentParser(PROG, __doc__)
    p.add_argument("trace", help="trace file written by `phasesweep trace`")
    p.add_argument("-o", "--out", required=True,
                   help="output image; the suffix picks the format (.png, .pdf, .svg)")
    p.add_argument("--linear", action="store_true",
                   help="linear singular-value axis (default: logarithmic)")
    p.add_argument("--xmax", type=cli.positive_int, metavar="N",
                   help="show the iterations 0 .. N only")
    cli.add_dpi(p)
    return p


def _main(argv):
    args = parser().parse_args(argv)
    out = cli.check_output(args.out, cli.FIGURE_FORMATS)
    data, attrs = cli.read(load_trace, args.trace, "phasesweep trace")
    fig = make_figure(data, attrs, title=f"{Path(args.trace).name}: ", linear=args.linear,
                      xmax=args.xmax)
    cli.write_figure(fig, out, args.dpi)
    return 0


def main(argv=None):
    """The command (phasesweep-figure1); returns when argv is given, else exits."""
    return cli.command(PROG, _main, argv)


if __name__ == "__main__":
    main()
