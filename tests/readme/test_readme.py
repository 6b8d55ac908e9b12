"""The README's examples are tests.

Every ```sh and ```python block of README.md runs, in README order, from the root of a
temporary copy of the repository (bin/, analysis/, jobs/; no build/, results/ or .git), so the
files the examples create (fig1.h5, fig2.h5, mine.h5, results/, figures) never touch the
work tree, and later examples see what earlier ones made, as a reader's shell would. sh
blocks run under `bash -e -o pipefail`, python blocks under /usr/bin/python3.

A block is skipped when the line directly above its fence is
    <!-- readme-test: skip REASON -->
(REASON says why: needs a cluster, takes hours, needs root; it is the skip message).

Sizes: the Figure 1 example reads its d from FIG1_D (500 unless set); this test sets
FIG1_D=100. Open MPI may refuse to run as root: the test sets OMPI_ALLOW_RUN_AS_ROOT=1 and
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1, as a reader running as root must.

Output: a ```text block that follows a run block (blank lines between are allowed) is what
the block prints on stdout, compared line by line after dropping trailing blanks:
- `...` inside a line matches any text (also none); a line that is only `...` matches any
  number of lines (also none);
- every number of a text line must match a number at the same place of the output; a
  number written with 6 or more significant digits matches within a relative 1e-6 (results
  are exact doubles, but another BLAS kernel may round the last digits otherwise), any other
  number must be equal.
stderr is not compared (progress lines, the BLAS warning), only shown when a block fails.
"""

import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PY = os.environ.get("PYTHON", "/usr/bin/python3")
TIMEOUT = int(os.environ.get("README_TEST_TIMEOUT", "300"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           FIG1_D=os.environ.get("FIG1_D", "100"))
# a reader types the examples in a shell, not inside `make check`: make's own variables would
# make a nested make print "Entering directory" lines
for _var in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES"):
    ENV.pop(_var, None)

FENCE = re.compile(r"^```(\S*)\s*$")
SKIP = re.compile(r"^<!--\s*readme-test:\s*skip\s+(\S.*?)\s*-->\s*$")
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def blocks(text):
    """[(line, lang, code, skip_reason, expected_text)] for the runnable blocks, in order."""
    lines = text.splitlines()
    found, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            j += 1
        code = "\n".join(lines[i + 1:j]) + "\n"
        skip = SKIP.match(lines[i - 1]) if i > 0 else None
        found.append([start + 1, lang, code, skip.group(1) if skip else None, None])
        i = j + 1
    runnable = []
    for k, b in enumerate(found):
        if b[1] == "text" and k > 0 and found[k - 1][1] in ("sh", "python"):
            prev = found[k - 1]
            between = lines[prev[0] + prev[2].count("\n"):b[0] - 1]
            if all(not l.strip() for l in between[1:]):
                prev[4] = b[2]
        if b[1] in ("sh", "python"):
            runnable.append(b)
    return runnable


def line_matches(pattern, actual):
    """One text line against one output line (see the module docstring)."""
    regex, wanted = "", []
    for k, part in enumerate(pattern.split("...")):
        if k:
            regex += ".*?"
        pos = 0
        for m in re.finditer(NUMBER, part):
            regex += re.escape(part[pos:m.start()]) + f"({NUMBER})"
            wanted.append(m.group(0))
            pos = m.end()
        regex += re.escape(part[pos:])
    m = re.fullmatch(regex, actual)
    if not m:
        return False
    for want, got in zip(wanted, m.groups()):
        digits = len(re.sub(r"[^0-9]", "", re.split(r"[eE]", want)[0]).lstrip("0"))
        a, b = float(want), float(got)
        if digits >= 6:
            if not math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-300):
                return False
        elif a != b:
            return False
    return True


def text_matches(expected, actual):
    exp = [l.rstrip() for l in expected.rstrip("\n").splitlines()]
    act = [l.rstrip() for l in actual.rstrip("\n").splitlines()]
    while act and not act[-1]:
        act.pop()

    def match(i, j):
        if i == len(exp):
            return j == len(act)
        if exp[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and line_matches(exp[i], act[j]) and match(i + 1, j + 1)

    return match(0, 0)


BLOCKS = blocks(README.read_text())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    if not os.access(ROOT / "bin" / "phasesweep", os.X_OK):
        pytest.skip("bin/phasesweep is not built")
    work = tmp_path_factory.mktemp("readme") / "phasesweep"
    shutil.copytree(ROOT, work, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "build", "results", "*.h5", "__pycache__", "*.png", "*.pdf", "*.csv"))
    return work


@pytest.mark.parametrize("block", BLOCKS, ids=[f"line{b[0]}-{b[1]}" for b in BLOCKS])
def test_example(block, workdir):
    line, lang, code, skip, expected = block
    if skip:
        pytest.skip(f"README line {line}: {skip}")
    cmd = ["bash", "-e", "-o", "pipefail", "-c", code] if lang == "sh" else [PY, "-c", code]
    res = subprocess.run(cmd, cwd=workdir, env=ENV, capture_output=True, text=True,
                         timeout=TIMEOUT)
    where = f"README line {line} ({lang}):\n{code}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert res.returncode == 0, f"exit {res.returncode}; {where}"
    if expected is not None:
        assert text_matches(expected, res.stdout), f"output differs from:\n{expected}\n{where}"


def test_readme_has_examples_that_run():
    """The harness cannot pass on an empty README: most examples run, each skip says why."""
    run = [b for b in BLOCKS if not b[3]]
    assert len(run) >= 8, [b[0] for b in run]
    assert sum(b[4] is not None for b in run) >= 3
    for b in BLOCKS:
        assert b[3] is None or len(b[3]) > 3, b


@pytest.mark.parametrize("pattern,actual,ok", [
    ('{"x": 0.19762672457666178, "n": 120}', '{"x": 0.19762672457666111, "n": 120}', True),
    ('{"x": 0.19762672457666178, "n": 120}', '{"x": 0.1976, "n": 120}', False),
    ('{"x": 0.19762672457666178, "n": 120}', '{"x": 0.19762672457666178, "n": 121}', False),
    ('tasks: 900 (...)', 'tasks: 900 (30 x 30)', True),
    ('tasks: 900 (...)', 'tasks: 901 (30 x 30)', False),
    ('seconds ...', 'seconds 1.5', True),
    ('a b', 'a  b', False),
])
def test_line_rule(pattern, actual, ok):
    assert line_matches(pattern, actual) is ok


def test_ellipsis_lines():
    assert text_matches("a\n...\nz\n", "a\nb\nc\nz\n")
    assert text_matches("a\n...\nz\n", "a\nz\n")
    assert not text_matches("a\nz\n", "a\nb\nz\n")
    assert not text_matches("a\n...\nz\n", "a\nb\n")


def test_package_list_matches_deps_sh():
    """The README names every Debian package tests/deps.sh installs (make run and make check)."""
    deps = (ROOT / "tests" / "deps.sh").read_text()
    names = set()
    for m in re.finditer(r'PKGS="(?:\$PKGS )?([^"]*)"', deps):
        names.update(m.group(1).split())
    assert len(names) > 10, names
    readme = README.read_text()
    missing = sorted(n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])",
                                                      readme))
    assert not missing, f"README's package list lacks {missing}"
