"""Running bin/phasesweep from the end-to-end suites (tests/cli, tests/cluster, tests/python):
where the binary is, the environment mpirun needs as root, one command's run, and the checks
of a refusal (exit status 2 and one line 'phasesweep: ...'). Imported the way tests/sessions.py
is: the suite puts tests/ on sys.path."""

import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("PHASESWEEP_BIN", ROOT / "bin" / "phasesweep"))
MPIRUN = os.environ.get("MPIRUN", "mpirun")


def engine_env(**extra):
    """os.environ as it is now, with what mpirun needs to run as root and oversubscribed."""
    return dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                OMPI_MCA_rmaps_base_oversubscribe="1", **extra)


def skip_unless_built(binary=BIN):
    """Skips the calling test module when the engine is not built."""
    if not os.access(binary, os.X_OK):
        pytest.skip("bin/phasesweep is not built", allow_module_level=True)


def run_engine(args, env, ranks=1, cwd=None, timeout=120, binary=BIN):
    """bin/phasesweep ARGS, under mpirun -n RANKS when ranks > 1."""
    cmd = [str(binary), *map(str, args)]
    if ranks > 1:
        cmd = [MPIRUN, "--oversubscribe", "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)


def ok(res):
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    return res


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


def refusal(res, *words):
    """Exit 2, nothing on stdout, one 'phasesweep: ' line (mpirun may add its own notes)
    holding every word."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    lines = [l for l in res.stderr.splitlines() if l.startswith("phasesweep: ")]
    assert len(lines) == 1, res.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def refused(p, *words):
    """Exit 2 and one line 'phasesweep: ...' holding every word."""
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("phasesweep: "), p.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def done_flags(path):
    """A sweep file's done flags, or None while the file or its flags cannot be read."""
    try:
        with h5py.File(path, "r") as f:
            return f["done"][...]
    except (OSError, KeyError):
        return None


def stopped_sweep(args, out, env, cwd, n_done=2, seconds=120):
    """Runs mpirun -n 2 bin/phasesweep ARGS --out OUT in a session of its own and stops it
    with SIGUSR1 once n_done tasks are done (polled every 20 ms, for up to seconds); it must
    not end before. Kills the session if it is still there. Returns (exit status, stderr)."""
    proc = subprocess.Popen([MPIRUN, "--oversubscribe", "-n", "2", str(BIN), *args,
                             "--out", str(out)], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds and proc.poll() is None:
            done = done_flags(out)
            if done is not None and np.count_nonzero(done) >= n_done:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep ended before it could be stopped"
        proc.send_signal(signal.SIGUSR1)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc.returncode, err
