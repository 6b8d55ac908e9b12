#!/usr/bin/python3
"""Figure 1 of Tu, Aranguri & Jacot (2024) from a `phasesweep trace` file.

(a) train and test error of gradient descent (solid) and of the self-consistent theory
dynamics (dashed) over the iterations, with the GD-vs-theory distance; (b) the top-k
singular values of A under GD (solid) and theory (dashed), the bulk of the others and the
threshold sigma2 * w above which singular values move as in a balanced network.
"""

import argparse
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

import phasefile

# The threshold in black, dashed: no top-k colour is near it (the k colours come from
# viridis, which has neither black nor red).
THRESHOLD_STYLE = dict(color="black", ls=(0, (6, 3)), lw=1.4)


def load_trace(path):
    """(data, attrs): data maps each variable of the trace file to its array."""
    ds = phasefile.open_trace(path)
    data = {name: var.values for name, var in ds.data_vars.items()}
    attrs = {key: phasefile._plain(value) for key, value in ds.attrs.items()}
    return data, attrs


def top_colors(k):
    """k distinct colours, dark to light, legible on white (viridis without its yellow end)."""
    cmap = colormaps["viridis"]
    return [cmap(x) for x in (np.linspace(0.0, 0.8, k) if k > 1 else [0.3])]


def make_figure(data, attrs, title=""):
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
    ax_sv.set_yscale("log")
    ax_sv.set_xlabel("iteration")
    ax_sv.set_ylabel("singular value of $A$")
    ax_sv.set_title("(b) singular values (solid GD, dashed theory)")
    # outside the axes: the curves fill the whole panel
    ax_sv.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)

    fig.suptitle(f"{title}d={attrs['d']}, k={k}, $\\gamma_s$={attrs['gs']:.3g}, "
                 f"$\\gamma_w$={attrs['gw']:.3g}, w={attrs['width']}, lr={attrs['lr']:.3g}")
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace", help="trace file written by `phasesweep trace`")
    parser.add_argument("-o", "--out", required=True,
                        help="output image; the suffix picks the format (.png, .pdf, .svg)")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args(argv)
    data, attrs = phasefile.load_or_exit(load_trace, args.trace, "figure1.py")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    make_figure(data, attrs, title=f"{Path(args.trace).name}: ").savefig(args.out, dpi=args.dpi)


if __name__ == "__main__":
    main()
