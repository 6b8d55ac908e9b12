#!/bin/sh
# `make install` and `make uninstall`. Usage (from the repository root):
#   sh tools/install.sh install   PREFIX [DESTDIR]
#   sh tools/install.sh uninstall PREFIX [DESTDIR]
# Installs bin/phasesweep and one wrapper per analysis script (phasesweep-figure1,
# phasesweep-figure2, phasesweep-summary) into PREFIX/bin, and analysis/ (whole), jobs/
# (templates, site.sh and configs, pointed at the installed binary), README.md and docs/ (if
# any) into PREFIX/share/phasesweep. Every installed path is listed in
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
    while IFS= read -r path; do
        rm -f "$destdir$path"
    done <"$manifest"
    rm -f "$manifest"
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

# analysis/ as a whole directory (a package or plain scripts), caches left out
find analysis -type f ! -path '*__pycache__*' ! -name '*.pyc' | sort | while IFS= read -r f; do
    put 644 "$f" "$share/$f"
done
for script in analysis/*.py; do
    grep -q '__main__' "$script" || continue
    name=$(basename "$script" .py)
    wrapper=$(mktemp)
    if [ -f analysis/__init__.py ]; then
        run="-m analysis.$name" # a package: its modules import each other either way
    else
        run="\"$share/analysis/$name.py\""
    fi
    cat >"$wrapper" <<WRAPPER
#!/bin/sh
# phasesweep-$name: phasesweep's analysis/$name.py as installed under $prefix; runs from any
# directory (paths given are relative to it). PYTHON overrides the interpreter.
PYTHONPATH="$share:$share/analysis\${PYTHONPATH:+:\$PYTHONPATH}"
export PYTHONPATH
exec "\${PYTHON:-$python}" $run "\$@"
WRAPPER
    put 755 "$wrapper" "$bindir/phasesweep-$name"
    rm -f "$wrapper"
done

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
echo "installed phasesweep under $prefix: $bindir/phasesweep, $(grep -c "^$bindir/phasesweep-" "$manifest") analysis commands, $share"
