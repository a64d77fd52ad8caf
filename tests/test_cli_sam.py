"""``cge sam check | balance | aggregate`` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import TOY_ROLES, toy_frame

from cge.cli import main
from cge.sam import SAM, read_sam, write_sam


@pytest.fixture
def toy_xlsx(tmp_path, toy_sam):
    return write_sam(toy_sam, tmp_path / "toy.xlsx")


@pytest.fixture
def unbalanced_xlsx(tmp_path):
    frame = toy_frame()
    frame.loc["C1", "HH"] += 7.0  # households spend 7 more than they receive
    return write_sam(SAM.from_frame(frame, TOY_ROLES, name="off"), tmp_path / "off.xlsx")


# -- check -------------------------------------------------------------------------------------
def test_check_valid_sam_prints_summary_and_exits_0(toy_xlsx, capsys):
    assert main(["sam", "check", str(toy_xlsx)]) == 0
    out = capsys.readouterr().out
    assert "SAM 'toy'" in out and "accounts: 11" in out
    assert "activity" in out and "A1, A2" in out and "LAB, CAP" in out
    assert "grand total: 685" in out
    assert "largest imbalance: 0" in out and "OK" in out


def test_check_invalid_sam_lists_problems_and_exits_2(tmp_path, toy_xlsx, capsys):
    wb = openpyxl.load_workbook(toy_xlsx)
    wb["SAM"]["F2"] = "abc"
    wb["accounts"]["B6"] = "labour"
    wb.save(toy_xlsx)
    assert main(["sam", "check", str(toy_xlsx)]) == 2
    err = capsys.readouterr().err
    assert "not a valid SAM: 2 problem(s)" in err
    assert "SAM!F2 (row A1, column LAB)" in err and "'abc'" in err
    assert "accounts!B6" in err and "'labour'" in err


def test_check_unbalanced_sam_shows_summary_and_the_accounts_out_of_balance(unbalanced_xlsx,
                                                                           capsys):
    assert main(["sam", "check", str(unbalanced_xlsx)]) == 2
    captured = capsys.readouterr()
    assert "largest imbalance: 7" in captured.out and "out of balance" in captured.out
    assert "account C1" in captured.err and "account HH" in captured.err and "+7" in captured.err


def test_check_tolerance_option(unbalanced_xlsx, capsys):
    assert main(["sam", "check", str(unbalanced_xlsx), "--tol", "0.1"]) == 0
    assert "within rtol 0.1" in capsys.readouterr().out


def test_check_bad_file_in_a_fresh_process_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("this is not a workbook")
    script = Path(sys.executable).with_name("cge")  # the console script users run
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "import sys; from cge.cli import main; sys.exit(main())"]
    run = subprocess.run([*command, "sam", "check", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "is not a readable Excel workbook" in run.stderr


def test_check_does_not_load_the_solver_stack(toy_xlsx):
    code = ("import sys; from cge.cli import main; rc = main(['sam', 'check', sys.argv[1]]); "
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pyomo', 'cyipopt', "
            "'matplotlib', 'dask'}); print('HEAVY', heavy); sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", code, str(toy_xlsx)], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "HEAVY []" in run.stdout


# -- balance ------------------------------------------------------------------------------------
def test_balance_writes_a_balanced_sam_and_reports_the_changes(tmp_path, unbalanced_xlsx,
                                                               capsys):
    before = unbalanced_xlsx.read_bytes()
    out = tmp_path / "balanced.xlsx"
    assert main(["sam", "balance", str(unbalanced_xlsx), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "RAS" in text and "before" in text and "after" in text and "cells changed" in text
    assert f"wrote {out}" in text
    balanced = read_sam(out)
    assert balanced.is_balanced() and balanced.labels == read_sam(unbalanced_xlsx).labels
    assert unbalanced_xlsx.read_bytes() == before  # the input is untouched
    changes = openpyxl.load_workbook(out)["changes"]
    assert [c.value for c in changes[1]][:3] == ["receiver", "payer", "before"]


def test_balance_keeps_fixed_cells_and_totals(tmp_path, unbalanced_xlsx, capsys):
    out = tmp_path / "ce.xlsx"
    original = read_sam(unbalanced_xlsx)
    assert main(["sam", "balance", str(unbalanced_xlsx), "--method", "cross-entropy",
                 "--out", str(out), "--fix-cell", "C1,HH", "--fix-total", "GOV=20",
                 "--fix-total", "ROW"]) == 0
    assert "Cross-entropy" in capsys.readouterr().out
    balanced = read_sam(out)
    assert balanced.is_balanced()
    assert balanced.flow("C1", "HH") == original.flow("C1", "HH")
    assert balanced.row_totals()["GOV"] == pytest.approx(20.0, rel=1e-9)
    assert balanced.row_totals()["ROW"] == pytest.approx(original.row_totals()["ROW"], rel=1e-9)


def test_balance_refuses_to_overwrite_the_input_unless_forced(unbalanced_xlsx, capsys):
    before = unbalanced_xlsx.read_bytes()
    assert main(["sam", "balance", str(unbalanced_xlsx), "--out", str(unbalanced_xlsx)]) == 2
    assert "--force" in capsys.readouterr().err
    assert unbalanced_xlsx.read_bytes() == before
    assert main(["sam", "balance", str(unbalanced_xlsx), "--out", str(unbalanced_xlsx),
                 "--force"]) == 0
    assert read_sam(unbalanced_xlsx).is_balanced()


@pytest.mark.parametrize("option, value, message", [
    ("--fix-cell", "C1", "RECEIVER,PAYER"),
    ("--fix-cell", "C1,NOPE", "'NOPE'"),
    ("--fix-total", "GOV=lots", "'lots' is not a number"),
])
def test_balance_bad_options_are_named(tmp_path, unbalanced_xlsx, capsys, option, value,
                                       message):
    out = tmp_path / "out.xlsx"
    assert main(["sam", "balance", str(unbalanced_xlsx), "--out", str(out), option, value]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not out.exists()


# -- aggregate ------------------------------------------------------------------------------------
def test_aggregate_prints_the_new_accounts_and_their_members(tmp_path, toy_xlsx, capsys):
    mapping = tmp_path / "map.csv"
    mapping.write_text("account,group,role\nA1,ACT,\nA2,ACT,\nC1,COM,\nC2,COM,\n"
                       "LAB,FAC,\nCAP,FAC,\n")
    out = tmp_path / "agg.xlsx"
    assert main(["sam", "aggregate", str(toy_xlsx), "--map", str(mapping), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "11 accounts -> 8 accounts" in text
    assert "ACT" in text and "activity" in text and "<- A1, A2" in text
    assert "<- LAB, CAP" in text
    sam = read_sam(out)
    assert sam.labels[:3] == ["ACT", "COM", "FAC"]
    assert sam.is_balanced() and sam.total == pytest.approx(read_sam(toy_xlsx).total)
    assert sam.flow("ACT", "COM") == pytest.approx(70 + 100)  # A1 <- C1 plus A2 <- C2


def test_check_lists_the_largest_imbalances_and_counts_the_rest(unbalanced_xlsx, capsys,
                                                                monkeypatch):
    import cge.cli.sam

    monkeypatch.setattr(cge.cli.sam, "_MAX_IMBALANCES_SHOWN", 1)
    assert main(["sam", "check", str(unbalanced_xlsx)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err and "... and 1 more accounts out of balance" in err
