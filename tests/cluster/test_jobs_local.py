"""The job scripts outside Slurm (tests/slurm runs them under a real Slurm): they parse, an
MPIRUN of several words launches, --threads follows SLURM_CPUS_PER_TASK, an array element and
the merge job give the whole sweep, submit-array.sh checks its arguments."""

import os
import subprocess
from pathlib import Path

import h5py
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
JOBS = ROOT / "jobs"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
# no Slurm variables: the scripts take the mpirun path
ENV = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
ENV.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", PHASESWEEP=str(BIN), PHASESWEEP_JOBS=str(JOBS))
INI = """[sweep]
d = 10
rank = 2
gs = -2:-0.5:3
gw = 0.5:2:3
replicas = 2
max-iter = 60
out = results/tiny.h5
"""

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)


@pytest.mark.parametrize("script", ["sweep.sbatch", "sweep-array.sbatch", "merge.sbatch",
                                    "figure1.sbatch", "submit-array.sh", "site.sh"])
def test_job_script_parses(script):
    subprocess.run(["bash", "-n", str(JOBS / script)], check=True)


@pytest.mark.parametrize("script", ["sweep.sbatch", "sweep-array.sbatch", "merge.sbatch",
                                    "figure1.sbatch"])
def test_job_script_has_site_block_and_logs(script):
    text = (JOBS / script).read_text()
    assert "# ---- SITE" in text and "##SBATCH --account=" in text
    assert "#SBATCH --output=logs/" in text
    assert '. "${PHASESWEEP_JOBS:-jobs}/site.sh"' in text or "sweep.sbatch" in text
    assert '"$MPIRUN"' not in text  # several words: never quoted


def run(cmd, cwd, **env):
    return subprocess.run(cmd, cwd=cwd, env=dict(ENV, **env), capture_output=True, text=True,
                          timeout=300)


def results(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[...].tobytes())
                     if isinstance(o, h5py.Dataset) and not n.endswith("seconds") else None)
        threads = int(f.attrs["run_threads"])
    return out, threads


def test_whole_parts_and_merge_outside_slurm(tmp_path):
    (tmp_path / "tiny.ini").write_text(INI)
    mpirun = f"{MPIRUN} --oversubscribe"  # two words
    # --threads from --cpus-per-task (more than one BLAS thread may change the last bits, so
    # the comparison below keeps one)
    p = run(["bash", str(JOBS / "sweep.sbatch"), "tiny.ini"], tmp_path, MPIRUN=mpirun,
            SLURM_CPUS_PER_TASK="3")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "sweep complete: results/tiny.h5" in p.stdout
    assert f"x 3 threads with '{mpirun}'" in p.stdout
    assert results(tmp_path / "results" / "tiny.h5")[1] == 3
    (tmp_path / "results" / "tiny.h5").unlink()
    p = run(["bash", str(JOBS / "sweep.sbatch"), "tiny.ini"], tmp_path, MPIRUN=mpirun)
    assert p.returncode == 0, p.stdout + p.stderr
    whole, threads = results(tmp_path / "results" / "tiny.h5")
    assert threads == 1
    (tmp_path / "results" / "tiny.h5").rename(tmp_path / "whole.h5")
    for i in range(2):
        p = run(["bash", str(JOBS / "sweep-array.sbatch"), "tiny.ini", "2"], tmp_path,
                MPIRUN=mpirun, SLURM_ARRAY_TASK_ID=str(i))
        assert p.returncode == 0, p.stdout + p.stderr
        assert f"--part {i}/2 -> results/tiny.part-{i}-of-2.h5" in p.stdout
    p = run(["bash", str(JOBS / "merge.sbatch"), "tiny.ini", "2"], tmp_path, MPIRUN=mpirun)
    assert p.returncode == 0, p.stdout + p.stderr
    merged, _ = results(tmp_path / "results" / "tiny.h5")
    assert merged == whole
    p = run(["bash", str(JOBS / "merge.sbatch"), "tiny.ini", "2"], tmp_path, MPIRUN=mpirun)
    assert p.returncode == 0 and "already complete" in p.stdout
    # not an array element
    p = run(["bash", str(JOBS / "sweep-array.sbatch"), "tiny.ini", "2"], tmp_path)
    assert p.returncode == 2 and "--array=0-1" in p.stderr


@pytest.mark.parametrize("n", ["0", "x", "-1", "100001"])
def test_submit_array_checks_n(tmp_path, n):
    (tmp_path / "tiny.ini").write_text(INI)
    p = run(["sh", str(JOBS / "submit-array.sh"), "tiny.ini", n], tmp_path)
    assert p.returncode == 2 and "N:" in p.stderr, p.stderr
    assert not (tmp_path / "logs").exists()
