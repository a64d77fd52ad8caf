"""Cell-level checks of a SAM as the user typed it: a grid of cells and an accounts table.

Readers (``cge.sam.io``) turn a workbook sheet, a CSV file or a DataFrame into a
*grid* (a list of rows of raw cell values) and a *locator* that names a cell in the
user's terms (``SAM!F2``, ``toy.csv line 3, field 6``). The functions here find every
problem in one pass and name its place; nothing is raised until all are collected.

Grid conventions (payments by column, receipts by row):

* row 0 holds the payer labels from column 1 on; column 0 holds the receiver labels
  from row 1 on; cell (0, 0) is a corner label and is ignored;
* a blank cell is zero; negative cells are legal;
* trailing rows and columns labelled ``TOTAL`` or ``DIFFERENCE (row - column)`` (as
  written by :func:`cge.sam.io.write_sam`, or a user's own ``Total``) are derived
  and ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from .core import BALANCE_RTOL, SAM
from .roles import ROLES, allowed_roles_text

#: Label of the written totals row and column.
TOTAL_LABEL = "TOTAL"
#: Label of the written difference row and column (row total minus column total).
DIFFERENCE_LABEL = "DIFFERENCE (row - column)"
#: Labels (compared case-insensitively) of derived rows and columns the reader skips.
DERIVED_LABELS = frozenset({"total", "totals", "sum", "difference", "diff",
                            DIFFERENCE_LABEL.lower()})
#: At most this many problems of one kind are listed; the rest are counted.
MAX_PROBLEMS_PER_KIND = 25

FORMULA_FIX = ("open and save the workbook in Excel/LibreOffice so formulas are calculated, "
               "or replace formulas by values")
_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                           "#GETTING_DATA", "#SPILL!", "#CALC!"})

#: A function naming grid cell ``(row, column)`` (0-based) in the user's terms.
Locator = Callable[[int, int], str]


@dataclass(frozen=True)
class UncachedFormula:
    """A formula cell whose workbook holds no calculated value (never opened in a spreadsheet)."""

    formula: str

    def __str__(self) -> str:
        return self.formula


# -- problem collection ---------------------------------------------------------------
class ProblemList:
    """Problems in the order found, at most :data:`MAX_PROBLEMS_PER_KIND` listed per kind."""

    def __init__(self) -> None:
        self._items: list[Problem] = []
        self._counts: dict[str, int] = {}

    def add(self, kind: str, where: str, message: str, fix: str = "") -> None:
        n = self._counts[kind] = self._counts.get(kind, 0) + 1
        if n <= MAX_PROBLEMS_PER_KIND:
            self._items.append(Problem(kind, where, message, fix))

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p.kind, p.where, p.message, p.fix)

    def __bool__(self) -> bool:
        return bool(self._counts)

    def to_list(self) -> list[Problem]:
        """Every listed problem, plus one line per kind saying how many were left out."""
        more = [Problem(kind, "", f"... and {n - MAX_PROBLEMS_PER_KIND} more problems of this kind "
                        f"({kind})") for kind, n in self._counts.items()
                if n > MAX_PROBLEMS_PER_KIND]
        return self._items + more


# -- cells ------------------------------------------------------------------------------
def is_blank(value: Any) -> bool:
    """True for an empty cell (``None``, ``""`` or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def label_text(value: Any) -> str:
    """An account label as text: ``7`` and ``7.0`` give ``"7"``; spaces are stripped."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_derived(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in DERIVED_LABELS


def _number(value: Any, numeric_text: bool) -> tuple[float | None, str]:
    """The value of a cell as a float, or ``None`` and why it is not one."""
    if is_blank(value):
        return 0.0, ""
    if isinstance(value, UncachedFormula):
        return None, "formula"
    if isinstance(value, (bool, np.bool_)):
        return None, f"value {value!r} is a logical (TRUE/FALSE), not a number"
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if math.isfinite(x):
            return x, ""
        return None, f"value {x} is not finite"
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in _EXCEL_ERRORS:
            return None, f"the cell shows the Excel error {text}"
        try:
            x = float(text)
        except ValueError:
            return None, f"value {value!r} is not a number"
        if not numeric_text:
            return None, f"value {value!r} is a number stored as text"
        if math.isfinite(x):
            return x, ""
        return None, f"value {value!r} is not finite"
    return None, f"value {value!r} ({type(value).__name__}) is not a number"


def _row_cells(grid: Sequence[Sequence[Any]], i: int) -> Sequence[Any]:
    return grid[i] if i < len(grid) else ()


def _cell(grid: Sequence[Sequence[Any]], i: int, j: int) -> Any:
    row = _row_cells(grid, i)
    return row[j] if j < len(row) else None


def _labels_along(cells: Sequence[Any]) -> tuple[list[Any], list[int]]:
    """Account labels (contiguous non-blank cells) and the positions of derived ones after them."""
    labels = []
    for value in cells:
        if is_blank(value):
            break
        labels.append(value)
    derived: list[int] = []
    while labels and _is_derived(labels[-1]):
        labels.pop()
        derived.insert(0, len(labels))
    # derived positions are relative to the first label cell
    return labels, derived


# -- the matrix -------------------------------------------------------------------------
@dataclass
class MatrixParse:
    """What a grid holds: labels, values (when readable) and problems."""

    row_labels: list[str]
    column_labels: list[str]
    values: np.ndarray | None
    problems: list[Problem] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """The matrix as a DataFrame (only when ``values`` is not ``None``)."""
        return pd.DataFrame(self.values, index=self.row_labels, columns=self.column_labels)


def parse_matrix_grid(grid: Sequence[Sequence[Any]], locate: Locator, *,
                      numeric_text: bool = False, what: str = "sheet SAM") -> MatrixParse:
    """Read the square of flows from a grid and check every cell.

    Parameters
    ----------
    grid : sequence of sequences
        Raw cell values, row by row (rows may differ in length).
    locate : callable
        ``locate(i, j)`` names cell ``(i, j)``, e.g. ``"SAM!F2"``.
    numeric_text : bool
        Accept numbers written as text (CSV files); in a workbook such cells are
        reported, since Excel does not add them up.
    what : str
        The place as a whole, for problems about the layout.

    Returns
    -------
    MatrixParse
        ``values`` is ``None`` when labels or cells have problems.
    """
    found = ProblemList()
    if not any(not is_blank(v) for row in grid for v in row):
        found.add("empty", what, "is empty",
                  "put account labels in row 1 and column A and the flows in the square")
        return MatrixParse([], [], None, found.to_list())

    col_raw, col_derived = _labels_along(list(_row_cells(grid, 0))[1:])
    row_raw, row_derived = _labels_along([_cell(grid, i, 0) for i in range(1, len(grid))])
    n_cols, n_rows = len(col_raw), len(row_raw)
    derived_cols = {1 + k for k in col_derived}
    derived_rows = {1 + k for k in row_derived}
    if not n_cols or not n_rows:
        found.add("no_labels", f"{what} ({locate(0, 1)} / {locate(1, 0)})",
                  "has no account labels in the first row or the first column",
                  "put the payer accounts in row 1 from column B and the receiver accounts "
                  "in column A from row 2")

    def labels(raw: list[Any], cell: Callable[[int], tuple[int, int]], axis: str) -> list[str]:
        out, first_seen = [], {}
        for k, value in enumerate(raw):
            i, j = cell(k)
            if isinstance(value, UncachedFormula):
                found.add("formula_uncached", locate(i, j),
                          f"the {axis} label is a formula ={value} with no calculated value",
                          FORMULA_FIX)
            text = label_text(value)
            if text in first_seen:
                found.add("duplicate_label", locate(i, j),
                          f"{axis} account {text!r} appears again (first at {first_seen[text]})",
                          "give every account a unique label")
            else:
                first_seen[text] = locate(i, j)
            out.append(text)
        return out

    cols = labels(col_raw, lambda k: (0, 1 + k), "column")
    rows = labels(row_raw, lambda k: (1 + k, 0), "row")
    _check_same_labels(rows, cols, locate, found)

    # every cell of the labelled rectangle must be a finite number or blank
    values = np.zeros((n_rows, n_cols))
    for a in range(n_rows):
        row = _row_cells(grid, 1 + a)
        for b in range(n_cols):
            raw = row[1 + b] if 1 + b < len(row) else None
            x, why = _number(raw, numeric_text)
            if x is not None:
                values[a, b] = x
                continue
            where = f"{locate(1 + a, 1 + b)} (row {rows[a]}, column {cols[b]})"
            if why == "formula":
                found.add("formula_uncached", where,
                          f"formula ={raw} has no calculated value", FORMULA_FIX)
            elif "not finite" in why:
                found.add("non_finite", where, why, "enter a finite number (blank means zero)")
            else:
                found.add("non_numeric", where, why,
                          "enter a number (blank means zero)"
                          + (", convert the text to a number" if "as text" in why else ""))

    # anything outside the labelled square and the derived totals is a stray value
    square = f"{locate(0, 1)} to {locate(0, n_cols)} and {locate(1, 0)} to {locate(n_rows, 0)}" \
        if n_cols and n_rows else "row 1 and column A"
    last_row = max([n_rows, *derived_rows])
    last_col = max([n_cols, *derived_cols])
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if is_blank(value):
                continue
            derived = (i in derived_rows and j <= last_col) or (j in derived_cols and i <= last_row)
            inside = derived or (i == 0 and j <= n_cols) or (j == 0 and i <= n_rows) \
                or (1 <= i <= n_rows and 1 <= j <= n_cols)
            if not inside:
                found.add("outside_square", locate(i, j),
                          f"value {value!r} lies outside the labelled square of accounts "
                          f"(labels in {square})",
                          "delete it, or give its row and its column an account label")

    problems = found.to_list()
    return MatrixParse(rows, cols, None if found else values, problems)


def _check_same_labels(rows: list[str], cols: list[str], locate: Locator,
                       found: ProblemList) -> None:
    """Rows and columns must list the same accounts in the same order."""
    if rows == cols:
        return
    col_set, row_set = set(cols), set(rows)
    for a, lab in enumerate(rows):
        if lab not in col_set:
            found.add("labels_differ", locate(1 + a, 0),
                      f"row account {lab!r} has no column of the same name",
                      "use the same accounts for rows and columns (check the spelling), "
                      "or delete the row")
    for b, lab in enumerate(cols):
        if lab not in row_set:
            found.add("labels_differ", locate(0, 1 + b),
                      f"column account {lab!r} has no row of the same name",
                      "use the same accounts for rows and columns (check the spelling), "
                      "or delete the column")
    if row_set == col_set and len(rows) == len(cols):
        k = next(k for k, (r, c) in enumerate(zip(rows, cols, strict=True)) if r != c)
        found.add("labels_differ", f"{locate(1 + k, 0)} and {locate(0, 1 + k)}",
                  f"rows and columns list the accounts in a different order "
                  f"(row {k + 1} is {rows[k]!r}, column {k + 1} is {cols[k]!r})",
                  "order the columns like the rows")


# -- the accounts table -----------------------------------------------------------------
def normalise_role(value: Any) -> str:
    """``"Rest of world"`` -> ``"rest_of_world"``: roles are compared in this form."""
    return str(value).strip().lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class AccountEntry:
    """One account of the accounts table and where it stands."""

    account: Any
    role: Any
    description: Any
    where: str
    role_where: str


def parse_accounts_grid(grid: Sequence[Sequence[Any]], locate: Locator,
                        what: str = "sheet accounts") -> tuple[list[AccountEntry], list[Problem]]:
    """Entries of an accounts table with header row ``account``, ``role`` [, ``description``]."""
    header = [str(v).strip().lower() if not is_blank(v) else "" for v in _row_cells(grid, 0)]
    if "account" not in header or "role" not in header:
        shown = [h for h in header if h] or "nothing"
        return [], [Problem("accounts_header", f"{what} ({locate(0, 0)})",
                            f"the header row must name the columns 'account' and 'role' "
                            f"(found: {shown})",
                            "put account, role (and optionally description) in row 1")]
    ja, jr = header.index("account"), header.index("role")
    jd = header.index("description") if "description" in header else None
    entries = []
    for i in range(1, len(grid)):
        acc, role = _cell(grid, i, ja), _cell(grid, i, jr)
        desc = _cell(grid, i, jd) if jd is not None else None
        if is_blank(acc) and is_blank(role) and is_blank(desc):
            continue
        entries.append(AccountEntry(acc, role, desc, locate(i, ja), locate(i, jr)))
    return entries, []


def entries_from_roles(roles: Any) -> tuple[list[AccountEntry], list[Problem]]:
    """Entries from a mapping account -> role, a Series, or a DataFrame account/role[/description]."""
    if isinstance(roles, pd.DataFrame):
        table = roles.reset_index() if "account" not in roles.columns else roles
        if "account" not in table.columns or "role" not in table.columns:
            return [], [Problem("accounts_header", "roles",
                                f"the roles table needs columns 'account' and 'role' "
                                f"(found: {list(roles.columns)})",
                                "pass a DataFrame with columns account, role[, description]")]
        desc = table["description"] if "description" in table.columns else [None] * len(table)
        return [AccountEntry(a, r, d, f"roles row {k}", f"roles row {k}")
                for k, (a, r, d) in enumerate(zip(table["account"], table["role"], desc,
                                                                 strict=True))], []
    if isinstance(roles, pd.Series):
        roles = roles.to_dict()
    if not hasattr(roles, "items"):
        return [], [Problem("accounts_header", "roles",
                            f"roles must be a mapping account -> role or a DataFrame, "
                            f"not {type(roles).__name__}", "")]
    return [AccountEntry(a, r, None, f"roles[{a!r}]", f"roles[{a!r}]")
            for a, r in roles.items()], []


def check_accounts(entries: Sequence[AccountEntry], labels: Sequence[str], *,
                   matrix_where: Callable[[str], str] = lambda a: f"account {a}",
                   what: str = "sheet accounts") -> tuple[pd.DataFrame | None, list[Problem]]:
    """Match the accounts table to the matrix labels and check every role.

    Returns the table (indexed by account in matrix order, columns ``role`` and
    ``description``) or ``None`` when there are problems.
    """
    found = ProblemList()
    table: dict[str, tuple[str, str]] = {}
    first: dict[str, str] = {}
    known = set(labels)
    for e in entries:
        if isinstance(e.account, UncachedFormula) or isinstance(e.role, UncachedFormula):
            found.add("formula_uncached", e.where, "formula with no calculated value", FORMULA_FIX)
            continue
        if is_blank(e.account):
            found.add("missing_account", e.where, f"role {e.role!r} is given for no account",
                      "fill in the account label or delete the row")
            continue
        acc = label_text(e.account)
        if acc in first:
            found.add("duplicate_account", e.where,
                      f"account {acc!r} is listed again (first at {first[acc]})",
                      f"keep one row per account in {what}")
            continue
        first[acc] = e.where
        if acc not in known:
            found.add("unknown_account", e.where,
                      f"account {acc!r} is not in the SAM",
                      "correct the spelling to match the SAM labels, or delete the row")
        role = "" if is_blank(e.role) else normalise_role(e.role)
        if not role:
            found.add("missing_role", e.role_where, f"account {acc!r} has no role",
                      f"enter one of: {allowed_roles_text()}")
        elif role not in ROLES:
            found.add("unknown_role", e.role_where,
                      f"account {acc!r} has the unknown role {e.role!r}",
                      f"use one of: {allowed_roles_text()}")
        description = "" if is_blank(e.description) else str(e.description).strip()
        table[acc] = (role, description)
    for acc in labels:
        if acc not in first:
            found.add("missing_account", matrix_where(acc),
                      f"account {acc!r} is in the SAM but not in {what}",
                      f"add a row for {acc} with its role to {what}")
    if found:
        return None, found.to_list()
    accounts = pd.DataFrame({"role": [table[a][0] for a in labels],
                             "description": [table[a][1] for a in labels]},
                            index=pd.Index(list(labels), name="account"))
    return accounts, []


# -- the report ---------------------------------------------------------------------------
@dataclass
class CheckReport:
    """Result of :func:`cge.sam.io.check_sam`: the SAM (when readable) and every problem.

    Structural problems (cells, labels, roles) make ``sam`` ``None``; imbalances
    (kind ``"imbalance"``) leave the SAM readable but are problems all the same.
    """

    source: str
    sam: SAM | None
    problems: list[Problem]
    rtol: float = BALANCE_RTOL

    @property
    def ok(self) -> bool:
        """True when the SAM is readable and balanced."""
        return self.sam is not None and not self.problems

    @property
    def imbalances(self) -> list[Problem]:
        """Accounts whose receipts differ from their payments."""
        return [p for p in self.problems if p.kind == "imbalance"]

    @property
    def errors(self) -> list[Problem]:
        """Problems that keep the SAM from being read."""
        return [p for p in self.problems if p.kind != "imbalance"]

    def __str__(self) -> str:
        if self.ok:
            return f"{self.source}: valid, balanced SAM ({len(self.sam.labels)} accounts)"
        lines = [f"{self.source}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)
