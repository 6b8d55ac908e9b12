"""`make install` / `make uninstall`: into a home prefix as a user without root (nobody, when
the tests run as root), the installed binary, analysis commands and job templates work from
another directory, `import phasesweep` works there for the system python through the .pth
file install puts in the user site directory (no PYTHONPATH), DESTDIR stages without changing the paths written into files, and
uninstall removes exactly what install put there."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import h5py
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "phasesweep"
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
NOBODY = 65534

if not os.access(BIN, os.X_OK):
    pytest.skip("bin/phasesweep is not built", allow_module_level=True)


def as_user(cmd, cwd, home):
    """Runs cmd as nobody when we are root (a user's own prefix needs no root), else as is."""
    env = dict(ENV, HOME=str(home))
    if os.geteuid() == 0 and shutil.which("setpriv"):
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def home():
    """A home directory the installing user owns (pytest's tmp_path is root-only)."""
    d = Path(tempfile.mkdtemp(prefix="phasesweep-home-"))
    if os.geteuid() == 0:
        os.chown(d, NOBODY, NOBODY)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def tree(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_install_into_a_home_prefix_and_run_from_elsewhere(home):
    prefix = home / ".local"
    p = p_install = as_user(["make", "--no-print-directory", "-C", str(ROOT), "install",
                             f"PREFIX={prefix}"], ROOT, home)
    assert p.returncode == 0, p.stdout + p.stderr
    share = prefix / "share" / "phasesweep"
    for path in ("bin/phasesweep", "bin/phasesweep-figure1", "bin/phasesweep-figure2",
                 "bin/phasesweep-summary", "bin/phasesweep-export", "bin/phasesweep-cut",
                 "bin/phasesweep-finite-size", "share/phasesweep/README.md",
                 "share/phasesweep/docs/analysis.md",
                 "share/phasesweep/analysis/phasesweep/io/files.py",
                 "share/phasesweep/analysis/examples/tour.ipynb",
                 "share/phasesweep/analysis/figure2.py", "share/phasesweep/jobs/site.sh",
                 "share/phasesweep/jobs/sweep.sbatch", "share/phasesweep/jobs/figure2.ini",
                 "share/phasesweep/jobs/sweep-array.sbatch",
                 "share/phasesweep/jobs/submit-array.sh", "share/phasesweep/jobs/merge.sbatch"):
        assert (prefix / path).is_file(), path
    # the installed templates use the installed binary, analysis and site.sh
    site = (share / "jobs" / "site.sh").read_text()
    assert f": \"${{PHASESWEEP:={prefix}/bin/phasesweep}}\"" in site
    assert f": \"${{PHASESWEEP_ANALYSIS:={share}/analysis}}\"" in site
    for job in ("sweep.sbatch", "sweep-array.sbatch", "merge.sbatch", "figure1.sbatch"):
        text = (share / "jobs" / job).read_text()
        assert f"${{PHASESWEEP_JOBS:-{share}/jobs}}" in text, job
        subprocess.run(["bash", "-n", str(share / "jobs" / job)], check=True)

    # from another directory, with nothing of the repository on the way
    work = home / "work"
    work.mkdir()
    if os.geteuid() == 0:
        os.chown(work, NOBODY, NOBODY)
    installed = str(prefix / "bin" / "phasesweep")
    p = as_user([installed, "sweep", "--d", "8", "--rank", "2", "--gs", "-2:-1:2", "--gw",
                 "1:2:2", "--max-iter", "20", "--part", "0/1", "--out", "s.h5"], work, home)
    assert p.returncode == 0, p.stderr
    p = as_user([installed, "merge", "--out", "m.h5", "s.h5"], work, home)
    assert p.returncode == 0, p.stderr
    assert as_user([installed, "info", "m.h5"], work, home).returncode == 0
    p = as_user([str(prefix / "bin" / "phasesweep-figure2"), "m.h5", "-o", "fig.png"], work,
                home)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (work / "fig.png").stat().st_size > 10_000
    p = as_user([str(prefix / "bin" / "phasesweep-summary"), "m.h5"], work, home)
    assert p.returncode == 0 and "4/4 tasks done" in p.stdout, p.stdout + p.stderr
    p = as_user([str(prefix / "bin" / "phasesweep-cut"), "m.h5", "-o", "cut.svg"], work, home)
    assert p.returncode == 0 and (work / "cut.svg").read_text().startswith("<?xml"), p.stderr
    assert not (prefix / "bin" / "phasesweep-finite_size").exists()
    # the system python imports the installed package with no PYTHONPATH (the .pth file)
    assert "phasesweep.pth" in p_install.stdout
    env_py = ["env", "-u", "PYTHONPATH", "/usr/bin/python3", "-c",
              "import phasesweep; print(phasesweep.__file__); "
              "print(phasesweep.open_sweep('m.h5').attrs['d'])"]
    p = as_user(env_py, work, home)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(share / "analysis" / "phasesweep" / "__init__.py"), "8"]
    with h5py.File(work / "m.h5", "r") as f:
        assert f.attrs["run_out"] == "m.h5"

    p = as_user(["make", "--no-print-directory", "-C", str(ROOT), "uninstall",
                 f"PREFIX={prefix}"], ROOT, home)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not prefix.exists() or tree(prefix) == [], tree(prefix)


def test_other_prefix_prints_the_pythonpath_line(tmp_path):
    """A prefix no site directory lies under: install says how to import the package."""
    prefix = tmp_path / "opt"
    p = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "install",
                        f"PREFIX={prefix}"], env=ENV, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    line = f"export PYTHONPATH={prefix}/share/phasesweep/analysis"
    assert line in p.stdout, p.stdout
    env = dict(ENV, PYTHONPATH=str(prefix / "share" / "phasesweep" / "analysis"))
    q = subprocess.run(["/usr/bin/python3", "-c", "import phasesweep.figure2 as f; print(f.PROG)"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert q.stdout.strip() == "phasesweep-figure2", q.stderr
    subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "uninstall",
                    f"PREFIX={prefix}"], env=ENV, capture_output=True, timeout=300, check=True)
    assert tree(prefix) == [] if prefix.exists() else True


def test_destdir_stages_with_the_final_paths(tmp_path):
    stage = tmp_path / "stage"
    p = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "install",
                        "PREFIX=/opt/phasesweep", f"DESTDIR={stage}"], env=ENV,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    root = stage / "opt" / "phasesweep"
    assert (root / "bin" / "phasesweep").is_file()
    wrapper = (root / "bin" / "phasesweep-figure2").read_text()
    assert "/opt/phasesweep/share/phasesweep" in wrapper and str(stage) not in wrapper
    manifest = (root / "share" / "phasesweep" / "MANIFEST").read_text().split()
    assert "/opt/phasesweep/bin/phasesweep" in manifest
    assert all(not m.startswith(str(stage)) for m in manifest)
    p = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "uninstall",
                        "PREFIX=/opt/phasesweep", f"DESTDIR={stage}"], env=ENV,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert tree(stage) in ([], ["opt"], ["opt", "opt/phasesweep"]), tree(stage)


def test_relative_prefix_is_refused(tmp_path):
    p = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "install",
                        "PREFIX=relative/dir"], env=ENV, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode != 0 and "absolute" in p.stderr
    assert not (ROOT / "relative").exists()
