"""`phasesweep estimate`: bad input is one line and exit status 2; the output has its keys,
says it is an estimate, counts the tasks, keeps expected <= upper bound, prints #SBATCH lines
for --ranks and --wall, and its pilot measures the very iteration counts a sweep gets when it
runs every grid point at the sweep's d."""

import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PHASESWEEP_BIN", os.path.join(ROOT, "bin", "phasesweep"))
if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
GRID = ["--d", "12", "--rank", "2", "--gs", "-2:-0.5:3", "--gw", "0.5:2:3", "--max-iter", "60"]
KEYS = ["estimate", "tasks", "file", "blas", "calibration", "upper_bound", "pilot", "expected"]


def phasesweep(*args, mpi=0):
    cmd = (["mpirun", "--oversubscribe", "-n", str(mpi)] if mpi else []) + [BIN, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=ENV, cwd=ROOT)


def keyed(stdout):
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"([a-z_]+): (.*)", line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def core_hours(text):
    return float(re.match(r"([0-9.e+-]+) core-hours", text).group(1))


@pytest.mark.parametrize("args,words", [
    (["--d", "12", "--gw", "0:1:2"], ["--gs"]),
    (["--gs", "1:0:x", "--gw", "0:1:2"], ["--gs", "A:B:N"]),
    (GRID[:8] + ["--ranks", "0"], ["--ranks", "[1, 10000000]"]),
    (GRID[:8] + ["--wall", "1:75"], ["--wall", "HH:MM"]),
    (GRID[:8] + ["--wall", "two hours"], ["--wall", "HH:MM"]),
    (GRID[:8] + ["--pilot", "-1"], ["--pilot", "[0, 10000]"]),
    (GRID[:8] + ["--pilot-d", "1"], ["--pilot-d", "[2, 65536]"]),
    (GRID[:8] + ["--bogus"], ["--bogus"]),
    (GRID[:8] + ["--replica", "1"], ["--replica", "not an option of estimate"]),
])
def test_bad_input_is_one_line_and_status_2(args, words):
    res = phasesweep("estimate", *args)
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    (line,) = res.stderr.splitlines()
    assert line.startswith("phasesweep: ")
    for w in words:
        assert w in line, (w, line)


def test_keys_tasks_and_bounds():
    res = phasesweep("estimate", *GRID, "--replicas", "2", "--pilot", "4")
    assert res.returncode == 0, res.stderr
    k = keyed(res.stdout)
    assert list(k)[:len(KEYS)] == KEYS, res.stdout
    assert "an estimate, not a measurement" in k["estimate"]
    assert k["tasks"].startswith("18 (3 gamma_s x 3 gamma_w x 2 replicas) at d = 12")
    assert k["file"].endswith("within --max-file 8 GiB") and "no curves" in k["file"]
    assert "OpenBLAS kernel" in k["blas"] and "GFLOP/s" in k["blas"]
    assert "GD only" in k["calibration"] and "with the theory" in k["calibration"]
    assert "basis:" in k["expected"]
    assert 0 < core_hours(k["expected"]) <= core_hours(k["upper_bound"])
    assert "#SBATCH" not in res.stdout  # no plan asked


def test_pilot_at_the_sweep_d_counts_what_the_sweep_does(tmp_path):
    """A pilot over every grid point at the sweep's own d runs the sweep's very tasks."""
    res = phasesweep("estimate", *GRID, "--pilot", "9", "--pilot-d", "12")
    assert res.returncode == 0, res.stderr
    pilot = keyed(res.stdout)["pilot"]
    assert "3 x 3 tiling" in pilot and "scaled" not in pilot, pilot
    mean = float(re.search(r"mean ([0-9.]+) iterations", pilot).group(1))
    out = tmp_path / "s.h5"
    assert phasesweep("sweep", *GRID, "--out", str(out)).returncode == 0
    h5py = pytest.importorskip("h5py")
    with h5py.File(out, "r") as f:
        assert mean == pytest.approx(f["n_iter"][:].mean(), abs=0.051)


def test_model_basis_without_pilot():
    res = phasesweep("estimate", *GRID, "--pilot", "0")
    k = keyed(res.stdout)
    assert res.returncode == 0 and "pilot" not in k
    assert "basis: a model" in k["expected"]


def test_ranks_gives_time_and_wall_gives_ntasks():
    res = phasesweep("estimate", *GRID, "--pilot", "4", "--ranks", "3")
    assert res.returncode == 0, res.stderr
    assert "#SBATCH --ntasks=3" in res.stdout.splitlines()
    assert re.search(r"^#SBATCH --time=\d\d:\d\d:00$", res.stdout, re.M), res.stdout
    res = phasesweep("estimate", *GRID, "--pilot", "4", "--wall", "01:30")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "#SBATCH --time=01:30:00" in lines
    (n,) = [int(l.split("=")[1]) for l in lines if l.startswith("#SBATCH --ntasks=")]
    assert 1 <= n <= 9  # never more ranks than tasks


def test_config_file_and_once_under_mpirun():
    """The sweep's INI (with its out key) is accepted; under mpirun only rank 0 speaks."""
    res = phasesweep("estimate", "--config", "jobs/figure2.ini", "--d", "12", "--max-iter",
                     "20", "--pilot", "2", mpi=2)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("tasks: 900 (30 gamma_s x 30 gamma_w x 1 replicas)") == 1


def test_part_estimates_its_share_of_the_sweep():
    """--part I/N (as sweep takes it): the part's tasks (the same dealing as the sweep's, so
    the parts' counts add up to the sweep's) and its share of the cost (adding up to 100%)."""
    shares, counts = 0.0, 0
    for i in range(3):
        res = phasesweep("estimate", *GRID, "--pilot", "0", "--part", f"{i}/3")
        assert res.returncode == 0, res.stderr
        k = keyed(res.stdout)
        m = re.match(r"(\d)/3: (\d+) of the (\d+) tasks, ([0-9.]+)% of the sweep's cost",
                     k["part"])
        assert m and int(m.group(1)) == i and int(m.group(3)) == 9, k["part"]
        counts += int(m.group(2))
        shares += float(m.group(4))
        assert core_hours(k["expected"]) <= core_hours(k["upper_bound"]) * (1 + 1e-9)
    assert counts == 9
    # each share is a ratio of the same calibration; rounding to 0.1% and the timing noise
    # in the GD/theory balance move it a little
    assert shares == pytest.approx(100, abs=3)


def test_part_out_of_range_is_refused():
    res = phasesweep("estimate", *GRID, "--part", "3/3")
    assert res.returncode == 2 and "--part" in res.stderr and len(res.stderr.splitlines()) == 1
