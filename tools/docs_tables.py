#!/usr/bin/python3
"""The generated tables of docs/: option tables from `phasesweep CMD --help` and file-layout
tables from `phasesweep info --layout json`, so that the manual cannot drift from the binary.

In a docs/*.md file, a block

    <!-- generated: options sweep -->
    ...
    <!-- end generated -->

holds the option table of `phasesweep sweep --help` (option, default, range, meaning, under
the help's own section names), and `<!-- generated: layout sweep -->` (or trace) the variables
of that file kind (name, dims, type, fill, units, meaning). Usage (from the repository root):

    python3 tools/docs_tables.py            rewrite every generated block (make docs)
    python3 tools/docs_tables.py --check    exit 1, naming the block, when one differs
                                            (tests/readme runs this)
BIN (default bin/phasesweep) is taken from the environment variable PHASESWEEP.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- generated: (options|layout) (\w+) -->\n)(.*?)(<!-- end generated -->)",
                   re.S)
OPTION = re.compile(r"^  (--[\w-]+)(?: (\S+))?\s{2,}(.*)$")
DETAIL = re.compile(r"^\s{20,}default: (.*?)(?:; range: (.*))?$")


def binary():
    return os.environ.get("PHASESWEEP", str(ROOT / "bin" / "phasesweep"))


def parse_help(text):
    """[(section, option, value name, default, range, meaning)] of a command's --help."""
    rows, section, last = [], "", None
    for line in text.splitlines():
        if re.fullmatch(r"[A-Z][\w ]*:", line):
            section = line[:-1]
            continue
        m = OPTION.match(line)
        if m:
            last = [section, m.group(1), m.group(2) or "", "", "", m.group(3).strip()]
            rows.append(last)
            continue
        m = DETAIL.match(line)
        if m and last is not None:
            last[3], last[4] = m.group(1), m.group(2) or ""
            last = None
    return rows


def cell(text):
    return text.replace("|", "\\|")


def options_table(cmd):
    p = subprocess.run([binary(), cmd, "--help"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit(f"docs_tables: {binary()} {cmd} --help failed: {p.stderr.strip()}")
    rows = parse_help(p.stdout)
    out = [f"Generated from `phasesweep {cmd} --help` by `tools/docs_tables.py` (checked by "
           "tests/readme):", "", "| option | default | range | meaning |", "|---|---|---|---|"]
    section = None
    for sec, opt, value, default, rng, meaning in rows:
        if sec != section:
            out.append(f"| **{cell(sec)}** | | | |")
            section = sec
        head = f"`{opt}{' ' + value if value else ''}`"
        out.append(f"| {cell(head)} | {cell(default)} | {cell(rng)} | {cell(meaning)} |")
    return "\n".join(out) + "\n"


def layout_table(kind):
    p = subprocess.run([binary(), "info", "--layout", "json"], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise SystemExit(f"docs_tables: {binary()} info --layout json failed: {p.stderr}")
    layout = json.loads(p.stdout)
    out = [f"Generated from `phasesweep info --layout json` (layout_version "
           f"{layout['layout_version']}) by `tools/docs_tables.py` (checked by tests/readme):",
           "", "| variable | dims | type | fill | units | long_name: description |",
           "|---|---|---|---|---|---|"]
    for v in layout[kind]:
        fill = "—" if v["fill"] is None else str(v["fill"])
        desc = f"{v['long_name']}: {v['description']}"
        if v.get("flag_meanings"):
            desc += f" (flags 0.. : {v['flag_meanings']})"
        if v.get("only"):
            desc = f"*only with --{v['only']}*: " + desc
        out.append(f"| `{v['name']}` | [{', '.join(v['dims'])}] | {v['type']} | {fill} | "
                   f"`{v['units']}` | {cell(desc)} |")
    return "\n".join(out) + "\n"


def render(kind, arg):
    return options_table(arg) if kind == "options" else layout_table(arg)


def process(path, check):
    text = path.read_text()
    stale = []

    def sub(m):
        want = render(m.group(2), m.group(3))
        if m.group(4) != want:
            stale.append(f"{path.relative_to(ROOT)}: generated {m.group(2)} {m.group(3)}")
        return m.group(1) + want + m.group(5)

    new = BLOCK.sub(sub, text)
    if not check and new != text:
        path.write_text(new)
    return stale, len(BLOCK.findall(text))


def main(argv):
    check = "--check" in argv
    stale, blocks = [], 0
    for path in sorted((ROOT / "docs").glob("*.md")):
        s, n = process(path, check)
        stale += s
        blocks += n
    if check and stale:
        for s in stale:
            print(f"docs_tables: {s} differs from the binary; run python3 tools/docs_tables.py",
                  file=sys.stderr)
        return 1
    print(f"docs_tables: {blocks} generated blocks {'checked' if check else 'written'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
