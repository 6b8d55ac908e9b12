"""Beyond the paper: the phase diagram of the four metrics over (gamma_s, KNOB) for a knob the
paper does not have (gr, the layer imbalance; observed, the share P of matrix completion), and
the GD-vs-theory distance against the width for a few values of the knob.

The sweeps are either one file per knob value (the knob a root attribute, as a loop over
`sweep --gr X` writes them) or one file with the knob as an axis (`sweep --gr -0.6:0.6:7`);
each has one gamma_w (the diagram) or one gamma_s (--width: the distance against the width).
Replicas are averaged; tasks not done are left out.

  python3 -m phasesweep.studies.beyond --knob gr -o gr.png results/beyond-gr/gr*.h5
  python3 -m phasesweep.studies.beyond --knob gr --width -o width.png results/beyond-gr/width-*.h5
"""

import sys

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .. import cli
from ..io import files

PROG = "phasesweep-beyond"
METRICS = (("min_test_error", "min test error"), ("stable_rank", "stable rank at the minimum"),
           ("iterations", "iterations to the minimum"),
           ("log_distance", "ln max GD-vs-theory distance"))
KNOB_LABELS = {"gr": "gamma_r (layer imbalance)", "observed": "observed share P"}


def _knob_values(ds, knob, path):
    """[(value, dataset at that value)] of one sweep file: its axis, or its root attribute."""
    if knob in ds.dims:
        return [(float(v), ds.sel({knob: v})) for v in ds[knob].values]
    if knob not in ds.attrs:
        raise cli.UsageError(f"{path}: no {knob} (neither an axis nor a root attribute)")
    return [(float(ds.attrs[knob]), ds)]


def _one(ds, name, path, what):
    if ds.sizes[name] != 1:
        raise cli.UsageError(f"{path}: {what} needs one {name}, the file has "
                             f"{ds.sizes[name]}")
    return ds.isel({name: 0})


def load(paths, knob, width):
    """{knob value: dataset} over the files, each reduced to the replica mean along gamma_s
    (the diagram) or gamma_w (width), sorted by the knob."""
    out = {}
    for path in paths:
        ds = files.open_sweep(path)
        extra = [a for a in files.axes_of(ds) if a != knob]
        if extra:
            raise cli.UsageError(f"{path}: axes {' '.join(extra)} besides {knob}: select "
                                 f"them first (phasesweep-figure2 --sel)")
        for value, part in _knob_values(ds, knob, path):
            part = _one(part, "gamma_s" if width else "gamma_w", path,
                        "--width" if width else "the diagram")
            if value in out:
                raise cli.UsageError(f"{path}: {knob} = {value:g} is in two files")
            out[value] = part.mean("replica", skipna=True, keep_attrs=True)
    if len(out) < (1 if width else 2):
        raise cli.UsageError(f"the diagram needs at least two values of {knob}, got {len(out)}")
    return dict(sorted(out.items()))


def diagram(sweeps, knob):
    """Four panels: each metric over (gamma_s, knob)."""
    values = list(sweeps)
    first = next(iter(sweeps.values()))
    gs = first["gamma_s"].values
    fig = Figure(figsize=(13, 3.4), layout="constrained")
    axes = fig.subplots(1, 4)
    for ax, (name, label) in zip(axes, METRICS):
        z = np.array([sweeps[v][name].values for v in values], dtype=float)
        mesh = ax.pcolormesh(gs, values, z, shading="nearest",
                             cmap=matplotlib.colormaps["viridis"])
        fig.colorbar(mesh, ax=ax, label=label)
        ax.set_xlabel("gamma_s")
        ax.set_ylabel(KNOB_LABELS.get(knob, knob))
        ax.set_title(label)
    gw = float(first["gamma_w"].values) if "gamma_w" in first.coords else float("nan")
    d = first.attrs.get("d", "")
    fig.suptitle(f"beyond the paper: {knob} against gamma_s at gamma_w = {gw:g}, d = {d}")
    return fig


def width_figure(sweeps, knob):
    """The replica-mean ln max distance against ln w, one line per knob value."""
    fig = Figure(figsize=(5.5, 4), layout="constrained")
    ax = fig.subplots()
    for value, ds in sweeps.items():
        w = ds["width"].values.astype(float)
        ax.plot(np.log(w), ds["log_distance"].values, "o-", label=f"{knob} = {value:g}")
    ax.set_xlabel("ln width")
    ax.set_ylabel("ln max GD-vs-theory distance (replica mean)")
    first = next(iter(sweeps.values()))
    ax.set_title(f"gamma_s = {float(first['gamma_s'].values):g}, d = {first.attrs.get('d', '')}")
    ax.legend()
    return fig


def _main(argv):
    parser = cli.ArgumentParser(PROG, __doc__)
    parser.add_argument("sweeps", nargs="+", help="sweep files (one per knob value, or one "
                                                   "with the knob as an axis)")
    parser.add_argument("--knob", required=True, help="the knob: gr, observed, ...")
    parser.add_argument("--width", action="store_true",
                        help="the distance against the width (files with one gamma_s)")
    parser.add_argument("-o", "--out", required=True, help="figure (.png, .pdf, .svg)")
    cli.add_dpi(parser)
    args = parser.parse_args(argv)
    out = cli.check_output(args.out, cli.FIGURE_FORMATS)
    sweeps = load(args.sweeps, args.knob, args.width)
    for value, ds in sweeps.items():
        if args.width:
            row = "  ".join(f"w={int(w)}:{v:.2f}" for w, v in
                            zip(ds["width"].values, ds["log_distance"].values))
        else:
            row = "  ".join(f"{name}={float(np.nanmedian(ds[name].values)):.3g}"
                            for name, _ in METRICS)
        print(f"{args.knob} = {value:+g}: {row}" + ("" if args.width else " (medians over gs)"))
    cli.flush_stdout()
    fig = width_figure(sweeps, args.knob) if args.width else diagram(sweeps, args.knob)
    cli.write_figure(fig, out, args.dpi)
    print(f"{PROG}: wrote {out}", file=sys.stderr)
    return 0


main = cli.entry(PROG, _main)


if __name__ == "__main__":
    main()
