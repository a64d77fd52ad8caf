"""Written workbooks calculate in a real spreadsheet: LibreOffice recalculates the totals."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import numpy as np
import openpyxl
import pytest
from conftest import TOY_ROLES, toy_frame

from cge.sam import SAM, read_sam, write_sam

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not found"),
]


def recalculated(path, tmp_path):
    """Open ``path`` in headless LibreOffice (which calculates formulas on load) and save it."""
    out = tmp_path / "recalculated"
    profile = tmp_path / f"lo-profile-{uuid.uuid4().hex}"  # a fresh profile: parallel runs don't clash
    run = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180)
    result = out / path.name
    assert run.returncode == 0 and result.exists(), run.stderr
    return result


def test_written_totals_are_live_formulas_that_libreoffice_calculates(tmp_path):
    frame = toy_frame()
    frame.loc["C1", "HH"] += 7.0  # one imbalance, so the difference cells have work to do
    frame.loc["LAB", "A1"] = 30.000000000000004
    sam = SAM.from_frame(frame, TOY_ROLES, name="toy")
    path = write_sam(sam, tmp_path / "toy.xlsx")

    calc = recalculated(path, tmp_path)
    ws = openpyxl.load_workbook(calc, data_only=True)["SAM"]
    n = len(sam.labels)
    receipts = [ws.cell(k, n + 2).value for k in range(2, n + 2)]
    payments = [ws.cell(n + 2, k).value for k in range(2, n + 2)]
    diff_column = [ws.cell(k, n + 3).value for k in range(2, n + 2)]
    diff_row = [ws.cell(n + 3, k).value for k in range(2, n + 2)]
    np.testing.assert_allclose(receipts, sam.row_totals().to_numpy(), rtol=1e-14)
    np.testing.assert_allclose(payments, sam.column_totals().to_numpy(), rtol=1e-14)
    expected = (sam.row_totals() - sam.column_totals()).to_numpy()
    np.testing.assert_allclose(diff_column, expected, atol=1e-12)
    np.testing.assert_allclose(diff_row, expected, atol=1e-12)
    assert ws.cell(n + 2, n + 2).value == pytest.approx(sam.total)

    # the saved file still reads as the same SAM, the cached totals are skipped
    # (LibreOffice stores 15 significant digits, so the last bits may differ)
    back = read_sam(calc, name="toy")
    assert back.equals(sam, rtol=1e-14)


def test_balanced_sam_has_zero_differences_after_recalculation(tmp_path, toy_sam):
    calc = recalculated(write_sam(toy_sam, tmp_path / "toy.xlsx"), tmp_path)
    ws = openpyxl.load_workbook(calc, data_only=True)["SAM"]
    n = len(toy_sam.labels)
    diffs = [ws.cell(k, n + 3).value for k in range(2, n + 2)]
    assert np.max(np.abs(diffs)) < 1e-9
    assert ws.cell(n + 2, 2).value == pytest.approx(toy_sam.column_totals()["A1"])


def test_formula_cell_reads_after_libreoffice_has_calculated_it(tmp_path, toy_sam):
    """The fix the reader suggests for formulas without a value works."""
    path = write_sam(toy_sam, tmp_path / "toy.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["SAM"]["B4"] = "=5*2"  # C1 <- A1 was 10
    wb.save(path)
    with pytest.raises(Exception, match="open and save the workbook"):
        read_sam(path)
    assert read_sam(recalculated(path, tmp_path)).equals(toy_sam)
