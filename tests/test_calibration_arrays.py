"""The calibration on arrays against the pandas calibration it replaces: every table and
every block datum, to 1e-12."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_model_features import _non_diagonal_sam

from cge import _calibration_pandas as old
from cge.calibration import calibrate
from cge.errors import CGEError
from cge.model import _data_pandas as old_data
from cge.model.data import model_data
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-12


def _same(a, b, where):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=TOL, atol=TOL, obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=False, rtol=TOL, atol=TOL, obj=where)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=TOL, abs=TOL), \
            (where, a, b)
    else:
        assert type(a) is type(b) and a == b, (where, a, b)


def _compare(sam, spec, **kw):
    before, after = old.calibrate(sam, spec, **kw), calibrate(sam, spec, **kw)
    assert list(after.tables) == list(before.tables)
    for name, table in before.tables.items():
        _same(table, after[name], name)
    pd.testing.assert_frame_equal(before.cells, after.cells)
    assert after.scale == before.scale
    _same(before.accounts, after.accounts, "accounts")
    assert set(after.shares) == set(before.shares)
    assert set(after.tax_rates) == set(before.tax_rates)
    _same(old_data.model_data(before), model_data(after), "model_data")
    return before, after


CASES = {
    "stdcge": lambda: (read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge", {}),
    "dyncge": lambda: (read_sam(ROOT / "sam_data" / "dyncge.csv"), "dyncge", {}),
    "china": lambda: (read_sam(ROOT / "sam_data" / "china_2018_3sector.csv"), "standard", {}),
    "china_les": lambda: (read_sam(ROOT / "sam_data" / "china_2018_3sector.csv"), "standard",
                          {"options": {"household_demand": "les",
                                       "benchmark_unemployment_rate": 0.05}}),
    "les": lambda: (synthetic_sam(4, 7, households=2), "standard",
                    {"options": {"household_demand": "les"},
                     "elasticities": {"income": {"C001": 0.5, "default": 1.2},
                                      "frisch": {"HH1": -1.5, "HH2": -3}}}),
    "ces_value_added": lambda: (synthetic_sam(5, 2), "standard",
                                {"elasticities": {"value_added": {"A001": 0.5, "A002": 1,
                                                                  "default": 1.4}}}),
    "ces_top": lambda: (synthetic_sam(5, 3), "standard",
                        {"elasticities": {"top": {"A001": 0.4, "A002": 1, "A003": 0},
                                          "export_demand": {"C001": 4, "default": "inf"},
                                          "armington": 3, "cet": {"C002": 0.7}}}),
    "stdcge3": lambda: (synthetic_sam(3, 0, kind="stdcge"), "stdcge", {}),
    "stdcge30": lambda: (synthetic_sam(30, 0, kind="stdcge"), "stdcge", {}),
    "standard3": lambda: (synthetic_sam(3, 0), "standard", {}),
    "standard30": lambda: (synthetic_sam(30, 4, households=3), "standard", {}),
    "structural_zeros": lambda: (synthetic_sam(10, 1), "standard", {}),
    "make_matrix": lambda: (_non_diagonal_sam(), "standard", {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_arrays_give_the_pandas_calibration(case):
    sam, spec, kw = CASES[case]()
    before, after = _compare(sam, spec, **kw)
    el = {"armington": {"default": 1.5}, "cet": 3.0} if spec != "standard" else \
        {"armington": 1.7, "value_added": 0.9, "top": {"default": 0.6}}
    other_before, other_after = before.with_elasticities(el), after.with_elasticities(el)
    for name, table in other_before.tables.items():
        _same(table, other_after[name], f"with_elasticities {name}")
    _same(old_data.model_data(other_before), model_data(other_after), "model_data")


def _unbalanced():
    sam = synthetic_sam(4, 0, kind="stdcge")
    m = sam.matrix.copy()
    m.iloc[0, 1] += 3.0
    return sam.with_matrix(m)


def _changed(cells):
    sam = synthetic_sam(4, 1)
    m = sam.matrix.copy()
    for (r, c), v in cells.items():
        m.at[r, c] += v   # each change balanced by the others
    return sam.with_matrix(m)


def _roles_changed():
    from cge.sam import SAM

    sam = synthetic_sam(3, 0)
    roles = sam.roles.to_dict()
    roles.update({"S_I": "government", "HH": "enterprise"})
    return SAM.from_frame(sam.matrix, roles)


def _empty_account():
    from cge.sam import SAM

    sam = synthetic_sam(3, 0)
    m = sam.matrix.copy()
    m["X"] = 0.0
    m.loc["X"] = 0.0
    return SAM.from_frame(m, {**sam.roles.to_dict(), "X": "household"})


BAD = {
    "roles": _roles_changed,
    "empty_account": _empty_account,
    "unbalanced": _unbalanced,
    "unsupported": lambda: _changed({("LAB", "HH"): 2.0, ("HH", "LAB"): 2.0, ("HH", "HH"): 1.0}),
    "tax_without_base": lambda: _changed({("TAR", "C004"): 1.0, ("GOV", "TAR"): 1.0, ("C004", "GOV"): 1.0,
                                          ("ETAX", "C003"): 2.0, ("GOV", "ETAX"): 2.0,
                                          ("C003", "GOV"): 2.0}),
    "no_domestic_sales": lambda: _changed({("C002", "ROW"): 1e4, ("ROW", "C002"): 1e4}),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_sams_give_the_same_report(case):
    sam = BAD[case]()
    with pytest.raises(CGEError) as before:
        old.calibrate(sam, "standard" if case != "unbalanced" else "stdcge")
    with pytest.raises(CGEError) as after:
        calibrate(sam, "standard" if case != "unbalanced" else "stdcge")
    assert type(after.value) is type(before.value)
    assert str(after.value) == str(before.value)
    assert after.value.problems == before.value.problems
    assert np.all([p.kind for p in after.value.problems])
