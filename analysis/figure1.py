#!/usr/bin/python3
"""Figure 1 of Tu, Aranguri & Jacot (2024) from a `phasesweep trace` file.

(a) train and test error of gradient descent (solid) and of the self-consistent theory
dynamics (dashed) over the iterations, with the GD-vs-theory distance; (b) the top-k
singular values of A under GD (solid) and theory (dashed), the bulk of the others and the
threshold sigma2 * w above which singular values move as in a balanced network.
"""

import argparse
from pathlib import Path

import h5py
import numpy as np
from matplotlib.figure import Figure


def load_trace(path):
    with h5py.File(path, "r") as f:
        data = {name: f[name][...] for name in (
            "gd/train_error", "gd/test_error", "theory/train_error", "theory/test_error",
            "distance", "gd/singular_values", "theory/singular_values")}
        attrs = {key: (value.item() if isinstance(value, np.generic) else value)
                 for key, value in f.attrs.items()}
    return data, attrs


def make_figure(data, attrs, title=""):
    k = int(attrs["rank"])
    iters = np.arange(len(data["gd/train_error"]))
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax_err, ax_sv = fig.subplots(1, 2)

    for kind, color in (("train", "C0"), ("test", "C1")):
        ax_err.plot(iters, data[f"gd/{kind}_error"], color=color, label=f"GD {kind}")
        ax_err.plot(iters, data[f"theory/{kind}_error"], color=color, ls="--",
                    label=f"theory {kind}")
    ax_err.plot(iters, data["distance"], color="0.4", ls=":", label="$\\|A-B\\|_F^2/d^2$")
    ax_err.set_yscale("log")
    ax_err.set_xlabel("iteration")
    ax_err.set_ylabel("error")
    ax_err.set_title("(a) train and test error")
    ax_err.legend(fontsize=8)

    gd, theory = data["gd/singular_values"], data["theory/singular_values"]
    for i in range(k):
        ax_sv.plot(iters, gd[:, i], color=f"C{i}", label="GD top $k$" if i == 0 else None)
        ax_sv.plot(iters, theory[:, i], color=f"C{i}", ls="--",
                   label="theory top $k$" if i == 0 else None)
    if gd.shape[1] > k:
        # The (k+1)-th largest is the edge of the bulk; the median of the rest is its middle.
        median = np.median(gd[:, k:], axis=1)
        ax_sv.fill_between(iters, median, gd[:, k], color="0.7", alpha=0.6,
                           label=f"GD bulk (median to {k + 1}-th)")
        ax_sv.plot(iters, theory[:, k], color="0.3", ls="--", lw=0.8, label=f"theory {k + 1}-th")
    ax_sv.axhline(attrs["threshold"], color="red", lw=1.2,
                  label=f"threshold $\\sigma^2 w$ = {attrs['threshold']:.3g}")
    ax_sv.set_yscale("log")
    ax_sv.set_xlabel("iteration")
    ax_sv.set_ylabel("singular value of $A$")
    ax_sv.set_title("(b) singular values")
    ax_sv.legend(fontsize=8)

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
    data, attrs = load_trace(args.trace)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    make_figure(data, attrs, title=f"{Path(args.trace).name}: ").savefig(args.out, dpi=args.dpi)


if __name__ == "__main__":
    main()
