"""Reading and writing SAMs: exact round trips through .xlsx, .csv and DataFrames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import TOY_LABELS, TOY_ROLES, toy_frame

from cge.errors import SAMError
from cge.sam import SAM, check_sam, read_sam, write_sam
from cge.sam.io import accounts_file

ROOT = Path(__file__).resolve().parents[1]


def awkward_sam() -> SAM:
    """Floats that ``%.16g`` would round, a negative cell, descriptions and a unit."""
    frame = toy_frame()
    frame.loc["C1", "A1"] = 0.1 + 0.2
    frame.loc["LAB", "A1"] = 1 / 3
    frame.loc["CAP", "A2"] = 1.2345678901234567e15
    frame.loc["TAX", "A2"] = 5e-300
    frame.loc["S_I", "ROW"] = -np.pi
    accounts = pd.DataFrame({"account": TOY_LABELS, "role": [TOY_ROLES[a] for a in TOY_LABELS],
                             "description": ["Agriculture", "Industry, mining & utilities"]
                             + [""] * (len(TOY_LABELS) - 2)})
    return SAM.from_frame(frame, accounts, name="awkward", unit="billion CNY")


def assert_identical(a: SAM, b: SAM) -> None:
    assert b.labels == a.labels
    # bit for bit: compare the float64 bit patterns
    assert np.array_equal(a.matrix.to_numpy().view(np.int64), b.matrix.to_numpy().view(np.int64))
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    assert (b.name, b.unit) == (a.name, a.unit)


def test_workbook_round_trip_is_exact_bit_for_bit(tmp_path):
    sam = awkward_sam()
    back = read_sam(write_sam(sam, tmp_path / "awkward.xlsx"))
    assert_identical(sam, back)
    assert back.flow("C1", "A1") == 0.1 + 0.2  # not 0.3
    assert back.flow("S_I", "ROW") == -np.pi
    assert back.accounts.at["A2", "description"] == "Industry, mining & utilities"


def test_csv_round_trip_is_exact_and_writes_the_accounts_file(tmp_path):
    sam = awkward_sam()
    path = write_sam(sam, tmp_path / "awkward.csv")
    assert accounts_file(path).name == "awkward.accounts.csv"
    assert accounts_file(path).read_text().startswith("account,role,description")
    back = read_sam(path, unit="billion CNY")
    assert_identical(sam, back)


def test_csv_keeps_the_unit_in_its_corner_cell(tmp_path):
    path = write_sam(awkward_sam(), tmp_path / "awkward.csv")
    assert path.read_text().startswith("receiver \\ payer; unit: billion CNY,")
    assert read_sam(path).unit == "billion CNY"
    assert read_sam(path, unit="yuan").unit == "yuan"          # an explicit unit wins
    assert read_sam(ROOT / "sam_data" / "china_2018_3sector.csv").unit == "100 million yuan"


def test_dataframe_with_roles_mapping_or_table(toy_sam):
    assert read_sam(toy_frame(), roles=TOY_ROLES).equals(toy_sam)
    table = pd.DataFrame({"account": list(TOY_ROLES), "role": list(TOY_ROLES.values()),
                          "description": ["x"] * len(TOY_ROLES)})
    sam = read_sam(toy_frame(), roles=table, name="toy", unit="USD")
    assert sam.equals(toy_sam)
    assert sam.accounts.at["HH", "description"] == "x"
    assert (sam.name, sam.unit) == ("toy", "USD")


def test_dataframe_without_roles_is_refused_with_the_fix():
    with pytest.raises(SAMError, match="roles"):
        read_sam(toy_frame())


def test_unbalanced_sam_is_written_and_read_back_and_check_reports_it(tmp_path):
    frame = toy_frame()
    frame.loc["C1", "HH"] += 7.0  # households buy more of C1 than they earn
    sam = SAM.from_frame(frame, TOY_ROLES, name="off")
    back = read_sam(write_sam(sam, tmp_path / "off.xlsx"))
    assert_identical(sam, back)
    report = check_sam(tmp_path / "off.xlsx")
    assert not report.ok and report.sam is not None and not report.errors
    assert {p.where for p in report.imbalances} == {"account C1", "account HH"}
    assert "+7" in str(report) or "-7" in str(report)


def test_written_workbook_is_editable_with_live_totals_and_notes(tmp_path, toy_sam):
    path = write_sam(toy_sam, tmp_path / "toy.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["SAM"]
    n = len(toy_sam.labels)
    assert ws["B1"].value == "A1" and ws["A2"].value == "A1"
    assert ws.cell(1, n + 2).value == "TOTAL" and ws.cell(n + 2, 1).value == "TOTAL"
    assert ws.cell(1, n + 3).value == "DIFFERENCE (row - column)"
    assert ws.cell(2, n + 2).value == "=SUM(B2:L2)"  # receipts of A1
    assert ws.cell(n + 2, 2).value == "=SUM(B2:B12)"  # payments of A1
    assert ws.cell(2, n + 3).value == "=M2-B13"
    assert ws.freeze_panes == "B2"
    assert len(ws.conditional_formatting) == 2
    assert "#,##0" in ws["B4"].number_format  # C1 row, A1 column: 10
    assert ws["C2"].value is None  # zero flows are left blank
    assert wb["accounts"]["A1"].value == "account" and wb["accounts"]["B8"].value == "household"
    notes = {r[0]: r[1] for r in wb["notes"].iter_rows(values_only=True) if r[0]}
    assert notes["name"] == "toy" and notes["accounts"] == n
    assert "payments by column" in notes["convention"]
    assert set(toy_sam.roles) <= set(notes)


def test_extra_sheets_are_written_and_ignored_on_reading(tmp_path, toy_sam):
    changes = pd.DataFrame({"receiver": ["C1"], "payer": ["HH"], "change": [np.float64(1.5)]})
    path = write_sam(toy_sam, tmp_path / "toy.xlsx", extra_sheets={"changes": changes})
    assert openpyxl.load_workbook(path)["changes"]["C2"].value == 1.5
    assert read_sam(path).equals(toy_sam)
    with pytest.raises(SAMError, match="reserved"):
        write_sam(toy_sam, tmp_path / "bad.xlsx", extra_sheets={"accounts": changes})


def test_hand_made_workbook_with_user_totals_and_other_sheets(tmp_path, toy_sam):
    """A workbook as an economist makes it: own Total row/column, notes and sources sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "SAM"
    frame = toy_frame()
    ws.append(["", *TOY_LABELS, "Total"])
    for acc in TOY_LABELS:
        row = [v if v != 0 else None for v in frame.loc[acc]]
        ws.append([acc, *row, float(frame.loc[acc].sum())])
    ws.append(["Total", *frame.sum(axis=0).tolist()])
    acc = wb.create_sheet("accounts")
    acc.append(["Account", "Role"])
    for a in TOY_LABELS:
        acc.append([a, TOY_ROLES[a].replace("_", " ").title()])  # "Rest Of World"
    wb.create_sheet("sources").append(["National accounts 2018"])
    wb.create_sheet("notes").append(["unit", "million USD"])
    path = tmp_path / "hand.xlsx"
    wb.save(path)
    sam = read_sam(path)
    assert sam.equals(toy_sam)
    assert sam.role("ROW") == "rest_of_world"
    assert (sam.name, sam.unit) == ("hand", "million USD")


def test_unknown_suffix_is_refused_on_writing(tmp_path, toy_sam):
    with pytest.raises(SAMError, match=".xlsx or .csv"):
        write_sam(toy_sam, tmp_path / "toy.ods")


def test_an_edited_copy_of_a_sam_is_named_after_its_file(tmp_path):
    """The bundled workbook's notes sheet names it 'stdcge'; a copy is another SAM."""
    import shutil

    source = Path(__file__).resolve().parents[1] / "sam_data" / "stdcge.xlsx"
    copy = tmp_path / "stdcge_more_capital.xlsx"
    shutil.copy(source, copy)
    assert read_sam(copy).name == "stdcge_more_capital"
    assert read_sam(copy, name="mine").name == "mine"
