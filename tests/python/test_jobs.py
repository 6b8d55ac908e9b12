"""jobs/: the INI files say what the paper's sweeps need and the engine accepts them; the
batch scripts parse; local-run.sh runs, reuses a complete file and resumes a partial one."""

import configparser
import subprocess
import sys

import h5py
import pytest

from enginerun import ENV, MPIRUN, ROOT, engine, require_engine

JOBS = ROOT / "jobs"
PAPER = dict(d="200", rank="5", **{"lr-scale": "50", "max-iter": "750"})
CONFIGS = {
    "figure2.ini": dict(PAPER, gs="-3:0:30", gw="0:2.8:30", out="results/figure2.h5"),
    "figure2-authors.ini": dict(PAPER, gs="-2.2:-0.8:30", gw="1.75:2.8:30",
                                out="results/figure2-authors.h5"),
    "figure2-large.ini": dict(PAPER, d="1000", gs="-3:0:60", gw="0:2.8:60", replicas="4",
                              **{"group-size": "4"}, out="results/figure2-large.h5"),
}


@pytest.mark.parametrize("name", CONFIGS)
def test_config_holds_the_papers_parameters(name):
    ini = configparser.ConfigParser()
    ini.read(JOBS / name)
    assert ini.sections() == ["sweep"]
    for key, value in CONFIGS[name].items():
        assert ini["sweep"][key] == value, key


@pytest.mark.parametrize("name", CONFIGS)
def test_engine_reads_config(name, tmp_path):
    """Every key is one the engine knows: a tiny run with the config underneath (the
    command line wins) keeps the config's rank and lr-scale."""
    out = tmp_path / "tiny.h5"
    engine(["sweep", "--config", str(JOBS / name), "--d", "8", "--gs", "-1:-1:1",
            "--gw", "1:1:1", "--replicas", "1", "--max-iter", "3", "--group-size", "1",
            "--out", str(out)], tmp_path)
    with h5py.File(out, "r") as f:
        assert f.attrs["rank"] == 5 and f.attrs["lr_scale"] == 50


@pytest.mark.parametrize("script", ["sweep.sbatch", "figure1.sbatch"])
def test_batch_script_parses(script):
    subprocess.run(["bash", "-n", str(JOBS / script)], check=True)


def test_sweep_script_requeues_itself():
    text = (JOBS / "sweep.sbatch").read_text()
    for needed in ("#SBATCH --requeue", "#SBATCH --signal=B:USR1@", "scontrol requeue",
                   "--resume", "trap "):
        assert needed in text, needed


def test_local_run_resumes_and_keeps(tmp_path):
    require_engine()
    out, figure = tmp_path / "local.h5", tmp_path / "figure2.png"
    env = dict(ENV, D="8", RANK="2", GS="-2:-1:2", GW="1:2:2", MAX_ITER="20", NP="2",
               OUT=str(out), FIGURE=str(figure), MPIRUN=MPIRUN, PYTHON=sys.executable)

    def local_run():
        p = subprocess.run(["sh", str(JOBS / "local-run.sh")], env=env, capture_output=True,
                           text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    local_run()
    assert figure.stat().st_size > 20_000
    with h5py.File(out, "r") as f:
        first = f["min_test_error"][...]
    assert "continuing" in local_run()
    with h5py.File(out, "r+") as f:
        f["done"][0, 0, 0] = 0
    local_run()
    with h5py.File(out, "r") as f:
        assert f["done"][...].all()
        assert (f["min_test_error"][...] == first).all()
    env["D"] = "9"
    p = subprocess.run(["sh", str(JOBS / "local-run.sh")], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode != 0 and "rm " in p.stderr, "a file of other parameters is kept"
