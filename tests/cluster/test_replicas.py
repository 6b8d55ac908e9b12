"""End to end: replicas added later (`sweep --replicas A:B`, `merge` of replica ranges).

A sweep of replicas A .. B-1 stores the replica numbers in its `replica` coordinate and
computes each replica as the sweep of all replicas does (the number seeds the streams, not
the index); sweeps of adjacent ranges (and the parts of one, --part) merge into a file whose
every dataset but `seconds` is bit for bit that of the sweep computed at once, on 1 and 2
ranks; `run --from` the merged file reproduces the stored task. Refused with one line and
exit 2: overlapping ranges, a gap, another parameter, an empty or negative range, and
another range on --resume (which says to merge instead).
"""

import json
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", HDF5_USE_FILE_LOCKING="FALSE")
TIMEOUT = 120

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

# 3 x 3 points of d = 12 across gs + gw = 1: 9 tasks per replica, well under a second
SMALL = ["--d", "12", "--rank", "2", "--gs", "-2:0:3", "--gw", "0.5:2:3", "--max-iter", "80",
         "--seed", "7"]
# Root attributes that say how, when and where a file was made, not what it holds.
VOLATILE = ("provenance_", "run_")


def phasesweep(*args, ranks=1):
    cmd = [str(BIN), *map(str, args)]
    if ranks > 1:
        cmd = [MPIRUN, "--oversubscribe", "-n", str(ranks), *cmd]
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)


def ok(p):
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    return p


def sweep(out, replicas, *extra, ranks=1):
    return ok(phasesweep("sweep", *SMALL, "--replicas", replicas, *extra, "--out", out,
                         ranks=ranks))


def refused(p, *words):
    """Exit 2 and one line 'phasesweep: ...' holding every word."""
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("phasesweep: "), p.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def contents(path):
    with h5py.File(path, "r") as f:
        data = {k: f[k][...] for k in f if isinstance(f[k], h5py.Dataset)}
        attrs = {k: f.attrs[k] for k in f.attrs if not k.startswith(VOLATILE)}
    return data, attrs


def assert_same_file(a_path, b_path):
    """Every dataset but seconds bit for bit (type, shape, bytes); every root attribute but
    provenance and run-steering ones equal."""
    a, a_attrs = contents(a_path)
    b, b_attrs = contents(b_path)
    assert set(a) == set(b)
    compared = 0
    for name in a:
        if name == "seconds":
            continue
        assert a[name].dtype == b[name].dtype and a[name].shape == b[name].shape, name
        assert a[name].tobytes() == b[name].tobytes(), f"{name} differs"
        compared += 1
    assert compared >= 13  # 8 per-task results and 5 grid variables at least
    assert set(a_attrs) == set(b_attrs)
    for key in a_attrs:
        assert str(a_attrs[key]) == str(b_attrs[key]), key


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """--replicas 3 at once; 0:2 and 2:3 on 1 and on 2 ranks; 2:4 in two parts; --replicas 4."""
    d = tmp_path_factory.mktemp("replicas")
    sweep(d / "all3.h5", "3")
    sweep(d / "all4.h5", "4", ranks=2)
    for ranks in (1, 2):
        sweep(d / f"a{ranks}.h5", "0:2", ranks=ranks)
        sweep(d / f"b{ranks}.h5", "2:3", ranks=3 - ranks)
    sweep(d / "c0.h5", "2:4", "--part", "0/2", ranks=2)
    sweep(d / "c1.h5", "2:4", "--part", "1/2")
    return d


def test_the_file_records_the_replica_numbers(files):
    with h5py.File(files / "b1.h5", "r") as f:
        assert f["replica"][...].tolist() == [2]
        assert f["done"].shape == (3, 3, 1)
        assert int(f.attrs["replicas"]) == 1 and int(f.attrs["replica_first"]) == 2
        b_id = f.attrs["sweep_id"]
    with h5py.File(files / "all3.h5", "r") as f:
        assert f["replica"][...].tolist() == [0, 1, 2]
        assert int(f.attrs["replicas"]) == 3 and int(f.attrs["replica_first"]) == 0
        assert f.attrs["sweep_id"] == b_id  # one study: the id leaves the range out
    info = ok(phasesweep("info", files / "b1.h5")).stdout
    assert "replicas = 2:3" in info.splitlines()


def test_a_replica_is_its_number_not_its_index(files):
    """Replica 2 of --replicas 2:3 is replica 2 of --replicas 3, bit for bit, unmerged."""
    a, _ = contents(files / "all3.h5")
    b, _ = contents(files / "b1.h5")
    for name, v in b.items():
        if v.ndim == 3 and name != "seconds":
            assert v.tobytes() == a[name][:, :, 2:3].tobytes(), name


@pytest.mark.parametrize("ranks", [1, 2])
def test_ranges_merge_to_the_sweep_computed_at_once(files, tmp_path, ranks):
    out = tmp_path / "m.h5"
    p = ok(phasesweep("merge", "--out", out, files / f"b{ranks}.h5", files / f"a{ranks}.h5"))
    assert "2 replica ranges (replicas 0:3)" in p.stdout and "27 of 27 tasks" in p.stdout
    assert_same_file(files / "all3.h5", out)
    # a stored task of the merged file, computed again from it alone
    with h5py.File(out, "r") as f:
        want = {k: f[k][1, 2, 2] for k in ("min_test_error", "stable_rank", "log_distance",
                                           "final_train_error", "iterations", "n_iter")}
    got = json.loads(ok(phasesweep("run", "--from", out, "--task", "1,2,2")).stdout)
    for k, v in want.items():
        assert np.float64(got[k]).tobytes() == np.float64(v).tobytes(), k
    # trace --from: the per-iteration file of that task, its record the stored values; by
    # coordinates, replica by its number
    trace = tmp_path / "t.h5"
    ok(phasesweep("trace", "--from", out, "--at", "gamma_s=-1,gamma_w=2,replica=2", "--out",
                  trace))
    with h5py.File(trace, "r") as f:
        for k, v in want.items():
            assert np.float64(f.attrs[k]).tobytes() == np.float64(v).tobytes(), k
        assert int(f.attrs["replica"]) == 2
        assert len(f["gd_test_error"]) == want["n_iter"]


def test_parts_of_a_range_merge_with_another_range(files, tmp_path):
    """0:2 whole, 2:4 in two parts (made on 2 and 1 ranks): the sweep of --replicas 4."""
    out = tmp_path / "m.h5"
    ok(phasesweep("merge", "--out", out, files / "c1.h5", files / "a1.h5", files / "c0.h5"))
    assert_same_file(files / "all4.h5", out)
    # a part missing: says which, in which range
    p = phasesweep("merge", "--out", out.with_name("n.h5"), files / "a1.h5", files / "c0.h5")
    refused(p, "9 of 36 tasks are not done", "replicas 2:4", "part 1 of 2 not given")


def test_merge_refusals(files, tmp_path):
    m = tmp_path / "m.h5"
    sweep(tmp_path / "o.h5", "1:3")
    sweep(tmp_path / "g.h5", "3:4")
    sweep(tmp_path / "n.h5", "2:3", "--noise", "0.5")
    refused(phasesweep("merge", "--out", m, files / "a1.h5", tmp_path / "o.h5"), "overlap",
            "replicas 0:2", "replicas 1:3", "replicas 1:2 are in both")
    refused(phasesweep("merge", "--out", m, files / "a1.h5", files / "all3.h5"), "overlap",
            "replicas 0:2 are in both")
    refused(phasesweep("merge", "--out", m, tmp_path / "g.h5", files / "a1.h5"),
            "replicas 2:3 are missing", "a1.h5 (replicas 0:2)", "g.h5 (replicas 3:4)",
            "--replicas 2:3")
    refused(phasesweep("merge", "--out", m, files / "a1.h5", tmp_path / "n.h5"),
            "different sweeps", "noise=1 (", "vs 0.5 (", "n.h5")
    refused(phasesweep("merge", "--out", m, files / "a1.h5", files / "a2.h5"),
            "both hold replicas 0:2")
    refused(phasesweep("merge", "--out", m, files / "c0.h5", files / "all4.h5"), "overlap")
    assert not m.exists()


@pytest.mark.parametrize("bad,words", [
    ("3:3", ["--replicas", "'3:3' is an empty replica range"]),
    ("4:2", ["--replicas", "'4:2' is an empty replica range"]),
    ("-1:2", ["--replicas", "A = -1", "out of range"]),
    ("-2", ["--replicas", "'-2' is out of range"]),
    ("1:2:3", ["--replicas", "not R or a replica range A:B"]),
])
def test_bad_ranges_are_refused(tmp_path, bad, words):
    p = phasesweep("sweep", *SMALL, "--replicas", bad, "--out", tmp_path / "x.h5")
    refused(p, *words)
    assert not (tmp_path / "x.h5").exists()


def test_resume_of_a_range(files, tmp_path):
    """--replicas 2:5 --resume continues a 2:5 file (bitwise); another range is refused with
    one line that says to merge instead."""
    full = tmp_path / "full.h5"
    sweep(full, "2:5")
    cut = tmp_path / "cut.h5"
    cut.write_bytes(full.read_bytes())
    with h5py.File(cut, "r+") as f:  # three tasks undone
        for t in [(0, 0, 0), (1, 2, 1), (2, 1, 2)]:
            f["done"][t] = 0
    p = ok(phasesweep("sweep", *SMALL, "--replicas", "2:5", "--resume", "--out", cut))
    assert "3 done before" not in p.stderr and "24 done before" in p.stderr
    assert_same_file(full, cut)
    for other, text in (("3", "3"), ("2:6", "2:6"), ("0:5", "5")):  # 0:R is R
        line = refused(phasesweep("sweep", *SMALL, "--replicas", other, "--resume", "--out",
                                  cut), "replicas=2:5 (file) vs", "merge")
        assert f"vs {text} (now)" in line
