"""Every notebook in notebooks/ runs from top to bottom and shows a figure.

The notebooks are executed with nbclient in a kernel that runs *this* interpreter (the
virtual environment's python), through a kernel spec written for the test session, so
the result does not depend on which "python3" kernel a machine happens to have.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "cge-test-venv"
#: Seconds one cell may take before the run is called hung (a guard, not a speed test:
#: timings belong in ``make bench``, and these machines are shared).
CELL_TIMEOUT = 600


@pytest.fixture(scope="session")
def venv_kernel(tmp_path_factory) -> str:
    """A kernel spec that starts ipykernel with sys.executable, on JUPYTER_PATH."""
    pytest.importorskip("ipykernel")
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cge tests (venv python)", "language": "python"}))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(base))
    yield KERNEL
    mp.undo()


def test_there_are_notebooks():
    assert any(p.name.startswith("01_") for p in NOTEBOOKS), "notebooks/01_*.ipynb is missing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    """Outputs are stripped before committing, so diffs show only changes to the code."""
    nb = nbformat.read(path, as_version=4)
    with_outputs = [i for i, c in enumerate(nb.cells)
                    if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not with_outputs, f"{path.name}: strip the outputs of cells {with_outputs}"


#: Numbers a notebook's prose may state: inputs of the experiments, not results.
INPUTS = {"20 %"}      # the headline shock: secondary export demand x 0.8
_RESULT = re.compile(r"\d[\d,]*\.\d+|\d[\d,]*\s?%")


def _prose(cell) -> str:
    """A Markdown cell without its maths and code spans."""
    return re.sub(r"`[^`]*`", "", re.sub(r"\$[^$]*\$", "", cell.source))


def test_the_headline_shock_is_the_input_the_prose_names():
    import yaml

    from cge.headline import HEADLINE, LIBRARY

    for name in HEADLINE:
        raw = yaml.safe_load((LIBRARY / f"{name}.yaml").read_text(encoding="utf-8"))
        assert raw["shocks"] == [{"parameter": "export_demand", "index": "C_SEC",
                                  "multiply": 0.8}]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_prose_states_no_result_by_hand(path):
    """Numbers in Markdown cells go stale: results are printed by code
    (``display(Markdown(f"..."))``) or asserted in a code cell beside the prose."""
    nb = nbformat.read(path, as_version=4)
    stated = {(i, m.group(0).replace("−", "")) for i, c in enumerate(nb.cells)
              if c.cell_type == "markdown" for m in _RESULT.finditer(_prose(c))}
    by_hand = sorted((i, n) for i, n in stated if n.lstrip("-") not in INPUTS)
    assert not by_hand, f"{path.name}: numbers written by hand in cells {by_hand}"


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_a_figure(path, venv_kernel, tmp_path, monkeypatch):
    monkeypatch.setenv("CGE_NOTEBOOK_OUTPUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=venv_kernel, timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # a failing cell raises CellExecutionError naming the cell
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, f"{path.name} shows no figure"
    generated = [c for c in nb.cells if c.cell_type == "code" and "Markdown(" in c.source]
    for cell in generated:       # the reading written from the numbers is shown
        assert any("text/markdown" in o.get("data", {}) for o in cell.outputs), cell.source[:80]
    stray = sorted(p.name for p in (ROOT / "notebooks").iterdir()
                   if p.suffix not in {".ipynb"} and not p.name.startswith("."))
    assert not stray, f"{path.name} wrote files into notebooks/: {stray}"
