"""--eigensolver NAME|auto end to end: auto (the default) is bitwise today's dsyevd run;
dsyevr gives the same run to ~1e-12 relative (the last bits differ, so the name is recorded in
files as a run parameter and a sweep resumed with another one is refused); names that do not
suit the backend are one line and exit status 2, naming the option and the accepted names.
"""

import json
import os
import shutil
import subprocess

import h5py
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PHASESWEEP_BIN", os.path.join(ROOT, "bin", "phasesweep"))
MPIRUN = os.environ.get("MPIRUN", "mpirun")
if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", HDF5_USE_FILE_LOCKING="FALSE")
RUN = ["run", "--d", "30", "--rank", "3", "--seed", "7", "--gs", "-1.5", "--gw", "1.5"]
FLOATS = ("min_test_error", "stable_rank", "log_distance", "final_train_error")


def phasesweep(*args, ranks=0):
    cmd = [BIN, *args] if not ranks else [MPIRUN, "--oversubscribe", "-n", str(ranks), BIN, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=ENV)


def result(*args):
    res = phasesweep(*RUN, *args)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    out.pop("seconds")
    return out


def refusal(res):
    """The one 'phasesweep: ' line of a refused command (mpirun adds its own notes)."""
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert res.stdout == ""
    lines = [l for l in res.stderr.splitlines() if l.startswith("phasesweep: ")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_auto_is_the_default_and_dsyevd_bitwise():
    default = result()
    assert result("--eigensolver", "auto") == default
    assert result("--eigensolver", "dsyevd") == default


def test_dsyevr_differs_from_dsyevd_in_the_last_bits_only():
    a, b = result("--eigensolver", "dsyevd"), result("--eigensolver", "dsyevr")
    for k in a:
        if k in FLOATS:
            assert b[k] == pytest.approx(a[k], rel=1e-12, abs=0), k
        else:
            assert b[k] == a[k], k


@pytest.mark.parametrize("name, words", [
    ("jacobi", ["'jacobi' is no eigensolver", "auto, dsyevd, dsyevr"]),
    ("pdsyevd", ["'pdsyevd' runs in groups only", "auto, dsyevd, dsyevr"]),
    ("elpa", ["'elpa' runs in groups only"]),
])
def test_names_that_do_not_suit_one_rank_are_refused(name, words):
    line = refusal(phasesweep(*RUN, "--eigensolver", name))
    for w in ["--eigensolver", *words]:
        assert w in line, line


def test_estimate_refuses_like_run():
    line = refusal(phasesweep("estimate", "--d", "20", "--gs", "-1:0:2", "--gw", "1:2:2",
                              "--out", "x.h5", "--pilot", "0", "--eigensolver", "pdsyevd"))
    assert "--eigensolver" in line and "dsyevr" in line


@pytest.mark.skipif(shutil.which(MPIRUN) is None, reason="no mpirun")
def test_groups_refuse_local_names_and_run_theirs():
    line = refusal(phasesweep(*RUN, "--group-size", "2", "--eigensolver", "dsyevr", ranks=2))
    assert "'dsyevr' runs on one rank only" in line and "pdsyevd" in line
    res = phasesweep(*RUN, "--group-size", "2", "--eigensolver", "pdsyevd", ranks=2)
    assert res.returncode == 0, res.stderr
    got, one = json.loads(res.stdout), result()
    for k in FLOATS:
        assert got[k] == pytest.approx(one[k], rel=1e-9, abs=0), k


def test_recorded_in_files_and_part_of_a_sweeps_identity(tmp_path):
    trace = tmp_path / "t.h5"
    res = phasesweep("trace", "--d", "12", "--rank", "2", "--gs", "-1.5", "--gw", "1.5",
                     "--max-iter", "5", "--out", str(trace), "--eigensolver", "dsyevr")
    assert res.returncode == 0, res.stderr
    with h5py.File(trace, "r") as f:
        assert f.attrs["eigensolver"] == "dsyevr"
    out = tmp_path / "s.h5"
    sweep = ["sweep", "--d", "8", "--rank", "2", "--gs", "-2:0:2", "--gw", "1:2:2",
             "--max-iter", "10", "--out", str(out)]
    res = phasesweep(*sweep, "--eigensolver", "dsyevr")
    assert res.returncode == 0, res.stderr
    with h5py.File(out, "r") as f:
        assert f.attrs["eigensolver"] == "dsyevr"
    line = refusal(phasesweep(*sweep, "--resume"))
    assert "eigensolver=dsyevr (file)" in line, line


def test_a_file_from_before_the_option_resumes_as_auto(tmp_path):
    out = tmp_path / "s.h5"
    sweep = ["sweep", "--d", "8", "--rank", "2", "--gs", "-2:0:2", "--gw", "1:2:2",
             "--max-iter", "10", "--out", str(out)]
    assert phasesweep(*sweep).returncode == 0
    with h5py.File(out, "r+") as f:
        assert f.attrs["eigensolver"] == ""  # auto
        del f.attrs["eigensolver"]  # as written before --eigensolver existed
    res = phasesweep(*sweep, "--resume")
    assert res.returncode == 0, res.stderr
    line = refusal(phasesweep(*sweep, "--resume", "--eigensolver", "dsyevr"))
    assert "eigensolver=(missing) (file) vs dsyevr (now)" in line, line
