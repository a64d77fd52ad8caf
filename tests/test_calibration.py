"""Calibration: parameters straight from SAM cells, zero cells build nothing, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cge.calibration import calibrate
from cge.errors import ConfigError, SAMError
from cge.sam import SAM
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def stdcge():
    return read_sam(ROOT / "sam_data" / "stdcge.csv")


def test_stdcge_rates_and_shares_come_from_the_sam_cells(stdcge):
    cal = calibrate(stdcge, "stdcge")
    # tauz = IDT / (factors + intermediates); taum = TRF / imports
    assert cal["production_tax_rate"]["BRD"] == pytest.approx(5 / 73)
    assert cal["import_tariff_rate"]["MLK"] == pytest.approx(2 / 11)
    assert cal["consumption_share"].loc["BRD", "HOH"] == pytest.approx(20 / 50)
    assert cal["value_added_share"].loc["CAP", "MLK"] == pytest.approx(30 / 55)
    assert cal["domestic_sales"].to_dict() == pytest.approx({"BRD": 70, "MLK": 72})
    assert cal["direct_tax_rate"]["HOH"] == pytest.approx(23 / 90)
    assert cal["government_saving_rate"] == pytest.approx(2 / 35)
    # Armington share with sigma = 2 (eta = 0.5): (1+tm) M^0.5 / ((1+tm) M^0.5 + D^0.5)
    w = (1 + 1 / 13) * 13 ** 0.5
    assert cal["armington_import_share"]["BRD"] == pytest.approx(w / (w + 70 ** 0.5))


def test_tables_are_labelled_pandas_objects(stdcge):
    cal = calibrate(stdcge, "stdcge")
    assert list(cal["output"].index) == ["BRD", "MLK"]
    assert set(cal.shares) >= {"consumption_share", "armington_import_share", "cet_export_share"}
    with pytest.raises(KeyError, match="available"):
        cal["no_such_table"]


def test_commodity_without_imports_gets_no_armington_share():
    sam = synthetic_sam(10, 1)
    cal = calibrate(sam, "standard")
    no_imports = cal["imports"][cal["imports"] == 0].index
    assert len(no_imports) > 0
    assert (cal["armington_import_share"][no_imports] == 0).all()
    # without imports the composite is the domestic good times (1 + sales tax)
    c = no_imports[0]
    assert cal["armington_scale"][c] == pytest.approx(
        cal["composite_supply"][c] / cal["domestic_sales"][c])


def test_elasticities_change_curvature_parameters_only(stdcge):
    cal = calibrate(stdcge, "stdcge")
    other = cal.with_elasticities({"armington": {"BRD": 4}})
    assert other["armington_elasticity"]["BRD"] == 4
    assert other["armington_elasticity"]["MLK"] == 2
    assert other["armington_scale"]["BRD"] != cal["armington_scale"]["BRD"]
    assert other["production_tax_rate"].equals(cal["production_tax_rate"])


def test_bad_elasticities_are_listed_with_the_allowed_keys(stdcge):
    with pytest.raises(ConfigError, match="allowed: armington, cet") as err:
        calibrate(stdcge, "stdcge", {"armington": -1, "value_added": 0.5})
    assert "not positive" in str(err.value)
    with pytest.raises(ConfigError, match="unknown account"):
        calibrate(stdcge, "stdcge", {"cet": {"XYZ": 2}})


def test_unbalanced_sam_is_refused_naming_the_account(stdcge):
    m = stdcge.matrix.copy()
    m.loc["BRD", "HOH"] += 1
    bad = SAM(m, stdcge.accounts)
    with pytest.raises(SAMError, match="HOH|BRD"):
        calibrate(bad, "stdcge")


def test_flow_the_model_cannot_hold_is_named(stdcge):
    m = stdcge.matrix.copy()
    m.loc["EXT", "HOH"] += 1       # the household remits abroad what it receives from abroad
    m.loc["HOH", "EXT"] += 1
    bad = SAM(m, stdcge.accounts)
    with pytest.raises(ConfigError, match="row EXT, column HOH"):
        calibrate(bad, "stdcge")


def test_unknown_specification():
    with pytest.raises(ConfigError, match="stdcge, standard"):
        calibrate(synthetic_sam(3), "gtap")


def test_an_all_zero_account_is_named_with_the_fix(stdcge):
    """An empty factor would give NaN shares and a solver failure far from the cause."""
    frame = stdcge.matrix.copy()
    frame.loc["LND"] = 0.0
    frame["LND"] = 0.0
    roles = {**{a: stdcge.role(a) for a in stdcge.labels}, "LND": "factor"}
    sam = SAM.from_frame(frame, roles, name="stdcge with land")
    with pytest.raises(ConfigError, match="all-zero") as err:
        calibrate(sam, "stdcge")
    assert "factor LND" in str(err.value) and "remove the account" in str(err.value)


def test_labour_is_found_by_its_description_too(stdcge):
    frame = stdcge.matrix.rename(index={"LAB": "W"}, columns={"LAB": "W"})
    roles = {("W" if a == "LAB" else a): stdcge.role(a) for a in stdcge.labels}
    sam = SAM.from_frame(frame, roles, descriptions={"W": "Wages and salaries"})
    assert calibrate(sam, "stdcge").accounts.labour == "W"
