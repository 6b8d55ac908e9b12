"""Hostile input (issue #22): untrusted files, odd paths, nearly full disks, early signals.

Every command runs in its own session under a time limit: a hang SIGKILLs the whole session
(mpirun and its ranks) and fails the case. Each case asserts the exit status (2 for bad input,
1 for an I/O fault, 0 for a clean stop), exactly one `phasesweep: ...` line on stderr naming
the problem, and that nothing outside the intended outputs changed: the case's directory is
snapshotted (names, sizes, hashes) before and compared after, and a victim file that a
symbolic link points to keeps its hash. Hostile HDF5 files are made here with h5py from one
good sweep, part and --load file (zeroed, huge declared dimensions, wrong types, compressed,
byte flips in checksummed metadata, altered grids, missing or mistyped attributes). The tmpfs
cases need root (mount); they are skipped otherwise.
"""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

_CALLER_ENV = dict(os.environ)
os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"  # this process reads files sweeps write

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sessions import kill_session  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PHASESWEEP_BIN", ROOT / "bin" / "phasesweep"))
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(_CALLER_ENV, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
ENV.pop("PHASESWEEP_HDF5_ERRORS", None)
LIMIT = 25  # seconds; every command here ends in a few

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

TINY = ["--d", "8", "--rank", "2", "--gs", "-2:0:2", "--gw", "0.5:2:2", "--replicas", "2",
        "--max-iter", "40", "--seed", "5"]
SMALL_RUN = ["--gs", "-1", "--gw", "1", "--max-iter", "20"]


# ---- running commands ----

def cmd(n, args):
    return [str(BIN), *args] if n == 1 else [MPIRUN, "--oversubscribe", "-n", str(n), str(BIN),
                                             *args]




def start(argv, cwd=None):
    return subprocess.Popen(argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, errors="replace", start_new_session=True, cwd=cwd)


def finish(proc, limit=LIMIT):
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        kill_session(proc)
        out, err = proc.communicate()
        pytest.fail(f"hang: {proc.args} still running after {limit} s; stderr:\n{err[-2000:]}")
    # a command must not leave ranks behind either
    kill_session(proc)
    return proc.returncode, out, err


def ps(*args, n=1, limit=LIMIT, cwd=None):
    return finish(start(cmd(n, [str(a) for a in args]), cwd=cwd), limit)


PROGRESS = re.compile(r"^phasesweep: (sweep of \d+ tasks|\d+ of \d+ tasks|stopped)")


def ps_lines(stderr):
    """The phasesweep lines of stderr but a sweep's progress lines."""
    return [x for x in stderr.splitlines() if x.startswith("phasesweep:") and
            not PROGRESS.match(x)]


def one_line(res, status, *words):
    """Exit `status`, exactly one phasesweep line (holding every word), no HDF5 stack, no
    crash banner."""
    rc, _, err = res
    assert rc == status, (rc, err[-3000:])
    lines = ps_lines(err)
    assert len(lines) == 1, err[-3000:]
    for w in words:
        assert str(w) in lines[0], (w, lines[0])
    assert "HDF5-DIAG" not in err and "#000:" not in err, err[-3000:]
    assert "buffer overflow" not in err and "Segmentation" not in err, err[-3000:]
    return lines[0]


def snapshot(directory):
    """{relative name: (kind, size, md5)} of everything under directory (links not followed)."""
    snap = {}
    for p in sorted(Path(directory).rglob("*")):
        st = p.lstat()
        if p.is_symlink():
            snap[str(p.relative_to(directory))] = ("link", os.readlink(p), "")
        elif p.is_file():
            snap[str(p.relative_to(directory))] = ("file", st.st_size,
                                                   hashlib.md5(p.read_bytes()).hexdigest())
        else:
            snap[str(p.relative_to(directory))] = ("other", 0, "")
    return snap


class unchanged:
    """with unchanged(dir, allowed=()): nothing under dir changes but the names allowed."""

    def __init__(self, directory, allowed=()):
        self.dir, self.allowed = Path(directory), set(allowed)

    def __enter__(self):
        self.before = snapshot(self.dir)
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type:
            return False
        after = snapshot(self.dir)
        changed = {k for k in set(self.before) | set(after)
                   if self.before.get(k) != after.get(k)} - self.allowed
        assert not changed, f"changed outside the intended outputs: {sorted(changed)}"
        return False


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


# ---- good files the hostile ones are made from ----

@pytest.fixture(scope="module")
def good(tmp_path_factory):
    d = tmp_path_factory.mktemp("good")
    sweep = d / "sweep.h5"
    rc, _, err = ps("sweep", *TINY, "--out", sweep)
    assert rc == 0, err
    for i in range(2):
        rc, _, err = ps("sweep", *TINY, "--part", f"{i}/2", "--out", d / f"part{i}.h5")
        assert rc == 0, err
    rng = np.random.default_rng(0)
    with h5py.File(d / "load.h5", "w", libver="latest") as f:  # v2 (checksummed) headers
        f["A_star"] = rng.normal(size=(8, 8))
        f["noise"] = rng.normal(size=(8, 8))
        f["W1"] = rng.normal(0, 0.1, size=(8, 8))
        f["W2"] = rng.normal(0, 0.1, size=(8, 8))
    return d


def copy(src, dst):
    Path(dst).write_bytes(Path(src).read_bytes())
    return Path(dst)


def unfinished(good, dst):
    """The good sweep with its second half of tasks not done (resumable)."""
    copy(good / "sweep.h5", dst)
    with h5py.File(dst, "r+") as f:
        done = f["done"][...]
        done.reshape(-1)[done.size // 2:] = 0
        f["done"][...] = done
    return Path(dst)


def recreate(path, name, **kw):
    """Replaces dataset name by a copy made with h5py options kw (filters, type...)."""
    with h5py.File(path, "r+") as f:
        data, attrs = f[name][...], {k: v for k, v in f[name].attrs.items()
                                     if k not in ("DIMENSION_LIST", "REFERENCE_LIST")}
        dtype = kw.pop("dtype", data.dtype)
        del f[name]
        ds = f.create_dataset(name, data=data.astype(dtype), **kw)
        for k, v in attrs.items():
            try:
                ds.attrs[k] = v
            except (TypeError, ValueError):
                pass


def flip_object_header(path, name):
    """Flips one byte inside the (checksummed, version 2) object header of dataset name."""
    with h5py.File(path, "r") as f:
        addr = h5py.h5o.get_info(f[name].id).addr
    data = bytearray(Path(path).read_bytes())
    assert data[addr:addr + 4] == b"OHDR", "not a v2 object header"
    data[addr + 12] ^= 0x5A
    Path(path).write_bytes(bytes(data))


# ---- class 1: --load of hostile files ----

def load_file(path, **datasets):
    with h5py.File(path, "w") as f:
        for k, v in datasets.items():
            f[k] = v


LOAD_CASES = {
    "zero_weights": (lambda r: dict(A_star=r.normal(size=(8, 8)), noise=r.normal(size=(8, 8)),
                                    W1=np.zeros((8, 8)), W2=np.zeros((8, 8))), ["W1", "zero"]),
    "zero_teacher": (lambda r: dict(A_star=np.zeros((8, 8)), noise=r.normal(size=(8, 8))),
                     ["A_star", "zero"]),
    "zero_teacher_weights": (lambda r: dict(A_star=np.zeros((8, 8)), noise=np.zeros((8, 8)),
                                            W1=np.zeros((8, 8)), W2=np.zeros((8, 8))),
                             ["A_star", "zero"]),
    "nan_teacher": (lambda r: dict(A_star=np.full((8, 8), np.nan), noise=r.normal(size=(8, 8))),
                    ["A_star", "non-finite"]),
    "inf_weight": (lambda r: dict(A_star=r.normal(size=(8, 8)), noise=r.normal(size=(8, 8)),
                                  W1=np.full((8, 8), np.inf), W2=np.ones((8, 8))),
                   ["W1", "non-finite"]),
    "int_teacher": (lambda r: dict(A_star=np.ones((8, 8), dtype=np.int32),
                                   noise=r.normal(size=(8, 8))), ["A_star", "float"]),
    "string_teacher": (lambda r: dict(A_star=np.array([b"x"] * 64).reshape(8, 8),
                                      noise=r.normal(size=(8, 8))), ["A_star"]),
    "three_d_teacher": (lambda r: dict(A_star=np.ones((2, 8, 8)), noise=r.normal(size=(8, 8))),
                        ["A_star", "dimensions"]),
}


@pytest.mark.parametrize("case", sorted(LOAD_CASES))
@pytest.mark.parametrize("cmdname", ["run", "trace"])
def test_load_hostile(tmp_path, case, cmdname):
    make, words = LOAD_CASES[case]
    load_file(tmp_path / "in.h5", **make(np.random.default_rng(1)))
    extra = ["--out", tmp_path / "t.h5"] if cmdname == "trace" else []
    with unchanged(tmp_path):
        res = ps(cmdname, "--load", tmp_path / "in.h5", *SMALL_RUN, *extra)
    one_line(res, 2, "--load", *words)


def test_load_weights_zero_w1_only_is_a_result(tmp_path):
    """W1 = 0 with W2 != 0 moves (the gradient of W1 is W2^T R): a defined run, no crash."""
    r = np.random.default_rng(2)
    load_file(tmp_path / "in.h5", A_star=r.normal(size=(8, 8)), noise=r.normal(size=(8, 8)),
              W1=np.zeros((8, 8)), W2=r.normal(0, 0.1, size=(8, 8)))
    rc, out, err = ps("run", "--load", tmp_path / "in.h5", *SMALL_RUN)
    assert rc == 0, err


@pytest.mark.parametrize("name", ["A_star", "W1"])
def test_load_huge_declared_dims_refused_at_once(tmp_path, name):
    """A ~10 KB file declaring a 40000 x 40000 dataset (chunked, never written): refused by
    --max-mem from its dataspace, before anything is read or allocated."""
    with h5py.File(tmp_path / "in.h5", "w") as f:
        big = (40000, 40000)
        if name == "A_star":
            f.create_dataset("A_star", shape=big, dtype="f8", chunks=(64, 64))
            f.create_dataset("noise", shape=big, dtype="f8", chunks=(64, 64))
        else:
            f["A_star"] = np.eye(8)
            f["noise"] = np.eye(8)
            f.create_dataset("W1", shape=(40000000, 8), dtype="f8", chunks=(64, 8))
            f.create_dataset("W2", shape=(8, 40000000), dtype="f8", chunks=(8, 64))
    assert (tmp_path / "in.h5").stat().st_size < 100000
    t0 = time.monotonic()
    with unchanged(tmp_path):
        res = ps("run", "--load", tmp_path / "in.h5", "--gs", "-1", "--max-iter", "5")
    one_line(res, 2, "--max-mem", name)
    assert time.monotonic() - t0 < 5


def test_load_damaged_dataset_is_bad_input(tmp_path, good):
    copy(good / "load.h5", tmp_path / "in.h5")
    flip_object_header(tmp_path / "in.h5", "noise")
    with unchanged(tmp_path):
        res = ps("run", "--load", tmp_path / "in.h5", *SMALL_RUN)
    one_line(res, 2, "--load", "in.h5")


def test_load_checksum_error_in_data_is_bad_input(tmp_path):
    """A_star stored with a Fletcher-32 checksum and one byte of its data flipped: the read
    fails inside HDF5; that is the file's fault (exit 2), not an I/O fault (exit 1)."""
    r = np.random.default_rng(3)
    with h5py.File(tmp_path / "in.h5", "w") as f:
        f.create_dataset("A_star", data=r.normal(size=(8, 8)), chunks=(8, 8), fletcher32=True)
        f["noise"] = r.normal(size=(8, 8))
        offset = f["A_star"].id.get_chunk_info(0).byte_offset
    data = bytearray((tmp_path / "in.h5").read_bytes())
    data[offset + 10] ^= 0xFF
    (tmp_path / "in.h5").write_bytes(bytes(data))
    with unchanged(tmp_path):
        res = ps("run", "--load", tmp_path / "in.h5", *SMALL_RUN)
    one_line(res, 2, "--load", "in.h5", "damaged")


def test_load_truncated_file(tmp_path, good):
    data = (good / "load.h5").read_bytes()
    (tmp_path / "in.h5").write_bytes(data[:len(data) // 2])
    with unchanged(tmp_path):
        res = ps("run", "--load", tmp_path / "in.h5", *SMALL_RUN)
    one_line(res, 2, "--load", "in.h5")


# ---- class 6: --resume of hostile sweep files ----

def _compress_done(p):
    recreate(p, "done", compression="gzip", chunks=True)


def _shuffle_seconds(p):
    recreate(p, "min_test_error", shuffle=True, chunks=True)


def _done_float(p):
    recreate(p, "done", dtype="f8")


def _wall_string(p):
    with h5py.File(p, "r+") as f:
        del f.attrs["provenance_wall_seconds"]
        f.attrs["provenance_wall_seconds"] = "a lot"


def _sessions_float(p):
    with h5py.File(p, "r+") as f:
        del f.attrs["provenance_sessions"]
        f.attrs["provenance_sessions"] = np.array([1.5, 2.5])


def _end_utc_int(p):
    with h5py.File(p, "r+") as f:
        del f.attrs["provenance_end_utc"]
        f.attrs["provenance_end_utc"] = np.int64(3)


def _alter_gamma_s(p):
    with h5py.File(p, "r+") as f:
        f["gamma_s"][0] = 0.25


def _alter_width(p):
    with h5py.File(p, "r+") as f:
        f["width"][0] = 3


def _flip_done_header(p):
    flip_object_header(p, "done")


def _drop_attr(p):
    with h5py.File(p, "r+") as f:
        del f.attrs["max_iter"]


def _attr_rank_string(p):
    with h5py.File(p, "r+") as f:
        del f.attrs["rank"]
        f.attrs["rank"] = "two"


RESUME_CASES = {
    "done_compressed": (_compress_done, ["done", "filter"]),
    "result_shuffled": (_shuffle_seconds, ["min_test_error", "filter"]),
    "done_float": (_done_float, ["done"]),
    "wall_seconds_string": (_wall_string, ["provenance_wall_seconds"]),
    "sessions_array": (_sessions_float, ["provenance_sessions"]),
    "end_utc_int": (_end_utc_int, ["provenance_end_utc"]),
    "gamma_s_altered": (_alter_gamma_s, ["gamma_s"]),
    "width_altered": (_alter_width, ["width"]),
    "done_header_flipped": (_flip_done_header, ["sweep.h5"]),
    "attr_missing": (_drop_attr, ["max-iter"]),
    "attr_mistyped": (_attr_rank_string, ["rank"]),
}


@pytest.mark.parametrize("case", sorted(RESUME_CASES))
def test_resume_hostile(tmp_path, good, case):
    spoil, words = RESUME_CASES[case]
    out = unfinished(good, tmp_path / "sweep.h5")
    spoil(out)
    with unchanged(tmp_path):
        res = ps("sweep", *TINY, "--resume", "--out", out)
    one_line(res, 2, "--resume", *words)


@pytest.mark.parametrize("case", ["done_header_flipped", "gamma_s_altered", "done_compressed"])
def test_info_hostile(tmp_path, good, case):
    spoil, words = RESUME_CASES[case]
    out = copy(good / "sweep.h5", tmp_path / "sweep.h5")
    spoil(out)
    with unchanged(tmp_path):
        res = ps("info", out)
    if case == "done_header_flipped":
        one_line(res, 2, "sweep.h5")
    else:
        assert res[0] in (0, 2), res[2]
        assert len(ps_lines(res[2])) <= 1 and "HDF5-DIAG" not in res[2]


# ---- class 6: merge of hostile parts, blaming the right one ----

MERGE_CASES = {
    "gamma_s_altered": (_alter_gamma_s, ["gamma_s"]),
    "done_header_flipped": (_flip_done_header, []),
    "result_header_flipped": (lambda p: flip_object_header(p, "stable_rank"), []),
    "done_compressed": (_compress_done, ["done", "filter"]),
    "wall_seconds_string": (_wall_string, ["provenance_wall_seconds"]),
}


@pytest.mark.parametrize("case", sorted(MERGE_CASES))
def test_merge_hostile_blames_the_bad_part(tmp_path, good, case):
    spoil, words = MERGE_CASES[case]
    p0 = copy(good / "part0.h5", tmp_path / "p0.h5")
    p1 = copy(good / "part1.h5", tmp_path / "p1.h5")
    spoil(p1)
    with unchanged(tmp_path):
        res = ps("merge", "--out", tmp_path / "m.h5", p0, p1)
    line = one_line(res, 2, "merge", "p1.h5", *words)
    assert "p0.h5" not in line


def test_merge_huge_declared_part_refused(tmp_path, good):
    """A part whose options and datasets declare 2e10 tasks (contiguous, never written)."""
    p = tmp_path / "p.h5"
    copy(good / "part0.h5", p)
    with h5py.File(p, "r+") as f:
        n = 100000
        f.attrs["gs"] = np.array([-2.0, 0.0, n])
        f.attrs["gw"] = np.array([0.5, 2.0, n])
        # the grid a sweep of these options writes (phasesweep's formulas, bit for bit), so
        # that only the declared size can refuse the part
        i = np.arange(n, dtype=np.float64)
        gs, gw = -2.0 + (0.0 - -2.0) * i / (n - 1), 0.5 + (2.0 - 0.5) * i / (n - 1)
        r = np.power(8.0, gw)
        w = np.floor(r)
        w = np.where(w + 1.0 - r <= 1e-12 * r, w + 1.0, w)
        grid = {"gamma_s": gs, "gamma_w": gw, "sigma2": np.power(8.0, gs),
                "width": np.maximum(w, 1).astype(np.int64)}
        for k, v in grid.items():
            dt = f[k].dtype
            del f[k]
            f.create_dataset(k, data=v.astype(dt))
        for k in ("min_test_error", "stable_rank", "iterations", "log_distance", "n_iter",
                  "stop_reason", "final_train_error", "seconds", "done"):
            dt = f[k].dtype
            del f[k]
            # contiguous and never written: declared, not allocated (a file of ~100 KB)
            f.create_dataset(k, shape=(n, n, 2), dtype=dt)
    t0 = time.monotonic()
    with unchanged(tmp_path):
        res = ps("merge", "--out", tmp_path / "m.h5", p)
    one_line(res, 2, "p.h5", "declares 20000000000 tasks")
    assert time.monotonic() - t0 < 8


# ---- class 3: hostile INI files ----

def _ini(tmp_path, text=None, data=None):
    p = tmp_path / "c.ini"
    if data is not None:
        p.write_bytes(data)
    else:
        p.write_text(text)
    return p


INI_CASES = {
    "dev_zero": (lambda t: "/dev/zero", ["/dev/zero", "regular"]),
    "dev_urandom": (lambda t: "/dev/urandom", ["/dev/urandom", "regular"]),
    "dev_full": (lambda t: "/dev/full", ["/dev/full", "regular"]),
    "directory": (lambda t: str(t), ["regular"]),
    "fifo": (lambda t: (os.mkfifo(t / "f.ini"), str(t / "f.ini"))[1], ["f.ini", "regular"]),
    "binary": (lambda t: _ini(t, data=b"d = 8\n\x00\x01\x02garbage\n"), ["c.ini:2:"]),
    "oversized": (lambda t: _ini(t, text="# " + "x" * 100 + "\n" * 1 + ("; pad\n" * 300000)),
                  ["c.ini", "MiB"]),
    "continuation": (lambda t: _ini(t, text="gs = -2:0:2\ngw = 0.5:2:2\nout = o.h5\n"
                                            "  continued = x\n"), ["c.ini:4:", "indented"]),
    "duplicate": (lambda t: _ini(t, text="gs = -2:0:2\ngw = 0.5:2:2\nout = o.h5\nd = 8\n"
                                         "d = 9\n"), ["c.ini:5:", "d", "line 4"]),
    "duplicate_section": (lambda t: _ini(t, text="[sweep]\nd = 8\n[sweep]\nd = 8\n"),
                          ["c.ini:4:", "d"]),
}


@pytest.mark.parametrize("case", sorted(INI_CASES))
def test_config_hostile(tmp_path, case):
    make, words = INI_CASES[case]
    path = make(tmp_path)
    with unchanged(tmp_path):
        res = ps("sweep", "--d", "8", "--gs", "-2:0:2", "--gw", "0.5:2:2", "--max-iter", "5",
                 "--out", tmp_path / "s.h5", "--config", path, limit=10, cwd=tmp_path)
    one_line(res, 2, *words)


def test_config_good_still_works(tmp_path):
    ini = _ini(tmp_path, text="# c\n[sweep]\nd = 8\n\n  ; indented comment\ngs = -2:0:2\n"
                              "gw: 0.5:2:2 ; inline\nmax-iter = 5\nout = s.h5\n")
    rc, _, err = ps("sweep", "--config", ini, cwd=tmp_path)
    assert rc == 0, err
    assert (tmp_path / "s.h5").exists()


# ---- class 2 and 4: hostile paths ----

def long_name(tmp_path, n):
    return tmp_path / ("q" * n + ".h5")


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("length", [200, 240, 250])
def test_long_out_names(tmp_path, n, length):
    out = long_name(tmp_path, length)
    with unchanged(tmp_path, allowed={out.name}):
        rc, _, err = ps("sweep", *TINY, "--out", out, n=n)
    if rc == 0:
        assert out.exists() and len(ps_lines(err)) == 0
    else:
        one_line((rc, "", err), 2, "--out", "too long")


def test_trace_long_name_refused_up_front(tmp_path):
    with unchanged(tmp_path):
        res = ps("trace", "--d", "8", *SMALL_RUN, "--out", long_name(tmp_path, 250))
    one_line(res, 2, "--out", "too long")


@pytest.mark.parametrize("out", ["/proc/version", "/proc/phasesweep-x.h5", "/sys/x.h5"])
@pytest.mark.parametrize("cmdname", ["trace", "sweep", "merge"])
def test_special_filesystems_refused_up_front(tmp_path, good, out, cmdname):
    args = {"trace": ["trace", "--d", "60", "--gs", "-1", "--gw", "1.5", "--max-iter", "4000",
                      "--no-stop", "--out", out],
            "sweep": ["sweep", *TINY, "--force", "--out", out],
            "merge": ["merge", "--force", "--out", out, good / "part0.h5", good / "part1.h5"]}
    t0 = time.monotonic()
    with unchanged(tmp_path), unchanged(good):
        res = ps(*args[cmdname])
    one_line(res, 2, "--out", out)
    assert time.monotonic() - t0 < 3, "refused after computing"


@pytest.mark.parametrize("cmdname", ["trace", "sweep", "merge"])
def test_out_directory_refused_up_front(tmp_path, good, cmdname):
    out = tmp_path / "dir.h5"
    out.mkdir()
    args = {"trace": ["trace", "--d", "8", *SMALL_RUN, "--out", out],
            "sweep": ["sweep", *TINY, "--force", "--out", out],
            "merge": ["merge", "--force", "--out", out, good / "part0.h5", good / "part1.h5"]}
    with unchanged(tmp_path), unchanged(good):
        res = ps(*args[cmdname])
    one_line(res, 2, "--out", "directory")


def writer_args(cmdname, out, good):
    return {"trace": ["trace", "--d", "8", *SMALL_RUN, "--out", out],
            "sweep": ["sweep", *TINY, "--out", out],
            "resume": ["sweep", *TINY, "--resume", "--out", out],
            "merge": ["merge", "--out", out, good / "part0.h5", good / "part1.h5"]}[cmdname]


@pytest.mark.parametrize("kind", ["symlink", "dangling", "directory", "fifo"])
@pytest.mark.parametrize("cmdname", ["trace", "sweep", "resume", "merge"])
def test_hostile_lock_path_refused(tmp_path, good, kind, cmdname):
    out = tmp_path / "x.h5"
    if cmdname == "resume":
        unfinished(good, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    lock = tmp_path / "x.h5.lock"
    if kind == "symlink":
        lock.symlink_to(victim)
    elif kind == "dangling":
        lock.symlink_to(tmp_path / "created-through-link")
    elif kind == "directory":
        lock.mkdir()
    else:
        os.mkfifo(lock)
    with unchanged(tmp_path):
        res = ps(*writer_args(cmdname, out, good))
    one_line(res, 2, "x.h5.lock")
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("cmdname", ["trace", "sweep", "merge"])
def test_temporary_through_symlink_not_followed(tmp_path, good, cmdname):
    """A symbolic link planted at the temporary's name (the PID is known: exec keeps it)."""
    out = tmp_path / "x.h5"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    tmp = {"trace": "x.h5.tmp.$$", "sweep": "x.h5.tmp.$$", "merge": "x.h5.merge.$$.tmp.$$"}
    argv = " ".join(f"'{a}'" for a in [BIN, *map(str, writer_args(cmdname, out, good))])
    script = f"cd '{tmp_path}' && ln -s victim.txt {tmp[cmdname]} && exec {argv}"
    rc, _, err = finish(start(["sh", "-c", script]))
    assert victim.read_text() == "precious\n", "written through the link"
    assert rc in (0, 2), err
    if rc == 0:
        assert out.exists() and not out.is_symlink()


# ---- class 3: nearly full disks at creation, 1, 2 and 3 ranks ----

@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {p.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def leave_free(directory, kib):
    st = os.statvfs(directory)
    free = st.f_bavail * st.f_frsize
    with open(Path(directory) / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - kib * 1024))


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("kib", [20, 28])
def test_nearly_full_disk_at_creation(small_disk, n, kib):
    leave_free(small_disk, kib)
    out = small_disk / "s.h5"
    t0 = time.monotonic()
    with unchanged(small_disk, allowed={"s.h5"}):
        rc, _, err = ps("sweep", "--d", "30", "--gs", "-2:0:6", "--gw", "0.5:2:6",
                        "--replicas", "3", "--max-iter", "5", "--out", out, n=n, limit=30)
    assert time.monotonic() - t0 < 30
    if rc == 0:  # it fitted
        assert out.exists()
    else:
        lines = ps_lines(err)
        assert rc == 1, err
        assert 1 <= len(lines) <= n, err
        assert "No space left on device" in lines[0] or "cannot" in lines[0], err
        assert not out.exists()
    names = sorted(p.name for p in small_disk.iterdir())
    assert names == sorted(["filler"] + (["s.h5"] if rc == 0 else [])), names


# ---- class 7: signals and stale temporaries ----

def catches(pid, sig):
    """1 once the process has a handler for sig (SigCgt in /proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return int(line.split()[1], 16) >> (sig - 1) & 1
    except OSError:
        pass
    return 0


# a signal during exec and dynamic loading (before main) meets the default action: no
# program can catch it, and on a loaded machine that phase alone can outlast 30 ms. So the
# delay counts from the moment the handler is in place (the first lines of main, before
# MPI_Init): from then on the signal must be a clean stop, however early.
@pytest.mark.parametrize("delay", [0.0, 0.03, 0.05, 0.15, 0.3])
def test_early_sigusr1_is_a_clean_stop(tmp_path, delay):
    out = tmp_path / "s.h5"
    # ~3 s of work however fast the machine (3000 iterations once ended within 0.3 s)
    proc = start(cmd(1, ["sweep", *TINY, "--max-iter", "30000", "--no-stop", "--out", str(out)]))
    deadline = time.monotonic() + 20
    while not catches(proc.pid, signal.SIGUSR1) and proc.poll() is None:
        assert time.monotonic() < deadline, "no SIGUSR1 handler within 20 s"
        time.sleep(0.001)
    time.sleep(delay)
    proc.send_signal(signal.SIGUSR1)
    rc, _, err = finish(proc)
    assert rc == 0, (rc, err)
    assert "phasesweep: rank" not in err and "HDF5-DIAG" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["s.h5"])
    if out.exists():  # resumable
        rc, _, err = ps("sweep", *TINY, "--max-iter", "30000", "--no-stop", "--resume",
                        "--out", out, limit=60)
        assert rc == 0, err


def test_early_sigusr1_under_mpirun(tmp_path):
    out = tmp_path / "s.h5"
    # ~15 s of work on 2 ranks: the signal must meet a running sweep (with 3000 iterations a
    # quiet machine finished first and mpirun, already ending, died of the signal)
    proc = start(cmd(2, ["sweep", *TINY, "--max-iter", "300000", "--no-stop", "--out",
                         str(out)]))
    time.sleep(0.6)
    proc.send_signal(signal.SIGUSR1)
    rc, _, err = finish(proc)
    assert rc == 0, (rc, err)
    assert "8 of 8 tasks done" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["s.h5"])


@pytest.mark.parametrize("delay", [0.1, 1.0])
def test_sigterm_to_trace_cleans_up(tmp_path, delay):
    out = tmp_path / "t.h5"
    proc = start(cmd(1, ["trace", "--d", "60", "--gs", "-1", "--gw", "1.5", "--max-iter",
                         "20000", "--no-stop", "--out", str(out)]))
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    rc, _, err = finish(proc)
    assert rc in (143, -15), (rc, err)
    assert time.monotonic() - t0 < 5, "the run went on after the signal"
    assert list(tmp_path.iterdir()) == [], "lock or temporary left"


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


@pytest.mark.parametrize("cmdname", ["trace", "sweep", "merge"])
def test_stale_temporaries_of_dead_writers_removed(tmp_path, good, cmdname):
    out = tmp_path / "x.h5"
    pid = dead_pid()
    stale = [f"x.h5.tmp.{pid}", f"x.h5.merge.{pid}", f"x.h5.merge.{pid}.tmp.{pid}"]
    for s in stale:
        (tmp_path / s).write_bytes(b"\0" * 4096)
    keep = tmp_path / "x.h5.merge.notapid"
    keep.write_text("mine")
    rc, _, err = ps(*writer_args(cmdname, out, good))
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.h5", "x.h5.merge.notapid"]
