"""The examples of README.md and of every docs/*.md page are tests.

Every ```sh and ```python block of a page runs, in page order, from the root of a temporary
copy of the repository made for that page (bin/, analysis/, jobs/; no build/, results/ or
.git), so the files the examples create (fig1.h5, fig2.h5, mine.h5, results/, figures) never
touch the work tree, and later examples of a page see what earlier ones made, as a reader's
shell would; each page starts from a fresh copy, so it makes what it reads. sh blocks run
under `bash -e -o pipefail`, python blocks under /usr/bin/python3, with PYTHONPATH set to the
copy's analysis/ (as the README's set-up line does for a checkout).

Besides: the option tables of docs/cli.md and the layout tables of docs/file-format.md equal
what tools/docs_tables.py makes from `phasesweep CMD --help` and `phasesweep info --layout
json` now; the README stays a guide (at most 200 lines) and links every page of docs/.

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

import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
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
CASES = [(page, b) for page in PAGES for b in blocks(page.read_text())]
_WORKDIRS = {}


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory):
    """page -> its own temporary copy of the repository, made on first use."""
    if not os.access(ROOT / "bin" / "phasesweep", os.X_OK):
        pytest.skip("bin/phasesweep is not built")

    def get(page):
        if page not in _WORKDIRS:
            work = tmp_path_factory.mktemp("readme-" + page.stem) / "phasesweep"
            shutil.copytree(ROOT, work, symlinks=True, ignore=shutil.ignore_patterns(
                ".git", "build", "results", "*.h5", "__pycache__", "*.png", "*.pdf", "*.csv",
                "*.svg", "*.egg-info"))
            _WORKDIRS[page] = work
        return _WORKDIRS[page]

    return get


@pytest.mark.parametrize("page, block", CASES,
                         ids=[f"{p.relative_to(ROOT)}:line{b[0]}-{b[1]}" for p, b in CASES])
def test_example(page, block, workdirs):
    line, lang, code, skip, expected = block
    name = page.relative_to(ROOT)
    if skip:
        pytest.skip(f"{name} line {line}: {skip}")
    workdir = workdirs(page)
    cmd = ["bash", "-e", "-o", "pipefail", "-c", code] if lang == "sh" else [PY, "-c", code]
    env = dict(ENV, PYTHONPATH=str(workdir / "analysis"))
    res = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                         timeout=TIMEOUT)
    where = f"{name} line {line} ({lang}):\n{code}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert res.returncode == 0, f"exit {res.returncode}; {where}"
    if expected is not None:
        assert text_matches(expected, res.stdout), f"output differs from:\n{expected}\n{where}"


def test_readme_has_examples_that_run():
    """The harness cannot pass on an empty README: most examples run, each skip says why."""
    run = [b for b in BLOCKS if not b[3]]
    assert len(run) >= 4, [b[0] for b in run]
    assert sum(b[4] is not None for b in run) >= 3
    every = [b for _, b in CASES]
    assert sum(not b[3] for b in every) >= 18 and sum(b[4] is not None for b in every) >= 8
    for b in every:
        assert b[3] is None or len(b[3]) > 3, b


def test_readme_is_a_guide_with_a_map_of_docs():
    lines = README.read_text().splitlines()
    assert len(lines) <= 200, len(lines)
    text = "\n".join(lines)
    for page in PAGES[1:]:
        if page.name != "PROTOCOL.md":  # a pointer to science.md for the source comments
            assert f"](docs/{page.name})" in text, page.name
    for name in ("cli", "file-format", "cluster", "analysis", "performance", "reliability",
                 "science", "testing"):
        assert (ROOT / "docs" / f"{name}.md").is_file(), name


def test_generated_tables_match_the_binary():
    """docs/'s option and layout tables are what --help and info --layout json say now."""
    if not os.access(ROOT / "bin" / "phasesweep", os.X_OK):
        pytest.skip("bin/phasesweep is not built")
    p = subprocess.run([PY, str(ROOT / "tools" / "docs_tables.py"), "--check"], cwd=ROOT,
                       env=dict(ENV, PHASESWEEP=str(ROOT / "bin" / "phasesweep")),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    cli = (ROOT / "docs" / "cli.md").read_text()
    for cmd in ("run", "trace", "sweep", "info", "merge", "estimate"):
        assert f"<!-- generated: options {cmd} -->" in cli, cmd
        helptext = subprocess.run([str(ROOT / "bin" / "phasesweep"), cmd, "--help"],
                                  capture_output=True, text=True, env=ENV).stdout
        options = set(re.findall(r"^  (--[\w-]+)", helptext, re.M))
        block = cli.split(f"<!-- generated: options {cmd} -->")[1].split("<!-- end")[0]
        assert set(re.findall(r"^\| `(--[\w-]+)", block, re.M)) == options, cmd
    assert "`--part I/N`" in cli
    layout = json.loads(subprocess.run([str(ROOT / "bin" / "phasesweep"), "info", "--layout",
                                        "json"], capture_output=True, text=True,
                                       env=ENV).stdout)
    fmt = (ROOT / "docs" / "file-format.md").read_text()
    for kind in ("sweep", "trace"):
        block = fmt.split(f"<!-- generated: layout {kind} -->")[1].split("<!-- end")[0]
        assert re.findall(r"^\| `(\w+)`", block, re.M) == [v["name"] for v in layout[kind]]


def test_docs_tables_tool_sees_a_stale_table(tmp_path):
    """--check fails on a table that no longer matches (a parser that sees nothing would
    pass every check)."""
    from importlib import util
    spec = util.spec_from_file_location("docs_tables", ROOT / "tools" / "docs_tables.py")
    tool = util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    rows = tool.parse_help("Model:\n  --d INT                dimension\n"
                           "                         default: 200; range: [2, 65536]\n"
                           "  --no-theory            skip\n"
                           "                         default: off\n")
    assert rows == [["Model", "--d", "INT", "200", "[2, 65536]", "dimension"],
                    ["Model", "--no-theory", "", "off", "", "skip"]]


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
