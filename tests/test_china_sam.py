"""The bundled China 2018 three-sector SAM: structure, balance, official anchors, sources sheet."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cge.sam.io import read_sam

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "sam_data" / "china_2018_3sector.xlsx"
INPUTS = ROOT / "sam_data" / "china_2018_inputs"

ACTIVITIES = ["A_PRI", "A_SEC", "A_TER"]
COMMODITIES = ["C_PRI", "C_SEC", "C_TER"]
HOUSEHOLDS = ["HH_RUR", "HH_URB"]

#: Official figures (100 million yuan) the SAM must reproduce, from NBS and the Ministry of Finance.
GDP_2018 = 919281.0  # NBS, revised after the fourth economic census
VA_PRIMARY, VA_SECONDARY, VA_TERTIARY = 64745.0, 364835.0, 489701.0
CUSTOMS_DUTIES = 2847.78  # MOF final accounts 2018
PERSONAL_INCOME_TAX, CORPORATE_INCOME_TAX = 13871.97, 35323.71
#: The anchors are integers of 100 million yuan: GDP must match to the last digit.
GDP_PRECISION = 0.5

STATUSES = {"official", "official (aggregated)", "estimate", "residual"}


@pytest.fixture(scope="module")
def sam():
    return read_sam(WORKBOOK)


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return pd.read_excel(WORKBOOK, sheet_name="sources")


def test_balanced_to_1e9(sam):
    assert sam.is_balanced(rtol=1e-9), sam.imbalances(rtol=1e-9)


def test_accounts_have_the_documented_roles(sam):
    expected = {
        **dict.fromkeys(ACTIVITIES, "activity"), **dict.fromkeys(COMMODITIES, "commodity"),
        "LAB": "factor", "CAP": "factor", **dict.fromkeys(HOUSEHOLDS, "household"),
        "ENT": "enterprise", "GOV": "government", "PTAX": "production_tax",
        "TAR": "import_tariff", "DTAX": "direct_tax", "S_I": "savings_investment",
        "ROW": "rest_of_world",
    }
    assert sam.roles.to_dict() == expected


def test_gdp_matches_official_figure_from_both_sides(sam):
    m = sam.matrix
    income_side = (m.loc[["LAB", "CAP", "PTAX"], ACTIVITIES].to_numpy().sum()
                   + m.loc["TAR", COMMODITIES].sum())
    final_demand = m.loc[COMMODITIES, HOUSEHOLDS + ["GOV", "S_I", "ROW"]].to_numpy().sum()
    expenditure_side = final_demand - m.loc["ROW", COMMODITIES].sum()
    assert income_side == pytest.approx(GDP_2018, abs=GDP_PRECISION)
    assert expenditure_side == pytest.approx(GDP_2018, abs=GDP_PRECISION)


def test_sector_value_added_matches_nbs(sam):
    m = sam.matrix
    va = m.loc[["LAB", "CAP", "PTAX"], ACTIVITIES].sum()
    duties = m.loc["TAR", COMMODITIES].sum()
    assert va["A_PRI"] == pytest.approx(VA_PRIMARY, abs=GDP_PRECISION)
    # Customs duties are recorded on commodity imports, not in the secondary activity's column.
    assert va["A_SEC"] + duties == pytest.approx(VA_SECONDARY, abs=GDP_PRECISION)
    assert va["A_TER"] == pytest.approx(VA_TERTIARY, abs=GDP_PRECISION)


def test_taxes_are_the_ministry_of_finance_figures(sam):
    m = sam.matrix
    assert m.loc["TAR", COMMODITIES].sum() == pytest.approx(CUSTOMS_DUTIES, abs=0.01)
    assert m.loc["DTAX", HOUSEHOLDS].sum() == pytest.approx(PERSONAL_INCOME_TAX, abs=0.01)
    assert m.at["DTAX", "ENT"] == pytest.approx(CORPORATE_INCOME_TAX, abs=0.01)


def test_current_account_surplus_near_safe_figure(sam):
    m = sam.matrix
    gdp = (m.loc[["LAB", "CAP", "PTAX"], ACTIVITIES].to_numpy().sum() + m.loc["TAR", COMMODITIES].sum())
    surplus = -m.at["S_I", "ROW"]
    assert surplus > 0  # a surplus is negative foreign saving
    assert surplus / gdp == pytest.approx(0.004, abs=0.001)  # SAFE: 0.4 % of GDP


def test_household_split_follows_the_survey(sam):
    survey = pd.read_csv(INPUTS / "household_survey_2018.csv").set_index("group")
    m = sam.matrix
    consumption = m.loc[COMMODITIES, HOUSEHOLDS].sum()
    per_capita = consumption / survey.loc[HOUSEHOLDS, "population_10k"]
    survey_ratio = (survey.at["HH_URB", "consumption_per_capita_yuan"]
                    / survey.at["HH_RUR", "consumption_per_capita_yuan"])
    assert per_capita["HH_URB"] / per_capita["HH_RUR"] == pytest.approx(survey_ratio, rel=1e-9)
    assert (m.loc["S_I", HOUSEHOLDS] > 0).all()


def test_no_negative_flows_except_foreign_saving(sam):
    m = sam.matrix.copy()
    m.loc["S_I", "ROW"] = 0.0  # foreign saving: negative for a current-account surplus
    assert (m.to_numpy() >= 0).all(), m[m < 0].stack()


def test_sources_sheet_covers_every_nonzero_cell(sam, sources):
    assert set(sources.columns) >= {"block", "cells", "total", "source", "status", "note"}
    covered = {c.strip() for cells in sources["cells"].dropna() for c in cells.split(";")}
    m = sam.matrix
    nonzero = {f"{r} x {c}" for r in m.index for c in m.columns if m.at[r, c] != 0}
    assert nonzero - covered == set()
    assert sources["source"].notna().all()
    assert set(sources["status"]) <= STATUSES


def test_sources_sheet_marks_estimates(sources):
    status = sources.set_index("block")["status"]
    assert status["C x A intermediate use"] == "estimate"
    assert status["TAR x C customs duties"] == "official"
    assert (sources["status"] == "estimate").sum() >= 5


def test_sources_totals_match_the_matrix(sam, sources):
    m = sam.matrix
    for rec in sources.itertuples():
        cells = [c.strip().split(" x ") for c in str(rec.cells).split(";") if " x " in c]
        total = sum(m.at[r, c] for r, c in cells)
        assert total == pytest.approx(rec.total, abs=0.01), rec.block


def test_build_script_reproduces_the_workbook(sam):
    spec = importlib.util.spec_from_file_location("build_china_2018",
                                                  ROOT / "sam_data" / "build_china_2018.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt, _, _ = module.build()
    assert list(rebuilt.index) == sam.labels
    np.testing.assert_allclose(rebuilt.to_numpy(), sam.matrix.to_numpy(), rtol=1e-12, atol=1e-9)
