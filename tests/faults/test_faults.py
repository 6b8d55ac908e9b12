"""Faults on the output's filesystem (issue #13): full disks, concurrent writers, kills.

Every command runs under a time limit: a hang kills its whole session (mpirun and ranks) and
fails the test. Full disks are small tmpfs mounts (root only; skipped with the reason
otherwise, and failed under CI=true, where the tests run as root), unmounted in `finally`. Each fault is tried on one rank (no mpirun) and under
`mpirun -n 2`; the concurrency cases repeat >= 10 times.
"""

import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

# This process reads files that sweeps write: no HDF5 file locks here.
_CALLER_ENV = dict(os.environ)
os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sessions import kill_session  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
CI = os.environ.get("CI", "").lower() == "true"


def env_skip(reason):
    """A skip for want of something CI provides (root, a compiler): a failure under CI=true."""
    if CI:
        pytest.fail(f"skipped under CI=true, a failure here: {reason}", pytrace=False)
    pytest.skip(reason)

ENV = dict(_CALLER_ENV, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
ENV.pop("PHASESWEEP_HDF5_ERRORS", None)

LIMIT = 40  # seconds: every command here ends in a few; more is a hang

# 12 tasks of d = 12: a file of ~20 KB
TINY = ["--d", "12", "--rank", "2", "--gs", "-2:0:3", "--gw", "0.5:2:2", "--replicas", "2",
        "--max-iter", "60", "--seed", "5"]
# F1's first form: the file cannot be made on a full disk
F1 = ["--d", "50", "--gs", "-2.5:-0.5:6", "--gw", "0.5:2.5:6", "--replicas", "2"]
# F1's second form: a file larger than the free space of a 200 KiB disk, no filler
BIG = ["--d", "20", "--gs", "-2.5:-0.5:6", "--gw", "0.5:2.5:6", "--replicas", "150",
       "--max-iter", "5"]
# lasts long enough (minutes: every task runs all its iterations) for other commands to be
# tried against it, however fast the machine; the tests end it with SIGUSR1
SLOW = ["--d", "30", "--rank", "2", "--gs", "-2.5:-0.5:8", "--gw", "0.5:2.5:8", "--replicas",
        "8", "--max-iter", "2000", "--no-stop", "--seed", "3"]


def cmd(n, args):
    if n == 1:
        return [str(BIN), *args]
    return [MPIRUN, "--oversubscribe", "-n", str(n), str(BIN), *args]




def start(n, args, env=ENV):
    return subprocess.Popen(cmd(n, args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc, limit=LIMIT):
    """(returncode, stdout, stderr); a command still running after `limit` s is a hang."""
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        kill_session(proc)
        out, err = proc.communicate()
        pytest.fail(f"hang: {proc.args} still running after {limit} s; stderr:\n{err}")
    return proc.returncode, out, err


class running:
    """A started command whose whole session is SIGKILLed when the block is left (a failed
    assertion must not leave a sweep running)."""

    def __init__(self, n, args):
        self.proc = start(n, args)

    def __enter__(self):
        return self.proc

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            kill_session(self.proc)
            self.proc.communicate()
        return False


def run(n, args, limit=LIMIT, env=ENV):
    return finish(start(n, args, env), limit)


def ps_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("phasesweep:")]


def assert_one_line(rc, err, status, *words):
    """Exit `status`, one phasesweep line holding every word, no HDF5 error stack."""
    assert rc == status, (rc, err)
    lines = [line for line in ps_lines(err) if "tasks" not in line]  # progress lines aside
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], (w, err)
    assert "HDF5-DIAG" not in err and "#000:" not in err, err


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


RESULT_VARS = ("min_test_error", "stable_rank", "iterations", "log_distance",
               "final_train_error", "n_iter", "stop_reason", "done")  # all but seconds


def read_results(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in RESULT_VARS}


def assert_bitwise(a, b):
    ra, rb = read_results(a), read_results(b)
    assert set(ra) == set(rb)
    for k in ra:
        assert ra[k].dtype == rb[k].dtype and ra[k].tobytes() == rb[k].tobytes(), k


def leftovers(directory, keep=("filler",)):
    return sorted(p.name for p in Path(directory).iterdir() if p.name not in keep)


def fill(directory):
    """Writes directory/filler until the filesystem is full."""
    fd = os.open(Path(directory) / "filler", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 200 KiB tmpfs, mounted for the test and unmounted after it."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        env_skip(f"cannot mount a tmpfs to fill (needs root): {p.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture(scope="module")
def tiny_ref(tmp_path_factory):
    assert BIN.exists(), f"{BIN} not built (make all)"
    path = tmp_path_factory.mktemp("ref") / "tiny.h5"
    rc, _, err = run(1, ["sweep", *TINY, "--out", str(path)])
    assert rc == 0, err
    return path


# ---- F1-F3: a full disk ends every rank at once, with one line and the reason ----

@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("form", ["filler", "too_big"])
def test_full_disk_ends_cleanly(tiny_disk, n, form):
    if form == "filler":
        fill(tiny_disk)
    out = tiny_disk / "h.h5"
    t0 = time.monotonic()
    rc, _, err = run(n, ["sweep", *(F1 if form == "filler" else BIG), "--out", str(out)])
    assert rc != 124 and rc >= 0, f"crash or hang: {rc}\n{err}"
    # rank 0 builds the file serially: the call that meets the full disk (H5Fcreate,
    # H5Dcreate2, H5Dclose, ...) depends on how much space is left and on HDF5's caching
    assert_one_line(rc, err, 1, "No space left on device", str(out) + ".tmp.", "cannot write",
                    "(src/io/h5_sweep.c:")
    if n == 2:
        assert "rank 0:" in ps_lines(err)[0] or "rank 1:" in ps_lines(err)[0]
    assert time.monotonic() - t0 < LIMIT
    assert leftovers(tiny_disk) == [], "temporary, lock or probe left behind"


@pytest.mark.parametrize("n", [1, 2])
def test_trace_on_full_disk(tiny_disk, n):
    fill(tiny_disk)
    out = tiny_disk / "t.h5"
    rc, _, err = run(n, ["trace", "--d", "20", "--gs", "-1", "--gw", "1", "--max-iter", "50",
                         "--out", str(out)])
    assert_one_line(rc, err, 1, "No space left on device", str(out) + ".tmp.")
    assert leftovers(tiny_disk) == []


def test_hdf5_stack_on_request(tiny_disk):
    fill(tiny_disk)
    env = dict(ENV, PHASESWEEP_HDF5_ERRORS="1")
    rc, _, err = run(1, ["sweep", *F1, "--out", str(tiny_disk / "h.h5")], env=env)
    assert rc == 1
    assert "HDF5-DIAG" in err and "No space left on device" in ps_lines(err)[-1]


@pytest.mark.parametrize("n", [1, 2])
def test_failed_force_leaves_existing_file_untouched(tiny_disk, tiny_ref, n):
    out = tiny_disk / "x.h5"
    shutil.copy(tiny_ref, out)
    fill(tiny_disk)
    before = md5(out)
    rc, _, err = run(n, ["sweep", *F1, "--force", "--out", str(out)])
    assert_one_line(rc, err, 1, "No space left on device")
    assert md5(out) == before
    assert leftovers(tiny_disk) == ["x.h5"]


@pytest.mark.parametrize("n", [1, 2])
def test_rerun_after_disk_freed_is_bitwise_identical(tiny_disk, tiny_ref, n):
    fill(tiny_disk)
    out = tiny_disk / "r.h5"
    rc, _, err = run(n, ["sweep", *TINY, "--out", str(out)])
    assert_one_line(rc, err, 1, "No space left on device")
    (tiny_disk / "filler").unlink()
    rc, _, err = run(n, ["sweep", *TINY, "--out", str(out)])
    assert rc == 0, err
    assert_bitwise(out, tiny_ref)
    assert leftovers(tiny_disk) == ["r.h5"]


def test_disk_full_during_sweep_then_resume_bitwise(tiny_disk, tmp_path):
    """The disk fills up while the sweep runs: its file was allocated whole at creation, so
    the sweep ends (normally, or with the one line), and --resume after freeing the space
    gives the uninterrupted results bit for bit."""
    args = ["--d", "16", "--rank", "2", "--gs", "-2:0:4", "--gw", "0.5:2:4", "--replicas", "3",
            "--max-iter", "300", "--seed", "9"]
    ref = tmp_path / "ref.h5"
    rc, _, err = run(2, ["sweep", *args, "--out", str(ref)])
    assert rc == 0, err
    out = tiny_disk / "s.h5"
    with running(2, ["sweep", *args, "--out", str(out)]) as proc:
        t0 = time.monotonic()
        while not out.exists() and proc.poll() is None and time.monotonic() - t0 < LIMIT:
            time.sleep(0.01)
        fill(tiny_disk)
        rc, _, err = finish(proc)
    assert rc in (0, 1), err
    if rc == 1:
        assert_one_line(rc, err, 1, "No space left on device")
    (tiny_disk / "filler").unlink()
    rc, _, err = run(2, ["sweep", *args, "--resume", "--out", str(out)])
    assert rc == 0, err
    assert_bitwise(out, ref)


@pytest.fixture(scope="module")
def enospc_shim(tmp_path_factory):
    """tests/faults/enospc_shim.c built as an LD_PRELOAD library."""
    so = tmp_path_factory.mktemp("shim") / "enospc_shim.so"
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        env_skip("no C compiler to build the ENOSPC shim")
    p = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(so),
                        str(Path(__file__).with_name("enospc_shim.c")), "-ldl"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return so


def done_count(path):
    try:
        with h5py.File(path, "r") as f:
            return int(f["done"][...].sum())
    except (OSError, KeyError):
        return -1


@pytest.mark.parametrize("n", [1, 2])
def test_disk_full_mid_sweep_then_resume_bitwise(tmp_path, enospc_shim, n):
    """A write of a task's result fails with ENOSPC in the middle of the sweep (an LD_PRELOAD
    shim, since a real tmpfs cannot fill a preallocated file): every rank ends within the time
    limit with exit 1 and the reason, each failing rank on one line; once the "space is freed"
    --resume completes the file, bit for bit as the uninterrupted sweep."""
    args = ["--d", "24", "--rank", "2", "--gs", "-2.2:-0.2:5", "--gw", "0.6:2.2:5",
            "--replicas", "2", "--max-iter", "400", "--seed", "4"]
    ref = tmp_path / "ref.h5"
    rc, _, err = run(2, ["sweep", *args, "--out", str(ref)])
    assert rc == 0, err
    out, trigger = tmp_path / "s.h5", tmp_path / "disk-full"
    env = dict(ENV, LD_PRELOAD=str(enospc_shim), PS_SHIM_TRIGGER=str(trigger),
               PS_SHIM_TARGET=str(out))
    proc = start(n, ["sweep", *args, "--out", str(out)], env=env)
    try:
        t0 = time.monotonic()
        while done_count(out) < 2:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() - t0 < LIMIT, "no progress"
            time.sleep(0.05)
        trigger.touch()
        rc, _, err = finish(proc)
    finally:
        if proc.poll() is None:
            kill_session(proc)
    assert rc == 1, err
    lines = [x for x in ps_lines(err) if "tasks" not in x]
    assert 1 <= len(lines) <= n, err
    for line in lines:
        assert "H5Dwrite" in line and f"cannot write {out}: No space left on device" in line
    assert "HDF5-DIAG" not in err
    total = done_count(ref)
    assert 0 < done_count(out) < total, "the fault did not stop the sweep midway"
    trigger.unlink()
    rc, _, err = run(n, ["sweep", *args, "--resume", "--out", str(out)])
    assert rc == 0, err
    assert_bitwise(out, ref)
    assert leftovers(tmp_path) == ["ref.h5", "s.h5"]


# ---- F4-F6: one writer per output ----

def seed_of(path):
    with h5py.File(path, "r") as f:
        return int(f.attrs["seed"]), bool(f["done"][...].all())


def test_two_writers_one_file(tmp_path):
    """F4, 12 times: two sweeps started together on the same --out. One writes, the other
    is refused with exit 2 (by the lock, or by the finished file), never both exit 0."""
    host = socket.gethostname()
    for i in range(12):
        out = tmp_path / f"x{i}.h5"
        n = 2 if i % 4 == 3 else 1  # some under mpirun -n 2
        a = start(n, ["sweep", *TINY, "--seed", "1", "--out", str(out)])
        b = start(1, ["sweep", *TINY, "--seed", "2", "--out", str(out)])
        (ra, _, ea), (rb, _, eb) = finish(a), finish(b)
        assert sorted([ra, rb]) == [0, 2], (i, ra, ea, rb, eb)
        winner, refused = (1, eb) if ra == 0 else (2, ea)
        line = [x for x in ps_lines(refused) if "--out" in x]
        assert len(line) == 1, refused
        assert ("is being written by pid" in line[0] and f"on host {host}" in line[0]) or \
            "exists" in line[0], line
        assert seed_of(out) == (winner, True)
        assert leftovers(tmp_path) == sorted(f"x{j}.h5" for j in range(i + 1))


@pytest.mark.parametrize("n", [1, 2])
def test_force_resume_trace_refused_while_running(tmp_path, n):
    """F5, F6: --force, --resume (and a trace) on the --out of a running sweep are refused at
    once, naming the holder; the running sweep is undisturbed and stops cleanly on SIGUSR1."""
    out = tmp_path / "run.h5"
    lock = Path(str(out) + ".lock")
    with running(n, ["sweep", *SLOW, "--out", str(out)]) as proc:
        t0 = time.monotonic()
        while not (out.exists() and lock.exists()):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() - t0 < LIMIT, "the sweep never started"
            time.sleep(0.02)
        holder = lock.read_text()
        assert holder.startswith("pid ") and f"on host {socket.gethostname()}" in holder
        for i in range(10):
            extra = [["--force"], ["--resume"]][i % 2]
            t = time.monotonic()
            rc, _, err = run(1, ["sweep", *SLOW, *extra, "--out", str(out)])
            assert_one_line(rc, err, 2, "is being written by " + holder.split(" since")[0])
            assert time.monotonic() - t < 15
            assert out.exists() and proc.poll() is None, "the running sweep was disturbed"
        rc, _, err = run(1, ["trace", "--d", "12", "--gs", "-1", "--gw", "1", "--out", str(out)])
        assert_one_line(rc, err, 2, "is being written by")
        proc.send_signal(signal.SIGUSR1)  # mpirun forwards it to the ranks
        rc, _, err = finish(proc)
        assert rc == 0, err
        assert not lock.exists()
    with h5py.File(out, "r") as f:  # the sweep's own file, readable, its tasks recorded
        assert int(f.attrs["seed"]) == 3 and f["done"][...].sum() > 0


# ---- F7, F8: no temporaries, refusals up front ----

@pytest.mark.parametrize("n", [1, 2])
def test_trace_out_directory_refused_up_front(tmp_path, n):
    t0 = time.monotonic()
    rc, out, err = run(n, ["trace", "--d", "60", "--gs", "-1", "--gw", "1.5", "--max-iter",
                           "100000", "--no-stop", "--out", str(tmp_path)])
    assert_one_line(rc, err, 2, "--out", str(tmp_path), "is a directory")
    assert out == "" and time.monotonic() - t0 < 15


def test_kills_leave_nothing_behind(tmp_path, tiny_ref):
    """F8, 10 times: a SIGKILL at a random moment (during MPI start-up, the file's creation or
    the tasks); the next run (--resume when the file exists) removes the temporaries of its
    --out, reuses the lock, and ends with the uninterrupted results. Files that only look like
    temporaries, or belong to another --out, stay."""
    rng = random.Random(13)
    decoys = ["other.h5.tmp.1", "k.h5.tmp.", "k.h5.tmp.12x", "k.h5.tmp.1.bak", "k.h5.tmpx"]
    for name in decoys:
        (tmp_path / name).write_text("not mine")
    out = tmp_path / "k.h5"
    for i in range(10):
        n = 1 + i % 2
        if out.exists():
            out.unlink()
        (tmp_path / "k.h5.tmp.4194999").write_text("stale")  # a pid that cannot run now
        proc = start(n, ["sweep", *TINY, "--out", str(out)])
        time.sleep(rng.uniform(0.0, 1.5))
        kill_session(proc)
        finish(proc)
        args = ["sweep", *TINY, "--out", str(out)] + (["--resume"] if out.exists() else [])
        rc, _, err = run(n, args)
        assert rc == 0, (i, err)
        assert_bitwise(out, tiny_ref)
        assert leftovers(tmp_path) == sorted(decoys + ["k.h5"]), i


def test_killed_holder_never_blocks(tmp_path):
    """The lock of a SIGKILLed sweep (mpirun and ranks) is free at once for --resume."""
    out = tmp_path / "h.h5"
    lock = Path(str(out) + ".lock")
    with running(2, ["sweep", *SLOW, "--out", str(out)]) as proc:
        t0 = time.monotonic()
        while not out.exists():
            assert proc.poll() is None and time.monotonic() - t0 < LIMIT
            time.sleep(0.02)
        killed = lock.read_text()
        kill_session(proc)
        finish(proc)
        assert lock.exists()  # left by the kill; it holds nothing
        with running(1, ["sweep", *SLOW, "--resume", "--out", str(out)]) as resumed:
            t0 = time.monotonic()
            while not (lock.exists() and lock.read_text() not in ("", killed)):
                assert resumed.poll() is None, resumed.communicate()[1]
                assert time.monotonic() - t0 < LIMIT, "the resume never took the lock"
                time.sleep(0.02)
            assert f"pid {resumed.pid} " in lock.read_text()
            resumed.send_signal(signal.SIGUSR1)
            rc, _, err = finish(resumed)
            assert rc == 0, err
    assert not lock.exists()
