"""phasesweep as a package: `pip install ./analysis` offline into a virtualenv (made with
--system-site-packages, as on a cluster whose numpy/h5py come from the system), then used
from another directory: the import, `python -m phasesweep.figure2`, the console scripts;
and the package imports its own modules only relatively (no top-level siblings)."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from enginerun import ROOT

PKG = ROOT / "analysis" / "phasesweep"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    if subprocess.run(["/usr/bin/python3", "-c", "import venv, ensurepip"],
                      capture_output=True).returncode:
        pytest.skip("python3-venv is not installed (tests/deps.sh check installs it)")
    base = tmp_path_factory.mktemp("venv")
    # a copy of analysis/: pip's in-tree build leaves build/ and *.egg-info behind
    src = base / "analysis"
    shutil.copytree(ROOT / "analysis", src, ignore=shutil.ignore_patterns(
        "__pycache__", "build", "*.egg-info"))
    env_dir = base / "V"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(env_dir)],
                   check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([str(env_dir / "bin" / "pip"), "install", "--no-index",
                        "--no-build-isolation", "--disable-pip-version-check", str(src)],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return env_dir


def clean_env():
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_import_from_another_directory(venv, tmp_path, synthetic_sweep):
    code = ("import phasesweep as ps, sys; ds = ps.open_sweep(sys.argv[1]); "
            "print(ps.__file__); print(dict(ds.sizes)); print(ps.figure2.plot(sys.argv[1]))")
    p = subprocess.run([str(venv / "bin" / "python"), "-c", code, str(synthetic_sweep)],
                       cwd=tmp_path, env=clean_env(), capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    where, sizes, fig = p.stdout.splitlines()
    assert where.startswith(str(venv)) and "site-packages" in where
    assert sizes == "{'gamma_s': 7, 'gamma_w': 6, 'replica': 3}"
    assert fig.startswith("Figure(")


def test_commands_in_the_venv(venv, tmp_path, synthetic_sweep, synthetic_trace):
    bin_ = venv / "bin"
    env = clean_env()
    for cmd in (["python", "-m", "phasesweep.figure2", synthetic_sweep, "-o", "a.png"],
                ["phasesweep-figure2", synthetic_sweep, "-o", "b.svg"],
                ["phasesweep-cut", synthetic_sweep, "-o", "c.pdf", "--along", "gw"],
                ["phasesweep-figure1", synthetic_trace, "-o", "d.png", "--linear"],
                ["phasesweep-summary", synthetic_sweep, "--csv", "e.csv"],
                ["phasesweep-export", synthetic_trace, "-o", "f.csv"]):
        p = subprocess.run([str(bin_ / cmd[0]), *map(str, cmd[1:])], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, (cmd, p.stderr)
    assert sorted(x.name for x in tmp_path.iterdir()) == [
        "a.png", "b.svg", "c.pdf", "d.png", "e.csv", "f.csv"]
    p = subprocess.run([str(bin_ / "phasesweep-figure2"), str(synthetic_trace), "-o", "x.png"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stderr.startswith("phasesweep-figure2: "), p.stderr
    for name in ("phasesweep-finite-size",):
        assert (bin_ / name).exists()
    assert not (bin_ / "phasesweep-finite_size").exists()


def test_the_checkout_shims_run_from_any_directory(tmp_path, synthetic_sweep):
    """analysis/figure2.py (jobs/ call it so) imports the package beside it, from anywhere."""
    p = subprocess.run([sys.executable, str(ROOT / "analysis" / "figure2.py"),
                        str(synthetic_sweep), "-o", "g.png"], cwd=tmp_path, env=clean_env(),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "g.png").stat().st_size > 20_000


def test_modules_import_each_other_relatively():
    """No module of the package imports a sibling as a top-level module."""
    names = {p.stem for p in PKG.rglob("*.py")} | {"phasefile", "layout", "boundaries"}
    for path in PKG.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                bad = [a.name for a in node.names if a.name.split(".")[0] in names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                bad = [node.module] if (node.module or "").split(".")[0] in names else []
            else:
                continue
            assert not bad, f"{path.relative_to(ROOT)}: import {bad}"


def test_readers_figures_and_studies_apart():
    assert {p.name for p in (PKG / "io").glob("*.py")} >= {"files.py", "layout.py",
                                                          "export.py", "summary.py"}
    assert {p.name for p in (PKG / "figures").glob("*.py")} >= {"figure1.py", "figure2.py",
                                                               "cut.py"}
    assert {p.name for p in (PKG / "studies").glob("*.py")} >= {"boundaries.py",
                                                               "finite_size.py", "teacher.py"}
    for path in (PKG / "io").glob("*.py"):  # the readers depend on no figure or study
        text = path.read_text()
        assert "from ..studies" not in text and "from ..figures" not in text, path
