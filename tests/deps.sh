#!/bin/sh
# Installs the Debian packages phasesweep needs when root; otherwise prints the apt-get line.
#   deps.sh        build, run and analysis (make run)
#   deps.sh check  the same plus the test tools: cmocka, pytest, Slurm and munge, venv/pip/
#                  setuptools (the package install test), nbclient (the notebook) (make check)
PKGS="make gcc pkg-config libopenmpi-dev openmpi-bin libopenblas-dev liblapacke-dev
libscalapack-openmpi-dev libelpa-dev libhdf5-openmpi-dev hdf5-tools librandom123-dev
python3 python3-h5py python3-numpy python3-scipy python3-matplotlib python3-xarray
python3-pandas python3-h5netcdf python3-netcdf4"
[ "${1:-}" = check ] && PKGS="$PKGS libcmocka-dev python3-pytest slurmctld slurmd slurm-client munge
python3-venv python3-pip python3-setuptools python3-nbclient python3-nbformat python3-ipykernel"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "phasesweep: installing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null \
    || { echo "phasesweep: apt-get install failed for:$missing" >&2; exit 1; }
else
  echo "phasesweep: missing Debian packages; run as root:" >&2
  echo "  apt-get install -y$missing" >&2
  exit 1
fi
