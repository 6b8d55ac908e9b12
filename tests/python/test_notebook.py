"""analysis/examples/tour.ipynb runs top to bottom with nbclient (the python3 kernel of
ipykernel): it makes its own small sweep and trace with bin/phasesweep (PHASESWEEP names the
binary), opens them, slices, cuts, draws Figures 2 and 1 and the tidy table; the committed
notebook carries no outputs."""

import json
import os

import pytest

from enginerun import BIN, ROOT, require_engine

NOTEBOOK = ROOT / "analysis" / "examples" / "tour.ipynb"


def test_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) >= 8
    for cell in code:
        assert cell.get("outputs") == [] and cell.get("execution_count") is None, cell["source"]


def test_tour_executes(tmp_path, monkeypatch):
    require_engine()
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("PHASESWEEP", str(BIN))
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "analysis"))
    monkeypatch.delenv("PHASESWEEP_TOUR_SWEEP", raising=False)
    monkeypatch.delenv("PHASESWEEP_TOUR_TRACE", raising=False)
    monkeypatch.setenv("OMPI_ALLOW_RUN_AS_ROOT", "1")
    monkeypatch.setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4, "the cut by hand, the cut, Figure 2, Figure 1"
    text = "".join(o.get("text", "") for o in outputs)
    assert "'gamma_s': 9, 'gamma_w': 7, 'replica': 3" in text
    assert "done: 189 of 189" in text
    assert list(tmp_path.iterdir()) == [], "the tour leaves nothing in its directory"
