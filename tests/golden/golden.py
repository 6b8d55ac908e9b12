"""The golden cases: commands whose outputs were recorded from e01b091, before the house was
reshaped (issue #18), and the canonical form that is compared bit for bit.

A run's JSON line is kept whole except `seconds`; a file keeps every dataset (as float.hex
or integers) and every root attribute except the provenance_* stamps, `seconds` and
`sweep_id`, which change from one execution to the next by design.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = ROOT / "bin" / "phasesweep"
GOLDEN = HERE / "golden.json"
LOAD = HERE / "load_d10_w25.h5"
MPIRUN = os.environ.get("MPIRUN", "mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", HDF5_USE_FILE_LOCKING="FALSE")
ENV.pop("PHASESWEEP_HDF5_ERRORS", None)

M = ["--d", "30", "--rank", "3", "--seed", "7"]
# name -> (ranks, arguments); "{out}" is a fresh output path
RUNS = {
    "reduced": (1, ["run", *M, "--gs", "-1.5", "--gw", "1.5"]),
    "narrow": (1, ["run", *M, "--gs", "-1.5", "--gw", "1.2"]),
    "explicit": (1, ["run", *M, "--gs", "-1.5", "--gw", "1.3", "--mode", "explicit"]),
    "lazy": (1, ["run", *M, "--gs", "-0.5", "--gw", "2", "--lr-scale", "5"]),
    "no_stop": (1, ["run", *M, "--gs", "-1.85", "--gw", "1.6", "--no-stop", "--max-iter",
                    "120", "--lr-scale", "5"]),
    "no_theory": (1, ["run", *M, "--gs", "-2", "--gw", "1.4", "--no-theory", "--noise", "0.5"]),
    "replica": (1, ["run", *M, "--gs", "-1", "--gw", "1.1", "--replica", "3",
                    "--tol-plateau", "1e-3", "--plateau-min-drop", "0.05"]),
    "load": (1, ["run", "--load", str(LOAD), "--gs", "-1.2", "--max-iter", "200"]),
    "group2": (2, ["run", "--d", "40", "--rank", "3", "--seed", "3", "--gs", "-1.5", "--gw",
                   "1.5", "--group-size", "2"]),
    "group3": (3, ["run", "--d", "40", "--rank", "3", "--seed", "3", "--gs", "-1.5", "--gw",
                   "1.5", "--group-size", "3"]),
}
SWEEP = ["sweep", "--d", "12", "--rank", "2", "--gs", "-2:0:4", "--gw", "0.5:2:3",
         "--replicas", "2", "--seed", "5", "--max-iter", "80", "--out", "{out}"]
FILES = {
    "trace": (1, ["trace", "--d", "16", "--rank", "2", "--gs", "-1.5", "--gw", "1.5",
                  "--max-iter", "40", "--out", "{out}"]),
    "sweep_1": (1, SWEEP),
    "sweep_2": (2, SWEEP),
    "sweep_3": (3, SWEEP),
    "sweep_group2": (2, [*SWEEP, "--group-size", "2"]),
}
VOLATILE_ATTRS = ("provenance_", "sweep_id", "run_out", "run_config", "seconds")
VOLATILE_DATASETS = ("seconds",)


def command(ranks, args):
    cmd = [str(BIN), *args]
    return cmd if ranks == 1 else [MPIRUN, "--oversubscribe", "-n", str(ranks), *cmd]


def run_json(ranks, args):
    out = subprocess.run(command(ranks, args), env=ENV, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    record = json.loads(out.strip().splitlines()[-1])
    record.pop("seconds", None)
    return {k: (v.hex() if isinstance(v, float) else v) for k, v in record.items()}


def _canon(value):
    a = np.asarray(value)
    if a.dtype.kind == "f":
        return {"dtype": "f", "shape": list(a.shape), "hex": [float(x).hex() for x in a.ravel()]}
    if a.dtype.kind in "iub":
        return {"dtype": "i", "shape": list(a.shape), "values": [int(x) for x in a.ravel()]}
    if a.dtype.kind in "SO":
        return {"dtype": "s", "values": [x.decode() if isinstance(x, bytes) else str(x)
                                          for x in a.ravel()]}
    return {"dtype": a.dtype.str, "repr": repr(a.tolist())}


def file_record(path):
    import h5py
    rec = {"datasets": {}, "attrs": {}}
    with h5py.File(path, "r") as f:
        for name, obj in f.items():
            if isinstance(obj, h5py.Dataset) and name not in VOLATILE_DATASETS:
                rec["datasets"][name] = _canon(obj[()])
        for name, value in f.attrs.items():
            if not name.startswith(VOLATILE_ATTRS):
                rec["attrs"][name] = _canon(value)
    return rec


def run_file(ranks, args):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.h5"
        subprocess.run(command(ranks, [a.replace("{out}", str(out)) for a in args]), env=ENV,
                       capture_output=True, text=True, timeout=300, check=True, cwd=tmp)
        return file_record(out)


def record_all():
    return {"runs": {n: run_json(*c) for n, c in RUNS.items()},
            "files": {n: run_file(*c) for n, c in FILES.items()}}
