"""phasesweep.studies.beyond (make beyond-demo's figures) on real tiny engine sweeps: the
(gamma_s, knob) diagram from one file per knob value, the distance against the width, the
knob read from each file's own attribute, and the one-line refusals."""

import h5py
import numpy as np
import pytest

from phasesweep.studies import beyond
from enginerun import engine

TINY = ["--d", "8", "--max-iter", "60", "--replicas", "2"]


@pytest.fixture(scope="module")
def gr_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("beyond")
    for gr in ("-0.3", "0", "0.3"):
        engine(["sweep", *TINY, "--gs", "-2:0:3", "--gw", "1.5:1.5:1", "--gr", gr, "--out",
                str(d / f"gr{gr}.h5")], d)
    for gr in ("0", "0.3"):
        engine(["sweep", *TINY, "--gs", "-1.8:-1.8:1", "--gw", "1.2:2:3", "--gr", gr, "--out",
                str(d / f"w{gr}.h5")], d)
    return d


def test_diagram_stacks_the_files_by_their_knob(gr_files, capsys):
    files = sorted(str(p) for p in gr_files.glob("gr*.h5"))
    sweeps = beyond.load(files, "gr", width=False)
    assert list(sweeps) == [-0.3, 0.0, 0.3]
    with h5py.File(gr_files / "gr0.3.h5", "r") as f:  # the replica mean of the file itself
        want = np.nanmean(f["min_test_error"][()][:, 0, :], axis=-1)
    np.testing.assert_array_equal(sweeps[0.3]["min_test_error"].values, want)
    out = gr_files / "diagram.png"
    assert beyond.main(["--knob", "gr", "-o", str(out), *files]) == 0
    assert out.stat().st_size > 10000
    assert "gr = +0.3:" in capsys.readouterr().out


def test_width_figure(gr_files):
    out = gr_files / "width.png"
    files = sorted(str(p) for p in gr_files.glob("w*.h5"))
    assert beyond.main(["--knob", "gr", "--width", "-o", str(out), *files]) == 0
    assert out.stat().st_size > 10000


def test_refusals(gr_files, capsys):
    one = str(gr_files / "gr0.h5")
    assert beyond.main(["--knob", "gr", "-o", str(gr_files / "x.png"), one]) == 2
    assert "at least two values of gr" in capsys.readouterr().err
    assert beyond.main(["--knob", "gr", "-o", str(gr_files / "x.png"), one, one]) == 2
    assert "is in two files" in capsys.readouterr().err
    assert beyond.main(["--knob", "nope", "-o", str(gr_files / "x.png"), one,
                        str(gr_files / "gr0.3.h5")]) == 2
    assert "no nope" in capsys.readouterr().err
    # a diagram needs one gamma_w: the width files have three
    assert beyond.main(["--knob", "gr", "-o", str(gr_files / "x.png"),
                        str(gr_files / "w0.h5"), str(gr_files / "w0.3.h5")]) == 2
    assert "needs one gamma_w" in capsys.readouterr().err
    assert not (gr_files / "x.png").exists()


def test_one_file_with_a_gr_axis_reads_as_the_files(gr_files):
    """`--gr -0.3:0.3:3` in one sweep file gives the same diagram data as one file per gr."""
    engine(["sweep", *TINY, "--gs", "-2:0:3", "--gw", "1.5:1.5:1", "--gr", "-0.3:0.3:3",
            "--out", str(gr_files / "axis.h5")], gr_files)
    axis = beyond.load([str(gr_files / "axis.h5")], "gr", width=False)
    loop = beyond.load(sorted(str(p) for p in gr_files.glob("gr*.h5")), "gr", width=False)
    assert list(axis) == list(loop)
    for value in axis:
        for name, _ in beyond.METRICS:
            np.testing.assert_array_equal(axis[value][name].values, loop[value][name].values)
