"""Every way a SAM file can be wrong gets a problem that names the place and the fix."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from conftest import TOY_ROLES, toy_frame

from cge.errors import SAMError
from cge.sam import check_sam, read_sam, write_sam
from cge.sam.io import accounts_file
from cge.sam.validation import MAX_PROBLEMS_PER_KIND


def edited_workbook(tmp_path, sam, edit):
    """Write ``sam``, change it as a user would in Excel (``edit(workbook)``), save."""
    path = write_sam(sam, tmp_path / "toy.xlsx")
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def problems(source, kind=None, **kwargs):
    """The problems read_sam raises (all of them, or those of one kind as text)."""
    with pytest.raises(SAMError) as err:
        read_sam(source, **kwargs)
    found = err.value.problems
    if kind is None:
        return found
    texts = [str(p) for p in found if p.kind == kind]
    assert texts, f"no {kind} problem among {[str(p) for p in found]}"
    return texts


def set_cells(**cells):
    def edit(wb):
        for ref, value in cells.items():
            sheet, cell = ref.split("__") if "__" in ref else ("SAM", ref)
            wb[sheet][cell] = value
    return edit


# -- cells -----------------------------------------------------------------------------------
def test_text_cell_names_the_cell_both_accounts_and_the_value(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(F2="abc"))  # row A1, column LAB
    [text] = problems(path, "non_numeric")
    assert "SAM!F2" in text and "row A1" in text and "column LAB" in text and "'abc'" in text


def test_number_stored_as_text_is_named_as_such(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(D2="12.5"))
    [text] = problems(path, "non_numeric")
    assert "SAM!D2" in text and "stored as text" in text and "convert the text" in text


def test_excel_error_value_is_reported(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(B4="#DIV/0!"))
    [text] = problems(path, "non_numeric")
    assert "SAM!B4" in text and "#DIV/0!" in text


def test_formula_without_cached_value_says_how_to_fix(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(C3="=B4*2"))
    [text] = problems(path, "formula_uncached")
    assert "SAM!C3" in text and "=B4*2" in text and "row A2, column A2" in text
    assert "open and save the workbook in Excel/LibreOffice" in text


def test_nan_and_infinite_cells_in_a_dataframe_are_named(toy_sam):
    frame = toy_frame()
    frame.loc["C1", "HH"] = np.nan
    frame.loc["GOV", "TAX"] = np.inf
    texts = problems(frame, "non_finite", roles=TOY_ROLES)
    assert any("row C1, column HH" in t and "nan" in t for t in texts)
    assert any("row GOV, column TAX" in t and "inf" in t for t in texts)


def test_nan_in_a_csv_file_names_line_and_field(tmp_path, toy_sam):
    path = write_sam(toy_sam, tmp_path / "toy.csv")
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")  # line 4: receiver C1 (the header is line 1)
    cells[7] = "nan"  # field 8: payer HH
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    [text] = problems(path, "non_finite")
    assert "toy.csv line 4, field 8" in text and "row C1, column HH" in text and "'nan'" in text


def test_text_in_a_csv_file_names_line_and_field(tmp_path, toy_sam):
    path = write_sam(toy_sam, tmp_path / "toy.csv")
    lines = path.read_text().splitlines()
    cells = lines[7].split(",")  # line 8: receiver HH
    cells[5] = "seventy"  # field 6: payer LAB
    lines[7] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    [text] = problems(path, "non_numeric")
    assert "toy.csv line 8, field 6" in text and "row HH, column LAB" in text
    assert "'seventy'" in text


# -- labels and shape ------------------------------------------------------------------------
def test_duplicate_label_names_both_cells(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(A4="A1", D1="A1"))
    texts = problems(path, "duplicate_label")
    assert any("SAM!A4" in t and "'A1'" in t and "SAM!A2" in t for t in texts)
    assert any("SAM!D1" in t and "SAM!B1" in t for t in texts)


def test_row_and_column_labels_that_differ_are_named(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(A3="A2x"))
    texts = problems(path, "labels_differ")
    assert any("SAM!A3" in t and "'A2x'" in t for t in texts)
    assert any("SAM!C1" in t and "'A2'" in t and "no row" in t for t in texts)


def test_columns_in_another_order_are_named(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(B1="A2", C1="A1"))
    [text] = problems(path, "labels_differ")
    assert "SAM!A2 and SAM!B1" in text and "different order" in text


def test_stray_values_outside_the_square_are_named(tmp_path, toy_sam):
    # the toy SAM has 11 accounts: labels B1:L1 and A2:A12, totals in M and N, rows 13 and 14
    path = edited_workbook(tmp_path, toy_sam, set_cells(N20=4.5, P3="note"))
    texts = problems(path, "outside_square")
    assert any("SAM!N20" in t and "4.5" in t for t in texts)
    assert any("SAM!P3" in t and "'note'" in t for t in texts)


def test_a_labelled_row_after_a_gap_is_outside_the_square(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(A17="EXTRA", C17=3))
    texts = problems(path, "outside_square")
    assert any("SAM!A17" in t and "EXTRA" in t for t in texts)
    assert any("SAM!C17" in t for t in texts)


def test_many_stray_cells_are_counted_not_all_listed(tmp_path, toy_sam):
    def scatter(wb):
        for i in range(40):
            wb["SAM"].cell(30 + i, 3, 1.0)
    found = problems(edited_workbook(tmp_path, toy_sam, scatter))
    assert len(found) == MAX_PROBLEMS_PER_KIND + 1
    assert "and 15 more" in str(found[-1])


# -- accounts sheet ---------------------------------------------------------------------------
def test_account_missing_from_the_accounts_sheet(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, lambda wb: wb["accounts"].delete_rows(8))  # HH
    [text] = problems(path, "missing_account")
    assert "account HH (SAM!A8)" in text and "not in sheet accounts" in text


def test_account_unknown_to_the_sam(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(accounts__A13="FOO",
                                                        accounts__B13="household"))
    [text] = problems(path, "unknown_account")
    assert "accounts!A13" in text and "'FOO'" in text


def test_unknown_role_lists_the_allowed_roles(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(accounts__B6="labour"))  # LAB
    [text] = problems(path, "unknown_role")
    assert "accounts!B6" in text and "'labour'" in text and "'LAB'" in text
    assert "factor" in text and "rest_of_world" in text


def test_missing_role(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(accounts__B6=None))
    [text] = problems(path, "missing_role")
    assert "accounts!B6" in text and "'LAB'" in text and "household" in text


def test_account_listed_twice(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(accounts__A13="HH",
                                                        accounts__B13="household"))
    [text] = problems(path, "duplicate_account")
    assert "accounts!A13" in text and "accounts!A8" in text


def test_accounts_sheet_without_header(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(accounts__A1="name", accounts__B1="type"))
    [text] = problems(path, "accounts_header")
    assert "accounts!A1" in text and "'account' and 'role'" in text


# -- the file ----------------------------------------------------------------------------------
def test_missing_sam_sheet_lists_the_sheets(tmp_path, toy_sam):
    def rename(wb):
        wb["SAM"].title = "Matrix"
    [p] = problems(edited_workbook(tmp_path, toy_sam, rename))
    assert p.kind == "missing_sheet" and "'SAM'" in p.message and "Matrix" in p.message


def test_sheet_named_in_other_case_gets_a_rename_fix(tmp_path, toy_sam):
    def rename(wb):
        wb["SAM"].title = "matrix"  # sheet names are case-blind: rename in two steps
        wb["matrix"].title = "sam"
    [p] = problems(edited_workbook(tmp_path, toy_sam, rename))
    assert "rename sheet 'sam' to 'SAM'" in p.fix


def test_missing_accounts_sheet(tmp_path, toy_sam):
    [p] = problems(edited_workbook(tmp_path, toy_sam, lambda wb: wb.remove(wb["accounts"])))
    assert p.kind == "missing_sheet" and "'accounts'" in p.message


def test_missing_accounts_sheet_is_fine_when_roles_are_given(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, lambda wb: wb.remove(wb["accounts"]))
    assert read_sam(path, roles=TOY_ROLES).equals(toy_sam)


def test_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "sam.xlsx"
    path.write_text("A1,A2\n1,2\n")
    [p] = problems(path)
    assert p.kind == "not_a_workbook" and str(path) in p.where and "save it as .xlsx" in p.fix


def test_file_that_does_not_exist(tmp_path):
    [p] = problems(tmp_path / "nowhere.xlsx")
    assert p.kind == "file_not_found" and "nowhere.xlsx" in p.where


def test_old_excel_format_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "sam.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    [p] = problems(path)
    assert "save it as .xlsx" in p.fix


def test_csv_without_accounts_file(tmp_path, toy_sam):
    path = write_sam(toy_sam, tmp_path / "toy.csv")
    accounts_file(path).unlink()
    [p] = problems(path)
    assert p.kind == "missing_accounts_file" and "toy.accounts.csv" in p.where


def test_csv_accounts_file_names_its_line(tmp_path, toy_sam):
    path = write_sam(toy_sam, tmp_path / "toy.csv")
    acc = accounts_file(path)
    acc.write_text(acc.read_text().replace("HH,household", "HH,houshold"))
    [text] = problems(path, "unknown_role")
    assert "toy.accounts.csv line 8" in text and "'houshold'" in text


# -- all at once ---------------------------------------------------------------------------------
def test_every_problem_is_reported_not_just_the_first(tmp_path, toy_sam):
    path = edited_workbook(tmp_path, toy_sam, set_cells(F2="abc", N20=1, accounts__B6="labour"))
    kinds = {p.kind for p in problems(path)}
    assert kinds == {"non_numeric", "outside_square", "unknown_role"}


def test_check_sam_never_raises_and_lists_imbalances_largest_first(tmp_path, toy_sam):
    report = check_sam(tmp_path / "nowhere.xlsx")
    assert report.sam is None and report.errors[0].kind == "file_not_found"
    frame = toy_frame()
    frame.loc["C1", "HH"] += 7.0
    frame.loc["LAB", "A1"] += 1.0
    path = write_sam(read_sam(frame, roles=TOY_ROLES), tmp_path / "off.xlsx")
    report = check_sam(path)
    assert report.sam is not None and not report.errors
    assert [p.where for p in report.imbalances][2:] in (["account LAB", "account A1"],
                                                        ["account A1", "account LAB"])
    first = str(report.imbalances[0])
    assert "account C1" in first and "row total (receipts) 102" in first and "+7" in first
    assert check_sam(path, rtol=0.1).ok  # 7 is less than 10% of the totals involved
