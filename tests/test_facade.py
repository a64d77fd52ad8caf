"""The public facade: every advertised name resolves, and `import cge` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cge

STDCGE = Path(__file__).resolve().parents[1] / "sam_data" / "stdcge.xlsx"


def test_every_public_name_resolves():
    for name in cge.__all__:
        assert getattr(cge, name) is not None, name


def test_import_cge_does_not_load_the_solver_stack():
    code = "import sys, cge; print(any(m.split('.')[0] in {'pyomo', 'cyipopt', 'openpyxl'} for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.solver
def test_facade_example_runs_stdcge_tariff_abolition():
    sam = cge.read_sam(STDCGE)
    model = cge.CGEModel(sam, spec="stdcge")
    base = model.solve()
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
    ev = cge.equivalent_variation(base, cf)
    assert float(ev.sum()) == pytest.approx(1.14499989706615, rel=1e-6)


@pytest.mark.parametrize("code", [
    "import cge",
    "import cge.sam",
    "from cge.cli import build_parser; build_parser()",   # what `cge --help` and `cge doctor` load
])
def test_light_imports_do_not_load_pandas(code):
    probe = f"{code}; import sys; print(sorted({{'pandas', 'numpy'}} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sam_layer_names_load_on_first_use():
    import cge.sam

    assert cge.sam.SAM is cge.SAM
    assert callable(cge.sam.read_sam) and "CheckReport" in dir(cge.sam)
