"""``cge sam build``: a balanced SAM from an input-output table in the NBS layout,
published figures, a household survey and account splits (tests/data/sam_build/)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cge.errors import CGEError, ConfigError
from cge.sam.build import build_sam
from cge.sam.io import read_sam

EXAMPLE = Path(__file__).resolve().parent / "data" / "sam_build"
CONFIG = EXAMPLE / "config.yaml"
CGE = Path(sys.executable).with_name("cge")


@pytest.fixture(scope="module")
def built():
    return build_sam(CONFIG)


@pytest.fixture
def example(tmp_path):
    """A copy of the example inputs to edit."""
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("example_sam*"))
    return folder


def test_the_sam_is_balanced_with_every_account_of_the_config(built):
    sam = built.sam
    assert sam.is_balanced(rtol=1e-12)
    assert "LAB" not in sam.labels and {"LAB_RUR", "LAB_URB", "ITAX"} <= set(sam.labels)
    balance = built.checks[built.checks["check"] == "balance"]
    assert list(balance["where"]) == sam.labels
    assert balance["difference"].abs().max() < 1e-9


def test_published_cells_are_held_while_balancing(built):
    m = built.sam.matrix
    assert m.at["ETAX", "C_IND"] == -15.0                       # export VAT rebates
    assert m.loc["ITAX"].sum() == pytest.approx(25.0, rel=1e-15)
    assert m.loc["TAR", ["C_AGR", "C_IND"]].sum() == pytest.approx(5.0, rel=1e-15)
    assert m.at["DTAX", "ENT"] == 50.0
    assert m.at["ROW", "C_IND"] == 205.0                         # the IO imports, fixed
    fixed = built.checks[built.checks["check"] == "fixed cell"]
    assert len(fixed) == len(built.fixed) > 20
    assert (fixed["difference"] == 0).all()
    # the balancing moved what was not fixed: saving and consumption are not the IO's
    assert m.at["C_IND", "HH_URB"] != 96.0


def test_splits_and_survey_weights_put_figures_where_they_fall(built):
    m = built.sam.matrix
    # rural labour: the table's rural shares of each activity's compensation
    assert m.at["LAB_RUR", "A_AGR"] == pytest.approx(65.3 * 85 / 100)
    # social transfers by population x transfers per head
    rural, urban = 5000 * 3100, 8000 * 8000
    assert m.at["HH_RUR", "GOV"] == pytest.approx(70 * rural / (rural + urban))
    sources = built.sources.set_index("block")
    assert sources.at["customs duties", "status"] == "official"
    assert "Ministry of Finance" in sources.at["customs duties", "source"]
    assert sources.at["enterprise capital income", "status"] == "residual"


def test_prior_cells_and_a_survey_split_of_households(tmp_path, built):
    """From prior cells with one household: the survey splits it in proportion to
    disposable income, a figure then puts all personal income tax on urban households
    and saving is the residual of each."""
    m = built.sam.matrix.copy()
    hh = ["HH_RUR", "HH_URB"]
    m["HH"] = m[hh].sum(axis=1)
    m.loc["HH"] = m.loc[hh].sum(axis=0)
    m = m.drop(index=hh, columns=hh)
    cells = m.stack()
    cells = cells[cells != 0]
    lines = ["receiver,payer,value,source,status"] + [
        f"{r},{c},{v!r},draft SAM,estimate" for (r, c), v in cells.items()]
    (tmp_path / "prior.csv").write_text("\n".join(lines) + "\n")
    shutil.copy(EXAMPLE / "survey.csv", tmp_path / "survey.csv")
    roles = built.sam.roles.to_dict()
    accounts = "\n".join(f"  {a}: [{roles.get(a, 'household')}]" for a in [*m.index, *hh])
    (tmp_path / "config.yaml").write_text(f"""name: split
unit: 100 million yuan
accounts:
{accounts}
prior_cells: {{file: prior.csv}}
survey: {{file: survey.csv, groups: {{rural: HH_RUR, urban: HH_URB}}, scale: 1.0e-4}}
steps:
  - split: HH
    into: [HH_RUR, HH_URB]
    weights: {{survey: disposable_income}}
  - figure: personal income tax
    value: {{sum: {{rows: [DTAX], columns: [HH_RUR, HH_URB]}}}}
    cells: {{rows: [DTAX], columns: [HH_RUR, HH_URB]}}
    weights: [0, 1]
    status: official
  - {{figure: rural saving, value: residual, cells: {{rows: [S_I], columns: [HH_RUR]}}}}
  - {{figure: urban saving, value: residual, cells: {{rows: [S_I], columns: [HH_URB]}}}}
""")
    split = build_sam(tmp_path / "config.yaml")
    s = split.sam.matrix
    assert "HH" not in s.index and split.sam.is_balanced(rtol=1e-12)
    rural, urban = 5000 * 15000, 8000 * 40000
    assert s.at["HH_RUR", "GOV"] / s.loc[hh, "GOV"].sum() == pytest.approx(
        rural / (rural + urban))
    assert s.at["DTAX", "HH_RUR"] == 0 and s.at["DTAX", "HH_URB"] == pytest.approx(20.0)
    assert "HH_RUR 0.189873" in split.sources.set_index("block").at[
        "split of HH into HH_RUR, HH_URB", "cells"]


@pytest.mark.solver
@pytest.mark.parametrize("spec, closure", [("standard", None),
                                           ("stdcge", {"numeraire": "LAB_URB"})])
def test_the_built_sam_calibrates_and_replicates(built, spec, closure):
    from cge.diagnostics import run_checks
    from cge.model.build import CGEModel

    model = CGEModel(built.sam, spec, closure=closure)
    assert model.solve(solver="persistent").stats.iterations == 0
    table = run_checks(model, solver="persistent")
    assert table["passed"].all(), table.to_string()


def test_rebuilding_gives_the_bundled_files_byte_for_byte(built, tmp_path):
    written = built.write(tmp_path / "example_sam.xlsx")
    assert [p.name for p in written] == ["example_sam.xlsx", "example_sam.csv"]
    for name in ("example_sam.xlsx", "example_sam.csv", "example_sam.accounts.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
    assert read_sam(tmp_path / "example_sam.xlsx").equals(built.sam)


def test_two_builds_write_the_same_bytes(tmp_path, example):
    first = build_sam(example / "config.yaml").write(tmp_path / "a.xlsx")[0].read_bytes()
    second = build_sam(example / "config.yaml").write(tmp_path / "b.xlsx")[0].read_bytes()
    assert first == second


def test_a_bad_config_is_one_report_naming_every_place(example):
    config = example / "config.yaml"
    text = config.read_text()
    text = text.replace("Compensation of employees: LAB", "Compensation of employes: LAB")
    text = text.replace("item: corporate_income_tax", "item: corporate_tax")
    text = text.replace("  method: cross_entropy", "  method: cross_entropy\n  tolerence: 1")
    text = text.replace("cells: {rows: [DTAX], columns: [ENT]}",
                        "cells: {rows: [DTAX], columns: [ENTS]}")
    config.write_text(text)
    with pytest.raises(ConfigError) as err:
        build_sam(config)
    report = str(err.value)
    assert "io_table.csv: row 'Compensation of employees': is not placed" in report
    assert "did you mean 'Compensation of employes'" in report
    assert "config.yaml: io_table.value_added.Compensation of employes" in report
    assert "no item 'corporate_tax' in table fiscal (did you mean 'corporate_income_tax'" \
        in report
    assert "balance.tolerence: unknown key" in report
    assert "account 'ENTS' is not in accounts (did you mean 'ENT'" in report


def test_a_bad_number_in_an_input_names_file_row_and_column(example):
    io = example / "io_table.csv"
    io.write_text(io.read_text().replace("14.4,0.8,54.0", "14.4,O.8,54.0", 1))
    fiscal = example / "fiscal.csv"
    fiscal.write_text(fiscal.read_text().replace("5.0,", "five,", 1))
    with pytest.raises(ConfigError) as err:
        build_sam(example / "config.yaml")
    report = str(err.value)
    assert "io_table.csv: row '01', column '02' (line 2): 'O.8' is not a number" in report
    assert "fiscal.csv: line 2 (customs_duties), column value: 'five' is not a number" in report


def test_fixed_cells_that_cannot_balance_are_reported(example):
    config = example / "config.yaml"
    # fixing all of the input-output table leaves the taxes on imports nowhere to go
    config.write_text(config.read_text().replace(
        "fixed: [value_added, imports]", "fixed: [value_added, imports, intermediate, final_use]"
    ).replace("value: residual", "value: 1.0"))
    with pytest.raises(CGEError) as err:
        build_sam(config)
    assert "cannot be balanced" in str(err.value)


def test_the_command_writes_the_workbook_and_reports_bad_configs(example, tmp_path):
    out = tmp_path / "out" / "sam.xlsx"
    done = subprocess.run([str(CGE), "sam", "build", str(example / "config.yaml"), "--out",
                           str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.exists() and out.with_suffix(".csv").exists()
    assert "26 fixed cell(s)" in done.stdout
    check = subprocess.run([str(CGE), "sam", "check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    (example / "config.yaml").write_text("name: x\nunit: y\naccounts: {A: [activty]}\n")
    bad = subprocess.run([str(CGE), "sam", "build", str(example / "config.yaml")],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "unknown role 'activty' (did you mean 'activity'" in bad.stdout + bad.stderr
    # the output may not overwrite an input
    clash = subprocess.run([str(CGE), "sam", "build", str(CONFIG), "--out",
                            str(EXAMPLE / "io_table.csv")], capture_output=True, text=True)
    assert clash.returncode == 2 and "refusing to overwrite" in clash.stdout + clash.stderr


def test_a_term_scale_a_transposed_block_and_survey_shares(example):
    """A value term with its own scale, weights from the transpose of a block, and a survey
    item divided between accounts by shares."""
    config = example / "config.yaml"
    text = config.read_text()
    text = text.replace(
        "  - figure: export VAT rebates\n    value: {table: fiscal, item: export_vat_rebates}\n"
        "    cells: {rows: [ETAX], columns: [C_IND]}",
        "  - figure: export VAT rebates\n"
        "    value: [{table: fiscal, item: export_vat_rebates},\n"
        "            {table: fiscal, item: customs_duties, scale: -2}]\n"
        "    cells: {rows: [ETAX], columns: [C_AGR, C_IND]}\n"
        "    weights: {rows: [C_AGR, C_IND], columns: [ROW]}")
    text = text.replace("    weights: {survey: property_income}\n  - figure: social transfers",
                        "    weights: {survey: {ENT: {property_income: 0.5, wages: 0.25}}}\n"
                        "  - figure: social transfers")
    config.write_text(text)
    built = build_sam(config)
    m = built.sam.matrix
    rebates = m.loc["ETAX", ["C_AGR", "C_IND"]]
    assert rebates.sum() == pytest.approx(-15.0 - 2 * 5.0)
    exports = m.loc[["C_AGR", "C_IND"], "ROW"].to_numpy()
    # in proportion to exports as they stood (balancing moves the exports a little)
    assert rebates.to_numpy() / rebates.sum() == pytest.approx(exports / exports.sum(), rel=2e-2)
    survey = pd.read_csv(example / "survey.csv").pivot(index="item", columns="group",
                                                      values="value")
    weight = (survey.loc["population"] * (0.5 * survey.loc["property_income"]
                                          + 0.25 * survey.loc["wages"]))
    payouts = m.loc[["HH_RUR", "HH_URB"], "ENT"]
    assert payouts["HH_RUR"] / payouts.sum() == pytest.approx(   # before balancing moved it
        weight["rural"] / weight.sum(), rel=1e-2)
    assert built.sam.is_balanced()


def test_weights_may_be_table_values(example):
    """A list of weights may hold table rows and sums of terms, not only numbers: the rebates
    divide 1 : 3 between the products by figures of the fiscal table."""
    config = example / "config.yaml"
    text = config.read_text()
    old = ("  - figure: export VAT rebates\n    value: {table: fiscal, item: export_vat_rebates}\n"
           "    cells: {rows: [ETAX], columns: [C_IND]}")
    assert old in text
    config.write_text(text.replace(old, old.replace("[C_IND]", "[C_AGR, C_IND]") + "\n"
                                   "    weights: [{table: fiscal, item: customs_duties},\n"
                                   "              [{table: fiscal, item: individual_income_tax},\n"
                                   "               {table: fiscal, item: customs_duties, "
                                   "scale: -1}]]\n    fixed: true"))
    m = build_sam(config).sam.matrix
    assert m.at["ETAX", "C_AGR"] == pytest.approx(-15.0 * 5 / 20)
    assert m.at["ETAX", "C_IND"] == pytest.approx(-15.0 * 15 / 20)
