"""End to end: `sweep --part I/N` and `merge`.

Parts of one sweep, computed on any rank counts, interrupted by SIGKILL and resumed, merge
into a file whose every dataset (but seconds) is bit for bit that of the whole sweep run at
once; merge refuses, in one line with exit 2, parts of other sweeps, of other splits,
duplicate, overlapping and unfinished parts (--partial merges them and says what is
missing); info tells which part of which sweep a file is and exits 0 when the part is done.
"""

import os
import signal
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"  # we read files a sweep is writing

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from enginecli import BIN, MPIRUN, engine_env, refused, skip_unless_built  # noqa: E402

ENV = engine_env()
TIMEOUT = 120

skip_unless_built()

# 4 x 4 x 2 = 32 tasks of d = 12 across gs + gw = 1.
SMALL = ["--d", "12", "--rank", "2", "--gs", "-2:0:4", "--gw", "0.5:2:4", "--replicas", "2",
         "--max-iter", "100", "--seed", "7"]
# A few seconds: 5 x 5 x 2 = 50 tasks at d = 48, to be killed in the middle.
LONG = ["--d", "48", "--rank", "3", "--gs", "-2.2:-0.2:5", "--gw", "0.6:2.2:5", "--replicas",
        "2", "--max-iter", "500", "--seed", "11"]
# Root attributes that say how, when and where a file was made, not what it holds.
PROVENANCE = {"created", "command_line", "out", "force", "resume", "config", "threads",
              "group_size", "block", "max_mem", "version"}


def mpirun(n, *args, check=True):
    p = subprocess.run([MPIRUN, "--oversubscribe", "-n", str(n), str(BIN), *args], env=ENV,
                       capture_output=True, text=True, timeout=TIMEOUT)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def phasesweep(*args):
    return subprocess.run([str(BIN), *args], env=ENV, capture_output=True, text=True,
                          timeout=TIMEOUT)


def datasets(path):
    """Every dataset of the file by path (whatever the layout), and its root attributes."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[...])
                     if isinstance(obj, h5py.Dataset) else None)
        attrs = {k: f.attrs[k] for k in f.attrs}
    return out, attrs


def assert_bitwise_equal(a_path, b_path):
    a, a_attrs = datasets(a_path)
    b, b_attrs = datasets(b_path)
    assert set(a) == set(b)
    compared = 0
    for name in a:
        if name.rsplit("/", 1)[-1] == "seconds":
            continue  # wall time
        assert a[name].dtype == b[name].dtype and a[name].shape == b[name].shape, name
        assert a[name].tobytes() == b[name].tobytes(), f"{name} differs"
        compared += 1
    assert compared >= 13  # 8 per-task results and 5 grid variables at least
    assert set(a_attrs) == set(b_attrs)
    for key in set(a_attrs) - PROVENANCE:
        if key.startswith(("provenance_", "run_")):
            continue  # how and where it ran, not what
        assert str(a_attrs[key]) == str(b_attrs[key]), key


def done_dataset(f):
    """The done flags of an open file: /results/done, or /done (layout_version 2)."""
    return f["results/done"] if "results/done" in f else f["done"]


def done_flags(path):
    with h5py.File(path, "r") as f:
        return done_dataset(f)[...].astype(bool)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The whole small sweep, and its 3 parts on 1, 2 and 3 ranks."""
    d = tmp_path_factory.mktemp("parts")
    mpirun(2, "sweep", *SMALL, "--out", str(d / "whole.h5"))
    for i, ranks in enumerate((1, 2, 3)):
        mpirun(ranks, "sweep", *SMALL, "--part", f"{i}/3", "--out", str(d / f"p{i}.h5"))
    return d


def test_parts_merge_bitwise_to_the_whole_sweep(small):
    out = small / "merged.h5"
    p = phasesweep("merge", "--out", str(out), *(str(small / f"p{i}.h5") for i in (2, 0, 1)))
    assert p.returncode == 0, p.stderr
    assert "merged 3 of 3 parts" in p.stdout and "32 of 32 tasks" in p.stdout
    assert_bitwise_equal(small / "whole.h5", out)
    assert phasesweep("info", str(out)).returncode == 0
    with h5py.File(out, "r") as f:
        assert "part_index" not in f.attrs and f.attrs["part"] == ""


def test_parts_split_the_tasks(small):
    """Each task in exactly one part, part sizes within one, sizes as info reports them."""
    flags = [done_flags(small / f"p{i}.h5") for i in range(3)]
    assert (sum(f.astype(int) for f in flags) == 1).all()
    sizes = sorted(int(f.sum()) for f in flags)
    assert sizes[-1] - sizes[0] <= 1 and sum(sizes) == 32


def test_info_on_a_part(small):
    with h5py.File(small / "whole.h5", "r") as f:
        sweep_id = f.attrs["sweep_id"]
    p = phasesweep("info", str(small / "p1.h5"))
    assert p.returncode == 0, p.stdout + p.stderr
    n = int(done_flags(small / "p1.h5").sum())
    assert f"part: 1/3 of sweep {sweep_id}: {n} of the sweep's 32 tasks" in p.stdout
    assert f"done: {n} / {n} (100.0%)" in p.stdout
    assert "part:" not in phasesweep("info", str(small / "whole.h5")).stdout


def test_merge_refuses_parts_of_another_sweep(small, tmp_path):
    other = tmp_path / "other.h5"
    mpirun(1, "sweep", *SMALL, "--seed", "8", "--part", "1/3", "--out", str(other))
    p = phasesweep("merge", "--out", str(tmp_path / "m.h5"), str(small / "p0.h5"), str(other),
                   str(small / "p2.h5"))
    refused(p, "different sweeps", "seed=7", "8", "other.h5")
    assert not (tmp_path / "m.h5").exists()


def test_merge_refuses_files_of_another_kind_or_shape(small, tmp_path):
    """A trace file, and a part whose variables do not have the shape its options say, are
    refused by the file layer's own layout checks."""
    trace = tmp_path / "t.h5"
    phasesweep("trace", "--d", "8", "--rank", "2", "--gs", "-1", "--gw", "1", "--max-iter", "3",
               "--out", str(trace)).check_returncode()
    p = phasesweep("merge", "--out", str(tmp_path / "m.h5"), str(small / "p0.h5"), str(trace))
    refused(p, "t.h5", "trace file, not a sweep file")
    bad = tmp_path / "p1.h5"
    shutil.copy(small / "p1.h5", bad)
    with h5py.File(bad, "r+") as f:
        del f["stable_rank"]
    p = phasesweep("merge", "--out", str(tmp_path / "m.h5"), str(small / "p0.h5"), str(bad),
                   str(small / "p2.h5"))
    refused(p, "p1.h5", "stable_rank")
    assert not (tmp_path / "m.h5").exists()


def test_merge_refuses_duplicate_and_overlapping_parts(small, tmp_path):
    m = str(tmp_path / "m.h5")
    p0, p1, p2 = (str(small / f"p{i}.h5") for i in range(3))
    refused(phasesweep("merge", "--out", m, p0, p1, p1, p2), "both part 1/3", "duplicate")
    # a part of another split of the same sweep
    half = tmp_path / "half.h5"
    mpirun(1, "sweep", *SMALL, "--part", "1/2", "--out", str(half))
    refused(phasesweep("merge", "--out", m, p0, str(half)), "overlap", "1/2", "0/3")
    # a task done in two parts (a copy of part 1 that claims one task of part 0 done)
    forged = tmp_path / "forged.h5"
    forged.write_bytes((small / "p1.h5").read_bytes())
    taken = np.argwhere(done_flags(p0))[0]
    with h5py.File(forged, "r+") as f:
        done_dataset(f)[tuple(taken)] = 1
    refused(phasesweep("merge", "--out", m, p0, str(forged), p2), "overlap", "done in both")
    refused(phasesweep("merge", "--out", m, p0, str(small / "whole.h5")), "not a part")
    refused(phasesweep("merge", "--out", p0, p1), "exists")
    refused(phasesweep("merge", "--out", p0, "--force", p0, p1), "one of the parts")
    refused(phasesweep("merge", "--out", m), "merge needs PART files")
    assert not Path(m).exists()


def test_merge_refuses_unfinished_parts_unless_partial(small, tmp_path):
    m = tmp_path / "m.h5"
    p0, p2 = str(small / "p0.h5"), str(small / "p2.h5")
    missing = int(done_flags(small / "p1.h5").sum())
    refused(phasesweep("merge", "--out", str(m), p0, p2), f"{missing} of 32 tasks are not done",
            "--partial")
    assert not m.exists()
    p = phasesweep("merge", "--out", str(m), "--partial", p0, p2)
    assert p.returncode == 0, p.stderr
    assert f"{missing} of 32 tasks missing: part 1 of 3 not given" in p.stderr
    assert phasesweep("info", str(m)).returncode == 3
    whole, _ = datasets(small / "whole.h5")
    merged, _ = datasets(m)
    done = done_flags(m)
    assert (done == ~done_flags(small / "p1.h5")).all()
    for name, value in whole.items():
        if value.shape != done.shape or name.endswith("seconds"):
            continue
        assert value[done].tobytes() == merged[name][done].tobytes(), name
    # an unfinished part among all N: the line says to resume it
    unfinished = tmp_path / "p1-unfinished.h5"
    unfinished.write_bytes((small / "p1.h5").read_bytes())
    with h5py.File(unfinished, "r+") as f:
        done = done_dataset(f)
        done[tuple(np.argwhere(done[...])[0])] = 0
    refused(phasesweep("merge", "--out", str(tmp_path / "n.h5"), p0, str(unfinished), p2),
            "1 of 32 tasks are not done", "p1-unfinished.h5 (part 1/3) has 1 left (resume it)")


def test_bad_part_values(tmp_path):
    out = str(tmp_path / "x.h5")
    refused(phasesweep("sweep", *SMALL, "--part", "3/3", "--out", out), "--part", "[0, 2]")
    refused(phasesweep("sweep", *SMALL, "--part", "0/33", "--out", out), "--part", "[1, 32]")
    refused(phasesweep("sweep", *SMALL, "--part", "1", "--out", out), "--part", "I/N")
    refused(phasesweep("sweep", *SMALL, "--part", "-1/3", "--out", out), "--part", "[0, 2]")
    assert not Path(out).exists()


def test_part_from_config_and_resume_checks_the_part(small, tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text("[sweep]\n" + "".join(f"{k[2:]} = {v}\n" for k, v in zip(SMALL[::2],
                                                                             SMALL[1::2]))
                   + "part = 01/3\n")
    out = tmp_path / "p1.h5"
    mpirun(2, "sweep", "--config", str(ini), "--out", str(out))
    assert (done_flags(out) == done_flags(small / "p1.h5")).all()
    # the part is part of the file's identity
    refused(phasesweep("sweep", "--config", str(ini), "--part", "2/3", "--out", str(out),
                       "--resume"), "part=1/3 (file) vs 2/3 (now)")
    p = phasesweep("sweep", "--config", str(ini), "--out", str(out), "--resume")
    assert p.returncode == 0, p.stderr


def _session_pids(sid):
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z" and int(fields[3]) == sid:
                yield int(entry.name)


def test_killed_part_resumes_and_merges_the_same(tmp_path):
    """Part 1 of 2 is SIGKILLed mid-way (mpirun and its ranks), resumed, merged with part 0:
    the same bits as the whole sweep."""
    mpirun(2, "sweep", *LONG, "--out", str(tmp_path / "whole.h5"))
    mpirun(2, "sweep", *LONG, "--part", "0/2", "--out", str(tmp_path / "p0.h5"))
    p1 = tmp_path / "p1.h5"
    args = [*LONG, "--part", "1/2", "--out", str(p1)]
    proc = subprocess.Popen([MPIRUN, "--oversubscribe", "-n", "2", str(BIN), "sweep", *args],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            assert proc.poll() is None, "the part ended before it could be killed"
            try:
                if done_flags(p1).sum() >= 3:
                    break
            except (OSError, KeyError):
                pass
            time.sleep(0.05)
    finally:
        for pid in list(_session_pids(proc.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.communicate(timeout=30)
    left = phasesweep("info", str(p1))
    assert left.returncode == 3, left.stdout
    mpirun(2, "sweep", *args, "--resume")
    assert phasesweep("info", str(p1)).returncode == 0
    out = tmp_path / "merged.h5"
    p = phasesweep("merge", "--out", str(out), str(tmp_path / "p0.h5"), str(p1))
    assert p.returncode == 0, p.stderr
    assert_bitwise_equal(tmp_path / "whole.h5", out)


def test_merge_help():
    p = phasesweep("merge", "--help")
    assert p.returncode == 0 and p.stdout.startswith("usage: phasesweep merge")
    for option in ("--out", "--force", "--partial"):
        assert option in p.stdout
    assert "merge" in phasesweep("--help").stdout
