"""Input-output and SAM-multiplier analysis: hand-checked numbers and accounting identities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cge.cli import main
from cge.errors import SAMError
from cge.io_analysis import (
    absorption_bound,
    absorption_ratios,
    analyse,
    exogenous_injections,
    sam_multiplier_effect,
    sam_multipliers,
)
from cge.sam import SAM
from cge.sam.synthetic import synthetic_sam


def _sam(flows: dict, roles: dict, name: str = "test") -> SAM:
    labels = list(roles)
    m = pd.DataFrame(0.0, index=labels, columns=labels)
    for (r, c), v in flows.items():
        m.loc[r, c] = v
    return SAM.from_frame(m, roles, name=name)


#: Two goods, labour and capital, one household; no imports, no taxes (closed economy).
CLOSED = _sam(
    {("G1", "G1"): 10, ("G2", "G1"): 20, ("LAB", "G1"): 40, ("CAP", "G1"): 30,
     ("G1", "G2"): 30, ("G2", "G2"): 10, ("LAB", "G2"): 50, ("CAP", "G2"): 60,
     ("G1", "HH"): 60, ("G2", "HH"): 120, ("HH", "LAB"): 90, ("HH", "CAP"): 90},
    {"G1": "good", "G2": "good", "LAB": "factor", "CAP": "factor", "HH": "household"})


def test_leontief_inverse_of_the_toy_sam_by_hand(toy_sam):
    # exports are domestic output: C1 sells 70 - 20 = 50 of domestic output at home out of
    # a domestic market of 95 - 20 = 75; C2 sells 80 out of 90
    d1, d2 = 50 / 75, 80 / 90
    a11, a12 = d1 * 10 / 70, d1 * 15 / 100
    a21, a22 = d2 * 10 / 70, d2 * 20 / 100
    det = (1 - a11) * (1 - a22) - a12 * a21
    by_hand = np.array([[1 - a22, a12], [a21, 1 - a11]]) / det
    result = analyse(toy_sam)
    assert result.leontief.index.tolist() == ["A1", "A2"]
    np.testing.assert_allclose(result.leontief.to_numpy(), by_hand, rtol=1e-12)
    np.testing.assert_allclose(result.domestic_coefficients.to_numpy(),
                               [[a11, a12], [a21, a22]], rtol=1e-12)
    np.testing.assert_allclose(result.multipliers["output"], by_hand.sum(axis=0), rtol=1e-12)
    # coefficients by commodity and sector: total = domestic + imported (no product taxes)
    assert result.input_coefficients.loc["C2", "A2"] == pytest.approx(0.2)
    assert result.import_coefficients.loc["C1", "A1"] == pytest.approx(25 / 75 * 10 / 70)
    np.testing.assert_allclose(
        result.domestic_input_coefficients + result.import_coefficients,
        result.input_coefficients, rtol=1e-12)


@pytest.mark.parametrize("n", [3, 12])
def test_leontief_times_final_demand_is_output_on_a_good_sam(n):
    sam = synthetic_sam(n, seed=2, kind="stdcge")
    m, goods = sam.matrix, sam.accounts_of("good")
    output = m[goods].sum() - m.loc["EXT", goods] - m.loc["TRF", goods]
    exports = m.loc[goods, "EXT"]
    home = m[goods].sum() - exports                     # domestic market of each good
    domestic_share = (output - exports) / home
    final_demand = exports + domestic_share * m.loc[goods, ["HOH", "GOV", "INV"]].sum(axis=1)
    leontief = analyse(sam).leontief
    np.testing.assert_allclose(leontief.to_numpy() @ final_demand.to_numpy(), output,
                               rtol=1e-10)


def test_industry_technology_with_a_non_diagonal_make_matrix(toy_sam):
    m = toy_sam.matrix.copy()
    m.loc["A1", "C1"], m.loc["A2", "C1"] = 60, 10     # A2 also makes some C1 ...
    m.loc["A1", "C2"], m.loc["A2", "C2"] = 10, 90     # ... and A1 some C2
    sam = SAM.from_frame(m, toy_sam.roles)
    assert sam.is_balanced()
    make = m.loc[["A1", "A2"], ["C1", "C2"]].to_numpy()
    market_share = make / make.sum(axis=0)           # D: who makes each commodity
    exports = np.array([20.0, 20.0])
    home_share = (make.sum(axis=0) - exports) / (m[["C1", "C2"]].sum().to_numpy() - exports)
    final = m.loc[["C1", "C2"], ["HH", "GOV", "S_I"]].sum(axis=1).to_numpy()
    demand_for_output = market_share @ (home_share * final + exports)
    leontief = analyse(sam).leontief.to_numpy()
    np.testing.assert_allclose(leontief @ demand_for_output, [70, 100], rtol=1e-12)


def test_value_added_multipliers_are_one_without_imports_or_taxes():
    result = analyse(CLOSED)
    np.testing.assert_allclose(result.multipliers["value_added"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(result.exports_va.get("va_share").fillna(1.0), 1.0)
    # total value added = final demand
    final = CLOSED.matrix.loc[["G1", "G2"], "HH"].to_numpy()
    va = result.content.loc[["LAB", "CAP"]].to_numpy() @ final
    assert va.sum() == pytest.approx(final.sum())


@pytest.mark.parametrize("kind", ["standard", "stdcge"])
def test_value_added_imports_and_taxes_add_up_to_one(kind):
    result = analyse(synthetic_sam(15, seed=5, kind=kind, households=1))
    np.testing.assert_allclose(result.content.sum(), 1.0, rtol=1e-10)
    parts = result.multipliers[["value_added", "imports", "taxes"]].sum(axis=1)
    np.testing.assert_allclose(parts, 1.0, rtol=1e-10)
    assert (result.multipliers["value_added"] < 1).all()


def test_ghosh_inverse_turns_primary_inputs_into_output(toy_sam):
    result = analyse(toy_sam)
    output = np.array([70.0, 100.0])
    primary = output * (1 - result.domestic_coefficients.sum().to_numpy())  # x_j - sum_i z_ij
    np.testing.assert_allclose(primary @ result.ghosh.to_numpy(), output, rtol=1e-12)
    links = result.linkages
    assert links["backward"].mean() == pytest.approx(1.0)
    assert links["forward_ghosh"].mean() == pytest.approx(1.0)
    assert links["key_sector"].tolist() == list(
        (links["backward"] > 1) & (links["forward_ghosh"] > 1))


def test_value_added_in_exports_by_exporter_and_by_origin_agree():
    result = analyse(synthetic_sam(20, seed=1))
    table = result.exports_va
    assert table["domestic_va"].sum() == pytest.approx(table["va_by_origin"].sum(), rel=1e-10)
    assert 0 < result.export_va_share < 1
    assert table.loc[table["exports"] == 0, "domestic_va"].eq(0).all()  # the non-exporter


def test_employment_multipliers_from_data_and_from_labour_compensation():
    result = analyse(CLOSED, employment={"G1": 8, "G2": 30})
    coefficient = np.array([8 / 100, 30 / 150])
    np.testing.assert_allclose(result.employment["coefficient"], coefficient)
    np.testing.assert_allclose(result.employment["multiplier"],
                               coefficient @ result.leontief.to_numpy())
    assert (result.employment["type_I"] > 1).all()
    proxy = analyse(CLOSED)
    assert "LAB" in proxy.employment_source
    np.testing.assert_allclose(proxy.employment["multiplier"], proxy.content.loc["LAB"])
    with pytest.raises(SAMError, match="employment"):
        analyse(CLOSED, employment={"G1": 8})


@pytest.mark.parametrize("endogenous", [None, ["activity", "commodity", "factor"],
                                        ["activity", "commodity", "factor", "HH", "GOV"]])
def test_sam_multipliers_reproduce_endogenous_totals(toy_sam, endogenous):
    m = sam_multipliers(toy_sam, endogenous)
    x = exogenous_injections(toy_sam, endogenous)
    totals = toy_sam.row_totals()[m.index]
    np.testing.assert_allclose(m.to_numpy() @ x.to_numpy(), totals, rtol=1e-12)
    # the effect of all injections together is the whole of every total
    np.testing.assert_allclose(sam_multiplier_effect(toy_sam, x.to_dict(), endogenous),
                               totals, rtol=1e-12)


@pytest.mark.parametrize("kind", ["standard", "stdcge"])
def test_sam_multipliers_on_synthetic_sams(kind):
    sam = synthetic_sam(25, seed=3, kind=kind, households=1)
    m, x = sam_multipliers(sam), exogenous_injections(sam)
    np.testing.assert_allclose(m.to_numpy() @ x.to_numpy(), sam.row_totals()[m.index],
                               rtol=1e-10)


def test_export_loss_lowers_every_endogenous_account(toy_sam):
    effect = sam_multiplier_effect(toy_sam, {"C1": -10})
    assert (effect < 0).all()
    assert effect["C1"] < -10  # the direct loss plus indirect demand for C1
    with pytest.raises(SAMError, match="not endogenous"):
        sam_multiplier_effect(toy_sam, {"GOV": 5})


@pytest.mark.parametrize("respend", [False, True])
def test_absorption_bound_by_hand_with_production_endogenous(toy_sam, respend):
    # unit loss of C1 exports; with respend, re-spent on final demand (50 of C1, 60 of C2)
    b = np.array([[10 / 70, 15 / 100], [10 / 70, 20 / 100]])   # commodity per unit output
    delta = np.array([50 / 75, 80 / 90])
    phi = np.array([50, 60]) / 110 if respend else np.zeros(2)
    # unknowns: outputs X1, X2 and domestic markets Q1, Q2:  X = delta Q - e1,  Q = b X + phi
    system = np.block([[np.eye(2), -np.diag(delta)], [-b, np.eye(2)]])
    xq = np.linalg.solve(system, np.concatenate([[-1.0, 0.0], phi]))
    sales = delta * xq[2:]
    table = absorption_bound(toy_sam, {"C1": -1.0}, endogenous=["activity", "commodity"],
                             respend=respend)
    np.testing.assert_allclose(table["domestic_sales_change"], sales, rtol=1e-12)
    assert table.loc["C1", "absorption_ratio"] == pytest.approx(sales[0])
    assert np.isnan(table.loc["C2", "absorption_ratio"])
    np.testing.assert_allclose(table["output_change"], sales - [1.0, 0.0], rtol=1e-12)
    # at fixed prices, home sales fall with the lost incomes unless the loss is re-spent
    assert (table.loc["C1", "absorption_ratio"] > 0) == respend


def test_one_good_economy_multiplier_bound_and_full_respending():
    sam = _sam({("G", "G"): 20, ("LAB", "G"): 50, ("G", "HH"): 30, ("G", "EXT"): 20,
                ("HH", "LAB"): 50, ("S_I", "HH"): 20, ("EXT", "S_I"): 20},
               {"G": "good", "LAB": "factor", "HH": "household",
                "S_I": "savings_investment", "EXT": "rest_of_world"})
    # by hand: dX = -1 + (20/70) dX + (30/50)(50/70) dX  ->  dX = -3.5, home sales -2.5
    table = absorption_ratios(sam)
    assert table.loc["G", "absorption_ratio"] == pytest.approx(-2.5)
    assert table.loc["G", "output_change"] == pytest.approx(-3.5)
    # re-spending the lost revenue at home takes up the whole loss in a one-good economy
    respent = absorption_ratios(sam, respend=True)
    assert respent.loc["G", "absorption_ratio"] == pytest.approx(1.0)
    assert respent.loc["G", "output_change"] == pytest.approx(0.0, abs=1e-12)


def test_absorption_bound_is_linear_in_the_export_change():
    sam = synthetic_sam(8, seed=4)
    ratios = absorption_ratios(sam)
    assert "C007" not in ratios.index  # the commodity without exports
    table = absorption_bound(sam, {"C003": -25.0})
    assert table.loc["C003", "absorption_ratio"] == pytest.approx(
        ratios.loc["C003", "absorption_ratio"], rel=1e-10)
    assert table.loc["C003", "domestic_sales_change"] == pytest.approx(
        25 * ratios.loc["C003", "absorption_ratio"], rel=1e-10)
    with pytest.raises(SAMError, match="unknown commodities"):
        absorption_bound(sam, {"A001": -1})


def test_a_sam_without_sectors_is_refused():
    sam = _sam({("HH", "GOV"): 1, ("GOV", "HH"): 1}, {"HH": "household", "GOV": "government"})
    with pytest.raises(SAMError, match="producing sectors"):
        analyse(sam)


def test_summary_and_workbook(toy_sam, tmp_path):
    result = analyse(toy_sam)
    summary = result.summary()
    assert summary.index.tolist() == ["A1", "A2"]
    assert {"output", "value_added", "backward", "forward_ghosh", "va_share"} <= set(summary)
    path = result.to_excel(tmp_path / "io.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, index_col=0)
    assert {"summary", "leontief", "absorption", "sam_multipliers"} <= set(sheets)
    np.testing.assert_allclose(sheets["leontief"].to_numpy(), result.leontief.to_numpy())


def test_cli_prints_multipliers_and_writes_a_workbook(toy_sam, tmp_path, capsys):
    from cge.sam.io import write_sam

    sam_file = write_sam(toy_sam, tmp_path / "toy.xlsx") or tmp_path / "toy.xlsx"
    employment = tmp_path / "emp.csv"
    employment.write_text("account,employment\nA1,12\nA2,20\n")
    out = tmp_path / "io.xlsx"
    assert main(["io", str(sam_file), "--employment", str(employment), "--xlsx", str(out)]) == 0
    text = capsys.readouterr().out
    result = analyse(toy_sam, employment={"A1": 12, "A2": 20})
    assert f"{result.multipliers.loc['A1', 'output']:.3f}" in text
    assert "Domestic value added in exports" in text
    assert f"({100 * result.export_va_share:.1f} %)" in text
    assert "absorption" in text.lower() and out.is_file()


def test_cli_names_a_bad_employment_cell(toy_sam, tmp_path, capsys):
    from cge.sam.io import write_sam

    sam_file = tmp_path / "toy.xlsx"
    write_sam(toy_sam, sam_file)
    employment = tmp_path / "emp.csv"
    employment.write_text("account,employment\nA1,twelve\nA2,20\n")
    assert main(["io", str(sam_file), "--employment", str(employment)]) == 2
    assert "emp.csv line 2" in capsys.readouterr().err


def test_cli_refuses_to_write_the_workbook_onto_the_sam(toy_sam, tmp_path, capsys):
    from cge.sam.io import write_sam

    sam_file = tmp_path / "toy.xlsx"
    write_sam(toy_sam, sam_file)
    before = sam_file.read_bytes()
    assert main(["io", str(sam_file), "--xlsx", str(sam_file)]) == 2
    assert "--force" in capsys.readouterr().err
    assert sam_file.read_bytes() == before
    nested = tmp_path / "new" / "folder" / "io.xlsx"
    assert main(["io", str(sam_file), "--xlsx", str(nested)]) == 0
    assert nested.is_file()


def test_multiplier_absorption_ratios_of_the_china_sam_by_endogenous_set():
    """The fixed-price ratio of secondary goods grows with the accounts that re-spend."""
    from pathlib import Path

    from cge.io_analysis import multiplier_absorption_ratios
    from cge.sam.io import read_sam

    sam = read_sam(Path(__file__).resolve().parents[1] / "sam_data" / "china_2018_3sector.csv")
    table = multiplier_absorption_ratios(sam)
    assert table.loc["C_SEC"].round(2).to_dict() == {
        "production": -1.30, "households": -1.74, "government": -2.13,
        "saving_investment": -3.68}
    assert table["households"].to_numpy() == pytest.approx(
        absorption_ratios(sam)["absorption_ratio"].to_numpy())
    assert table["production"].to_numpy() == pytest.approx(absorption_ratios(
        sam, ["activity", "commodity"])["absorption_ratio"].to_numpy())


def test_labour_shares_and_cge_io_prints_the_elasticities(capsys):
    from pathlib import Path

    from cge.io_analysis import labour_shares
    from cge.sam.io import read_sam

    path = Path(__file__).resolve().parents[1] / "sam_data" / "china_2018_3sector.csv"
    shares = labour_shares(read_sam(path))
    assert shares.round(3).to_dict() == {"A_PRI": 0.922, "A_SEC": 0.511, "A_TER": 0.579}
    assert main(["io", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Labour-demand elasticity" in out and "12.789" in out
    assert "saving_investment" in out
