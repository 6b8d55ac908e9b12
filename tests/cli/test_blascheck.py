"""The BLAS-kernel warning of run, trace and sweep (src/engine/blascheck.c).

OPENBLAS_CORETYPE=Prescott forces OpenBLAS's generic SSE3 kernel, which every x86-64 CPU runs
(it is the safe fallback, so forcing it crashes no build): on a CPU with AVX2 or AVX-512 each
command must warn once on stderr, naming the kernel, the CPU's instruction set and the value
to try, and still succeed. With the machine's own setting (left as the environment has it:
some machines set OPENBLAS_CORETYPE on purpose) there must be no warning unless that kernel
really is generic, which the test checks through OpenBLAS itself.
"""

import ctypes
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from enginecli import BIN, engine_env, skip_unless_built  # noqa: E402

skip_unless_built()
ENV = engine_env()
SMALL = ["--d", "10", "--rank", "2", "--gs", "-1", "--gw", "1.5", "--max-iter", "20"]
FAST = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"}


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


FLAGS = cpu_flags()
AVX512 = {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= FLAGS
AVX2 = {"avx2", "fma"} <= FLAGS
needs_avx2 = pytest.mark.skipif(not (AVX2 or AVX512),
                                reason="this CPU has no AVX2: a generic kernel is the right one")


def openblas_core(env):
    """The kernel OpenBLAS picks under env, asked of the library phasesweep links."""
    ldd = subprocess.run(["ldd", BIN], capture_output=True, text=True).stdout
    libs = [l.split("=>")[1].split()[0] for l in ldd.splitlines()
            if "=>" in l and ("openblas" in l or "libblas" in l)]
    code = ("import ctypes,sys; l=ctypes.CDLL(sys.argv[1]); f=l.openblas_get_corename;"
            "f.restype=ctypes.c_char_p; print(f().decode())")
    for lib in libs:
        r = subprocess.run(["/usr/bin/python3", "-c", code, lib], capture_output=True,
                           text=True, env=env)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    return None


def phasesweep(args, env, mpi=0, cwd=None):
    cmd = (["mpirun", "--oversubscribe", "-n", str(mpi)] if mpi else []) + [BIN, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def warnings_in(stderr):
    return [l for l in stderr.splitlines() if "warning" in l and "OpenBLAS" in l]


@needs_avx2
def test_prescott_warns_once_and_runs():
    env = dict(ENV, OPENBLAS_CORETYPE="Prescott")
    res = phasesweep(["run", *SMALL], env)
    assert res.returncode == 0, res.stderr
    json.loads(res.stdout)  # the result is still printed
    (w,) = warnings_in(res.stderr)
    isa, value = ("AVX-512", "SkylakeX") if AVX512 else ("AVX2", "Haswell")
    assert "'Prescott'" in w and isa in w and f"OPENBLAS_CORETYPE={value}" in w, w
    assert w.startswith("phasesweep: warning: ")


@needs_avx2
def test_prescott_warns_for_trace_and_once_for_a_two_rank_sweep(tmp_path):
    env = dict(ENV, OPENBLAS_CORETYPE="Prescott")
    res = phasesweep(["trace", *SMALL, "--out", str(tmp_path / "t.h5")], env)
    assert res.returncode == 0 and len(warnings_in(res.stderr)) == 1, res.stderr
    res = phasesweep(["sweep", "--d", "8", "--rank", "2", "--gs", "-1:0:2", "--gw", "1:2:2",
                      "--max-iter", "10", "--out", str(tmp_path / "s.h5")], env, mpi=2)
    assert res.returncode == 0, res.stderr
    assert len(warnings_in(res.stderr)) == 1, res.stderr  # rank 0 only


@needs_avx2
def test_the_variable_is_never_changed():
    """estimate reports the kernel the process runs: still the one the user forced."""
    env = dict(ENV, OPENBLAS_CORETYPE="Prescott")
    res = phasesweep(["estimate", "--d", "8", "--rank", "2", "--gs", "-1:0:2", "--gw", "1:2:2",
                      "--max-iter", "10", "--pilot", "0"], env)
    assert res.returncode == 0, res.stderr
    assert "OpenBLAS kernel Prescott" in res.stdout


def test_default_kernel_gives_no_warning():
    core = openblas_core(ENV)
    if core is None:
        pytest.skip("phasesweep is not linked to OpenBLAS: nothing to check")
    if (AVX2 or AVX512) and core.lower() not in FAST:
        pytest.skip(f"this machine's default kernel {core} is generic: the warning is right here")
    res = phasesweep(["run", *SMALL], ENV)
    assert res.returncode == 0, res.stderr
    assert warnings_in(res.stderr) == [], (core, res.stderr)


@needs_avx2
def test_an_avx2_kernel_is_not_generic():
    env = dict(ENV, OPENBLAS_CORETYPE="Haswell")
    if openblas_core(env) != "Haswell":
        pytest.skip("this OpenBLAS does not run its Haswell kernel on request")
    res = phasesweep(["run", *SMALL], env)
    assert res.returncode == 0 and warnings_in(res.stderr) == [], res.stderr


@needs_avx2
def test_bad_input_stays_one_line_under_a_generic_kernel(tmp_path):
    """The warning comes after every refusal: a refused run or sweep prints only its error."""
    env = dict(ENV, OPENBLAS_CORETYPE="Prescott")
    res = phasesweep(["run", "--d", "200", "--gs", "-1", "--gw", "2.5", "--mode", "explicit",
                      "--max-mem", "1M", "--no-theory"], env)
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1, res.stderr
    out = tmp_path / "exists.h5"
    out.write_bytes(b"")
    res = phasesweep(["sweep", "--d", "8", "--rank", "2", "--gs", "-1:0:2", "--gw", "1:2:2",
                      "--out", str(out)], env, mpi=2)
    assert res.returncode == 2, res.stderr
    assert len([l for l in res.stderr.splitlines() if l.startswith("phasesweep")]) == 1, \
        res.stderr
