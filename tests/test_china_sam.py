"""The bundled China 2018 three-sector SAM: built by ``cge sam build sam_data/china_2018.yaml``;
structure, balance, official anchors, taxes where they fall, labour types, households that
differ, sources sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cge.sam.build import build_sam
from cge.sam.io import read_sam

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sam_data"
WORKBOOK = DATA / "china_2018_3sector.xlsx"
INPUTS = DATA / "china_2018_inputs"

ACTIVITIES = ["A_PRI", "A_SEC", "A_TER"]
COMMODITIES = ["C_PRI", "C_SEC", "C_TER"]
HOUSEHOLDS = ["HH_RUR", "HH_URB"]
LABOUR = ["LAB_URB", "LAB_RUR"]
VALUE_ADDED = [*LABOUR, "CAP", "PTAX"]
TRADE_TAXES = ["TAR", "IMPTAX", "EXPTAX"]

#: Official figures (100 million yuan) the SAM must reproduce, from NBS and the Ministry of Finance.
GDP_2018 = 919281.0  # NBS, revised after the fourth economic census
VA_PRIMARY, VA_SECONDARY, VA_TERTIARY = 64745.0, 364835.0, 489701.0
CUSTOMS_DUTIES = 2847.78  # MOF final accounts 2018
IMPORT_VAT_AND_CONSUMPTION_TAX, EXPORT_VAT_REBATES = 16878.97, -15913.93
PERSONAL_INCOME_TAX, CORPORATE_INCOME_TAX = 13871.97, 35323.71
USD = 6.6174  # yuan per USD, 2018 average
#: The anchors are integers of 100 million yuan: GDP must match to the last digit.
GDP_PRECISION = 0.5

#: The status of the input-output blocks: official figures scaled to the SAM's controls.
IO_STATUS = "official (NBS IO 2018, scaled to revised GDP)"
STATUSES = {"official", "derived", "estimate", "residual", IO_STATUS}


@pytest.fixture(scope="module")
def sam():
    return read_sam(WORKBOOK)


@pytest.fixture(scope="module")
def m(sam):
    return sam.matrix


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return pd.read_excel(WORKBOOK, sheet_name="sources")


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    frame = pd.read_csv(INPUTS / "survey_2018.csv")
    return frame.pivot(index="item", columns="group", values="value").rename(
        columns={"rural": "HH_RUR", "urban": "HH_URB"})


def test_balanced_to_1e9(sam):
    assert sam.is_balanced(rtol=1e-9), sam.imbalances(rtol=1e-9)


def test_accounts_have_the_documented_roles(sam):
    expected = {
        **dict.fromkeys(ACTIVITIES, "activity"), **dict.fromkeys(COMMODITIES, "commodity"),
        **dict.fromkeys(LABOUR, "factor"), "CAP": "factor",
        **dict.fromkeys(HOUSEHOLDS, "household"), "ENT": "enterprise", "GOV": "government",
        "PTAX": "production_tax", "TAR": "import_tariff", "IMPTAX": "import_tax",
        "EXPTAX": "export_tax", "DTAX": "direct_tax", "S_I": "savings_investment",
        "ROW": "rest_of_world",
    }
    assert sam.roles.to_dict() == expected


def _gdp_income_side(m) -> float:
    return (m.loc[VALUE_ADDED, ACTIVITIES].to_numpy().sum()
            + m.loc[TRADE_TAXES, COMMODITIES].to_numpy().sum())


def test_gdp_matches_official_figure_from_both_sides(m):
    final_demand = m.loc[COMMODITIES, HOUSEHOLDS + ["GOV", "S_I", "ROW"]].to_numpy().sum()
    expenditure_side = final_demand - m.loc["ROW", COMMODITIES].sum()
    assert _gdp_income_side(m) == pytest.approx(GDP_2018, abs=GDP_PRECISION)
    assert expenditure_side == pytest.approx(GDP_2018, abs=GDP_PRECISION)


def test_sector_value_added_matches_nbs(m):
    va = m.loc[VALUE_ADDED, ACTIVITIES].sum()
    trade_taxes = m.loc[TRADE_TAXES, COMMODITIES].to_numpy().sum()
    assert va["A_PRI"] == pytest.approx(VA_PRIMARY, abs=GDP_PRECISION)
    # Taxes on trade are recorded on commodities, not in the secondary activity's column.
    assert va["A_SEC"] + trade_taxes == pytest.approx(VA_SECONDARY, abs=GDP_PRECISION)
    assert va["A_TER"] == pytest.approx(VA_TERTIARY, abs=GDP_PRECISION)


def test_taxes_fall_where_the_ministry_of_finance_says(m):
    assert m.loc["TAR", COMMODITIES].sum() == pytest.approx(CUSTOMS_DUTIES, abs=0.01)
    assert m.loc["IMPTAX", COMMODITIES].sum() == pytest.approx(IMPORT_VAT_AND_CONSUMPTION_TAX,
                                                              abs=0.01)
    assert m.loc["EXPTAX", COMMODITIES].sum() == pytest.approx(EXPORT_VAT_REBATES, abs=0.01)
    assert (m.loc["EXPTAX", ["C_PRI", "C_SEC"]] < 0).all()       # rebates on goods exports
    assert m.at["IMPTAX", "C_TER"] == 0 and m.at["EXPTAX", "C_TER"] == 0
    assert m.loc["DTAX", HOUSEHOLDS].sum() == pytest.approx(PERSONAL_INCOME_TAX, abs=0.01)
    assert m.at["DTAX", "ENT"] == pytest.approx(CORPORATE_INCOME_TAX, abs=0.01)
    # the government receives each tax as levied
    for tax in (*TRADE_TAXES, "PTAX", "DTAX"):
        assert m.at["GOV", tax] == pytest.approx(m.loc[tax].sum(), abs=1e-6)


def test_travel_abroad_is_household_spending_not_a_services_import(m):
    bop = pd.read_csv(INPUTS / "bop_2018.csv").set_index("item")["value_100m_usd"]
    travel = bop["travel_imports"] * USD
    assert m.at["ROW", "C_TER"] == pytest.approx((bop["services_imports"] * USD) - travel)
    assert m.at["HH_URB", "ROW"] == pytest.approx(-travel)
    assert m.at["HH_RUR", "ROW"] == 0


def test_current_account_surplus_near_safe_figure(m):
    surplus = -m.at["S_I", "ROW"]
    assert surplus > 0  # a surplus is negative foreign saving
    assert surplus / _gdp_income_side(m) == pytest.approx(0.004, abs=0.001)  # SAFE: 0.4 % of GDP


def test_each_labour_type_is_paid_to_the_households_that_supply_it(m):
    assert m.loc["LAB_URB", "A_PRI"] == 0                    # farming is rural labour
    assert (m.loc["LAB_RUR", ACTIVITIES] > 0).all()
    rural_share = m.loc["LAB_RUR", ACTIVITIES] / m.loc[LABOUR, ACTIVITIES].sum()
    assert 0.1 < rural_share["A_TER"] < rural_share["A_SEC"] < 0.3
    assert m.at["HH_RUR", "LAB_RUR"] == pytest.approx(m.loc["LAB_RUR"].sum())
    assert m.at["HH_URB", "LAB_URB"] == pytest.approx(m.loc["LAB_URB"].sum())
    assert m.at["HH_URB", "LAB_RUR"] == 0 and m.at["HH_RUR", "LAB_URB"] == 0


def test_rural_and_urban_households_differ_as_the_survey_says(m, survey):
    """Income sources, budget shares and saving rates differ, in the survey's direction."""
    income = m.loc[HOUSEHOLDS].drop(columns="ROW")
    labour_share = income[LABOUR].sum(axis=1) / income.sum(axis=1)
    property_share = income[["CAP", "ENT"]].sum(axis=1) / income.sum(axis=1)
    assert labour_share["HH_RUR"] > labour_share["HH_URB"] + 0.05
    assert property_share["HH_RUR"] < property_share["HH_URB"] / 3
    disposable = income.sum(axis=1) - m.loc["GOV", HOUSEHOLDS] - m.loc["DTAX", HOUSEHOLDS]
    saving_rate = m.loc["S_I", HOUSEHOLDS] / disposable
    survey_rate = survey.loc["saving"] / survey.loc["disposable_income"]
    assert survey_rate["HH_RUR"] < survey_rate["HH_URB"]
    assert 0 < saving_rate["HH_RUR"] < saving_rate["HH_URB"] - 0.1
    shares = m.loc[COMMODITIES, HOUSEHOLDS] / m.loc[COMMODITIES, HOUSEHOLDS].sum()
    assert shares.at["C_PRI", "HH_RUR"] > shares.at["C_PRI", "HH_URB"]   # more food
    assert shares.at["C_TER", "HH_RUR"] < shares.at["C_TER", "HH_URB"]   # fewer services


def test_negative_cells_are_foreign_saving_rebates_and_travel(m):
    negative = {(r, c) for r in m.index for c in m.columns if m.at[r, c] < 0}
    assert negative == {("S_I", "ROW"), ("EXPTAX", "C_PRI"), ("EXPTAX", "C_SEC"),
                        ("GOV", "EXPTAX"), ("HH_URB", "ROW")}


def test_sources_sheet_covers_every_nonzero_cell(m, sources):
    assert set(sources.columns) >= {"block", "figure", "source", "status", "cells", "fixed"}
    covered = {c.strip() for cells in sources["cells"].dropna() for c in cells.split(";")}
    nonzero = {f"{r} x {c}" for r in m.index for c in m.columns if m.at[r, c] != 0}
    assert nonzero - covered == set()
    assert sources["source"].notna().all()
    assert set(sources["status"]) <= STATUSES


def test_sources_sheet_marks_official_and_estimated_blocks(sources):
    status = sources.set_index("block")["status"]
    for block in ("customs duties", "import VAT and consumption tax", "export VAT rebates",
                  "exports of goods", "personal income tax"):
        assert status[block] == "official", block
    assert status["household consumption of services by household"] == "estimate"
    intermediate = sources[sources["cells"].str.contains("C_SEC x A_SEC", na=False)]
    assert set(intermediate["status"]) == {"estimate", IO_STATUS}     # the draft, then the IO
    assert set(intermediate.loc[intermediate["fixed"], "status"]) == {IO_STATUS}


def test_intermediate_use_is_the_nbs_2018_table_scaled_to_revised_gdp(m):
    """The 3 x 3 block is the NBS 2018 table times revised GDP over the table's value added;
    gross output is each activity's column total."""
    io = pd.read_csv(INPUTS / "io_2018_nbs_3sector.csv")
    table = io[io["item"] == "intermediate_use"].pivot(index="row", columns="column",
                                                       values="value")
    scale = GDP_2018 / io.loc[io["item"] == "value_added", "value"].sum()
    block = m.loc[COMMODITIES, ACTIVITIES].to_numpy()
    assert block == pytest.approx(scale * table.loc[COMMODITIES, ACTIVITIES].to_numpy(),
                                  rel=1e-6)
    for a, c in zip(ACTIVITIES, COMMODITIES, strict=True):
        assert m.at[a, c] == pytest.approx(m[a].sum(), rel=1e-12)


def test_the_config_rebuilds_the_bundled_files_byte_for_byte(tmp_path):
    written = build_sam(DATA / "china_2018.yaml").write(tmp_path / "china_2018_3sector.xlsx")
    assert [p.name for p in written] == ["china_2018_3sector.xlsx", "china_2018_3sector.csv"]
    for name in ("china_2018_3sector.xlsx", "china_2018_3sector.csv",
                 "china_2018_3sector.accounts.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_the_recorded_nbs_2018_input_output_table_adds_up():
    """The three-sector aggregate of the NBS 2018 table: each activity's intermediate inputs and
    value added make its gross output, value added by component makes total value added, and
    the total is within 0.5 % of the revised GDP."""
    io = pd.read_csv(INPUTS / "io_2018_nbs_3sector.csv")
    by_activity = io[io["column"].isin(ACTIVITIES)].pivot_table(
        index="column", columns="item", values="value", aggfunc="sum")
    inputs = by_activity["intermediate_use"] + by_activity["value_added"]
    assert inputs.to_numpy() == pytest.approx(by_activity["gross_output"].to_numpy(), abs=1.0)
    components = by_activity[["compensation_of_employees", "net_production_taxes",
                              "depreciation", "operating_surplus"]].sum(axis=1)
    assert components.to_numpy() == pytest.approx(by_activity["value_added"].to_numpy(), abs=1.0)
    assert by_activity["value_added"].sum() == pytest.approx(GDP_2018, rel=0.005)
    assert (io["status"] == "official").all() and io["source"].str.contains("ionet").all()
