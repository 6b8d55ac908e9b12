#!/bin/sh
# `make install` and `make uninstall`. Usage (from the repository root):
#   sh tools/install.sh install   PREFIX [DESTDIR]
#   sh tools/install.sh uninstall PREFIX [DESTDIR]
# Installs bin/phasesweep and one command per analysis tool (phasesweep-figure1,
# phasesweep-figure2, phasesweep-cut, phasesweep-summary, phasesweep-export,
# phasesweep-finite-size) into PREFIX/bin, and analysis/ (whole: the phasesweep package),
# jobs/ (templates, site.sh and configs, pointed at the installed binary), README.md and
# docs/ into PREFIX/share/phasesweep. The package is made importable for PYTHON (default
# /usr/bin/python3) without PYTHONPATH by a phasesweep.pth file naming
# PREFIX/share/phasesweep/analysis in the one site directory of PYTHON that lies under PREFIX
# (PREFIX=/usr/local: /usr/local/lib/python3.X/dist-packages; PREFIX=$HOME/.local: the user
# site directory); for another PREFIX no site directory is read, and the line to add is
# printed instead. Every installed path is listed in
# PREFIX/share/phasesweep/MANIFEST, which uninstall removes exactly (then the empty
# directories it made). DESTDIR is prepended to every path written, never to the paths
# written into the files (staged installs, packages).
set -eu
action=${1:?usage: tools/install.sh install|uninstall PREFIX [DESTDIR]}
prefix=${2:?usage: tools/install.sh install|uninstall PREFIX [DESTDIR]}
destdir=${3:-}
case $prefix in
/*) ;;
*) echo "install: PREFIX must be an absolute path, not '$prefix'" >&2; exit 2 ;;
esac
bindir=$prefix/bin
share=$prefix/share/phasesweep
manifest=$destdir$share/MANIFEST
python=${PYTHON:-/usr/bin/python3}

if [ "$action" = uninstall ]; then
    if [ ! -f "$manifest" ]; then
        echo "uninstall: no $manifest: nothing of phasesweep is installed under $prefix" >&2
        exit 0
    fi
    dirs=$(mktemp)
    while IFS= read -r path; do
        rm -f "$destdir$path"
        dirname "$path" >>"$dirs"
    done <"$manifest"
    rm -f "$manifest"
    # the bytecode Python caches next to the installed package (not listed: made on use)
    find "$destdir$share/analysis" -type d -name __pycache__ -prune -exec rm -rf {} + \
        2>/dev/null || true
    # the parents of every installed file up to PREFIX (the .pth file's site directory
    # too), deepest first, if now empty
    sort -ru "$dirs" | while IFS= read -r dir; do
        while [ "${#dir}" -gt "${#prefix}" ] && rmdir "$destdir$dir" 2>/dev/null; do
            dir=$(dirname "$dir")
        done
    done
    rm -f "$dirs"
    # the directories made by install, deepest first, if now empty
    find "$destdir$share" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    rmdir "$destdir$bindir" "$destdir$prefix/share" 2>/dev/null || true
    echo "uninstalled phasesweep from $prefix"
    exit 0
fi
[ "$action" = install ] || { echo "install: unknown action '$action'" >&2; exit 2; }
[ -x bin/phasesweep ] || { echo "install: bin/phasesweep is not built (make)" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
put() { # put MODE SRC DEST: copy, and remember DEST (without DESTDIR)
    mkdir -p "$(dirname "$destdir$3")"
    cp "$2" "$destdir$3.tmp.$$" && chmod "$1" "$destdir$3.tmp.$$" && mv -f "$destdir$3.tmp.$$" "$destdir$3"
    echo "$3" >>"$list"
}

put 755 bin/phasesweep "$bindir/phasesweep"

# analysis/ as a whole directory (the phasesweep package, its shims, the notebook), caches
# and build leftovers left out
find analysis -type f ! -path '*__pycache__*' ! -name '*.pyc' ! -path 'analysis/build/*' \
    ! -path '*.egg-info/*' ! -path '*.ipynb_checkpoints*' | sort | while IFS= read -r f; do
    put 644 "$f" "$share/$f"
done
# one command per tool: phasesweep-NAME runs `python3 -m phasesweep.MODULE`
for pair in figure1:figure1 figure2:figure2 cut:cut summary:summary export:export \
    finite-size:finite_size; do
    name=${pair%%:*}
    module=${pair#*:}
    wrapper=$(mktemp)
    cat >"$wrapper" <<WRAPPER
#!/bin/sh
# phasesweep-$name: python3 -m phasesweep.$module as installed under $prefix; runs from any
# directory (paths given are relative to it). PYTHON overrides the interpreter.
PYTHONPATH="$share/analysis\${PYTHONPATH:+:\$PYTHONPATH}"
export PYTHONPATH
exec "\${PYTHON:-$python}" -m phasesweep.$module "\$@"
WRAPPER
    put 755 "$wrapper" "$bindir/phasesweep-$name"
    rm -f "$wrapper"
done

# import phasesweep without PYTHONPATH: a .pth file in PYTHON's site directory under PREFIX
site=$("$python" -c 'import site, sys
dirs = [*site.getsitepackages(), site.getusersitepackages()]
print(next((d for d in dirs if d.startswith(sys.argv[1].rstrip("/") + "/")), ""))' "$prefix" \
    2>/dev/null || true)
pth_note=""
if [ -n "$site" ]; then
    pth=$(mktemp)
    echo "$share/analysis" >"$pth"
    put 644 "$pth" "$site/phasesweep.pth"
    rm -f "$pth"
    pth_note="; import phasesweep works for $python ($site/phasesweep.pth)"
else
    pth_note="; $python reads no site directory under $prefix: to import phasesweep, add
  export PYTHONPATH=$share/analysis\${PYTHONPATH:+:\$PYTHONPATH}
or put the line $share/analysis into a .pth file of your site directory ($python -m site --user-site)"
fi

# jobs/: the installed templates use the installed binary, analysis and site.sh
for f in jobs/*; do
    [ -f "$f" ] || continue
    edited=$(mktemp)
    sed -e "s|:=bin/phasesweep}|:=$bindir/phasesweep}|" \
        -e "s|:=analysis}|:=$share/analysis}|" \
        -e "s|\${PHASESWEEP_JOBS:-jobs}|\${PHASESWEEP_JOBS:-$share/jobs}|g" \
        "$f" >"$edited"
    case $f in
    jobs/local-run.sh) rm -f "$edited"; continue ;; # `make run` in the repository only
    *.sh | *.sbatch) mode=755 ;;
    *) mode=644 ;;
    esac
    put $mode "$edited" "$share/$f"
    rm -f "$edited"
done

put 644 README.md "$share/README.md"
if [ -d docs ]; then
    find docs -type f | sort | while IFS= read -r f; do put 644 "$f" "$share/$f"; done
fi

# the manifest lists itself last, so that uninstall removes it too
echo "$share/MANIFEST" >>"$list"
sort -u "$list" >"$manifest.tmp.$$"
mv -f "$manifest.tmp.$$" "$manifest"
echo "installed phasesweep under $prefix: $bindir/phasesweep, $(grep -c "^$bindir/phasesweep-" "$manifest") analysis commands, $share$pth_note"
