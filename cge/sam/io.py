"""Reading and writing SAMs: Excel workbooks (.xlsx/.xlsm), CSV files and DataFrames.

Workbook format
---------------
* sheet ``SAM``: the square matrix, account labels in column A (receivers, rows)
  and row 1 (payers, columns), cell A1 a corner label; payments by column,
  receipts by row; blank cells are zero; negative cells are legal;
* sheet ``accounts``: header row ``account``, ``role`` and optionally ``description``;
* other sheets (``notes``, ``sources``, ...) are ignored, except that row ``unit`` of
  a ``notes`` sheet gives the unit of the flows.

A SAM read from a file is named after the file (its stem): a copied and edited
workbook is another SAM, whatever its ``notes`` sheet still says.

:func:`write_sam` adds live ``TOTAL`` formulas and a ``DIFFERENCE (row - column)``
row and column that the reader skips, so a written workbook reads back as exactly
the same SAM (labels, roles, descriptions and every float bit for bit).

CSV format: the matrix with labels in the first column and the header row, and
the accounts table in the sibling file ``<stem>.accounts.csv``; the corner cell may
give the unit (``receiver \\ payer; unit: 100 million yuan``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import logging
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, SAMError
from .core import BALANCE_RTOL, SAM
from .roles import ROLES
from .validation import (
    DIFFERENCE_LABEL,
    TOTAL_LABEL,
    CheckReport,
    UncachedFormula,
    check_accounts,
    entries_from_roles,
    parse_accounts_grid,
    parse_matrix_grid,
)

log = logging.getLogger("cge")

MATRIX_SHEET = "SAM"
ACCOUNTS_SHEET = "accounts"
NOTES_SHEET = "notes"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
#: Conditional formatting marks a difference above this share of the account's total.
DIFFERENCE_HIGHLIGHT_RTOL = 1e-6
_CORNER = "receiver \\ payer"
#: The corner cell of a CSV SAM may carry the unit: ``receiver \ payer; unit: 100 million yuan``.
_CSV_UNIT = re.compile(r"unit:\s*(.+?)\s*$", re.IGNORECASE)


# -- public API -------------------------------------------------------------------------
def read_sam(source: str | Path | pd.DataFrame, *, roles: Any = None, name: str | None = None,
             unit: str | None = None) -> SAM:
    """Read a SAM from a workbook, a CSV file or a DataFrame.

    Parameters
    ----------
    source : str, Path or DataFrame
        ``.xlsx``/``.xlsm`` workbook, ``.csv`` file, or a square DataFrame
        (``frame.loc[receiver, payer]``).
    roles : mapping or DataFrame, optional
        Account -> role, or a table with columns ``account``, ``role`` and optionally
        ``description``. Required for a DataFrame; for a file it replaces the
        accounts sheet or file.
    name, unit : str, optional
        Override the name (default: the file stem) and the unit of the flows
        (default: the ``notes`` sheet's ``unit`` row).

    Returns
    -------
    SAM
        Possibly unbalanced: use :func:`check_sam` or ``SAM.imbalances`` to see.

    Raises
    ------
    SAMError
        With every problem found (cells named like ``SAM!F2``), not just the first.
    """
    label = _source_label(source)
    sam, problems = _read(source, roles=roles, name=name, unit=unit)
    if problems:
        raise SAMError(f"{label}: cannot read the SAM ({len(problems)} problem(s))", problems)
    return sam


def check_sam(source: str | Path | pd.DataFrame, rtol: float = BALANCE_RTOL, *,
              roles: Any = None) -> CheckReport:
    """Every problem of a SAM source, imbalances included; never raises for bad input.

    An account is out of balance when its row total :math:`r_i` and column total
    :math:`c_i` satisfy :math:`|r_i - c_i| > \\mathrm{rtol} \\cdot \\max(|r_i|, |c_i|)`.
    """
    sam, problems = _read(source, roles=roles)
    if sam is not None:
        problems = problems + sam.imbalance_problems(rtol)
    return CheckReport(_source_label(source), sam, problems, rtol)


def write_sam(sam: SAM, path: str | Path, *,
              extra_sheets: Mapping[str, pd.DataFrame] | None = None,
              timestamp: datetime.datetime | None = None) -> Path:
    """Write a SAM as a workbook (``.xlsx``) or CSV files (``.csv``), chosen by suffix.

    The workbook keeps every float at full precision and stays editable: live
    ``TOTAL`` formulas, a ``DIFFERENCE (row - column)`` row and column highlighted
    when an account is out of balance, frozen labels, an ``accounts`` sheet with a
    role drop-down and a ``notes`` sheet. ``extra_sheets`` (e.g. a table of balancing
    changes) follow as further sheets; readers ignore them. CSV writes the matrix and
    the sibling ``<stem>.accounts.csv``.

    ``timestamp`` makes a workbook reproducible byte for byte: it is written as the
    document's created and modified dates and as every zip entry's date (by default
    they are the time of writing). CSV files are reproducible as they are.

    Returns the path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        _write_workbook(sam, path, dict(extra_sheets or {}))
        if timestamp is not None:
            _stamp_workbook(path, timestamp)
    elif suffix in CSV_SUFFIXES:
        if extra_sheets:
            raise SAMError(f"{path}: extra sheets need a workbook (.xlsx), not CSV")
        _write_csv(sam, path)
    else:
        raise SAMError(f"{path}: cannot write a SAM as {suffix or 'a file without suffix'!r}",
                       [Problem("unknown_format", str(path), "unknown file type",
                                "use .xlsx or .csv")])
    log.info("wrote SAM %s (%d accounts) to %s", sam.name, len(sam.labels), path)
    return path


def accounts_file(path: str | Path) -> Path:
    """The accounts file beside a CSV matrix: ``toy.csv`` -> ``toy.accounts.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.accounts.csv")


# -- reading ------------------------------------------------------------------------------
def _source_label(source: Any) -> str:
    return "DataFrame" if isinstance(source, pd.DataFrame) else str(source)


def _read(source: Any, *, roles: Any = None, name: str | None = None,
          unit: str | None = None) -> tuple[SAM | None, list[Problem]]:
    """The SAM (``None`` if unreadable) and every structural problem; never raises for bad input."""
    if isinstance(source, pd.DataFrame):
        if roles is None:
            return None, [Problem("missing_roles", "DataFrame", "a DataFrame has no roles",
                                  "pass roles={account: role, ...} or a table account, role")]
        return _read_frame(source, roles, name or "SAM", unit or "")
    if not isinstance(source, (str, Path)):
        return None, [Problem("unknown_source", repr(source)[:60],
                              f"cannot read a SAM from a {type(source).__name__}",
                              "pass a path (.xlsx, .xlsm, .csv) or a DataFrame")]
    path = Path(source)
    if not path.exists():
        return None, [Problem("file_not_found", str(path), "the file does not exist",
                              "check the path and the current directory")]
    if path.is_dir():
        return None, [Problem("not_a_file", str(path), "is a directory, not a file",
                              "give the path of the .xlsx or .csv file")]
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path, roles, name, unit)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, roles, name, unit)
    fix = "save it as .xlsx (Excel Workbook)" if suffix in (".xls", ".ods", ".xlsb") \
        else "use an .xlsx workbook or a .csv file"
    return None, [Problem("unknown_format", str(path), f"cannot read {suffix or 'this'} files",
                          fix)]


def _assemble(parsed, entries, entry_problems, matrix_where, what, name, unit, meta=None):
    """The SAM from a parsed matrix and accounts table, or all problems of both."""
    problems = list(parsed.problems) + list(entry_problems)
    accounts = None
    if not entry_problems:
        labels = list(dict.fromkeys(parsed.row_labels + parsed.column_labels))
        accounts, found = check_accounts(entries, labels, matrix_where=matrix_where, what=what)
        problems += found
    if problems:
        return None, problems
    sam = SAM.from_frame(parsed.frame(), accounts.reset_index(), name=name, unit=unit)
    if meta:
        sam = SAM(sam.matrix, sam.accounts, name=sam.name, unit=sam.unit, meta=meta)
    return sam, []


def _read_frame(frame: pd.DataFrame, roles: Any, name: str, unit: str):
    rows, cols = list(frame.index), list(frame.columns)
    grid = [[None, *cols]] + [[r, *vals] for r, vals in zip(rows, frame.to_numpy(dtype=object), strict=True)]

    def locate(i: int, j: int) -> str:
        if i == 0:
            return f"DataFrame column {j - 1}"
        if j == 0:
            return f"DataFrame row {i - 1}"
        return f"DataFrame.iloc[{i - 1}, {j - 1}]"

    parsed = parse_matrix_grid(grid, locate, numeric_text=False, what="DataFrame")
    entries, entry_problems = entries_from_roles(roles)
    return _assemble(parsed, entries, entry_problems, lambda a: f"account {a}", "roles",
                     name, unit)


def _excel_locator(sheet: str):
    from openpyxl.utils import get_column_letter

    return lambda i, j: f"{sheet}!{get_column_letter(j + 1)}{i + 1}"


def _sheet_grid(ws) -> list[list[Any]]:
    ws.reset_dimensions()  # do not trust the stored dimension: read what is there
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _read_workbook(path: Path, roles: Any, name: str | None, unit: str | None):
    from openpyxl import load_workbook

    # whatever a damaged file makes openpyxl raise, the user gets a problem, not a traceback
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            sheets = list(wb.sheetnames)
            grids = {s: _sheet_grid(wb[s]) for s in (MATRIX_SHEET, ACCOUNTS_SHEET, NOTES_SHEET)
                     if s in sheets}
        finally:
            wb.close()
        _mark_uncached_formulas(path, grids)
    except Exception as exc:  # noqa: BLE001
        fix = ("it may be a CSV or old .xls file renamed, or damaged: open it in "
               "Excel/LibreOffice and save it as .xlsx")
        return None, [Problem("not_a_workbook", str(path),
                              f"is not a readable Excel workbook ({type(exc).__name__}: {exc})",
                              fix)]

    problems: list[Problem] = []
    for sheet, purpose in ((MATRIX_SHEET, "the square matrix of flows"),
                           (ACCOUNTS_SHEET, "the accounts table (account, role, description)")):
        if sheet not in sheets and not (sheet == ACCOUNTS_SHEET and roles is not None):
            near = [s for s in sheets if s.strip().lower() == sheet.lower()]
            fix = (f"rename sheet {near[0]!r} to {sheet!r}" if near
                   else f"add a sheet named {sheet!r} with {purpose}")
            problems.append(Problem("missing_sheet", str(path),
                                    f"has no sheet {sheet!r} (sheets: {', '.join(sheets)})", fix))
    if MATRIX_SHEET not in sheets:
        return None, problems

    notes = _notes(grids.get(NOTES_SHEET, []))
    name = name or path.stem   # the file's own name: a copied and edited SAM is another SAM
    unit = unit if unit is not None else notes.get("unit", "")
    locate = _excel_locator(MATRIX_SHEET)
    parsed = parse_matrix_grid(grids[MATRIX_SHEET], locate, numeric_text=False,
                               what=f"sheet {MATRIX_SHEET}")
    if roles is not None:
        entries, entry_problems = entries_from_roles(roles)
        what = "roles"
    elif ACCOUNTS_SHEET in grids:
        entries, entry_problems = parse_accounts_grid(grids[ACCOUNTS_SHEET],
                                                      _excel_locator(ACCOUNTS_SHEET))
        what = f"sheet {ACCOUNTS_SHEET}"
    else:
        return None, problems + list(parsed.problems)
    row_cell = {a: locate(1 + k, 0) for k, a in enumerate(parsed.row_labels)}
    sam, found = _assemble(parsed, entries, entry_problems,
                           lambda a: f"account {a} ({row_cell.get(a, 'SAM')})", what,
                           name, unit, meta={"source": str(path)})
    return sam, problems + found


def _mark_uncached_formulas(path: Path, grids: dict[str, list[list[Any]]]) -> None:
    """Replace blanks that are formulas without a calculated value by :class:`UncachedFormula`.

    openpyxl gives either cached values or formulas, so the formulas need a second
    (read-only, cheap) pass; it is skipped when the workbook holds no formula at all.
    """
    if not _has_formulas(path):
        return
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        for sheet, grid in grids.items():
            for i, row in enumerate(_sheet_grid(wb[sheet])):
                for j, value in enumerate(row):
                    text = getattr(value, "text", value)  # ArrayFormula has .text
                    if not (isinstance(text, str) and text.startswith("=")):
                        continue
                    if i < len(grid) and j < len(grid[i]) and grid[i][j] is None:
                        grid[i][j] = UncachedFormula(text[1:])
    finally:
        wb.close()


def _has_formulas(path: Path) -> bool:
    """True when any worksheet of the workbook contains a formula element."""
    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                    with zf.open(member) as fh:
                        if _stream_contains(fh, (b"<f>", b"<f ", b":f>", b":f ")):
                            return True
    except (zipfile.BadZipFile, OSError):
        return False
    return False


def _stream_contains(fh, needles: tuple[bytes, ...], chunk: int = 1 << 20) -> bool:
    tail = b""
    while block := fh.read(chunk):
        data = tail + block
        if any(n in data for n in needles):
            return True
        tail = data[-8:]
    return False


def _notes(grid: list[list[Any]]) -> dict[str, str]:
    """``unit`` from the first two columns of a notes sheet."""
    out = {}
    for row in grid:
        if len(row) >= 2 and isinstance(row[0], str) and row[1] is not None:
            key = row[0].strip().lower()
            if key == "unit" and key not in out:
                out[key] = str(row[1])
    return out


def _csv_grid(path: Path) -> tuple[list[list[Any]], list[int]]:
    """Rows of a CSV file as strings (blank cells ``None``) and the line number of each row."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        text = fh.read()
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    grid, lines = [], []
    for row in reader:
        grid.append([None if not v.strip() else v for v in row])
        lines.append(reader.line_num)
    return grid, lines


def _csv_locator(path: Path, lines: list[int]):
    def locate(i: int, j: int) -> str:
        line = lines[i] if i < len(lines) else i + 1
        return f"{path.name} line {line}, field {j + 1}"
    return locate


def _read_csv(path: Path, roles: Any, name: str | None, unit: str | None):
    try:
        grid, lines = _csv_grid(path)
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        return None, [Problem("not_csv", str(path), f"is not a readable CSV text file ({exc})",
                              "save it as CSV UTF-8 (comma delimited)")]
    locate = _csv_locator(path, lines)
    parsed = parse_matrix_grid(grid, locate, numeric_text=True, what=path.name)
    acc_path = accounts_file(path)
    if roles is not None:
        entries, entry_problems = entries_from_roles(roles)
        what = "roles"
    elif acc_path.exists():
        try:
            acc_grid, acc_lines = _csv_grid(acc_path)
        except (UnicodeDecodeError, csv.Error, OSError) as exc:
            return None, list(parsed.problems) + [Problem(
                "not_csv", str(acc_path), f"is not a readable CSV text file ({exc})",
                "save it as CSV UTF-8 (comma delimited)")]
        entries, entry_problems = parse_accounts_grid(acc_grid, _csv_locator(acc_path, acc_lines),
                                                      what=acc_path.name)
        what = acc_path.name
    else:
        return None, list(parsed.problems) + [Problem(
            "missing_accounts_file", str(acc_path),
            f"the accounts file of {path.name} does not exist",
            f"create {acc_path.name} with columns account, role, description")]
    row_line = {a: locate(1 + k, 0) for k, a in enumerate(parsed.row_labels)}
    return _assemble(parsed, entries, entry_problems,
                     lambda a: f"account {a} ({row_line.get(a, path.name)})", what,
                     name or path.stem, unit or _csv_unit(grid), meta={"source": str(path)})


def _csv_unit(grid: list[list[Any]]) -> str:
    """The unit named in the corner cell of a CSV SAM (``...; unit: TEXT``), or ``""``."""
    corner = grid[0][0] if grid and grid[0] else None
    found = _CSV_UNIT.search(corner) if isinstance(corner, str) else None
    return found.group(1) if found else ""


# -- writing ------------------------------------------------------------------------------
def _write_csv(sam: SAM, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        corner = f"{_CORNER}; unit: {sam.unit}" if sam.unit else _CORNER
        out.writerow([corner, *sam.labels])
        for acc, row in zip(sam.labels, sam.matrix.to_numpy(), strict=True):
            out.writerow([acc, *(repr(float(x)) for x in row)])
    with accounts_file(path).open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["account", "role", "description"])
        for acc, (role, desc) in sam.accounts[["role", "description"]].iterrows():
            out.writerow([acc, role, desc])


def _number_format(values: np.ndarray) -> str:
    """Thousands separators; decimals enough to show the smallest typical flow."""
    nonzero = np.abs(values[values != 0])
    if nonzero.size == 0 or np.all(nonzero == np.round(nonzero)):
        return "#,##0;-#,##0"
    typical = float(np.percentile(nonzero, 10))
    decimals = 2 if typical >= 1 else min(6, 2 + int(np.ceil(-np.log10(typical))))
    fmt = "#,##0." + "0" * decimals
    return f"{fmt};-{fmt}"


@contextlib.contextmanager
def _full_precision_floats() -> Iterator[None]:
    """Make openpyxl write floats with ``repr`` (shortest exact form) instead of ``%.16g``.

    ``%.16g`` loses the last bit of many floats (``0.1 + 0.2`` is written as ``0.3``);
    ``repr`` round-trips every float exactly, as Excel itself does with 17 digits.
    """
    from openpyxl.cell import _writer

    original = _writer.safe_string

    def exact(value: Any) -> str:
        if isinstance(value, float) and np.isfinite(value):
            return repr(value)
        return original(value)

    _writer.safe_string = exact
    try:
        yield
    finally:
        _writer.safe_string = original


def _write_workbook(sam: SAM, path: Path, extra_sheets: dict[str, pd.DataFrame]) -> None:
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter as col
    from openpyxl.worksheet.datavalidation import DataValidation

    clash = [s for s in extra_sheets if s.lower() in (MATRIX_SHEET.lower(), ACCOUNTS_SHEET,
                                                      NOTES_SHEET)]
    if clash:
        raise SAMError(f"{path}: extra sheet names {clash} are reserved")
    labels, n = sam.labels, len(sam.labels)
    values = sam.matrix.to_numpy(dtype=float)
    bold, italic = Font(bold=True), Font(bold=True, italic=True)
    derived_fill = PatternFill("solid", fgColor="EEEEEE")
    alarm_fill = PatternFill("solid", fgColor="FFC7CE")
    number_format = _number_format(values)

    wb = Workbook()
    ws = wb.active
    ws.title = MATRIX_SHEET
    last = col(n + 1)  # column of the last account
    tot_c, dif_c = n + 2, n + 3  # 1-based columns of TOTAL and DIFFERENCE
    tot_r, dif_r = n + 2, n + 3  # 1-based rows of TOTAL and DIFFERENCE
    ws.cell(1, 1, _CORNER).font = italic
    for k, acc in enumerate(labels, start=2):
        ws.cell(1, k, acc).font = bold
        ws.cell(k, 1, acc).font = bold
        ws.cell(1, k).alignment = Alignment(horizontal="center", wrap_text=True)
    for i in range(n):
        for j in range(n):
            if values[i, j] != 0:
                c = ws.cell(i + 2, j + 2, float(values[i, j]))
                c.number_format = number_format
    # live totals: receipts along the row, payments down the column
    for label, r, c in ((TOTAL_LABEL, tot_r, tot_c), (DIFFERENCE_LABEL, dif_r, dif_c)):
        for cell in (ws.cell(1, c, label), ws.cell(r, 1, label)):
            cell.font, cell.fill = italic, derived_fill
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for k in range(2, n + 2):
        a = col(k)
        cells = (
            ws.cell(k, tot_c, f"=SUM(B{k}:{last}{k})"),
            ws.cell(tot_r, k, f"=SUM({a}2:{a}{n + 1})"),
            ws.cell(k, dif_c, f"={col(tot_c)}{k}-{col(k)}{tot_r}"),
            ws.cell(dif_r, k, f"={col(tot_c)}{k}-{col(k)}{tot_r}"),
        )
        for cell in cells:
            cell.number_format, cell.fill, cell.font = number_format, derived_fill, italic
    grand = ws.cell(tot_r, tot_c, f"=SUM(B2:{last}{n + 1})")
    grand.number_format, grand.fill, grand.font = number_format, derived_fill, italic
    # highlight an account whose difference exceeds a small share of its total
    tol = DIFFERENCE_HIGHLIGHT_RTOL
    T = col(tot_c)
    ws.conditional_formatting.add(
        f"{col(dif_c)}2:{col(dif_c)}{n + 1}",
        FormulaRule(formula=[f"ABS(${col(dif_c)}2)>{tol}*MAX(1,ABS(${T}2))"], fill=alarm_fill))
    ws.conditional_formatting.add(
        f"B{dif_r}:{last}{dif_r}",
        FormulaRule(formula=[f"ABS(B${dif_r})>{tol}*MAX(1,ABS(B${tot_r}))"], fill=alarm_fill))
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = max(12, min(40, 2 + max(len(a) for a in labels)))
    width = max(10, min(22, 4 + max(len(f"{abs(v):,.2f}") for v in values.ravel()) if n else 10))
    for k in range(2, n + 4):
        ws.column_dimensions[col(k)].width = width
    ws.column_dimensions[col(dif_c)].width = max(width, 14)
    ws.row_dimensions[1].height = 30

    acc = wb.create_sheet(ACCOUNTS_SHEET)
    acc.append(["account", "role", "description"])
    for cell in acc[1]:
        cell.font = bold
    for a, (role, desc) in sam.accounts[["role", "description"]].iterrows():
        acc.append([a, role, desc or None])
    roles_list = DataValidation(type="list", formula1=f'"{",".join(ROLES)}"', allow_blank=False,
                                showErrorMessage=True, errorTitle="unknown role",
                                error="choose one of the roles listed in sheet notes")
    acc.add_data_validation(roles_list)
    roles_list.add(f"B2:B{max(n + 1, 2) + 200}")
    acc.freeze_panes = "A2"
    acc.column_dimensions["A"].width = ws.column_dimensions["A"].width
    acc.column_dimensions["B"].width = 2 + max(len(r) for r in ROLES)
    acc.column_dimensions["C"].width = 50

    notes = wb.create_sheet(NOTES_SHEET)
    rows = [
        ("name", sam.name),
        ("unit", sam.unit or None),
        ("accounts", n),
        ("matrix", f"{MATRIX_SHEET}!A1:{last}{n + 1} (labels in row 1 and column A)"),
        (None, None),
        ("convention", "payments by column, receipts by row: the cell in row R and column C "
                       "is what account C pays to account R"),
        ("blank cells", "zero; negative cells are legal"),
        ("totals", f"{TOTAL_LABEL} row and column are formulas; {DIFFERENCE_LABEL} is the row "
                   "total minus the column total, highlighted when it is not ~0; the reader "
                   "ignores them"),
        ("accounts sheet", "one row per account: account, role, description"),
        (None, None),
        ("role", "meaning"),
        *ROLES.items(),
    ]
    for row in rows:
        notes.append(list(row))
    for r in (1, 2, 3, 4, 6, 7, 8, 9, 11):
        notes.cell(r, 1).font = bold
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 100

    for sheet, frame in extra_sheets.items():
        ws_extra = wb.create_sheet(sheet[:31])
        ws_extra.append([str(c) for c in frame.columns])
        for cell in ws_extra[1]:
            cell.font = bold
        for rec in frame.itertuples(index=False):
            ws_extra.append([_plain(v) for v in rec])
        for k, c in enumerate(frame.columns, start=1):
            ws_extra.column_dimensions[col(k)].width = max(12, len(str(c)) + 2)
        ws_extra.freeze_panes = "A2"

    path.parent.mkdir(parents=True, exist_ok=True)
    with _full_precision_floats():
        wb.save(path)


#: The document dates in ``docProps/core.xml``.
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _stamp_workbook(path: Path, timestamp: datetime.datetime) -> None:
    """Rewrite a workbook with ``timestamp`` as its document dates and zip entry dates,
    the entries in the same order and compressed alike: the same SAM written twice gives
    the same bytes."""
    stamp = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (max(timestamp.year, 1980), timestamp.month, timestamp.day,
                 timestamp.hour, timestamp.minute, timestamp.second)
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), data)
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)


def _plain(value: Any) -> Any:
    """A cell value openpyxl can store (numpy scalars to Python, NaN to blank)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
