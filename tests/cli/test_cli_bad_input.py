"""End-to-end command-line behaviour of bin/phasesweep.

Bad input of every class exits with status 2, prints exactly one line on stderr naming the
option (or dataset) at fault and nothing on stdout; --help lists every option of a command with
its default; a good run prints one JSON object with the documented keys in order; --load reads
a teacher and weights written with h5py and refuses malformed files.
"""

import json
import math
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PHASESWEEP_BIN", os.path.join(ROOT, "bin", "phasesweep"))

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")

KEYS = ["min_test_error", "stable_rank", "iterations", "log_distance", "n_iter", "stop_reason",
        "final_train_error", "width", "sigma2", "lr", "seconds"]
STOP_REASONS = {"converged", "overfitting", "plateau", "max_iter", "diverged"}
SMALL = ["--d", "8", "--rank", "2", "--gs", "-1", "--gw", "1", "--max-iter", "20"]

# Every option with the default --help prints, per command ("required" where there is none).
RUN_OPTIONS = {
    "d": "200", "rank": "5", "noise": "1", "problem": "denoise", "observed": "1", "seed": "0",
    "replica": "0", "gs": "required", "gw": "required", "max-iter": "750", "lr-scale": "50",
    "mode": "reduced", "no-theory": "off", "no-stop": "off", "tol-converged": "0.001",
    "tol-plateau": "0.0002",
    "plateau-min-drop": "0.01", "diverge-factor": "1000000", "max-mem": "4GiB", "threads": "1",
    "group-size": "1", "block": "64", "eigensolver": "none", "load": "none", "from": "none",
    "task": "none", "at": "none", "json": "on", "text": "off", "gr": "0", "update": "sequential",
}
TRACE_OPTIONS = dict(RUN_OPTIONS, out="required")
SWEEP_OPTIONS = {k: v for k, v in RUN_OPTIONS.items()
                 if k not in ("replica", "load", "from", "task", "at", "json", "text")}
SWEEP_OPTIONS.update({"replicas": "1", "out": "required", "config": "none", "resume": "off",
                      "force": "off", "part": "none", "curves": "off", "curves-every": "1",
                      "max-file": "8GiB"})
OPTIONS = {"run": RUN_OPTIONS, "trace": TRACE_OPTIONS, "sweep": SWEEP_OPTIONS}


def phasesweep(*args, timeout=120, cwd=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout,
                          env=ENV, cwd=cwd)


def assert_usage_error(res, *words):
    """Exit 2, nothing on stdout, one stderr line 'phasesweep: ...' containing every word."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("phasesweep: "), lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


# ---- bad input: one class per case, and the words the message must hold ----

BAD = [
    ([], ["command"]),
    (["frobnicate"], ["unknown command", "frobnicate"]),
    (["run", *SMALL, "--bogus"], ["--bogus", "--help"]),
    (["run", *SMALL, "--bogus=3"], ["--bogus"]),
    (["run", *SMALL, "-d", "3"], ["-d"]),
    (["run", *SMALL, "--d"], ["--d", "missing value"]),
    (["run", "--gs", "-1", "--gw", "1", "--d", "--rank", "2"], ["--d", "missing value"]),
    (["run", *SMALL, "--no-theory=true"], ["--no-theory"]),
    (["run", *SMALL, "--d", "eight"], ["--d", "eight"]),
    (["run", *SMALL, "--d", "8.0"], ["--d", "8.0"]),
    (["run", *SMALL, "--gs", "-1x"], ["--gs", "-1x"]),
    (["run", *SMALL, "--gs", "nan"], ["--gs", "nan"]),
    (["run", *SMALL, "--gw", "inf"], ["--gw", "inf"]),
    (["run", *SMALL, "--noise", "1e999"], ["--noise", "1e999", "[0, 1e+06]"]),
    (["run", *SMALL, "--d", "1"], ["--d", "[2, 65536]", "1"]),
    (["run", *SMALL, "--d", "70000"], ["--d", "[2, 65536]", "70000"]),
    (["run", *SMALL, "--rank", "0"], ["--rank", "0"]),
    (["run", *SMALL, "--rank", "9"], ["--rank", "9", "[1, d]"]),
    (["run", *SMALL, "--gs", "20.5"], ["--gs", "[-20, 20]", "20.5"]),
    (["run", *SMALL, "--gw", "-1"], ["--gw", "[0, 15]"]),
    (["run", "--gs", "-1", "--gw", "7"], ["--gw", "2^53"]),
    (["run", *SMALL, "--seed", "-1"], ["--seed", "18446744073709551615"]),
    (["run", *SMALL, "--seed", "18446744073709551616"], ["--seed"]),
    (["run", *SMALL, "--replica", "2147483648"], ["--replica", "[0, 2147483647]"]),
    (["run", *SMALL, "--max-iter", "0"], ["--max-iter", "[1, 100000000]"]),
    (["run", *SMALL, "--lr-scale", "0"], ["--lr-scale", "(0, 1e+12]"]),
    (["run", *SMALL, "--mode", "lazy"], ["--mode", "lazy", "reduced", "explicit"]),
    (["run", *SMALL, "--tol-converged", "-1"], ["--tol-converged"]),
    (["run", *SMALL, "--tol-plateau", "x"], ["--tol-plateau"]),
    (["run", *SMALL, "--plateau-min-drop", "-0.5"], ["--plateau-min-drop"]),
    (["run", *SMALL, "--diverge-factor", "0.5"], ["--diverge-factor", "(1, 1e+300]"]),
    (["run", *SMALL, "--max-mem", "12"], ["--max-mem", "[1MiB, 1024TiB]"]),
    (["run", *SMALL, "--max-mem", "4GB"], ["--max-mem", "4GB"]),
    (["run", *SMALL, "--curves"], ["--curves"]),
    (["run", *SMALL, "--threads", "0"], ["--threads", "[1, 1024]"]),
    (["run", *SMALL, "--group-size", "-2"], ["--group-size"]),
    (["run", *SMALL, "--block", "0"], ["--block", "[1, 4096]"]),
    (["run", *SMALL, "--json", "--text"], ["--json", "--text"]),
    (["run", *SMALL, "--replicas", "2"], ["--replicas", "run"]),
    (["run", *SMALL, "--out", "x.h5"], ["--out", "run"]),
    (["run", *SMALL, "stray"], ["stray"]),
    (["run", "--gw", "1"], ["--gs"]),
    (["run", "--gs", "-1"], ["--gw"]),
    (["trace", *SMALL], ["--out"]),
    (["trace", *SMALL, "--out", "t.h5", "--no-theory"], ["--no-theory"]),
    (["trace", *SMALL, "--out", "t.h5", "--resume"], ["--resume", "trace"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2"], ["--out"]),
    (["sweep", "--gw", "1:2:2", "--out", "s.h5"], ["--gs"]),
    (["sweep", "--gs", "-1:0", "--gw", "1:2:2", "--out", "s.h5"], ["--gs", "A:B:N"]),
    (["sweep", "--gs", "-1:0:0", "--gw", "1:2:2", "--out", "s.h5"], ["--gs", "[1, 100000]"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--curves", "--curves-every", "0", "--out",
      "s.h5"], ["--curves-every", "[1, 100000000]"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--curves-every", "5", "--out", "s.h5"],
     ["--curves-every", "without --curves"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--max-file", "12", "--out", "s.h5"],
     ["--max-file", "[1MiB, 1024TiB]"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:16:2", "--out", "s.h5"], ["--gw", "[0, 15]"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--out", "s.h5", "--replicas", "0"],
     ["--replicas"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--out", "s.h5", "--resume", "--force"],
     ["--resume", "--force"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--out", "s.h5", "--replica", "1"],
     ["--replica", "sweep"]),
    (["sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--out", "s.h5", "--config", "/nonexistent.ini"],
     ["--config", "/nonexistent.ini"]),
    (["info"], ["info", "FILE"]),
    (["info", "a.h5", "--d", "3"], ["--d", "info"]),
]


@pytest.mark.parametrize("args,words", BAD, ids=[" ".join(a) or "(none)" for a, _ in BAD])
def test_bad_input(args, words, tmp_path):
    assert_usage_error(phasesweep(*args, cwd=tmp_path), *words)


def test_max_mem_refused_before_allocating():
    # explicit mode at w = 200^3 = 8e6 needs ~24 GiB
    line = assert_usage_error(phasesweep("run", "--gs", "-1", "--gw", "3", "--mode", "explicit"),
                              "--max-mem", "GiB")
    assert "4 GiB" in line


@pytest.mark.parametrize("text,lineno,words", [
    ("d = 20\nbogus = 1\n", 2, ["bogus"]),
    ("[sweep]\nd = 20\nrank = many\n", 3, ["rank", "many"]),
    ("load = w.h5\n", 1, ["load", "sweep"]),
    ("gs = 1:2\n", 1, ["gs", "A:B:N"]),
    ("d = 20\nnot a key value line\n", 2, []),
])
def test_bad_config(tmp_path, text, lineno, words):
    ini = tmp_path / "bad.ini"
    ini.write_text(text)
    assert_usage_error(phasesweep("sweep", "--gs", "-1:0:2", "--gw", "1:2:2", "--out", "s.h5",
                                  "--config", str(ini), cwd=tmp_path),
                       f"{ini}:{lineno}:", *words)


# ---- help and version ----

def help_defaults(text):
    """{option: default} from a command's --help: '--name ...' then 'default: X; ...'."""
    lines = text.splitlines()
    found = {}
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("--") and i + 1 < len(lines) and "default:" in lines[i + 1]:
            name = s.split()[0][2:]
            found[name] = lines[i + 1].split("default:")[1].split(";")[0].strip()
    return found


@pytest.mark.parametrize("cmd", ["run", "trace", "sweep"])
def test_command_help(cmd):
    res = phasesweep(cmd, "--help")
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout.startswith(f"usage: phasesweep {cmd}")
    assert "Example:" in res.stdout
    assert help_defaults(res.stdout) == OPTIONS[cmd]
    # every numeric option shows its accepted range
    assert "range: [2, 65536]" in res.stdout
    assert "range: [1MiB, 1024TiB]" in res.stdout


def test_help_anywhere_on_the_line():
    res = phasesweep("run", "--bogus", "--help")
    assert res.returncode == 0 and res.stdout.startswith("usage: phasesweep run")


def test_program_help_and_version():
    res = phasesweep("--help")
    assert res.returncode == 0
    for cmd in ("run", "trace", "sweep", "info"):
        assert f"phasesweep {cmd}" in res.stdout
    res = phasesweep("info", "--help")
    assert res.returncode == 0 and "phasesweep info" in res.stdout
    res = phasesweep("--version")
    assert res.returncode == 0 and res.stdout == "phasesweep 0.1.0\n"


# ---- a good run ----

def check_result(res, theory=True):
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 1, res.stdout
    obj = json.loads(lines[0], object_pairs_hook=list)
    assert [k for k, _ in obj] == KEYS
    r = dict(obj)
    assert r["stop_reason"] in STOP_REASONS
    assert isinstance(r["iterations"], int) and isinstance(r["n_iter"], int)
    assert 0 <= r["iterations"] < r["n_iter"] <= 20
    assert 0 <= r["min_test_error"] and math.isfinite(r["min_test_error"])
    assert r["stable_rank"] >= 1
    assert r["lr"] > 0 and r["seconds"] >= 0
    if theory:
        assert isinstance(r["log_distance"], float)
    else:
        assert r["log_distance"] is None
    return r


def test_good_run_json():
    r = check_result(phasesweep("run", *SMALL))
    assert r["width"] == 8  # floor(8^1)
    assert r["sigma2"] == 0.125  # 8^-1


def test_good_run_no_theory_and_text():
    check_result(phasesweep("run", *SMALL, "--no-theory"), theory=False)
    res = phasesweep("run", *SMALL, "--text")
    assert res.returncode == 0, res.stderr
    rows = [line.split() for line in res.stdout.splitlines()]
    assert [row[0] for row in rows] == KEYS
    assert all(len(row) == 2 for row in rows)
    # the numbers of --text and of the JSON are the same run's
    js = dict(json.loads(phasesweep("run", *SMALL).stdout))
    txt = dict(rows)
    for k in ("min_test_error", "stable_rank", "iterations", "n_iter", "width", "sigma2", "lr"):
        assert float(txt[k]) == float(js[k]), k


def test_run_is_reproducible():
    a = json.loads(phasesweep("run", *SMALL, "--seed", "3").stdout)
    b = json.loads(phasesweep("run", *SMALL, "--seed", "3").stdout)
    c = json.loads(phasesweep("run", *SMALL, "--seed", "4").stdout)
    a.pop("seconds"), b.pop("seconds"), c.pop("seconds")
    assert a == b
    assert a != c


@pytest.mark.skipif(shutil.which("mpirun") is None, reason="no mpirun")
def test_run_under_mpirun_prints_once():
    res = subprocess.run(["mpirun", "-n", "2", BIN, "run", *SMALL], capture_output=True,
                         text=True, timeout=120, env=ENV)
    check_result(res)


# ---- --load ----

D, W = 8, 12


def teacher_arrays(seed=0, d=D, w=W):
    import numpy as np
    rng = np.random.default_rng(seed)
    u, v = rng.normal(0, 2 ** -0.25, (d, 2)), rng.normal(0, 2 ** -0.25, (d, 2))
    return {"A_star": u @ v.T, "noise": rng.normal(0, 1, (d, d)),
            "W1": rng.normal(0, d ** -0.5, (w, d)), "W2": rng.normal(0, d ** -0.5, (d, w))}


def write_h5(path, arrays):
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as f:
        for name, a in arrays.items():
            f[name] = a
    return str(path)


def test_load_missing_file(tmp_path):
    missing = str(tmp_path / "nope.h5")
    assert_usage_error(phasesweep("run", "--load", missing, "--gs", "-1", "--gw", "1"), missing)


def test_load_not_hdf5(tmp_path):
    p = tmp_path / "text.h5"
    p.write_text("this is not HDF5\n")
    assert_usage_error(phasesweep("run", "--load", str(p), "--gs", "-1", "--gw", "1"), str(p))


BAD_FILES = [
    ("no noise", lambda a: {k: a[k] for k in ("A_star", "W1", "W2")}, "noise"),
    ("no A_star", lambda a: {k: a[k] for k in ("noise",)}, "A_star"),
    ("A_star not square", lambda a: dict(a, A_star=a["A_star"][:, :6]), "A_star"),
    ("noise of another d", lambda a: dict(a, noise=a["noise"][:6, :6]), "noise"),
    ("A_star 1-d", lambda a: dict(a, A_star=a["A_star"].ravel()), "A_star"),
    ("W1 without W2", lambda a: {k: a[k] for k in ("A_star", "noise", "W1")}, "W2"),
    ("W2 without W1", lambda a: {k: a[k] for k in ("A_star", "noise", "W2")}, "W1"),
    ("W1 of another d", lambda a: dict(a, W1=a["W1"][:, :6]), "W1"),
    ("W2 of another w", lambda a: dict(a, W2=a["W2"][:, :10]), ("W1", "W2")),
]


@pytest.mark.parametrize("name,make,dataset", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_load_bad_file(tmp_path, name, make, dataset):
    path = write_h5(tmp_path / "bad.h5", make(teacher_arrays()))
    line = assert_usage_error(phasesweep("run", "--load", path, "--gs", "-1", "--rank", "2",
                                         "--max-iter", "5"), path)
    names = dataset if isinstance(dataset, tuple) else (dataset,)
    assert any(n in line for n in names), line


def test_load_disagreeing_options(tmp_path):
    path = write_h5(tmp_path / "w.h5", teacher_arrays())
    base = ["run", "--load", path, "--rank", "2", "--max-iter", "5"]
    # the file's d is 8
    assert_usage_error(phasesweep(*base, "--gs", "-1", "--d", "9"), "--d", "9", "8")
    # floor(8^1) = 8 is not the file's w = 12
    assert_usage_error(phasesweep(*base, "--gs", "-1", "--gw", "1"), "--gw", "12")
    # sigma2 = d^gs sets the learning rate: --gs stays required
    assert_usage_error(phasesweep(*base), "--gs")
    # rank against the file's d
    assert_usage_error(phasesweep("run", "--load", path, "--gs", "-1", "--rank", "9"), "--rank")
    teacher_only = write_h5(tmp_path / "t.h5", {k: v for k, v in teacher_arrays().items()
                                                 if k in ("A_star", "noise")})
    # no weights in the file: the width must come from --gw
    assert_usage_error(phasesweep("run", "--load", teacher_only, "--gs", "-1", "--rank", "2"),
                       "--gw")


def test_load_good(tmp_path):
    import numpy as np
    arrays = teacher_arrays()
    path = write_h5(tmp_path / "w.h5", arrays)
    args = ["run", "--load", path, "--gs", "-1", "--rank", "2", "--max-iter", "20"]
    r = check_result(phasesweep(*args, "--no-theory"), theory=False)
    assert r["width"] == W
    assert r["sigma2"] == 0.125
    # --gw agreeing with the file's w (floor(8^1.195) = 12) is accepted; theory on
    assert int(8 ** 1.195) == W
    check_result(phasesweep(*args, "--gw", "1.195"))
    # the loaded weights' trajectory, in numpy with the learning rate reported
    A_star, E, W1, W2 = (arrays[k] for k in ("A_star", "noise", "W1", "W2"))
    Y, eta, test = A_star + E, r["lr"], []
    for _ in range(r["n_iter"]):
        A = W2 @ W1
        test.append(np.sum((A - A_star) ** 2) / D ** 2)
        R = A - Y
        W1 = W1 - eta * W2.T @ R
        W2 = W2 - eta * R @ W1.T
    assert r["min_test_error"] == pytest.approx(min(test), rel=1e-9)
    assert r["iterations"] == int(np.argmin(test))
    # explicit mode follows the same trajectory
    e = check_result(phasesweep(*args, "--no-theory", "--mode", "explicit"), theory=False)
    assert e["min_test_error"] == pytest.approx(r["min_test_error"], rel=1e-9)


def test_load_teacher_only(tmp_path):
    arrays = teacher_arrays()
    path = write_h5(tmp_path / "t.h5", {k: arrays[k] for k in ("A_star", "noise")})
    r = check_result(phasesweep("run", "--load", path, "--gs", "-1", "--gw", "1", "--rank", "2",
                                "--max-iter", "20"))
    assert r["width"] == 8


# ---- trace ----

def test_trace_writes_file_and_prints_json(tmp_path):
    out = tmp_path / "t.h5"
    check_result(phasesweep("trace", *SMALL, "--out", str(out)))
    assert out.exists()
    # an existing --out is replaced
    check_result(phasesweep("trace", *SMALL, "--out", str(out), "--seed", "1"))
    assert out.exists()
